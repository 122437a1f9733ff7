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

  @AfterEach
  void tearDown() {
    pop.close();
    lmtp.close();
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
}
