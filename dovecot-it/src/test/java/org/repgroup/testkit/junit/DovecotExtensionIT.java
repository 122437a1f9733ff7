package org.repgroup.testkit.junit;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.repgroup.core.Protocol;
import org.repgroup.core.ReplicationGroup;
import org.repgroup.testkit.LineClient;
import org.repgroup.testkit.dovecot.DovecotGroup;
import org.repgroup.testkit.dovecot.DovecotInstance;

/** The extension on real Dovecot: skipped without it, failed without it under REPGROUP_REQUIRE_DOVECOT=1. */
@Timeout(120)
class DovecotExtensionIT {

  @RegisterExtension
  static final ReplicationGroupExtension<DovecotGroup> DOVECOT = ReplicationGroupExtension.dovecot(b -> b
      .instances(2).user("alice", "secret").replicaOf(0, 1));

  @Test
  void theReplicaInjectedRefersLoginsToTheMasterInjected(@Node(0) DovecotInstance replica,
      @Node(1) DovecotInstance master, @GroupFor(Protocol.IMAP) ReplicationGroup imap) throws Exception {
    assertThat(imap.hosts().hosts()).containsExactly(replica.imapAddress(), master.imapAddress());
    assertThat(imap.name()).isEqualTo(ReplicationGroupExtension.DOVECOT_GROUP_NAME);
    try (LineClient c = new LineClient(replica.imapAddress())) {
      c.readLine();
      assertThat(c.command("a LOGIN alice secret")).startsWith("a NO [REFERRAL imap://alice;AUTH=PLAIN@"
          + master.imapAddress() + "/]");
    }
  }
}
