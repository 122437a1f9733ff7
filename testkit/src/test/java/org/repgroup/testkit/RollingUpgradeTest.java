package org.repgroup.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.repgroup.core.Protocol;

@Timeout(60)
class RollingUpgradeTest {

  @Test
  void stepByStepEveryNodeIsStoppedAndStartedInTurnWithAnElectionAfterTheMastersStop() {
    try (SimulatedReplicationGroup g = SimulatedReplicationGroup.builder().startAsMaster(0).build()) {
      RollingUpgrade roll = RollingUpgrade.of(g);
      List<String> seen = new ArrayList<>();

      for (Optional<RollingUpgrade.Step> s = roll.step(); s.isPresent(); s = roll.step()) {
        seen.add(s.get().action() + " " + s.get().node().name() + ": " + s.get().detail());
        assertThat(g.nodes().stream().filter(n -> !n.isRunning()).count()).as("one node down at a time").isLessThanOrEqualTo(1);
      }

      assertThat(seen).containsExactly(
          "STOP node1: node1 (the master) stopped; node2 is master",
          "START node1: node1 started as REPLICA",
          "STOP node2: node2 (the master) stopped; node1 is master",
          "START node2: node2 started as REPLICA",
          "STOP node3: node3 stopped",
          "START node3: node3 started as REPLICA");
      assertThat(roll.isDone()).isTrue();
      assertThat(g.elections()).isEqualTo(2);
    }
  }

  @Test
  void loadRunsWhileNodesAreDownAndNoAcknowledgedDeliveryIsLostOrDoubled() throws Exception {
    try (SimulatedReplicationGroup g = SimulatedReplicationGroup.builder().startAsMaster(0)
        .electionWindow(ElectionWindow.referringToDeadMaster(Duration.ofMillis(150))).build()) {
      AtomicBoolean stop = new AtomicBoolean();
      AtomicInteger acknowledged = new AtomicInteger();
      AtomicInteger uncertain = new AtomicInteger();
      AtomicInteger duringRestarts = new AtomicInteger();
      ExecutorService workers = Executors.newFixedThreadPool(4);
      List<Future<?>> running = new ArrayList<>();
      try (RollingUpgrade roll = RollingUpgrade.of(g).downtime(Duration.ofMillis(150))
          .pauseBetweenNodes(Duration.ofMillis(100))) {
        for (int w = 0; w < 4; w++) {
          running.add(workers.submit(() -> {
            while (!stop.get()) {
              Optional<SimulatedNode> master = g.master();
              if (master.isEmpty()) {
                Thread.onSpinWait();
                continue;
              }
              if (g.nodes().stream().anyMatch(n -> !n.isRunning())) {
                duringRestarts.incrementAndGet();
              }
              deliver(master.get(), acknowledged, uncertain);
            }
            return null;
          }));
        }
        roll.runInBackground();
        roll.await(Duration.ofSeconds(30));
        stop.set(true);
        for (Future<?> f : running) {
          f.get();
        }
      } finally {
        workers.shutdownNow();
      }

      assertThat(duringRestarts.get()).as("deliveries started while a node was down").isPositive();
      int stored = g.mailbox("alice").size();
      assertThat(stored).as("every acknowledged delivery is stored").isGreaterThanOrEqualTo(acknowledged.get());
      assertThat(stored).as("and nothing else but deliveries cut after their final dot")
          .isLessThanOrEqualTo(acknowledged.get() + uncertain.get());
      assertThat(g.nodes()).allSatisfy(n -> assertThat(n.isRunning()).isTrue());
      assertThat(g.master()).isPresent();
    }
  }

  private static boolean answered(String reply, String code) {
    return reply != null && reply.startsWith(code);
  }

  /** One delivery on {@code node}: acknowledged, cut after the final dot (uncertain), or failed before it. */
  private static void deliver(SimulatedNode node, AtomicInteger acknowledged, AtomicInteger uncertain) {
    boolean dotSent = false;
    try (LineClient c = new LineClient(node.address(Protocol.LMTP), 2000)) {
      c.readLine();
      c.send("LHLO load");
      c.readUntil("250 ");
      if (!answered(c.command("MAIL FROM:<s@example.com>"), "250")
          || !answered(c.command("RCPT TO:<alice@example.com>"), "250")
          || !answered(c.command("DATA"), "354")) {
        return;
      }
      c.send("Subject: load");
      c.send("");
      c.send("x");
      dotSent = true;
      String reply = c.command(".");
      if (reply != null && reply.startsWith("250 ")) {
        acknowledged.incrementAndGet();
      } else {
        uncertain.incrementAndGet();
      }
    } catch (IOException e) {
      if (dotSent) {
        uncertain.incrementAndGet();
      }
    }
  }
}
