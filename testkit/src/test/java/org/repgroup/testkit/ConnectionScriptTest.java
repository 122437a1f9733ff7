package org.repgroup.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(30)
class ConnectionScriptTest {

  final ImapServer imap = new ImapServer().user("alice", "secret");
  final Pop3Server pop = new Pop3Server().user("alice", "secret");

  @AfterEach
  void tearDown() {
    imap.close();
    pop.close();
  }

  @Test
  void firstConnectionStallsAndTheSecondIsAnswered() throws Exception {
    pop.start();
    pop.enqueue(Fault.blackHole());
    pop.enqueue(ConnectionScript.normal());

    try (LineClient first = new LineClient(pop.address(), 200)) {
      assertThatThrownBy(first::readLine).isInstanceOf(SocketTimeoutException.class);
    }
    try (LineClient second = new LineClient(pop.address())) {
      assertThat(second.readLine()).startsWith("+OK");
    }
    assertThat(pop.queuedScripts()).isZero();
  }

  @Test
  void connectionsBeyondTheQueueGetTheStandingFault() throws Exception {
    pop.start();
    pop.setFault(Fault.stallAfterGreeting());
    pop.enqueue(ConnectionScript.normal());

    try (LineClient scripted = new LineClient(pop.address())) {
      scripted.readLine();
      assertThat(scripted.command("USER alice")).as("the script has no fault").isEqualTo("+OK");
    }
    try (LineClient standing = new LineClient(pop.address(), 200)) {
      standing.readLine();
      standing.send("USER alice");
      assertThatThrownBy(standing::readLine).isInstanceOf(SocketTimeoutException.class);
    }
  }

  @Test
  void aScriptsGreetingAndHandlersComeBeforeTheServersAndOnlyOnItsConnection() throws Exception {
    imap.start();
    imap.onCommand("NOOP", c -> c.tag() + " OK server's noop");
    imap.enqueue(ConnectionScript.normal().greeting("* OK scripted greeting")
        .onCommand("LOGIN", c -> c.tag() + " NO [UNAVAILABLE] busy"));

    try (LineClient c = new LineClient(imap.address())) {
      assertThat(c.readLine()).isEqualTo("* OK scripted greeting");
      assertThat(c.command("a LOGIN alice secret")).isEqualTo("a NO [UNAVAILABLE] busy");
      assertThat(c.command("b NOOP")).as("what the script leaves out, the server answers").isEqualTo("b OK server's noop");
    }
    try (LineClient c = new LineClient(imap.address())) {
      assertThat(c.readLine()).startsWith("* OK [CAPABILITY");
      assertThat(c.command("a LOGIN alice secret")).startsWith("a OK");
    }
  }

  @Test
  void aRefusedPortCannotBeScriptedForOneConnection() {
    assertThatThrownBy(() -> pop.enqueue(Fault.refuse())).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("refuse()").hasMessageContaining("resetAfterBytes(0)");
  }

  @Test
  void aScriptWithAFaultTheServerCannotShowIsRejectedWhenQueued() {
    assertThatThrownBy(() -> pop.enqueue(Fault.stopDuringData(Fault.Commit.STORED, Fault.Farewell.CLOSE)))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("DATA");
    assertThat(pop.queuedScripts()).isZero();
  }

  @Test
  void takeCommandReturnsWhatClientsSentInOrderOnce() throws Exception {
    imap.start();
    try (LineClient c = new LineClient(imap.address())) {
      c.readLine();
      c.command("a1 LOGIN alice secret");
      c.send("a2 SELECT INBOX");
      c.readUntil("a2 ");
    }

    Command login = imap.takeCommand(Duration.ofSeconds(2));
    assertThat(login.tag()).isEqualTo("a1");
    assertThat(login.verb()).isEqualTo("LOGIN");
    assertThat(login.arguments()).isEqualTo("alice secret");
    assertThat(imap.takeCommand(Duration.ofSeconds(2)).verb()).isEqualTo("SELECT");
    assertThatThrownBy(() -> imap.takeCommand(Duration.ofMillis(100))).isInstanceOf(TimeoutException.class)
        .hasMessageContaining("no command within 100 ms").hasMessageContaining("2 taken before");
  }

  @Test
  void takeCommandWaitsForACommandStillToCome() throws Exception {
    pop.start();
    pop.enqueue(Fault.trickleReply("USER", Duration.ofMillis(5)));
    try (LineClient c = new LineClient(pop.address())) {
      c.readLine();
      c.send("USER alice");

      assertThat(pop.takeCommand(Duration.ofSeconds(5)).line()).isEqualTo("USER alice");
    }
  }

  @Test
  void standaloneUsersAndTheAuthorizationIdLiveInTheBaseClass() throws Exception {
    ScriptedServer server = pop.start();
    String plain = java.util.Base64.getEncoder().encodeToString("\0alice\0secret".getBytes(java.nio.charset.StandardCharsets.UTF_8));
    try (LineClient c = new LineClient(server.address())) {
      c.readLine();
      assertThat(c.command("AUTH PLAIN " + plain)).startsWith("+OK");
    }
    assertThat(server.lastAuthorizationId()).isEmpty();
    assertThat(server.store()).isSameAs(pop.store());
    try (SimulatedReplicationGroup g = SimulatedReplicationGroup.builder().build()) {
      assertThatThrownBy(() -> g.node(0).imap().user("bob", "x")).isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("configured on the group");
    }
  }
}
