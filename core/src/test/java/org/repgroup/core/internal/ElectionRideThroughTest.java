package org.repgroup.core.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.repgroup.core.AffinityCache;
import org.repgroup.core.DeploymentMode;
import org.repgroup.core.FailoverPolicy;
import org.repgroup.core.FailoverResult;
import org.repgroup.core.FailureKind;
import org.repgroup.core.HostAddress;
import org.repgroup.core.Intent;
import org.repgroup.core.Protocol;
import org.repgroup.core.ReplicationGroup;
import org.repgroup.core.RepgroupResources;
import org.repgroup.core.StoreHostList;
import org.repgroup.core.spi.AttemptOutcome;
import org.repgroup.core.spi.FailoverEngine;
import org.repgroup.core.time.ManualClock;

/**
 * Writers during an election, on the fake clock: the master H1 is dead and the
 * replicas H2, H3 keep pointing at it until the election ends, then H2 is the
 * master and H3 points at it.
 */
@Timeout(30)
class ElectionRideThroughTest {

  static final HostAddress H1 = HostAddress.of("h1.example.com", 143);
  static final HostAddress H2 = HostAddress.of("h2.example.com", 143);
  static final HostAddress H3 = HostAddress.of("h3.example.com", 143);

  final ManualClock clock = new ManualClock();
  final long t0 = clock.read();
  RepgroupResources resources;
  ReplicationGroup group = ReplicationGroup.builder("store1", StoreHostList.of(H1, H2, H3)).build();
  /** Every default but the jitter, so the passes fall at known times. */
  FailoverPolicy policy = FailoverPolicy.builder().retryJitter(0).build();

  @BeforeEach
  void setUp() {
    AffinityCache cache = AffinityCache.builder().ticker(clock).build();
    resources = RepgroupResources.builder().ticker(clock).scheduler(clock).affinityCache(cache)
        .attemptExecutor(new DirectExecutor()).build();
  }

  @AfterEach
  void tearDown() {
    resources.close();
  }

  /** H1 refuses; until {@code electionEnds} H2 and H3 refer to H1, then H2 serves and H3 refers to H2. */
  ScriptedAttempt election(Duration electionEnds) {
    long end = t0 + electionEnds.toNanos();
    return new ScriptedAttempt()
        .unavailable(H1)
        .on(H2, ctx -> clock.read() < end ? AttemptOutcome.referral(H1, "NO [REFERRAL imap://h1/]")
            : AttemptOutcome.success("served by the new master"))
        .on(H3, ctx -> AttemptOutcome.referral(clock.read() < end ? H1 : H2, "NO [REFERRAL]"));
  }

  /** Runs the operation to its end, moving the fake clock from one timer to the next. */
  FailoverResult<String> runOnTheClock(ScriptedAttempt attempt) throws Exception {
    return untilDone(new FailoverEngine(resources, policy).executeAsync(group, Protocol.IMAP, Intent.WRITE, attempt));
  }

  /** Attempts run on the advancing thread: each step runs the next timer and all it causes. */
  FailoverResult<String> untilDone(CompletableFuture<FailoverResult<String>> f) throws Exception {
    while (!f.isDone()) {
      List<Duration> pending = clock.pendingDelays();
      assertThat(pending).as("an unfinished operation waits on a timer").isNotEmpty();
      clock.advance(pending.get(0));
    }
    return f.get(1, TimeUnit.SECONDS);
  }

  @Test
  void writerStartedInAThreeSecondElectionIsServedByTheNewMaster() throws Exception {
    ScriptedAttempt a = election(Duration.ofSeconds(3));

    FailoverResult<String> r = runOnTheClock(a);

    assertThat(r).isInstanceOfSatisfying(FailoverResult.Served.class, s -> {
      assertThat(s.host()).isEqualTo(H2);
      // Back-offs of 100, 200, 400, 800, 1000, 1000 ms: the pass at 3.5 s finds the new master.
      assertThat(s.trace().elapsed()).isBetween(Duration.ofSeconds(3), Duration.ofMillis(4000));
      assertThat(s.trace().passes()).isGreaterThan(3);
    });
  }

  @Test
  void crossedPointersWhileTheOldMasterRestartsAreWaitedOutNotCalledALoop() throws Exception {
    // Seen in a Dovecot rolling upgrade: the old master H1 restarts at 1 s as a replica naming H2
    // while H2 still names H1 until the election ends at 3 s. H1 -> H2 -> H1 is a loop for two
    // seconds: a transition (H1 failed earlier in this operation), not a misconfiguration.
    long restart = t0 + Duration.ofSeconds(1).toNanos();
    long end = t0 + Duration.ofSeconds(3).toNanos();
    ScriptedAttempt a = new ScriptedAttempt()
        .on(H1, ctx -> clock.read() < restart ? AttemptOutcome.unavailable("connection refused", null)
            : AttemptOutcome.referral(H2, "NO [REFERRAL imap://h2/]"))
        .on(H2, ctx -> clock.read() < end ? AttemptOutcome.referral(H1, "NO [REFERRAL imap://h1/]")
            : AttemptOutcome.success("served by the new master"))
        .on(H3, ctx -> AttemptOutcome.referral(clock.read() < end ? H1 : H2, "NO [REFERRAL]"));

    FailoverResult<String> r = runOnTheClock(a);

    assertThat(r).isInstanceOf(FailoverResult.Served.class);
    FailoverResult.Served<String> s = (FailoverResult.Served<String>) r;
    assertThat(s.host()).isEqualTo(H2);
    assertThat(s.trace().elapsed()).isBetween(Duration.ofSeconds(3), Duration.ofMillis(4000));
    assertThat(s.trace().attempts()).as("the crossed pointers were met and not followed round")
        .anyMatch(x -> x.detail().contains("referral loop") && x.detail().contains("not followed"));
  }

  @Test
  void electionEndingInsideTheLastBackOffBeforeTheDeadlineIsStillRiddenThrough() throws Exception {
    // Passes at 0, 0.1, 0.3, 0.7, 1.5, 2.5 ... 9.5 s; at 9.5 s the 1 s back-off would outlast the
    // deadline. Giving up there would waste the last half second: the pass halfway, at 9.75 s,
    // finds the master elected at 9.6 s.
    ScriptedAttempt a = election(Duration.ofMillis(9600));

    FailoverResult<String> r = runOnTheClock(a);

    assertThat(r).isInstanceOfSatisfying(FailoverResult.Served.class, s -> {
      assertThat(s.host()).isEqualTo(H2);
      assertThat(s.trace().elapsed()).isBetween(Duration.ofMillis(9600), policy.deadline());
    });
  }

  @Test
  void writerWhoseDeadlineEndsBeforeTheElectionFailsAsMasterUnreachableNotAsALoop() throws Exception {
    ScriptedAttempt a = election(Duration.ofSeconds(12));

    FailoverResult<String> r = runOnTheClock(a);

    assertThat(r).isInstanceOfSatisfying(FailoverResult.Failed.class, f -> {
      assertThat(f.kind()).isEqualTo(FailureKind.MASTER_UNREACHABLE);
      assertThat(f.trace().elapsed()).isBetween(Duration.ofSeconds(9), policy.deadline());
      assertThat(f.toException().getMessage()).contains("no master reached before the deadline")
          .doesNotContain("loop");
    });
  }

  @Test
  void replicaPointingAtAHostThatFailedAndThenPointedToIsNotALoop() throws Exception {
    // Pass order A, B, C. A still points at the dead C; after the election B points at A, the new
    // master. Revisiting A is not a loop: A's earlier referral led to a host that failed, not back to B.
    HostAddress a = H1;
    HostAddress b = H2;
    HostAddress c = H3;
    policy = policy.toBuilder().stagger(Duration.ZERO).build();
    AtomicInteger visitsToA = new AtomicInteger();
    ScriptedAttempt script = new ScriptedAttempt()
        .on(a, ctx -> visitsToA.incrementAndGet() == 1 ? AttemptOutcome.referral(c, "NO [REFERRAL imap://c/]")
            : AttemptOutcome.success("served by A"))
        .unavailable(c)
        .refers(b, a);

    FailoverResult<String> r = runOnTheClock(script);

    assertThat(r).isInstanceOfSatisfying(FailoverResult.Served.class, s -> {
      assertThat(s.host()).isEqualTo(a);
      assertThat(s.trace().passes()).isEqualTo(1);
    });
    assertThat(script.started).containsExactly(a, c, b, a);
  }

  @Test
  void twoSiteGroupThatSeesOnlyReadOnlyAnswersEndsAtOnceWithNoMaster() throws Exception {
    group = group.toBuilder().deploymentMode(DeploymentMode.TWO_SITE).build();
    ScriptedAttempt a = new ScriptedAttempt().unavailable(H1)
        .on(H2, ctx -> AttemptOutcome.readOnly("[READ-ONLY] no master"))
        .on(H3, ctx -> AttemptOutcome.readOnly("[READ-ONLY] no master"));

    FailoverResult<String> r = runOnTheClock(a);

    assertThat(r).isInstanceOfSatisfying(FailoverResult.Failed.class, f -> {
      assertThat(f.kind()).isEqualTo(FailureKind.NO_MASTER);
      assertThat(f.trace().passes()).isEqualTo(1);
    });
  }

  @Test
  void replicatedGroupAnsweringReadOnlyIsWaitedForUntilItHasAMaster() throws Exception {
    long end = t0 + Duration.ofSeconds(2).toNanos();
    ScriptedAttempt a = new ScriptedAttempt().unavailable(H1)
        .on(H2, ctx -> clock.read() < end ? AttemptOutcome.readOnly("[READ-ONLY] electing")
            : AttemptOutcome.success("new master"))
        .on(H3, ctx -> AttemptOutcome.readOnly("[READ-ONLY] electing"));

    FailoverResult<String> r = runOnTheClock(a);

    assertThat(r).isInstanceOfSatisfying(FailoverResult.Served.class, s -> assertThat(s.host()).isEqualTo(H2));
  }

  @Test
  void totalOutageIsRetriedUntilTheDeadlineAndReportedAsEveryHostFailed() throws Exception {
    ScriptedAttempt a = new ScriptedAttempt().unavailable(H1).unavailable(H2).unavailable(H3);

    FailoverResult<String> r = runOnTheClock(a);

    assertThat(r).isInstanceOfSatisfying(FailoverResult.Failed.class, f -> {
      assertThat(f.kind()).isEqualTo(FailureKind.ALL_UNAVAILABLE);
      assertThat(f.trace().elapsed()).isGreaterThan(Duration.ofSeconds(9));
    });
  }

  @Test
  void explicitPassCapStillEndsEarly() throws Exception {
    policy = policy.toBuilder().maxPasses(2).build();
    ScriptedAttempt a = election(Duration.ofSeconds(3));

    FailoverResult<String> r = runOnTheClock(a);

    assertThat(r).isInstanceOfSatisfying(FailoverResult.Failed.class, f -> {
      assertThat(f.kind()).isEqualTo(FailureKind.MASTER_UNREACHABLE);
      assertThat(f.trace().passes()).isEqualTo(2);
      assertThat(f.trace().elapsed()).isEqualTo(Duration.ofMillis(100));
    });
  }

  @Test
  void writersThatJoinedADiscoveryWhoseLeaderRanOutOfTimeGoOnWithTheirOwnDeadline() throws Exception {
    // The leader starts at t=0 with a 10 s deadline; a second writer starts at t=5 s and joins it.
    // The election ends at 12 s: the leader fails at 10 s, the joiner (deadline 15 s) leads a new
    // discovery and is served by the new master.
    ScriptedAttempt a = election(Duration.ofSeconds(12));
    FailoverEngine engine = new FailoverEngine(resources, policy);
    CompletableFuture<FailoverResult<String>> leader = engine.executeAsync(group, Protocol.IMAP, Intent.WRITE, a);
    clock.advance(Duration.ofSeconds(5));
    CompletableFuture<FailoverResult<String>> joiner = engine.executeAsync(group, Protocol.IMAP, Intent.WRITE, a);
    assertThat(resources.counters().snapshot().discoveriesJoined()).isEqualTo(1);

    FailoverResult<String> joined = untilDone(joiner);

    assertThat(leader.get(1, TimeUnit.SECONDS)).isInstanceOfSatisfying(FailoverResult.Failed.class,
        f -> assertThat(f.kind()).isEqualTo(FailureKind.MASTER_UNREACHABLE));
    assertThat(joined).isInstanceOfSatisfying(FailoverResult.Served.class,
        s -> assertThat(s.host()).isEqualTo(H2));
  }
}
