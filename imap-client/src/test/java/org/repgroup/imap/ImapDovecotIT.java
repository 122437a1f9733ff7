package org.repgroup.imap;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import jakarta.mail.Folder;
import jakarta.mail.Message;
import jakarta.mail.Session;
import jakarta.mail.internet.MimeMessage;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Properties;
import org.eclipse.angus.mail.imap.IMAPStore;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.repgroup.core.Credentials;
import org.repgroup.core.Protocol;
import org.repgroup.core.RepgroupResources;
import org.repgroup.core.failover.FailoverPolicy;
import org.repgroup.core.failover.Intent;
import org.repgroup.testkit.dovecot.Dovecot;
import org.repgroup.testkit.dovecot.DovecotGroup;

@Timeout(120)
class ImapDovecotIT {

  @BeforeAll
  static void dovecot() {
    if (Dovecot.required()) {
      assertThat(Dovecot.binary()).as(Dovecot.INSTALL_HINT).isPresent();
    }
    assumeTrue(Dovecot.binary().isPresent(), Dovecot.INSTALL_HINT);
  }

  @Test
  void writerGivenTheReplicasFirstEndsOnTheMasterAndAppends(@TempDir Path work) throws Exception {
    try (DovecotGroup g = DovecotGroup.builder(work).instances(3).user("alice", "secret")
        .replicaOf(0, 2).replicaOf(1, 2).start();
         RepgroupResources resources = RepgroupResources.create()) {
      ImapFailoverClient imap = ImapFailoverClient.builder(resources)
          .policy(FailoverPolicy.builder().stagger(Duration.ofMillis(100)).deadline(Duration.ofSeconds(10)).build())
          .build();

      var served = imap.connectTraced(g.replicationGroup("dovecot", Protocol.IMAP), new Credentials("alice", "secret"),
          Intent.WRITE);

      assertThat(served.host()).isEqualTo(g.instance(2).imapAddress());
      assertThat(served.trace().referralsFollowed()).isEqualTo(1);
      try (IMAPStore store = served.value()) {
        Folder inbox = store.getFolder("INBOX");
        MimeMessage m = new MimeMessage(Session.getInstance(new Properties()),
            new ByteArrayInputStream("Subject: appended\r\n\r\nvia the master\r\n".getBytes(StandardCharsets.US_ASCII)));
        inbox.appendMessages(new Message[] {m});
        inbox.open(Folder.READ_ONLY);
        assertThat(inbox.getMessageCount()).isEqualTo(1);
        assertThat(inbox.getMessage(1).getSubject()).isEqualTo("appended");
      }
      assertThat(g.messageCount("alice")).isEqualTo(1);
    }
  }
}
