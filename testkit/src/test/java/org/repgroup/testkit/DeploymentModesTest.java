package org.repgroup.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.repgroup.core.Protocol;
import org.repgroup.core.config.RepgroupConfiguration;

/** The store's deployment modes as the simulated group plays them. */
@Timeout(30)
class DeploymentModesTest {

  /** Delivers one message on the master over raw LMTP and returns the reply to the final dot. */
  static String deliver(SimulatedReplicationGroup g) throws Exception {
    try (LineClient c = new LineClient(g.master().orElseThrow().address(Protocol.LMTP))) {
      c.readLine();
      c.send("LHLO t");
      c.readUntil("250 ");
      c.command("MAIL FROM:<s@example.com>");
      c.command("RCPT TO:<alice@example.com>");
      c.command("DATA");
      c.send("Subject: committed");
      c.send("");
      c.send("body");
      return c.command(".");
    }
  }

  @Test
  void quorumCommitSurvivesTheMastersDeath() throws Exception {
    try (SimulatedReplicationGroup g = SimulatedReplicationGroup.builder().nodes(3).ackPolicy(AckPolicy.QUORUM)
        .ackTimeout(Duration.ofMillis(200)).startAsMaster(0).build()) {
      g.node(2).setReplicationPaused(true);

      assertThat(deliver(g)).startsWith("250");
      g.node(0).kill();

      assertThat(g.master()).contains(g.node(1));
      assertThat(g.mailbox("alice")).hasSize(1);
      assertThat(g.lostWrites()).isEmpty();
    }
  }

  @Test
  void ackPolicyNoneCanLoseAnAcknowledgedWriteAndTheNewMastersLogSaysSo() throws Exception {
    try (SimulatedReplicationGroup g = SimulatedReplicationGroup.builder().nodes(3).ackPolicy(AckPolicy.NONE)
        .startAsMaster(0).build()) {
      g.node(1).setReplicationPaused(true);
      g.node(2).setReplicationPaused(true);

      assertThat(deliver(g)).as("the client was told it succeeded").startsWith("250");
      long oldLog = g.node(0).logPosition();
      g.node(0).kill();

      SimulatedNode newMaster = g.master().orElseThrow();
      assertThat(newMaster.logPosition()).isLessThan(oldLog);
      assertThat(g.mailbox("alice")).isEmpty();
      assertThat(g.lostWrites()).singleElement().satisfies(m -> assertThat(m.text()).contains("committed"));
    }
  }

  @Test
  void quorumWaitsForTheAckTimeoutWhenNoReplicaHasTheWrite() throws Exception {
    try (SimulatedReplicationGroup g = SimulatedReplicationGroup.builder().nodes(3).ackPolicy(AckPolicy.QUORUM)
        .ackTimeout(Duration.ofMillis(300)).startAsMaster(0).build()) {
      g.node(1).setReplicationPaused(true);
      g.node(2).setReplicationPaused(true);

      long start = System.nanoTime();
      assertThat(deliver(g)).startsWith("250");

      assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThanOrEqualTo(Duration.ofMillis(300));
    }
  }

  @Test
  void laggingReplicaServesStaleReadsUntilItCatchesUp() throws Exception {
    try (SimulatedReplicationGroup g = SimulatedReplicationGroup.builder().nodes(3).user("alice", "secret")
        .imapReferral(ImapReferralStyle.OK).ackTimeout(Duration.ZERO).startAsMaster(0).build()) {
      g.node(1).setReplicationPaused(true);
      deliver(g);

      assertThat(examineCount(g.node(1))).as("stale").isZero();
      assertThat(examineCount(g.node(2))).isEqualTo(1);
      g.node(1).setReplicationPaused(false);
      assertThat(examineCount(g.node(1))).as("caught up").isEqualTo(1);
    }
  }

  static int examineCount(SimulatedNode n) throws Exception {
    try (LineClient c = new LineClient(n.address(Protocol.IMAP))) {
      c.readLine();
      c.command("a LOGIN alice secret");
      c.send("b EXAMINE INBOX");
      for (String line : c.readUntil("b ")) {
        if (line.endsWith(" EXISTS")) {
          return Integer.parseInt(line.split(" ")[1]);
        }
      }
      throw new AssertionError("no EXISTS");
    }
  }

  @Test
  void classicModeRunsOnlyTheFirstHostAndAStandbyTakesOverWhenStarted() throws Exception {
    try (SimulatedReplicationGroup g = SimulatedReplicationGroup.builder().nodes(3).classicFailover(true).build()) {
      assertThat(g.node(0).role()).isEqualTo(NodeRole.MASTER);
      assertThat(g.node(1).role()).isEqualTo(NodeRole.STOPPED);
      assertThat(g.node(2).role()).isEqualTo(NodeRole.STOPPED);

      g.node(0).stop();
      assertThat(g.master()).isEmpty();
      g.node(2).start();

      assertThat(g.master()).contains(g.node(2));
      try (LineClient c = new LineClient(g.node(2).address(Protocol.LMTP))) {
        assertThat(c.readLine()).doesNotContain("REFERRAL");
      }
    }
  }

  @Test
  void groupStartedWithoutAMasterFlagHoldsAnElectionAndOneStartedAsMasterDoesNot() {
    try (SimulatedReplicationGroup elected = SimulatedReplicationGroup.builder().nodes(3).priorities(50, 200, 100).build();
         SimulatedReplicationGroup started = SimulatedReplicationGroup.builder().nodes(3).priorities(50, 200, 100)
             .startAsMaster(0).build()) {
      assertThat(elected.elections()).isEqualTo(1);
      assertThat(elected.master()).contains(elected.node(1));
      assertThat(started.elections()).isZero();
      assertThat(started.master()).contains(started.node(0));
    }
  }

  @Test
  void storeOptionsAsOperatorsPasteThemConfigureTheNodes() throws Exception {
    RepgroupConfiguration config = RepgroupConfiguration.parseMsconfig(String.join("\n",
        "msconfig set store.dbreplicate.enable 1",
        "msconfig set store.dbreplicate.ackpolicy 0",
        "msconfig set store.dbreplicate.acktimeout 2",
        "msconfig set store.dbreplicate.dbpriority 0",
        "msconfig set store.dbreplicate.twosites 1",
        "msconfig set store.dbreplicate.port 55001",
        "msconfig set store.dbreplicate.frobnicate yes", ""), "msconfig.txt");

    try (SimulatedReplicationGroup g = SimulatedReplicationGroup.builder().nodes(2)
        .storeOptions(config.storeOptions()).startAsMaster(0).build()) {
      assertThat(g.ackPolicy()).isEqualTo(AckPolicy.NONE);
      assertThat(g.replicationPort()).isEqualTo(55001);
      assertThat(g.node(1).priority()).isZero();
      assertThat(g.ignoredOptions()).extracting(o -> o.name()).containsExactly("store.dbreplicate.frobnicate");
      g.node(0).kill();
      assertThat(g.master()).as("two sites on, but priority 0 is never elected").isEmpty();
    }
  }

  @Test
  void wrongTypedStoreOptionNamesTheOptionAndTheExpectedType() throws Exception {
    RepgroupConfiguration config = RepgroupConfiguration.parseMsconfig(
        "msconfig set store.dbreplicate.ackpolicy quorum\n", "msconfig.txt");

    assertThatThrownBy(() -> SimulatedReplicationGroup.builder().storeOptions(config.storeOptions()))
        .hasMessage("msconfig.txt:1: store.dbreplicate.ackpolicy: expected an integer 0-6, got \"quorum\"");
  }

  @Test
  void replicationDisabledMeansClassicFailover() throws Exception {
    RepgroupConfiguration config = RepgroupConfiguration.parseMsconfig("store.dbreplicate.enable 0\n", "ms");

    try (SimulatedReplicationGroup g = SimulatedReplicationGroup.builder().storeOptions(config.storeOptions()).build()) {
      assertThat(g.classicFailover()).isTrue();
      assertThat(g.node(1).role()).isEqualTo(NodeRole.STOPPED);
    }
  }
}
