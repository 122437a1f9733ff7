package org.repgroup.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.repgroup.core.HostAddress;
import org.repgroup.core.Protocol;
import org.repgroup.core.time.ManualClock;

@Timeout(30)
class ElectionWindowTest {

  final ManualClock clock = new ManualClock();

  SimulatedReplicationGroup group(ElectionWindow window) {
    return SimulatedReplicationGroup.builder().user("alice", "secret").startAsMaster(0)
        .electionWindow(window).ticker(clock).build();
  }

  static String imapLogin(SimulatedNode node) throws Exception {
    try (LineClient c = new LineClient(node.address(Protocol.IMAP))) {
      c.readLine();
      return c.command("a LOGIN alice secret");
    }
  }

  static String popUser(SimulatedNode node) throws Exception {
    try (LineClient c = new LineClient(node.address(Protocol.POP))) {
      c.readLine();
      return c.command("USER alice");
    }
  }

  static String lmtpGreeting(SimulatedNode node) throws Exception {
    try (LineClient c = new LineClient(node.address(Protocol.LMTP))) {
      return c.readLine();
    }
  }

  static HttpResponse<String> ensPublish(SimulatedNode node) throws Exception {
    HttpClient http = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NEVER).build();
    return http.send(HttpRequest.newBuilder(URI.create("http://" + node.address(Protocol.ENS) + "/ens/v1/events"))
        .POST(HttpRequest.BodyPublishers.ofString("{\"reference\":\"enp://127.0.0.1/store?evtType=NewMsg\"}")).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  static String imapReferral(HostAddress to) {
    return "a NO [REFERRAL imap://alice;AUTH=PLAIN@" + to + "/] Try the master";
  }

  @Test
  void replicasReferToTheDeadMasterOnEveryProtocolUntilTheWindowEndsOnTheFakeClock() throws Exception {
    try (SimulatedReplicationGroup g = group(ElectionWindow.referringToDeadMaster(Duration.ofSeconds(3)))) {
      SimulatedNode dead = g.node(0);

      dead.kill();

      assertThat(g.master()).isEmpty();
      assertThat(g.electionInProgress()).isTrue();
      assertThat(g.electionTimeLeft()).contains(Duration.ofSeconds(3));
      assertThat(imapLogin(g.node(1))).isEqualTo(imapReferral(dead.address(Protocol.IMAP)));
      assertThat(popUser(g.node(2))).isEqualTo("-ERR [SYS/REFER/" + dead.address(Protocol.POP) + "] Try the master");
      assertThat(lmtpGreeting(g.node(1))).endsWith("[REFERRAL lmtp://" + dead.address(Protocol.LMTP) + "/]");
      HttpResponse<String> publish = ensPublish(g.node(2));
      assertThat(publish.statusCode()).isEqualTo(307);
      assertThat(publish.headers().firstValue("Location")).contains("http://" + dead.address(Protocol.ENS) + "/ens/v1/events");

      clock.advance(Duration.ofMillis(2999));
      assertThat(imapLogin(g.node(2))).as("still electing").isEqualTo(imapReferral(dead.address(Protocol.IMAP)));

      clock.advance(Duration.ofMillis(1));
      assertThat(g.master()).contains(g.node(1));
      assertThat(imapLogin(g.node(2))).isEqualTo(imapReferral(g.node(1).address(Protocol.IMAP)));
      assertThat(imapLogin(g.node(1))).startsWith("a OK");
      assertThat(g.electionInProgress()).isFalse();
    }
  }

  @Test
  void readOnlyWindowAnswersLikeAGroupWithoutMasterUntilTheElectionIsCompleted() throws Exception {
    try (SimulatedReplicationGroup g = group(ElectionWindow.readOnly())) {
      g.node(0).kill();
      clock.advance(Duration.ofHours(1));

      assertThat(g.electionInProgress()).as("no length: until completed").isTrue();
      assertThat(imapLogin(g.node(1))).startsWith("a OK [READ-ONLY]");
      assertThat(popUser(g.node(2))).isEqualTo("-ERR [SYS/TEMP] no master, read-only");
      try (LineClient c = new LineClient(g.node(1).address(Protocol.LMTP))) {
        assertThat(c.readLine()).doesNotContain("REFERRAL");
        c.send("LHLO x");
        c.readUntil("250 ");
        assertThat(c.command("MAIL FROM:<s@example.com>")).isEqualTo("451 4.3.0 no master, read-only");
      }

      assertThat(g.completeElection()).contains(g.node(1));
      assertThat(popUser(g.node(2))).startsWith("-ERR [SYS/REFER/" + g.node(1).address(Protocol.POP));
    }
  }

  @Test
  void beginElectionKillsTheMasterAndOpensAWindowForThatElectionOnly() throws Exception {
    try (SimulatedReplicationGroup g = group(ElectionWindow.none())) {
      SimulatedNode dead = g.beginElection(ElectionWindow.referringToDeadMaster());

      assertThat(dead).isSameAs(g.node(0));
      assertThat(dead.role()).isEqualTo(NodeRole.STOPPED);
      assertThat(imapLogin(g.node(1))).isEqualTo(imapReferral(dead.address(Protocol.IMAP)));
      assertThat(g.completeElection()).contains(g.node(1));

      g.node(1).kill();
      assertThat(g.master()).as("the group's own window again: none").contains(g.node(2));
    }
  }

  @Test
  void aGroupWithoutMasterHasNoElectionToBegin() {
    try (SimulatedReplicationGroup g = SimulatedReplicationGroup.builder().nodes(2).startAsMaster(0).build()) {
      g.node(0).kill();

      assertThatThrownBy(() -> g.beginElection(ElectionWindow.readOnly())).isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("has no master to lose");
    }
  }

  @Test
  void theDeadMasterRestartedDuringTheWindowAnswersReadOnlyAndStandsInTheElection() throws Exception {
    try (SimulatedReplicationGroup g = group(ElectionWindow.referringToDeadMaster(Duration.ofSeconds(3)))) {
      SimulatedReplicationGroupTest.deliverOnMaster(g, "alice", "one");
      g.node(1).setReplicationPaused(true);
      SimulatedReplicationGroupTest.deliverOnMaster(g, "alice", "two");
      g.node(0).kill();
      g.node(0).start();

      assertThat(imapLogin(g.node(0))).as("not a referral to itself").startsWith("a OK [READ-ONLY]");
      assertThat(imapLogin(g.node(1))).isEqualTo(imapReferral(g.node(0).address(Protocol.IMAP)));

      clock.advance(Duration.ofSeconds(3));
      assertThat(g.master()).as("equal logs on node1 and node3, list order").contains(g.node(0));
      assertThat(g.lostWrites()).isEmpty();
    }
  }

  @Test
  void aWindowOnTheSystemClockEndsInRealTime() throws Exception {
    try (SimulatedReplicationGroup g = SimulatedReplicationGroup.builder().user("alice", "secret").startAsMaster(0)
        .electionWindow(ElectionWindow.referringToDeadMaster(Duration.ofSeconds(2))).build()) {
      g.node(0).kill();
      assertThat(imapLogin(g.node(1))).isEqualTo(imapReferral(g.node(0).address(Protocol.IMAP)));

      assertThat(g.awaitMaster(Duration.ofSeconds(10))).isSameAs(g.node(1));
      assertThat(imapLogin(g.node(2))).isEqualTo(imapReferral(g.node(1).address(Protocol.IMAP)));
    }
  }

  @Test
  void awaitMasterNamesTheElectionWhenNoneAppears() {
    try (SimulatedReplicationGroup g = group(ElectionWindow.referringToDeadMaster())) {
      g.node(0).kill();

      assertThatThrownBy(() -> g.awaitMaster(Duration.ofMillis(50))).isInstanceOf(java.util.concurrent.TimeoutException.class)
          .hasMessageContaining("no master within 50 ms").hasMessageContaining("electing after node1 stopped");
    }
  }

  @Test
  void windowsRejectNonPositiveLengths() {
    assertThatThrownBy(() -> ElectionWindow.readOnly(Duration.ZERO)).hasMessageContaining("must be > 0, was PT0S");
    assertThat(ElectionWindow.none().isNone()).isTrue();
    assertThat(ElectionWindow.referringToDeadMaster().length()).isEmpty();
  }

  @Test
  void masterStoppedAfterTheFinalDotCommitsOnceSaysShuttingDownAndTheGroupElects() throws Exception {
    try (SimulatedReplicationGroup g = group(ElectionWindow.none())) {
      g.node(0).lmtp().setFault(Fault.stopDuringData(Fault.Commit.STORED, Fault.Farewell.SHUTTING_DOWN));

      try (LineClient c = FaultTest.lmtpTransaction(g.node(0).lmtp(), "alice", "bob")) {
        c.send(".");
        assertThat(c.readLine()).isEqualTo("421 4.3.2 Shutting down");
        assertThat(c.readLine()).isNull();
      }

      assertThat(g.mailbox("alice")).as("stored exactly once").hasSize(1);
      assertThat(g.mailbox("bob")).hasSize(1);
      assertThat(g.node(0).role()).isEqualTo(NodeRole.STOPPED);
      assertThat(g.master()).contains(g.node(1));
      g.node(0).start();
      assertThat(g.node(0).lmtp().fault()).as("the stop fired once").isEmpty();
    }
  }

  @Test
  void masterStoppedInTheMiddleOfAnAppendDropsTheConnectionBeforeTheTaggedOk() throws Exception {
    try (SimulatedReplicationGroup g = group(ElectionWindow.referringToDeadMaster(Duration.ofSeconds(3)))) {
      g.node(0).imap().setFault(Fault.stopDuringAppend(Fault.Commit.NOT_STORED, Fault.Farewell.CLOSE));

      try (LineClient c = new LineClient(g.node(0).address(Protocol.IMAP))) {
        c.readLine();
        assertThat(c.command("a LOGIN alice secret")).startsWith("a OK");
        c.send("b APPEND INBOX {5+}");
        c.send("hello");
        assertThat(c.readLine()).isNull();
      }

      assertThat(g.mailbox("alice")).isEmpty();
      assertThat(g.node(0).isRunning()).isFalse();
      assertThat(g.electionInProgress()).isTrue();
      assertThat(imapLogin(g.node(1))).isEqualTo(imapReferral(g.node(0).address(Protocol.IMAP)));
    }
  }
}
