package org.repgroup.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.repgroup.core.Protocol;
import org.repgroup.core.ReplicationGroup;

@Timeout(30)
class SimulatedReplicationGroupTest {

  static void deliverOnMaster(SimulatedReplicationGroup g, String user, String body) throws Exception {
    try (LineClient c = new LineClient(g.master().orElseThrow().address(Protocol.LMTP))) {
      assertThat(c.readLine()).startsWith("220 ");
      c.send("LHLO test");
      c.readUntil("250 ");
      assertThat(c.command("MAIL FROM:<sender@example.com>")).startsWith("250");
      assertThat(c.command("RCPT TO:<" + user + "@example.com>")).startsWith("250");
      assertThat(c.command("DATA")).startsWith("354");
      c.send("Subject: test");
      c.send("");
      c.send(body);
      assertThat(c.command(".")).startsWith("250 2.0.0");
    }
  }

  @Test
  void groupStartedWithoutAMasterHoldsAnElection() {
    try (SimulatedReplicationGroup g = SimulatedReplicationGroup.builder().nodes(3).build()) {
      assertThat(g.elections()).isEqualTo(1);
      assertThat(g.master()).contains(g.node(0));
      assertThat(g.node(0).role()).isEqualTo(NodeRole.MASTER);
      assertThat(g.node(1).role()).isEqualTo(NodeRole.REPLICA);
    }
  }

  @Test
  void mostUpToDateLogWinsTheElection() throws Exception {
    try (SimulatedReplicationGroup g = SimulatedReplicationGroup.builder().nodes(3).priorities(100, 200, 100)
        .startAsMaster(0).build()) {
      g.node(1).setReplicationPaused(true);
      deliverOnMaster(g, "alice", "one");

      g.node(0).kill();

      assertThat(g.node(1).logPosition()).isZero();
      assertThat(g.node(2).logPosition()).isEqualTo(1);
      assertThat(g.master()).as("log beats priority").contains(g.node(2));
    }
  }

  @Test
  void highestPriorityWinsWhenLogsAreEqual() {
    try (SimulatedReplicationGroup g = SimulatedReplicationGroup.builder().nodes(3).priorities(100, 50, 200)
        .startAsMaster(0).build()) {
      g.node(0).kill();

      assertThat(g.master()).contains(g.node(2));
    }
  }

  @Test
  void priorityZeroNodeIsNeverElected() {
    try (SimulatedReplicationGroup g = SimulatedReplicationGroup.builder().nodes(3).priorities(100, 0, 0)
        .startAsMaster(0).build()) {
      g.node(0).kill();

      assertThat(g.master()).isEmpty();
      assertThat(g.node(1).role()).isEqualTo(NodeRole.REPLICA);
    }
  }

  @Test
  void twoNodeGroupWithoutTwoSiteModeStaysReadOnly() throws Exception {
    try (SimulatedReplicationGroup g = SimulatedReplicationGroup.builder().nodes(2).user("alice", "secret")
        .startAsMaster(0).build()) {
      g.node(0).kill();

      assertThat(g.master()).isEmpty();
      try (LineClient pop = new LineClient(g.node(1).address(Protocol.POP))) {
        pop.readLine();
        assertThat(pop.command("USER alice")).isEqualTo("-ERR [SYS/TEMP] no master, read-only");
      }
      try (LineClient imap = new LineClient(g.node(1).address(Protocol.IMAP))) {
        imap.readLine();
        assertThat(imap.command("a LOGIN alice secret")).startsWith("a OK");
        imap.send("b APPEND INBOX {5+}");
        imap.send("hello");
        assertThat(imap.readLine()).startsWith("b NO [READ-ONLY]");
      }
      try (LineClient lmtp = new LineClient(g.node(1).address(Protocol.LMTP))) {
        assertThat(lmtp.readLine()).doesNotContain("REFERRAL");
        lmtp.send("LHLO x");
        lmtp.readUntil("250 ");
        assertThat(lmtp.command("MAIL FROM:<a@b>")).isEqualTo("451 4.3.0 no master, read-only");
      }
    }
  }

  @Test
  void twoNodeGroupInTwoSiteModeElects() {
    try (SimulatedReplicationGroup g = SimulatedReplicationGroup.builder().nodes(2).twoSiteMode(true)
        .startAsMaster(0).build()) {
      g.node(0).kill();

      assertThat(g.master()).contains(g.node(1));
    }
  }

  @Test
  void restartedMasterRejoinsAsReplica() {
    try (SimulatedReplicationGroup g = SimulatedReplicationGroup.builder().nodes(3).startAsMaster(0).build()) {
      g.node(0).kill();
      assertThat(g.node(0).role()).isEqualTo(NodeRole.STOPPED);

      g.node(0).start();

      assertThat(g.node(0).role()).isEqualTo(NodeRole.REPLICA);
      assertThat(g.master()).contains(g.node(1));
    }
  }

  @Test
  void stoppedNodeRefusesConnections() {
    try (SimulatedReplicationGroup g = SimulatedReplicationGroup.builder().nodes(3).startAsMaster(0).build()) {
      g.node(2).stop();

      org.assertj.core.api.Assertions.assertThatThrownBy(() -> new LineClient(g.node(2).address(Protocol.IMAP)))
          .isInstanceOf(java.net.ConnectException.class);
    }
  }

  @Test
  void replicaRefersImapLoginWithNoAndTheMastersAddress() throws Exception {
    try (SimulatedReplicationGroup g = SimulatedReplicationGroup.builder().nodes(3).user("al@ice", "secret")
        .startAsMaster(2).build()) {
      try (LineClient c = new LineClient(g.node(0).address(Protocol.IMAP))) {
        assertThat(c.readLine()).startsWith("* OK [CAPABILITY").contains("LOGIN-REFERRALS");

        assertThat(c.command("a LOGIN \"al@ice\" secret")).isEqualTo(
            "a NO [REFERRAL imap://al%40ice;AUTH=PLAIN@" + g.node(2).address(Protocol.IMAP) + "/] Try the master");
      }
    }
  }

  @Test
  void replicaWithOkStyleLogsInAndRefersWriters() throws Exception {
    try (SimulatedReplicationGroup g = SimulatedReplicationGroup.builder().nodes(3).user("alice", "secret")
        .imapReferral(ImapReferralStyle.OK).startAsMaster(1).build()) {
      g.deliver("alice", "Subject: x\r\n\r\nhi\r\n".getBytes(StandardCharsets.US_ASCII));
      try (LineClient c = new LineClient(g.node(0).address(Protocol.IMAP))) {
        c.readLine();

        assertThat(c.command("a LOGIN alice secret"))
            .startsWith("a OK [REFERRAL imap://" + g.node(1).address(Protocol.IMAP) + "/]");
        c.send("b EXAMINE INBOX");
        assertThat(c.readUntil("b ")).contains("* 1 EXISTS");
      }
    }
  }

  @Test
  void portlessReferralsLeaveOutThePort() throws Exception {
    try (SimulatedReplicationGroup g = SimulatedReplicationGroup.builder().nodes(3).user("alice", "secret")
        .portlessReferrals(true).startAsMaster(1).build()) {
      try (LineClient c = new LineClient(g.node(0).address(Protocol.POP))) {
        c.readLine();
        assertThat(c.command("USER alice")).isEqualTo("-ERR [SYS/REFER/127.0.0.1] Try the master");
      }
    }
  }

  @Test
  void replicaRefersPopUserToTheMaster() throws Exception {
    try (SimulatedReplicationGroup g = SimulatedReplicationGroup.builder().nodes(3).user("alice", "secret")
        .startAsMaster(1).build()) {
      try (LineClient c = new LineClient(g.node(0).address(Protocol.POP))) {
        c.readLine();

        assertThat(c.command("USER alice"))
            .isEqualTo("-ERR [SYS/REFER/" + g.node(1).address(Protocol.POP) + "] Try the master");
      }
      assertThat(g.node(0).pop().sawCommand("PASS")).isFalse();
    }
  }

  @Test
  void replicaLmtpGreetingCarriesTheMaster() throws Exception {
    try (SimulatedReplicationGroup g = SimulatedReplicationGroup.builder().nodes(3).startAsMaster(2).build()) {
      try (LineClient c = new LineClient(g.node(0).address(Protocol.LMTP))) {
        assertThat(c.readLine()).isEqualTo("220 node1 LMTP Repgroup testkit ready [REFERRAL lmtp://"
            + g.node(2).address(Protocol.LMTP) + "/]");
      }
      try (LineClient c = new LineClient(g.node(2).address(Protocol.LMTP))) {
        assertThat(c.readLine()).isEqualTo("220 node3 LMTP Repgroup testkit ready");
      }
    }
  }

  @Test
  void writeOnTheMasterIsReadableOnAReplica() throws Exception {
    try (SimulatedReplicationGroup g = SimulatedReplicationGroup.builder().nodes(3).user("alice", "secret")
        .imapReferral(ImapReferralStyle.OK).startAsMaster(0).build()) {
      deliverOnMaster(g, "alice", "..dot-stuffed line");

      try (LineClient c = new LineClient(g.node(2).address(Protocol.IMAP))) {
        c.readLine();
        c.command("a LOGIN alice secret");
        c.send("b EXAMINE INBOX");
        assertThat(c.readUntil("b ")).contains("* 1 EXISTS");
        c.send("c FETCH 1 (BODY.PEEK[TEXT])");
        assertThat(c.readLine()).isEqualTo("* 1 FETCH (BODY[TEXT] {19}");
        assertThat(new String(c.readBytes(19), StandardCharsets.US_ASCII)).isEqualTo(".dot-stuffed line\r\n");
      }
      assertThat(g.mailbox("alice")).singleElement()
          .satisfies(m -> assertThat(m.text()).isEqualTo("Subject: test\r\n\r\n.dot-stuffed line\r\n"));
    }
  }

  @Test
  void badPasswordIsAnAuthenticationFailureOnEveryProtocol() throws Exception {
    try (SimulatedReplicationGroup g = SimulatedReplicationGroup.builder().nodes(3).user("alice", "secret")
        .startAsMaster(0).build()) {
      try (LineClient c = new LineClient(g.node(0).address(Protocol.IMAP))) {
        c.readLine();
        assertThat(c.command("a LOGIN alice wrong")).isEqualTo("a NO [AUTHENTICATIONFAILED] Authentication failed.");
      }
      try (LineClient c = new LineClient(g.node(0).address(Protocol.POP))) {
        c.readLine();
        c.command("USER alice");
        assertThat(c.command("PASS wrong")).isEqualTo("-ERR [AUTH] Authentication failed.");
      }
    }
  }

  @Test
  void adminProxyLoginActsAsTheUserAndRecordsTheAuthorizationId() throws Exception {
    try (SimulatedReplicationGroup g = SimulatedReplicationGroup.builder().nodes(3).user("alice", "secret")
        .admin("mmpadmin", "adminpass").startAsMaster(0).build()) {
      String plain = Base64.getEncoder().encodeToString("alice\0mmpadmin\0adminpass".getBytes(StandardCharsets.UTF_8));
      try (LineClient c = new LineClient(g.node(0).address(Protocol.IMAP))) {
        c.readLine();
        assertThat(c.command("a AUTHENTICATE PLAIN " + plain)).startsWith("a OK");
      }
      assertThat(g.node(0).imap().lastAuthorizationId()).isEqualTo("alice");
      ReplicationGroup rg = g.replicationGroup(Protocol.IMAP);
      assertThat(rg.admin()).hasValueSatisfying(a -> assertThat(a.user()).isEqualTo("mmpadmin"));
      assertThat(rg.hosts().hosts()).containsExactly(g.node(0).address(Protocol.IMAP),
          g.node(1).address(Protocol.IMAP), g.node(2).address(Protocol.IMAP));
    }
  }

  @Test
  void popRetrieveAndDeleteCommitOnQuit() throws Exception {
    try (SimulatedReplicationGroup g = SimulatedReplicationGroup.builder().nodes(3).user("alice", "secret")
        .startAsMaster(0).build()) {
      g.deliver("alice", "Subject: a\r\n\r\n.starts with a dot\r\n".getBytes(StandardCharsets.US_ASCII));
      try (LineClient c = new LineClient(g.node(0).address(Protocol.POP))) {
        c.readLine();
        c.command("USER alice");
        c.command("PASS secret");
        assertThat(c.command("STAT")).isEqualTo("+OK 1 34");
        c.send("RETR 1");
        assertThat(List.of(c.readLine(), c.readLine(), c.readLine(), c.readLine(), c.readLine()))
            .containsExactly("+OK 34 octets", "Subject: a", "", "..starts with a dot", ".");
        assertThat(c.command("DELE 1")).startsWith("+OK");
        assertThat(c.command("QUIT")).isEqualTo("+OK Bye");
      }
      assertThat(g.mailbox("alice")).isEmpty();
      assertThat(g.node(0).logPosition()).isEqualTo(1);
    }
  }

  @Test
  void lmtpRepliesOncePerAcceptedRecipientInOrder() throws Exception {
    try (LmtpServer s = new LmtpServer().start()) {
      s.rejectRecipient("bob@example.com", "550 5.1.1 <bob@example.com> no such user");
      s.replyAfterData("carol@example.com", "452 4.2.2 <carol@example.com> over quota");
      try (LineClient c = new LineClient(s.address())) {
        c.readLine();
        c.send("LHLO x");
        c.readUntil("250 ");
        c.command("MAIL FROM:<a@example.com>");
        assertThat(c.command("RCPT TO:<alice@example.com>")).startsWith("250");
        assertThat(c.command("RCPT TO:<bob@example.com>")).startsWith("550 5.1.1");
        assertThat(c.command("RCPT TO:<carol@example.com>")).startsWith("250");
        c.command("DATA");
        c.send("hi");
        c.send(".");
        assertThat(c.readLine()).startsWith("250 2.0.0 <alice@example.com>");
        assertThat(c.readLine()).startsWith("452 4.2.2 <carol@example.com>");
      }
      assertThat(s.store().messages("alice")).hasSize(1);
      assertThat(s.store().messages("carol")).isEmpty();
    }
  }

  @Test
  void urlfetchReturnsRegisteredContentOrNil() throws Exception {
    try (ImapServer s = new ImapServer().user("submit", "pw").start()) {
      s.store().registerUrl("imap://alice@h/INBOX/;uid=1;urlauth=submit+x:internal:abc", "hello".getBytes(StandardCharsets.US_ASCII));
      try (LineClient c = new LineClient(s.address())) {
        c.readLine();
        c.command("a LOGIN submit pw");
        c.send("b URLFETCH \"imap://alice@h/INBOX/;uid=1;urlauth=submit+x:internal:abc\" \"imap://nope\"");
        assertThat(c.readLine()).isEqualTo("* URLFETCH \"imap://alice@h/INBOX/;uid=1;urlauth=submit+x:internal:abc\" {5}");
        assertThat(new String(c.readBytes(5), StandardCharsets.US_ASCII)).isEqualTo("hello");
        assertThat(c.readLine()).isEmpty();
        assertThat(c.readLine()).isEqualTo("* URLFETCH \"imap://nope\" NIL");
        assertThat(c.readLine()).isEqualTo("b OK URLFETCH completed");
      }
    }
  }
}
