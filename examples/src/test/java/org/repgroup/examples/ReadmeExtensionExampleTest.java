package org.repgroup.examples;

import static org.assertj.core.api.Assertions.assertThat;

import org.eclipse.angus.mail.imap.IMAPStore;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.repgroup.core.Credentials;
import org.repgroup.core.Intent;
import org.repgroup.core.Protocol;
import org.repgroup.core.ReplicationGroup;
import org.repgroup.core.RepgroupResources;
import org.repgroup.imap.ImapFailoverClient;
import org.repgroup.testkit.Fault;
import org.repgroup.testkit.SimulatedNode;
import org.repgroup.testkit.SimulatedReplicationGroup;
import org.repgroup.testkit.junit.GroupFor;
import org.repgroup.testkit.junit.Node;
import org.repgroup.testkit.junit.ReplicationGroupExtension;

/** The README's "Testing your own code" example, as a user's test class holds it. */
@Timeout(60)
class ReadmeExtensionExampleTest {

  static final Credentials ALICE = new Credentials("alice", "secret");
  final RepgroupResources resources = RepgroupResources.create();

  @AfterEach
  void tearDown() {
    resources.close();
  }

  @RegisterExtension
  final ReplicationGroupExtension<SimulatedReplicationGroup> group =
      ReplicationGroupExtension.simulated(b -> b.user("alice", "secret").startAsMaster(1));

  @Test
  void loginLeavesTheSilentHostAndLandsOnTheMaster(@GroupFor(Protocol.IMAP) ReplicationGroup imap,
      @Node(0) SimulatedNode silent, @Node(1) SimulatedNode master) throws Exception {
    silent.setFault(Fault.blackHole());
    try (IMAPStore store = ImapFailoverClient.builder(resources).build().connect(imap, ALICE, Intent.WRITE)) {
      assertThat(store.isConnected()).isTrue();
    }
    assertThat(master.sawCredentials()).isTrue();
  }
}
