package org.repgroup.testkit.dovecot;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.ConnectException;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.repgroup.testkit.LineClient;
import org.repgroup.testkit.junit.DovecotAssumptions;

@Timeout(120)
class DovecotGroupIT {

  @BeforeAll
  static void dovecot() {
    DovecotAssumptions.assumeInstalled();
  }

  @Test
  void threeInstancesShareOneMaildirAndReplicasReferToTheMaster(@TempDir Path work) throws Exception {
    try (DovecotGroup g = DovecotGroup.builder(work.resolve("group")).instances(3).user("alice", "secret")
        .replicaOf(0, 2).replicaOf(1, 2).start()) {
      try (LineClient c = new LineClient(g.instance(0).lmtpAddress())) {
        assertThat(c.readLine()).startsWith("220");
        c.send("LHLO test");
        c.readUntil("250 ");
        assertThat(c.command("MAIL FROM:<s@example.com>")).startsWith("250");
        assertThat(c.command("RCPT TO:<alice>")).startsWith("250");
        assertThat(c.command("DATA")).startsWith("354");
        c.send("Subject: it");
        c.send("");
        c.send("hello");
        assertThat(c.command(".")).startsWith("250");
      }
      assertThat(g.messageCount("alice")).isEqualTo(1);

      try (LineClient c = new LineClient(g.instance(2).imapAddress())) {
        c.readLine();
        assertThat(c.command("a LOGIN alice secret")).startsWith("a OK");
        c.send("b SELECT INBOX");
        assertThat(c.readUntil("b ")).contains("* 1 EXISTS");
      }
      try (LineClient c = new LineClient(g.instance(0).imapAddress())) {
        c.readLine();
        assertThat(c.command("a LOGIN alice secret"))
            .startsWith("a NO [REFERRAL imap://alice;AUTH=PLAIN@" + g.instance(2).imapAddress() + "/]");
      }
      try (LineClient c = new LineClient(g.instance(1).popAddress())) {
        c.readLine();
        c.command("USER alice");
        assertThat(c.command("PASS secret")).startsWith("-ERR").doesNotContain("SYS/REFER");
      }

      g.instance(1).stop();
      assertThatThrownBy(() -> new LineClient(g.instance(1).imapAddress())).isInstanceOf(ConnectException.class);
      assertThat(g.instance(1).isRunning()).isFalse();
    }
  }
}
