package org.repgroup.lmtp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.repgroup.core.Protocol;
import org.repgroup.core.RepgroupResources;
import org.repgroup.core.FailoverPolicy;
import org.repgroup.testkit.dovecot.Dovecot;
import org.repgroup.testkit.dovecot.DovecotGroup;

@Timeout(120)
class LmtpDovecotIT {

  @BeforeAll
  static void dovecot() {
    if (Dovecot.required()) {
      assertThat(Dovecot.binary()).as(Dovecot.INSTALL_HINT).isPresent();
    }
    assumeTrue(Dovecot.binary().isPresent(), Dovecot.INSTALL_HINT);
  }

  @Test
  void deliveriesToTwoUsersWithTheFirstHostDeadLandExactlyOnceEach(@TempDir Path work) throws Exception {
    try (DovecotGroup g = DovecotGroup.builder(work).instances(3).user("alice", "secret").user("bob", "secret").start();
         RepgroupResources resources = RepgroupResources.create();
         LmtpFailoverClient lmtp = LmtpFailoverClient.builder(resources)
             .policy(FailoverPolicy.builder().stagger(Duration.ZERO).deadline(Duration.ofSeconds(10)).build())
             .build()) {
      g.instance(0).stop();
      byte[] message = "Subject: real dovecot\r\n\r\n.leading dot\r\nbody\r\n".getBytes(StandardCharsets.US_ASCII);

      DeliveryResult r = lmtp.deliver(g.replicationGroup("dovecot", Protocol.LMTP), "sender@example.com",
          List.of("alice", "bob"), MessageSource.of(message));

      assertThat(r.allDelivered()).as(r.recipients().toString()).isTrue();
      assertThat(r.host()).isEqualTo(g.instance(1).lmtpAddress());
      assertThat(g.messageCount("alice")).isEqualTo(1);
      assertThat(g.messageCount("bob")).isEqualTo(1);
    }
  }
}
