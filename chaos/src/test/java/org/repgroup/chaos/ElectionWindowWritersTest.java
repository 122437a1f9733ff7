package org.repgroup.chaos;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.repgroup.core.AttemptRecord;
import org.repgroup.core.FailoverPolicy;
import org.repgroup.core.FailureKind;
import org.repgroup.core.GroupFailure;
import org.repgroup.core.HostAddress;
import org.repgroup.core.RepgroupResources;
import org.repgroup.core.ReplicationGroup;
import org.repgroup.testkit.ElectionWindow;
import org.repgroup.testkit.SimulatedNode;
import org.repgroup.testkit.SimulatedReplicationGroup;

/**
 * Every writer against the testkit's election window, on real sockets: the master dies and,
 * until the election is completed, the replicas keep referring to it (IMAP {@code NO [REFERRAL]},
 * POP {@code -ERR [SYS/REFER/<dead>]}, the LMTP greeting's {@code [REFERRAL lmtp://<dead>/]}).
 * Time is not pinned by a window length: the test completes the election once the writer has
 * been turned away by the replicas in more than one pass, so a busy machine changes nothing.
 */
@Timeout(60)
class ElectionWindowWritersTest {

  static final FailoverPolicy POLICY = FailoverPolicy.builder().stagger(Duration.ofMillis(100))
      .connectTimeout(Duration.ofMillis(500)).responseTimeout(Duration.ofSeconds(1)).deadline(Duration.ofSeconds(10))
      .build();

  final RepgroupResources resources = RepgroupResources.create();
  final List<AutoCloseable> closeables = new ArrayList<>();

  @AfterEach
  void tearDown() throws Exception {
    for (AutoCloseable c : closeables) {
      c.close();
    }
    resources.close();
  }

  static Stream<AdapterUnderTest> writers() {
    return AdapterUnderTest.writers().stream();
  }

  SimulatedReplicationGroup electingGroup() {
    SimulatedReplicationGroup g = SimulatedReplicationGroup.builder().user("alice", "secret").startAsMaster(0)
        .electionWindow(ElectionWindow.referringToDeadMaster()).build();
    closeables.add(g);
    return g;
  }

  static int contacts(AdapterUnderTest a, SimulatedNode... nodes) {
    int n = 0;
    for (SimulatedNode node : nodes) {
      n += a.server(node).contactCount();
    }
    return n;
  }

  static void await(java.util.function.BooleanSupplier condition, String what) {
    long end = System.nanoTime() + Duration.ofSeconds(20).toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > end) {
        throw new AssertionError("timed out waiting for " + what);
      }
      Thread.onSpinWait();
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("writers")
  void writerStartedWhileReplicasReferToTheDeadMasterSucceedsOnTheNewMasterOnceElected(AdapterUnderTest a)
      throws Exception {
    SimulatedReplicationGroup g = electingGroup();
    ReplicationGroup rg = g.replicationGroup(a.protocol());
    a.write(resources, POLICY, rg);
    SimulatedNode dead = g.beginElection(ElectionWindow.referringToDeadMaster());
    HostAddress deadAddress = dead.address(a.protocol());

    CompletableFuture<AdapterUnderTest.Served> write = CompletableFuture.supplyAsync(() -> {
      try {
        return a.write(resources, POLICY, rg);
      } catch (Exception e) {
        throw new IllegalStateException(e);
      }
    });
    // Both replicas turned it away, then turned it away again: passes, not one pass and out.
    await(() -> contacts(a, g.node(1), g.node(2)) >= 4 || write.isDone(), "a second pass over the replicas");
    assertThat(write).as("still riding the election, not given up").isNotDone();
    SimulatedNode elected = g.completeElection().orElseThrow();

    AdapterUnderTest.Served s = write.get(20, TimeUnit.SECONDS);

    assertThat(s.host()).isEqualTo(elected.address(a.protocol()));
    assertThat(s.trace().passes()).isGreaterThan(1);
    assertThat(s.trace().attempts()).extracting(AttemptRecord::detail)
        .anySatisfy(d -> assertThat(d).contains(deadAddress.toString()));
    assertThat(s.trace().elapsed()).isLessThan(POLICY.deadline());
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("writers")
  void electionOutlastingTheDeadlineFailsAtItAsMasterUnreachableNotAsALoop(AdapterUnderTest a) throws Exception {
    SimulatedReplicationGroup g = electingGroup();
    ReplicationGroup rg = g.replicationGroup(a.protocol());
    FailoverPolicy shortDeadline = POLICY.toBuilder().deadline(Duration.ofMillis(1500)).build();
    g.beginElection(ElectionWindow.referringToDeadMaster());
    long start = System.nanoTime();

    assertThatThrownBy(() -> a.write(resources, shortDeadline, rg)).satisfies(e -> {
      GroupFailure f = groupFailure(e);
      assertThat(f.kind()).isEqualTo(FailureKind.MASTER_UNREACHABLE);
      assertThat(f.trace().passes()).as("passes until the deadline").isGreaterThan(1);
    });
    // Passes go on until less than twice the engine's last-pass floor (100 ms) is left.
    assertThat(Duration.ofNanos(System.nanoTime() - start)).as("not given up early")
        .isGreaterThanOrEqualTo(shortDeadline.deadline().minusMillis(200));
  }

  static GroupFailure groupFailure(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof GroupFailure f) {
        return f;
      }
    }
    throw new AssertionError("no group failure in " + e, e);
  }
}
