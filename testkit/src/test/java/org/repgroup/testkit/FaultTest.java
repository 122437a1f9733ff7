package org.repgroup.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.ConnectException;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(30)
class FaultTest {

  final Pop3Server pop = new Pop3Server().user("alice", "secret");
  final LmtpServer lmtp = new LmtpServer();
  final ImapServer imap = new ImapServer().user("alice", "secret");

  @AfterEach
  void tearDown() {
    pop.close();
    lmtp.close();
    imap.close();
  }

  @Test
  void refuseFaultClosesThePortAndClearingReopensIt() throws Exception {
    pop.start();
    int port = pop.port();

    pop.setFault(Fault.refuse());
    assertThatThrownBy(() -> new LineClient(pop.address())).isInstanceOf(ConnectException.class);

    pop.clearFault();
    assertThat(pop.port()).isEqualTo(port);
    try (LineClient c = new LineClient(pop.address())) {
      assertThat(c.readLine()).startsWith("+OK");
    }
  }

  @Test
  void blackHoleAcceptsAndNeverAnswers() throws Exception {
    pop.start();
    pop.setFault(Fault.blackHole());

    try (LineClient c = new LineClient(pop.address(), 200)) {
      assertThatThrownBy(c::readLine).isInstanceOf(SocketTimeoutException.class);
    }
    assertThat(pop.connectionCount()).isEqualTo(1);
  }

  @Test
  void stallAfterGreetingGreetsThenGoesSilent() throws Exception {
    pop.start();
    pop.setFault(Fault.stallAfterGreeting());

    try (LineClient c = new LineClient(pop.address(), 200)) {
      assertThat(c.readLine()).startsWith("+OK");
      c.send("USER alice");
      assertThatThrownBy(c::readLine).isInstanceOf(SocketTimeoutException.class);
    }
  }

  @Test
  void stallAtCommandFreezesOnThatCommandOnly() throws Exception {
    pop.start();
    pop.setFault(Fault.stallAtCommand("PASS"));

    try (LineClient c = new LineClient(pop.address(), 200)) {
      c.readLine();
      assertThat(c.command("USER alice")).isEqualTo("+OK");
      c.send("PASS secret");
      assertThatThrownBy(c::readLine).isInstanceOf(SocketTimeoutException.class);
    }
    assertThat(pop.sawCommand("PASS")).isTrue();
  }

  @Test
  void slowFaultDelaysEveryReply() throws Exception {
    pop.start();
    pop.setFault(Fault.slow(Duration.ofMillis(150)));

    long start = System.nanoTime();
    try (LineClient c = new LineClient(pop.address())) {
      assertThat(c.readLine()).startsWith("+OK");
    }
    assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThanOrEqualTo(Duration.ofMillis(150));
  }

  @Test
  void resetAfterBytesCutsTheGreetingShort() throws Exception {
    pop.start();
    pop.setFault(Fault.resetAfterBytes(4));

    try (LineClient c = new LineClient(pop.address())) {
      byte[] got = c.readBytes(4);
      assertThat(new String(got, java.nio.charset.StandardCharsets.US_ASCII)).isEqualTo("+OK ");
      assertThat(c.read()).as("end of stream right after the 4 bytes").isEqualTo(-1);
    }
  }

  @Test
  void resetAtCommandDropsTheConnectionWithoutAnswering() throws Exception {
    pop.start();
    pop.setFault(Fault.resetAtCommand("STAT"));

    try (LineClient c = new LineClient(pop.address())) {
      c.readLine();
      c.command("USER alice");
      c.command("PASS secret");
      c.send("STAT");
      assertThatThrownBy(c::readLine).isInstanceOf(SocketException.class).hasMessageContaining("reset");
    }
  }

  @Test
  void resetAfterRepliesDeliversSomePerRecipientRepliesThenResets() throws Exception {
    lmtp.start();
    lmtp.setFault(Fault.resetAfterReplies("DATA", 2));

    try (LineClient c = new LineClient(lmtp.address())) {
      c.readLine();
      c.send("LHLO x");
      c.readUntil("250 ");
      c.command("MAIL FROM:<s@example.com>");
      c.command("RCPT TO:<a@example.com>");
      c.command("RCPT TO:<b@example.com>");
      c.command("RCPT TO:<c@example.com>");
      assertThat(c.command("DATA")).startsWith("354");
      c.send("hello");
      c.send(".");
      assertThat(c.readLine()).startsWith("250 2.0.0 <a@example.com>");
      assertThat(c.readLine()).startsWith("250 2.0.0 <b@example.com>");
      assertThat(c.readLine()).as("cut before the third reply").isNull();
    }
  }

  @Test
  void garbageGreetingSendsJunk() throws Exception {
    pop.start();
    pop.setFault(Fault.garbageGreeting());

    try (LineClient c = new LineClient(pop.address())) {
      assertThat(c.readLine()).contains("\0").doesNotStartWith("+OK");
    }
  }

  @Test
  void oversizedLineSendsALineWithNoEnd() throws Exception {
    pop.start();
    pop.setFault(Fault.oversizedLine(100_000));

    try (LineClient c = new LineClient(pop.address(), 500)) {
      byte[] got = c.readBytes(100_000);
      assertThat(got).hasSize(100_000).doesNotContain((byte) '\n');
      assertThatThrownBy(c::read).isInstanceOf(SocketTimeoutException.class);
    }
  }

  @Test
  void scriptedReplyOverridesTheNormalOne() throws Exception {
    pop.start();
    pop.onCommand("PASS", cmd -> "-ERR [SYS/TEMP] try later");

    try (LineClient c = new LineClient(pop.address())) {
      c.readLine();
      c.command("USER alice");
      assertThat(c.command("PASS secret")).isEqualTo("-ERR [SYS/TEMP] try later");
    }
    assertThat(pop.sawCredentials()).isTrue();
  }

  @Test
  void faultOnANodeAppliesToAllItsServers() throws Exception {
    try (SimulatedReplicationGroup g = SimulatedReplicationGroup.builder().startAsMaster(0).build()) {
      g.node(1).setFault(Fault.refuse());

      for (ScriptedServer s : g.node(1).servers()) {
        assertThatThrownBy(() -> new LineClient(s.address())).as(s + " listening=" + s.isListening())
            .isInstanceOf(ConnectException.class);
      }
      g.node(1).clearFault();
      try (LineClient c = new LineClient(g.node(1).lmtp().address())) {
        assertThat(c.readLine()).startsWith("220");
      }
    }
  }

  @Test
  void faultsAreValuesThatCheckTheirArguments() {
    assertThat(Fault.blackHole()).isEqualTo(new Fault.BlackHole());
    assertThat(Fault.stallAtCommand("pass")).isEqualTo(new Fault.StallAtCommand("PASS"));
    assertThat(Fault.trickleReply("login", Duration.ofMillis(50))).isInstanceOfSatisfying(Fault.CommandFault.class,
        f -> assertThat(f.verb()).isEqualTo("LOGIN"));
    assertThatThrownBy(() -> Fault.slow(Duration.ofMillis(-1))).hasMessageContaining("delay must be >= 0, was PT-0.001S");
    assertThatThrownBy(() -> Fault.trickleGreeting(Duration.ZERO)).hasMessageContaining("perByte must be > 0");
    assertThatThrownBy(() -> Fault.oversizedLine(0)).hasMessageContaining("length must be >= 1, was 0");
    assertThatThrownBy(() -> Fault.resetAfterReplies("DATA", -2)).hasMessageContaining("replies must be >= 0, was -2");
    assertThatThrownBy(() -> Fault.stallAtCommand(" ")).hasMessageContaining("verb must not be blank");
    assertThatThrownBy(() -> new Fault.StopDuringWrite("RCPT", Fault.Commit.STORED, Fault.Farewell.CLOSE))
        .hasMessageContaining("DATA or APPEND, not RCPT");
  }

  @Test
  void trickledGreetingArrivesOneBytePerIntervalThenTheSessionIsNormal() throws Exception {
    pop.start();
    Duration perByte = Duration.ofMillis(20);
    pop.setFault(Fault.trickleGreeting(perByte));
    String expected = "+OK testkit testkit POP3 ready";

    try (LineClient c = new LineClient(pop.address(), 1000)) {
      long start = System.nanoTime();
      Trickled greeting = Trickled.read(c);
      assertThat(greeting.line()).isEqualTo(expected);
      assertThat(greeting.partial()).as("bytes arrived before the line was complete").isTrue();
      assertThat(Duration.ofNanos(System.nanoTime() - start)).as("no read waited past 1 s, the whole line took")
          .isGreaterThanOrEqualTo(perByte.multipliedBy(expected.length()));
      assertThat(c.command("USER alice")).as("replies are not trickled").isEqualTo("+OK");
    }
  }

  @Test
  void trickledReplyToOneVerbLeavesTheOtherRepliesWhole() throws Exception {
    imap.start();
    Duration perByte = Duration.ofMillis(10);
    imap.setFault(Fault.trickleReply("LOGIN", perByte));

    try (LineClient c = new LineClient(imap.address(), 1000)) {
      byte[] buf = new byte[4096];
      int greeting = c.readSome(buf);
      assertThat(greeting).as("the greeting comes in one piece").isGreaterThan(10);
      c.send("a LOGIN alice secret");
      long start = System.nanoTime();
      Trickled login = Trickled.read(c);
      assertThat(login.line()).startsWith("a OK [CAPABILITY");
      assertThat(login.partial()).isTrue();
      assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThanOrEqualTo(perByte.multipliedBy(login.line().length()));
    }
  }

  @Test
  void trickleAppliesToEveryLmtpVerbItNames() throws Exception {
    lmtp.start();
    lmtp.setFault(Fault.trickleReply("RCPT", Duration.ofMillis(20)));
    try (LineClient c = new LineClient(lmtp.address(), 1000)) {
      byte[] buf = new byte[4096];
      c.readLine();
      c.send("LHLO x");
      c.readUntil("250 ");
      c.send("MAIL FROM:<s@example.com>");
      assertThat(c.readSome(buf)).as("MAIL is answered whole").isEqualTo("250 2.1.0 Ok\r\n".length());
      c.send("RCPT TO:<alice@example.com>");
      Trickled rcpt = Trickled.read(c);
      assertThat(rcpt.line()).isEqualTo("250 2.1.5 Ok");
      assertThat(rcpt.partial()).as("RCPT is trickled").isTrue();
    }
  }

  @Test
  void trickledDataRepliesCoverThe354AndEveryPerRecipientReply() throws Exception {
    lmtp.start();
    lmtp.setFault(Fault.trickleReply("DATA", Duration.ofMillis(20)));
    try (LineClient c = new LineClient(lmtp.address(), 1000)) {
      c.readLine();
      c.send("LHLO x");
      c.readUntil("250 ");
      c.command("MAIL FROM:<s@example.com>");
      c.command("RCPT TO:<alice@example.com>");
      c.command("RCPT TO:<bob@example.com>");
      c.send("DATA");
      Trickled go = Trickled.read(c);
      assertThat(go.line()).startsWith("354 ");
      assertThat(go.partial()).as("the 354 is trickled").isTrue();
      c.send("hi");
      c.send(".");
      Trickled alice = Trickled.read(c);
      assertThat(alice.line()).startsWith("250 2.0.0 <alice@example.com>");
      assertThat(alice.partial()).as("so is each recipient's reply").isTrue();
      Trickled bob = Trickled.read(c);
      assertThat(bob.line()).startsWith("250 2.0.0 <bob@example.com>");
      assertThat(bob.partial()).isTrue();
    }
    assertThat(lmtp.store().messages("bob")).hasSize(1);
  }

  @Test
  void literalGreetingAnnouncesAHugeLiteralThenGoesSilent() throws Exception {
    imap.start();
    imap.setFault(Fault.literalGreeting(1_500_000_000L));

    try (LineClient c = new LineClient(imap.address(), 200)) {
      assertThat(c.readLine()).isEqualTo("* OK {1500000000}");
      assertThatThrownBy(c::read).isInstanceOf(SocketTimeoutException.class);
    }
  }

  @Test
  void literalGreetingCanBeFollowedByJunk() throws Exception {
    imap.start();
    imap.setFault(Fault.literalGreeting(1_500_000_000L, 200_000));

    try (LineClient c = new LineClient(imap.address(), 500)) {
      assertThat(c.readLine()).isEqualTo("* OK {1500000000}");
      assertThat(c.skipLineBytes(200_000)).isEqualTo(200_000);
      assertThatThrownBy(c::read).isInstanceOf(SocketTimeoutException.class);
    }
  }

  @Test
  void garbageAndOversizedGreetingsWorkForImapToo() throws Exception {
    imap.start();
    imap.enqueue(Fault.garbageGreeting());
    imap.enqueue(Fault.oversizedLine(100_000));

    try (LineClient c = new LineClient(imap.address())) {
      assertThat(c.readLine()).contains("\0").doesNotStartWith("* OK");
      assertThat(c.read()).as("closed after the junk").isEqualTo(-1);
    }
    try (LineClient c = new LineClient(imap.address(), 500)) {
      assertThat(c.skipLineBytes(100_000)).isEqualTo(100_000);
      assertThatThrownBy(c::read).isInstanceOf(SocketTimeoutException.class);
    }
  }

  @Test
  void endlessGreetingStreamsFarMoreThanTheServerCouldBuffer() throws Exception {
    pop.start();
    pop.setFault(Fault.endlessGreeting());
    long oneHundredFiftyMegabytes = 150L * 1024 * 1024;

    try (LineClient c = new LineClient(pop.address())) {
      assertThat(c.skipLineBytes(oneHundredFiftyMegabytes)).isEqualTo(oneHundredFiftyMegabytes);
      assertThat(c.read()).as("and still more").isEqualTo('x');
    }
    try (LineClient c = new LineClient(pop.address())) {
      assertThat(c.read()).as("a new connection gets its own endless line").isEqualTo('x');
    }
  }

  @Test
  void stopDuringDataCommitsThenSaysShuttingDownWhereTheRepliesWereDueAndStops() throws Exception {
    lmtp.start();
    lmtp.setFault(Fault.stopDuringData(Fault.Commit.STORED, Fault.Farewell.SHUTTING_DOWN));

    try (LineClient c = lmtpTransaction(lmtp, "alice", "bob")) {
      c.send(".");
      assertThat(c.readLine()).isEqualTo("421 4.3.2 Shutting down");
      assertThat(c.readLine()).as("then closed").isNull();
    }
    assertThat(lmtp.store().messages("alice")).hasSize(1);
    assertThat(lmtp.store().messages("bob")).hasSize(1);
    assertThat(lmtp.isListening()).isFalse();
    assertThat(lmtp.fault()).as("fired once").isEmpty();
  }

  @Test
  void stopDuringDataCanLoseTheMessageAndSayNothing() throws Exception {
    lmtp.start();
    lmtp.setFault(Fault.stopDuringData(Fault.Commit.NOT_STORED, Fault.Farewell.CLOSE));

    try (LineClient c = lmtpTransaction(lmtp, "alice")) {
      c.send(".");
      assertThat(c.readLine()).isNull();
    }
    assertThat(lmtp.store().messages("alice")).isEmpty();
    assertThat(lmtp.isListening()).isFalse();
  }

  @Test
  void stopDuringAppendDropsTheConnectionBeforeTheTaggedOk() throws Exception {
    imap.start();
    imap.setFault(Fault.stopDuringAppend(Fault.Commit.STORED, Fault.Farewell.SHUTTING_DOWN));

    try (LineClient c = new LineClient(imap.address())) {
      c.readLine();
      c.command("a LOGIN alice secret");
      c.send("b APPEND INBOX {5+}");
      c.send("hello");
      assertThat(c.readLine()).isEqualTo("* BYE Server shutting down");
      assertThat(c.readLine()).isNull();
    }
    assertThat(imap.store().messages("alice")).singleElement().satisfies(m -> assertThat(m.text()).isEqualTo("hello"));
    assertThat(imap.isListening()).isFalse();
  }

  @Test
  void aStopForTheOtherPersonasWriteIsRejectedByName() {
    assertThatThrownBy(() -> imap.setFault(Fault.stopDuringData(Fault.Commit.STORED, Fault.Farewell.CLOSE)))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("cannot stop during DATA");
    assertThatThrownBy(() -> lmtp.setFault(Fault.stopDuringAppend(Fault.Commit.STORED, Fault.Farewell.CLOSE)))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("cannot stop during APPEND");
  }

  /**
   * One line read as a client would: its first read, then the rest.
   *
   * @param line the line without CRLF
   * @param partial true when the first read got less than the whole line (bytes still coming)
   */
  record Trickled(String line, boolean partial) {
    static Trickled read(LineClient c) throws java.io.IOException {
      byte[] buf = new byte[64 * 1024];
      int n = c.readSome(buf);
      String first = new String(buf, 0, Math.max(n, 0), java.nio.charset.StandardCharsets.ISO_8859_1);
      int end = first.indexOf("\r\n");
      if (end >= 0) {
        return new Trickled(first.substring(0, end), false);
      }
      return new Trickled(first + c.readLine(), true);
    }
  }

  /** Greeting, LHLO, MAIL, one RCPT per user and DATA with a short message, up to the final dot. */
  static LineClient lmtpTransaction(LmtpServer server, String... users) throws Exception {
    LineClient c = new LineClient(server.address());
    c.readLine();
    c.send("LHLO x");
    c.readUntil("250 ");
    assertThat(c.command("MAIL FROM:<s@example.com>")).startsWith("250");
    for (String u : users) {
      assertThat(c.command("RCPT TO:<" + u + "@example.com>")).startsWith("250");
    }
    assertThat(c.command("DATA")).startsWith("354");
    c.send("Subject: stop");
    c.send("");
    c.send("body");
    return c;
  }
}
