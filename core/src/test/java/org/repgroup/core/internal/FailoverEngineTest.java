package org.repgroup.core.internal;

import org.repgroup.core.AffinityCache;
import org.repgroup.core.DeploymentMode;
import org.repgroup.core.AttemptRecord;
import org.repgroup.core.FailoverCounters;
import org.repgroup.core.FailoverPolicy;
import org.repgroup.core.FailoverResult;
import org.repgroup.core.FailureKind;
import org.repgroup.core.FatalReason;
import org.repgroup.core.Intent;
import org.repgroup.core.NoMasterException;
import org.repgroup.core.StoreUnavailableException;
import org.repgroup.core.spi.Attempt;
import org.repgroup.core.spi.AttemptOutcome;
import org.repgroup.core.spi.FailoverEngine;
import org.repgroup.core.spi.FailureTranslator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.repgroup.core.HostAddress;
import org.repgroup.core.Protocol;
import org.repgroup.core.ReplicationGroup;
import org.repgroup.core.RepgroupResources;
import org.repgroup.core.StoreHostList;
import org.repgroup.core.time.ManualClock;

@Timeout(30)
class FailoverEngineTest {

  static final HostAddress H1 = HostAddress.of("h1.example.com", 143);
  static final HostAddress H2 = HostAddress.of("h2.example.com", 143);
  static final HostAddress H3 = HostAddress.of("h3.example.com", 143);
  static final HostAddress H4 = HostAddress.of("h4.example.com", 143);
  static final HostAddress STRANGER = HostAddress.of("stranger.example.org", 143);
  static final Duration STAGGER = Duration.ofMillis(250);

  final ManualClock clock = new ManualClock();
  final RecordingListener events = new RecordingListener();
  AffinityStore cache;
  RepgroupResources resources;
  ReplicationGroup group = ReplicationGroup.builder("store1", StoreHostList.of(H1, H2, H3)).build();
  FailoverPolicy policy = FailoverPolicy.builder().stagger(STAGGER).retryJitter(0).build();

  @BeforeEach
  void setUp() {
    AffinityCache shared = AffinityCache.builder().ticker(clock).recheckInterval(Duration.ofSeconds(30)).build();
    cache = AffinityStore.of(shared);
    resources = RepgroupResources.builder().ticker(clock).scheduler(clock).affinityCache(shared).listener(events).build();
  }

  @AfterEach
  void tearDown() {
    resources.close();
  }

  FailoverEngine engine() {
    return new FailoverEngine(resources, policy);
  }

  FailoverResult<String> run(Intent intent, ScriptedAttempt attempt) throws InterruptedException {
    return engine().execute(group, Protocol.IMAP, intent, attempt);
  }

  static void await(BooleanSupplier condition, String what) {
    long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > end) {
        throw new AssertionError("timed out waiting for: " + what);
      }
      Thread.onSpinWait();
    }
  }

  static FailoverResult.Served<String> served(FailoverResult<String> r) {
    assertThat(r).isInstanceOf(FailoverResult.Served.class);
    return (FailoverResult.Served<String>) r;
  }

  static FailoverResult.Failed<String> failed(FailoverResult<String> r) {
    assertThat(r).isInstanceOf(FailoverResult.Failed.class);
    return (FailoverResult.Failed<String>) r;
  }

  @Test
  void triesHostsInListOrder() throws Exception {
    policy = policy.toBuilder().stagger(Duration.ZERO).build();
    ScriptedAttempt a = new ScriptedAttempt().unavailable(H1).unavailable(H2).succeeds(H3);

    FailoverResult.Served<String> s = served(run(Intent.WRITE, a));

    assertThat(a.started).containsExactly(H1, H2, H3);
    assertThat(s.host()).isEqualTo(H3);
  }

  @Test
  void cachedMasterIsTriedFirst() throws Exception {
    cache.recordMaster("store1", H3, cache.nextSequence(), true);
    ScriptedAttempt a = new ScriptedAttempt().succeeds(H1).succeeds(H2).succeeds(H3);

    assertThat(served(run(Intent.WRITE, a)).host()).isEqualTo(H3);
    assertThat(a.started).containsExactly(H3);
  }

  @Test
  void lastGoodHostIsTriedFirstByReadOnlyIntent() throws Exception {
    ScriptedAttempt a = new ScriptedAttempt().unavailable(H1).succeeds(H2).succeeds(H3);
    run(Intent.READ_NO_REFERRALS, a);
    cache.markUp(H1);
    a.started.clear();

    assertThat(served(run(Intent.READ_NO_REFERRALS, a)).host()).isEqualTo(H2);
    assertThat(a.started).containsExactly(H2);
    assertThat(cache.master("store1")).isEmpty();
  }

  @Test
  void hostMarkedDownIsSkippedUntilItsRecheckIsDue() throws Exception {
    cache.markDown(H1, "refused earlier");
    ScriptedAttempt a = new ScriptedAttempt().succeeds(H1).succeeds(H2).succeeds(H3);

    assertThat(served(run(Intent.READ_NO_REFERRALS, a)).host()).isEqualTo(H2);
    cache.dropLastGoodHost("store1", H2, Long.MAX_VALUE);
    clock.advance(Duration.ofSeconds(30));
    a.started.clear();

    assertThat(served(run(Intent.READ_NO_REFERRALS, a)).host()).isEqualTo(H1);
    assertThat(a.started).containsExactly(H1);
    assertThat(cache.health(H1)).isEqualTo(AffinityCache.HostHealth.UP);
  }

  @Test
  void expiredDownMarkGivesExactlyOneRecheck() {
    cache.markDown(H1, "refused");
    clock.advance(Duration.ofSeconds(30));

    assertThat(cache.recheckInFlight(H1)).isFalse();
    assertThat(cache.tryAcquireRecheck(H1)).isTrue();
    assertThat(cache.tryAcquireRecheck(H1)).isFalse();
    assertThat(cache.health(H1)).isEqualTo(AffinityCache.HostHealth.DOWN);
    assertThat(cache.recheckInFlight(H1)).isTrue();
    cache.markDown(H1, "recheck: refused");
    assertThat(cache.recheckInFlight(H1)).as("the holder reported").isFalse();
  }

  @Test
  void everyHostMarkedDownStillTriesThemAll() throws Exception {
    policy = policy.toBuilder().stagger(Duration.ZERO).build();
    cache.markDown(H1, "x");
    cache.markDown(H2, "x");
    cache.markDown(H3, "x");
    ScriptedAttempt a = new ScriptedAttempt().unavailable(H1).unavailable(H2).succeeds(H3);

    assertThat(served(run(Intent.WRITE, a)).host()).isEqualTo(H3);
    assertThat(a.started).containsExactly(H1, H2, H3);
  }

  @Test
  void staggerStartsNextHostWhileFirstIsSilent() throws Exception {
    ScriptedAttempt a = new ScriptedAttempt().hangs(H1).succeeds(H2).succeeds(H3);
    CompletableFuture<FailoverResult<String>> f = engine().executeAsync(group, Protocol.IMAP, Intent.WRITE, a);
    await(() -> a.started.contains(H1), "attempt on H1");

    clock.advance(STAGGER.minusMillis(1));
    assertThat(a.started).containsExactly(H1);
    clock.advance(Duration.ofMillis(1));

    FailoverResult.Served<String> s = served(f.get(5, TimeUnit.SECONDS));
    assertThat(s.host()).isEqualTo(H2);
    assertThat(s.trace().elapsed()).isEqualTo(STAGGER);
    assertThat(s.trace().attempts()).extracting(AttemptRecord::host, AttemptRecord::kind)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple(H2, AttemptRecord.Kind.SUCCESS),
            org.assertj.core.groups.Tuple.tuple(H1, AttemptRecord.Kind.CANCELLED));
    assertThat(cache.health(H1)).as("a silent host is marked down").isEqualTo(AffinityCache.HostHealth.DOWN);
  }

  @Test
  void staggerZeroWaitsForEachHostInTurn() throws Exception {
    policy = policy.toBuilder().stagger(Duration.ZERO).build();
    ScriptedAttempt a = new ScriptedAttempt().hangs(H1).succeeds(H2);
    CompletableFuture<FailoverResult<String>> f = engine().executeAsync(group, Protocol.IMAP, Intent.WRITE, a);
    await(() -> a.started.contains(H1), "attempt on H1");

    clock.advance(Duration.ofSeconds(5));

    assertThat(a.started).containsExactly(H1);
    assertThat(f).isNotDone();
    clock.advance(policy.deadline());
    assertThat(failed(f.get(5, TimeUnit.SECONDS)).kind()).isEqualTo(FailureKind.DEADLINE_EXCEEDED);
  }

  @Test
  void deadlineEndsTheOperationAndNamesEveryHost() throws Exception {
    ScriptedAttempt a = new ScriptedAttempt().hangs(H1).hangs(H2).hangs(H3);
    CompletableFuture<FailoverResult<String>> f = engine().executeAsync(group, Protocol.IMAP, Intent.WRITE, a);
    await(() -> a.started.size() == 1, "first attempt");
    clock.advance(STAGGER);
    await(() -> a.started.size() == 2, "second attempt");
    clock.advance(STAGGER);
    await(() -> a.started.size() == 3, "third attempt");

    clock.advance(policy.deadline().minus(STAGGER.multipliedBy(2)));

    FailoverResult.Failed<String> r = failed(f.get(5, TimeUnit.SECONDS));
    assertThat(r.kind()).isEqualTo(FailureKind.DEADLINE_EXCEEDED);
    assertThat(r.trace().elapsed()).isEqualTo(policy.deadline());
    assertThat(r.trace().hostsTried()).containsExactlyInAnyOrder(H1, H2, H3);
    assertThat(r.toException().getMessage()).contains("deadline exceeded", "h1.example.com:143",
        "h2.example.com:143", "h3.example.com:143");
  }

  @Test
  void attemptTimeoutsAreCutToTheTimeLeft() throws Exception {
    policy = policy.toBuilder().stagger(Duration.ZERO).deadline(Duration.ofSeconds(3))
        .responseTimeout(Duration.ofSeconds(2)).build();
    List<Duration> seen = new ArrayList<>();
    ScriptedAttempt a = new ScriptedAttempt()
        .on(H1, ctx -> {
          seen.add(ctx.responseTimeout());
          clock.advance(Duration.ofMillis(2500));
          return AttemptOutcome.unavailable("slow", null);
        })
        .on(H2, ctx -> {
          seen.add(ctx.responseTimeout());
          return AttemptOutcome.success("ok");
        });

    served(run(Intent.WRITE, a));

    assertThat(seen).containsExactly(Duration.ofSeconds(2), Duration.ofMillis(500));
  }

  @Test
  void serveTranslatesAFailureThroughTheAdaptersTranslator() throws Exception {
    policy = policy.toBuilder().maxPasses(1).stagger(Duration.ZERO).build();
    ScriptedAttempt a = new ScriptedAttempt().unavailable(H1).unavailable(H2).unavailable(H3);
    FailureTranslator<IllegalStateException> translator = new FailureTranslator<>() {
      @Override
      public IllegalStateException failed(FailoverResult.Failed<?> f) {
        return new IllegalStateException(f.kind() + " after " + f.trace().hostsTried().size() + " hosts");
      }

      @Override
      public IllegalStateException interrupted(ReplicationGroup g, InterruptedException e) {
        return new IllegalStateException("interrupted");
      }
    };

    assertThatThrownBy(() -> engine().serve(group, Protocol.IMAP, Intent.WRITE, a, translator))
        .isInstanceOf(IllegalStateException.class).hasMessage("ALL_UNAVAILABLE after 3 hosts");
    assertThat(engine().serve(group, Protocol.IMAP, Intent.WRITE, new ScriptedAttempt().succeeds(H1), translator)
        .host()).isEqualTo(H1);
  }

  @Test
  void fatalOutcomeStopsAtOnce() throws Exception {
    Exception badPassword = new Exception("[AUTHENTICATIONFAILED] bad password");
    ScriptedAttempt a = new ScriptedAttempt()
        .on(H1, ctx -> AttemptOutcome.fatal(FatalReason.CREDENTIALS_REFUSED, "authentication failed", badPassword))
        .succeeds(H2).succeeds(H3);

    FailoverResult.Failed<String> r = failed(run(Intent.WRITE, a));

    assertThat(r.kind()).isEqualTo(FailureKind.FATAL);
    assertThat(r.fatalReason()).isEqualTo(FatalReason.CREDENTIALS_REFUSED);
    assertThat(r.fatalCause()).isSameAs(badPassword);
    assertThat(a.started).containsExactly(H1);
    assertThat(cache.health(H1)).isEqualTo(AffinityCache.HostHealth.UP);
  }

  @Test
  void writerFollowsReferralToMasterAndCachesIt() throws Exception {
    ScriptedAttempt a = new ScriptedAttempt().refers(H1, H3).succeeds(H2).succeeds(H3);

    FailoverResult.Served<String> s = served(run(Intent.WRITE, a));

    assertThat(s.host()).isEqualTo(H3);
    assertThat(a.started).containsExactly(H1, H3);
    assertThat(s.trace().referralsFollowed()).isEqualTo(1);
    assertThat(s.trace().referralPath()).containsExactly(H1, H3);
    assertThat(cache.master("store1")).hasValueSatisfying(m -> {
      assertThat(m.host()).isEqualTo(H3);
      assertThat(m.confirmed()).isTrue();
    });
    assertThat(events.events).containsExactly(
        "operationStart WRITE",
        "attemptStart h1.example.com:143 hop 0",
        "attemptEnd h1.example.com:143 referral",
        "referralFollowed h1.example.com:143 -> h3.example.com:143",
        "masterChanged null -> h3.example.com:143",
        "attemptStart h3.example.com:143 hop 1",
        "attemptEnd h3.example.com:143 success",
        "operationEnd served");
  }

  @Test
  void portlessReferralUsesTheGroupsPort() throws Exception {
    HostAddress a1 = HostAddress.of("a1.example.com");
    HostAddress a2 = HostAddress.of("a2.example.com");
    group = ReplicationGroup.builder("store2", StoreHostList.of(a1, a2)).port(Protocol.IMAP, 1143).build();
    ScriptedAttempt a = new ScriptedAttempt()
        .refers(HostAddress.of("a1.example.com", 1143), HostAddress.of("a2.example.com"))
        .succeeds(HostAddress.of("a2.example.com", 1143));

    assertThat(served(run(Intent.WRITE, a)).host()).isEqualTo(HostAddress.of("a2.example.com", 1143));
  }

  @Test
  void referralLoopStopsTheOperation() throws Exception {
    ScriptedAttempt a = new ScriptedAttempt().refers(H1, H2).refers(H2, H1).succeeds(H3);

    FailoverResult.Failed<String> r = failed(run(Intent.WRITE, a));

    assertThat(r.kind()).isEqualTo(FailureKind.REFERRAL_LOOP);
    assertThat(r.trace().referralPath()).containsExactly(H1, H2, H1);
    assertThat(a.started).containsExactly(H1, H2);
    assertThat(r.toException().getMessage()).contains("referral loop",
        "h1.example.com:143 -> h2.example.com:143 -> h1.example.com:143");
  }

  @Test
  void selfReferralIsALoop() throws Exception {
    ScriptedAttempt a = new ScriptedAttempt().refers(H1, H1).succeeds(H2);

    assertThat(failed(run(Intent.WRITE, a)).kind()).isEqualTo(FailureKind.REFERRAL_LOOP);
    assertThat(a.started).containsExactly(H1);
  }

  @Test
  void referralChainLongerThanTheHopLimitStops() throws Exception {
    group = ReplicationGroup.builder("store1", StoreHostList.of(H1, H2, H3, H4)).build();
    policy = policy.toBuilder().maxReferralHops(2).build();
    ScriptedAttempt a = new ScriptedAttempt().refers(H1, H2).refers(H2, H3).refers(H3, H4).succeeds(H4);

    FailoverResult.Failed<String> r = failed(run(Intent.WRITE, a));

    assertThat(r.kind()).isEqualTo(FailureKind.REFERRAL_HOP_LIMIT);
    assertThat(a.started).containsExactly(H1, H2, H3);
  }

  @Test
  void referralToAStrangerIsRefusedAndTheStrangerIsNeverContacted() throws Exception {
    ScriptedAttempt a = new ScriptedAttempt().refers(H1, STRANGER).succeeds(H2).succeeds(STRANGER);

    FailoverResult.Served<String> s = served(run(Intent.WRITE, a));

    assertThat(s.host()).isEqualTo(H2);
    assertThat(a.count(STRANGER)).isZero();
    assertThat(s.trace().attempts().get(0).detail())
        .contains("referral to stranger.example.org:143 refused: not in group store1 and not allowed");
    assertThat(events.events).contains("referralRefused h1.example.com:143 -> stranger.example.org:143");
  }

  @Test
  void allowListedStrangerIsFollowedButNotCachedAsMaster() throws Exception {
    group = group.toBuilder().allowReferralsTo("stranger.example.org").build();
    ScriptedAttempt a = new ScriptedAttempt().refers(H1, STRANGER).succeeds(STRANGER);

    assertThat(served(run(Intent.WRITE, a)).host()).isEqualTo(STRANGER);
    assertThat(cache.master("store1")).isEmpty();
  }

  @Test
  void readOnlyIntentNeverFollowsReferrals() throws Exception {
    ScriptedAttempt a = new ScriptedAttempt().refers(H1, H3).succeeds(H2).succeeds(H3);

    FailoverResult.Served<String> s = served(run(Intent.READ_NO_REFERRALS, a));

    assertThat(s.host()).isEqualTo(H2);
    assertThat(a.started).containsExactly(H1, H2);
    assertThat(cache.master("store1")).as("a reader never hands a writer a master").isEmpty();
    assertThat(cache.lastGoodHost("store1")).hasValueSatisfying(h -> assertThat(h.host()).isEqualTo(H2));
  }

  @Test
  void referralToAHostStillBeingTriedWaitsForItInsteadOfCallingItALoop() throws Exception {
    cache.recordMaster("store1", H1, cache.nextSequence(), true);
    java.util.concurrent.CountDownLatch h1Answers = new java.util.concurrent.CountDownLatch(1);
    ScriptedAttempt a = new ScriptedAttempt()
        .on(H1, ctx -> {
          try {
            h1Answers.await(5, TimeUnit.SECONDS);
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
          return AttemptOutcome.success("master");
        })
        .refers(H2, H1).succeeds(H3);
    CompletableFuture<FailoverResult<String>> f = engine().executeAsync(group, Protocol.IMAP, Intent.WRITE, a);
    await(() -> a.started.contains(H1), "attempt on H1");
    clock.advance(STAGGER);
    await(() -> events.events.contains("attemptEnd h2.example.com:143 referral"), "referral from H2");

    h1Answers.countDown();

    assertThat(served(f.get(5, TimeUnit.SECONDS)).host()).isEqualTo(H1);
  }

  @Test
  void everyHostFailedReportNamesEachHostAndWhy() throws Exception {
    policy = policy.toBuilder().maxPasses(1).build();
    ScriptedAttempt a = new ScriptedAttempt().unavailable(H1).unavailable(H2).unavailable(H3);

    FailoverResult.Failed<String> r = failed(run(Intent.WRITE, a));
    StoreUnavailableException e = r.toException();

    assertThat(r.kind()).isEqualTo(FailureKind.ALL_UNAVAILABLE);
    assertThat(e.getMessage()).isEqualTo("group store1: every host failed (3 hosts tried in 1 pass, referral seen: no)"
        + ": h1.example.com:143 unavailable (connection refused); h2.example.com:143 unavailable (connection refused)"
        + "; h3.example.com:143 unavailable (connection refused)");
    assertThat(e.getSuppressed()).hasSize(3);
    assertThat(List.of(H1, H2, H3)).allSatisfy(h -> assertThat(cache.health(h)).isEqualTo(AffinityCache.HostHealth.DOWN));
  }

  @Test
  void passesArePacedByRetryBackoff() throws Exception {
    policy = policy.toBuilder().stagger(Duration.ZERO).maxPasses(3)
        .retryInitialBackoff(Duration.ofMillis(100)).retryMultiplier(2.0).build();
    ScriptedAttempt a = new ScriptedAttempt().unavailable(H1).unavailable(H2).unavailable(H3);
    CompletableFuture<FailoverResult<String>> f = engine().executeAsync(group, Protocol.IMAP, Intent.WRITE, a);
    await(() -> a.started.size() == 3 && clock.pendingTasks() == 2, "first pass and its back-off");

    assertThat(clock.pendingDelays()).first().isEqualTo(Duration.ofMillis(100));
    clock.advance(Duration.ofMillis(100));
    await(() -> a.started.size() == 6 && clock.pendingDelays().get(0).equals(Duration.ofMillis(200)), "second pass");
    clock.advance(Duration.ofMillis(200));

    FailoverResult.Failed<String> r = failed(f.get(5, TimeUnit.SECONDS));
    assertThat(r.kind()).isEqualTo(FailureKind.ALL_UNAVAILABLE);
    assertThat(r.trace().passes()).isEqualTo(3);
    assertThat(a.started).hasSize(9);
    assertThat(r.trace().elapsed()).isEqualTo(Duration.ofMillis(300));
  }

  @Test
  void writeToATwoSiteGroupFindsNoMasterAfterOnePassWhenEveryHostIsReadOnly() throws Exception {
    group = group.toBuilder().deploymentMode(DeploymentMode.TWO_SITE).build();
    ScriptedAttempt a = new ScriptedAttempt()
        .on(H1, ctx -> AttemptOutcome.readOnly("no master"))
        .on(H2, ctx -> AttemptOutcome.readOnly("no master"))
        .unavailable(H3);

    FailoverResult.Failed<String> r = failed(run(Intent.WRITE, a));

    assertThat(r.kind()).isEqualTo(FailureKind.NO_MASTER);
    assertThat(r.toException()).isInstanceOf(NoMasterException.class)
        .hasMessageStartingWith("group store1: group has no master, read-only");
    assertThat(r.trace().passes()).isEqualTo(1);
  }

  @Test
  void declinedHostIsNotMarkedDown() throws Exception {
    ScriptedAttempt a = new ScriptedAttempt()
        .on(H1, ctx -> AttemptOutcome.declined("[IN-USE] mailbox locked", null)).succeeds(H2);

    served(run(Intent.WRITE, a));

    assertThat(cache.health(H1)).isEqualTo(AffinityCache.HostHealth.UP);
  }

  @Test
  void thousandConcurrentWritersAfterMasterDeathProbeTheDeadMasterOnce() throws Exception {
    cache.recordMaster("store1", H1, cache.nextSequence(), true);
    clock.advance(policy.masterTrust());
    ScriptedAttempt a = new ScriptedAttempt().unavailable(H1).succeeds(H2).succeeds(H3);
    FailoverEngine engine = engine();

    List<CompletableFuture<FailoverResult<String>>> all = new ArrayList<>();
    for (int i = 0; i < 1000; i++) {
      all.add(engine.executeAsync(group, Protocol.IMAP, Intent.WRITE, a));
    }

    for (CompletableFuture<FailoverResult<String>> f : all) {
      assertThat(served(f.get(10, TimeUnit.SECONDS)).host()).isEqualTo(H2);
    }
    assertThat(a.count(H1)).isEqualTo(1);
    assertThat(a.count(H3)).isZero();
  }

  @Test
  void joinersShareTheLeadersFailureWhenTheWholeGroupIsDown() throws Exception {
    policy = policy.toBuilder().maxPasses(1).stagger(Duration.ZERO).build();
    java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
    ScriptedAttempt a = new ScriptedAttempt()
        .on(H1, ctx -> {
          try {
            release.await(5, TimeUnit.SECONDS);
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
          return AttemptOutcome.unavailable("refused", null);
        })
        .unavailable(H2).unavailable(H3);
    FailoverEngine engine = engine();
    CompletableFuture<FailoverResult<String>> leader = engine.executeAsync(group, Protocol.IMAP, Intent.WRITE, a);
    List<CompletableFuture<FailoverResult<String>>> joiners = new ArrayList<>();
    for (int i = 0; i < 20; i++) {
      joiners.add(engine.executeAsync(group, Protocol.IMAP, Intent.WRITE, a));
    }
    await(() -> resources.counters().snapshot().discoveriesJoined() == 20, "20 joiners");

    release.countDown();

    assertThat(failed(leader.get(5, TimeUnit.SECONDS)).kind()).isEqualTo(FailureKind.ALL_UNAVAILABLE);
    for (CompletableFuture<FailoverResult<String>> j : joiners) {
      assertThat(failed(j.get(5, TimeUnit.SECONDS)).kind()).isEqualTo(FailureKind.ALL_UNAVAILABLE);
    }
    assertThat(a.started).hasSize(3);
  }

  @Test
  void concurrentColdReadsJoinOneDiscoveryAndThenGoStraightToTheHostItFound() throws Exception {
    policy = policy.toBuilder().stagger(Duration.ZERO).build();
    java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
    ScriptedAttempt a = new ScriptedAttempt()
        .on(H1, ctx -> {
          try {
            release.await(5, TimeUnit.SECONDS);
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
          return AttemptOutcome.unavailable("refused", null);
        })
        .succeeds(H2);
    FailoverEngine engine = engine();
    CompletableFuture<FailoverResult<String>> leader = engine.executeAsync(group, Protocol.IMAP, Intent.READ, a);
    List<CompletableFuture<FailoverResult<String>>> joiners = new ArrayList<>();
    for (int i = 0; i < 20; i++) {
      joiners.add(engine.executeAsync(group, Protocol.IMAP, Intent.READ, a));
    }
    await(() -> resources.counters().snapshot().discoveriesJoined() == 20, "20 joiners");

    release.countDown();

    assertThat(leader.get(5, TimeUnit.SECONDS)).isInstanceOf(FailoverResult.Served.class);
    for (CompletableFuture<FailoverResult<String>> j : joiners) {
      assertThat(j.get(5, TimeUnit.SECONDS)).isInstanceOfSatisfying(FailoverResult.Served.class,
          s -> assertThat(s.host()).isEqualTo(H2));
    }
    assertThat(a.count(H1)).as("only the leader paid for the dead first host").isEqualTo(1);
  }

  @Test
  void writesInFlightOnADemotedTrustedMasterJoinOneDiscoveryOfTheNewMaster() throws Exception {
    policy = policy.toBuilder().stagger(Duration.ofSeconds(5)).build();
    cache.recordMaster("store1", H1, cache.nextSequence(), true);
    java.util.concurrent.CountDownLatch allAtH1 = new java.util.concurrent.CountDownLatch(20);
    java.util.concurrent.CountDownLatch h2Answers = new java.util.concurrent.CountDownLatch(1);
    ScriptedAttempt a = new ScriptedAttempt()
        .on(H1, ctx -> {
          allAtH1.countDown();
          try {
            allAtH1.await(5, TimeUnit.SECONDS);
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
          return AttemptOutcome.referral(H2, "demoted");
        })
        .on(H2, ctx -> {
          try {
            h2Answers.await(5, TimeUnit.SECONDS);
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
          return AttemptOutcome.success("H2");
        });
    FailoverEngine engine = engine();
    List<CompletableFuture<FailoverResult<String>>> writes = new ArrayList<>();
    for (int i = 0; i < 20; i++) {
      writes.add(engine.executeAsync(group, Protocol.IMAP, Intent.WRITE, a));
    }
    // The joiners may all be in before the leader's own attempt on H2 has started: wait for both.
    await(() -> resources.counters().snapshot().discoveriesJoined() == 19 && a.count(H2) >= 1,
        "19 writes joined the first one's discovery, which went on to H2");
    assertThat(a.count(H2)).as("only the leader went on to H2 so far").isEqualTo(1);

    h2Answers.countDown();

    for (CompletableFuture<FailoverResult<String>> w : writes) {
      assertThat(served(w.get(5, TimeUnit.SECONDS)).host()).isEqualTo(H2);
    }
    assertThat(a.count(H1)).isEqualTo(20);
    assertThat(a.count(H2)).isEqualTo(20);
    assertThat(cache.master("store1")).hasValueSatisfying(m -> assertThat(m.host()).isEqualTo(H2));
    assertThat(resources.counters().snapshot().masterChanges()).isEqualTo(1);
  }

  @Test
  void countersCountOperationsAttemptsAndReferrals() throws Exception {
    ScriptedAttempt a = new ScriptedAttempt().refers(H1, H2).succeeds(H2);

    run(Intent.WRITE, a);

    FailoverCounters.Snapshot c = resources.counters().snapshot();
    assertThat(c.operations()).isEqualTo(1);
    assertThat(c.attempts()).isEqualTo(2);
    assertThat(c.attemptsFailed()).isEqualTo(1);
    assertThat(c.referralsFollowed()).isEqualTo(1);
    assertThat(c.masterChanges()).isEqualTo(1);
  }

  @Test
  void attemptThatThrowsIsUnavailableNotACrash() throws Exception {
    ScriptedAttempt a = new ScriptedAttempt()
        .on(H1, ctx -> {
          throw new IllegalStateException("parser blew up on garbage");
        })
        .succeeds(H2);

    FailoverResult.Served<String> s = served(run(Intent.WRITE, a));

    assertThat(s.trace().attempts().get(0).detail()).isEqualTo("IllegalStateException: parser blew up on garbage");
  }

  @Test
  void connectionRateCapSpreadsNewConnectionsWithJitter() throws Exception {
    AffinityCache capped = AffinityCache.builder().ticker(clock).connectionRateLimit(10, 1).build();
    cache = AffinityStore.of(capped);
    resources.close();
    resources = RepgroupResources.builder().ticker(clock).scheduler(clock).affinityCache(capped).build();
    group = ReplicationGroup.builder("solo", StoreHostList.of(H1)).build();
    // A known good host: the three reads go straight to it (no discovery to join), all at t=0.
    cache.recordLastGoodHost("solo", H1, cache.nextSequence());
    ScriptedAttempt a = new ScriptedAttempt().succeeds(H1);
    FailoverEngine engine = engine();

    List<CompletableFuture<FailoverResult<String>>> ops = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      ops.add(engine.executeAsync(group, Protocol.IMAP, Intent.READ_NO_REFERRALS, a));
    }
    await(() -> a.started.size() == 1, "first connection at once");
    clock.advance(Duration.ofMillis(99));
    assertThat(a.started).hasSize(1);
    clock.advance(Duration.ofMillis(51));
    await(() -> a.started.size() == 2, "second connection after 100-150 ms");
    clock.advance(Duration.ofMillis(150));
    await(() -> a.started.size() == 3, "third connection after 200-300 ms");

    for (CompletableFuture<FailoverResult<String>> op : ops) {
      served(op.get(5, TimeUnit.SECONDS));
    }
  }

  @Test
  void hostBackWithinItsStabilityWindowGoesAfterSteadyHosts() throws Exception {
    policy = policy.toBuilder().stagger(Duration.ZERO).build();
    cache.markDown(H1, "flapped");
    cache.markUp(H1);
    ScriptedAttempt a = new ScriptedAttempt().succeeds(H1).succeeds(H2).succeeds(H3);

    assertThat(served(run(Intent.READ_NO_REFERRALS, a)).host()).isEqualTo(H2);
    cache.dropLastGoodHost("store1", H2, Long.MAX_VALUE);
    clock.advance(Duration.ofSeconds(30));
    a.started.clear();

    assertThat(served(run(Intent.READ_NO_REFERRALS, a)).host()).as("stable again after the window").isEqualTo(H1);
  }

  @Test
  void attemptsResolveNamesThroughTheResourcesResolver() throws Exception {
    java.net.InetAddress moved = java.net.InetAddress.getByAddress("h1.example.com", new byte[] {127, 0, 0, 9});
    resources.close();
    resources = RepgroupResources.builder().ticker(clock).scheduler(clock).affinityCache(resources.affinityCache())
        .resolver(host -> List.of(moved)).build();
    List<java.net.InetSocketAddress> seen = new java.util.concurrent.CopyOnWriteArrayList<>();
    ScriptedAttempt a = new ScriptedAttempt().on(H1, ctx -> {
      try {
        seen.add(ctx.socketAddress());
      } catch (java.net.UnknownHostException e) {
        return AttemptOutcome.unavailable("unknown host", e);
      }
      return AttemptOutcome.success("ok");
    });

    served(run(Intent.WRITE, a));

    assertThat(seen).singleElement().satisfies(sa -> {
      assertThat(sa.getAddress().getHostAddress()).isEqualTo("127.0.0.9");
      assertThat(sa.getPort()).isEqualTo(143);
    });
  }

  @Test
  void hostThatRespondedIsNotStaggeredAwayFrom() throws Exception {
    java.util.concurrent.CountDownLatch finish = new java.util.concurrent.CountDownLatch(1);
    java.util.concurrent.CountDownLatch responded = new java.util.concurrent.CountDownLatch(1);
    ScriptedAttempt a = new ScriptedAttempt()
        .on(H1, ctx -> {
          ctx.hostResponded();
          responded.countDown();
          try {
            finish.await(5, TimeUnit.SECONDS);
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
          return AttemptOutcome.success("long but healthy");
        })
        .succeeds(H2);
    CompletableFuture<FailoverResult<String>> f = engine().executeAsync(group, Protocol.IMAP, Intent.WRITE, a);
    assertThat(responded.await(5, TimeUnit.SECONDS)).isTrue();
    assertThat(clock.pendingTasks()).as("only the deadline is left: no stagger").isEqualTo(1);

    clock.advance(STAGGER.multipliedBy(4));
    finish.countDown();

    assertThat(served(f.get(5, TimeUnit.SECONDS)).host()).isEqualTo(H1);
    assertThat(a.started).containsExactly(H1);
  }

  @Test
  void expiredHostIsRecheckedOnceOnTheSideWhileAHealthyHostServes() throws Exception {
    policy = policy.toBuilder().stagger(Duration.ZERO).build();
    cache.markDown(H1, "black hole");
    cache.recordLastGoodHost("store1", H2, cache.nextSequence());
    java.util.concurrent.atomic.AtomicInteger probes = new java.util.concurrent.atomic.AtomicInteger();
    java.util.concurrent.CountDownLatch probed = new java.util.concurrent.CountDownLatch(1);
    ScriptedAttempt scripted = new ScriptedAttempt().succeeds(H1).succeeds(H2).succeeds(H3);
    Attempt<String> withProbe = scripted.withProber(ctx -> {
      probes.incrementAndGet();
      probed.countDown();
      return AttemptOutcome.success(null);
    });
    clock.advance(Duration.ofSeconds(30));

    for (int i = 0; i < 5; i++) {
      // H2 (the last good host) or, on the one probe read in eight, H3 (not measured yet): never H1.
      assertThat(served(engine().execute(group, Protocol.IMAP, Intent.READ_NO_REFERRALS, withProbe)).host())
          .isIn(H2, H3);
    }

    assertThat(probed.await(5, TimeUnit.SECONDS)).isTrue();
    await(() -> cache.health(H1) == AffinityCache.HostHealth.UP, "H1 up after its recheck");
    assertThat(probes.get()).isEqualTo(1);
    assertThat(scripted.count(H1)).as("the operations never waited for H1").isZero();
  }

  @Test
  void withoutAProberAnOperationServedElsewhereLeavesTheDueRecheckToTheNextOneThatNeedsTheHost() throws Exception {
    policy = policy.toBuilder().stagger(Duration.ZERO).build();
    group = ReplicationGroup.builder("store1", StoreHostList.of(H1, H2)).build();
    cache.markDown(H1, "black hole");
    cache.recordLastGoodHost("store1", H2, cache.nextSequence());
    clock.advance(Duration.ofSeconds(30));
    java.util.concurrent.atomic.AtomicBoolean h2Up = new java.util.concurrent.atomic.AtomicBoolean(true);
    ScriptedAttempt a = new ScriptedAttempt().succeeds(H1)
        .on(H2, ctx -> h2Up.get() ? AttemptOutcome.success("H2") : AttemptOutcome.unavailable("refused", null));

    assertThat(served(run(Intent.READ, a)).host()).isEqualTo(H2);
    assertThat(cache.health(H1)).as("the recheck is still there for the taking").isEqualTo(AffinityCache.HostHealth.RECHECK_DUE);
    h2Up.set(false);

    assertThat(served(run(Intent.READ, a)).host()).isEqualTo(H1);
    assertThat(cache.health(H1)).isEqualTo(AffinityCache.HostHealth.UP);
    assertThat(a.count(H1)).isEqualTo(1);
  }

  @Test
  void dueHostListedFirstIsRecheckedOnTheSideWhenOthersCanServe() throws Exception {
    policy = policy.toBuilder().stagger(Duration.ZERO).build();
    cache.markDown(H1, "black hole");
    clock.advance(Duration.ofSeconds(30));
    java.util.concurrent.CountDownLatch probed = new java.util.concurrent.CountDownLatch(1);
    ScriptedAttempt scripted = new ScriptedAttempt().succeeds(H1).succeeds(H2).succeeds(H3);
    Attempt<String> withProbe = scripted.withProber(ctx -> {
      probed.countDown();
      return AttemptOutcome.unavailable("still silent", null);
    });

    assertThat(served(engine().execute(group, Protocol.IMAP, Intent.WRITE, withProbe)).host()).isEqualTo(H2);

    assertThat(probed.await(5, TimeUnit.SECONDS)).isTrue();
    assertThat(scripted.count(H1)).as("no operation waited for the first-listed host").isZero();
    await(() -> !cache.recheckInFlight(H1), "the recheck reported");
    assertThat(cache.health(H1)).isEqualTo(AffinityCache.HostHealth.DOWN);
  }

  @Test
  void aProbeReadMeasuresHostsNobodyHasMeasuredYet() throws Exception {
    policy = policy.toBuilder().stagger(Duration.ZERO).slowHostProbeEvery(4).build();
    // Only the first host was ever measured (it served every read so far): alone, it is the "fastest".
    cache.recordLatency(H1, Duration.ofMillis(60));
    ScriptedAttempt a = new ScriptedAttempt().succeeds(H1).succeeds(H2).succeeds(H3);

    List<HostAddress> served = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      served.add(served(run(Intent.READ, a)).host());
    }

    assertThat(served).as("one read in four explores an unmeasured host").contains(H2);
    assertThat(cache.latency(H2)).isPresent();
  }

  @Test
  void referralToAHostThatAlreadyFailedInThePassIsNotALoop() throws Exception {
    policy = policy.toBuilder().stagger(Duration.ZERO).build();
    ScriptedAttempt a = new ScriptedAttempt().unavailable(H1).refers(H2, H1).succeeds(H3);

    FailoverResult.Served<String> s = served(run(Intent.WRITE, a));

    assertThat(s.host()).isEqualTo(H3);
    assertThat(s.trace().attempts().get(1).detail()).contains("already failed in this pass");
  }

  @Test
  void readWithEveryHostMarkedDownStillTriesThemAll() throws Exception {
    policy = policy.toBuilder().stagger(Duration.ZERO).build();
    cache.markDown(H1, "x");
    cache.markDown(H2, "x");
    cache.markDown(H3, "x");
    ScriptedAttempt a = new ScriptedAttempt().unavailable(H1).succeeds(H2).succeeds(H3);

    assertThat(served(run(Intent.READ_NO_REFERRALS, a)).host()).isEqualTo(H2);
    assertThat(a.started).containsExactly(H1, H2);
  }

  @Test
  void timeoutOnAHostThatAnsweredSinceTheAttemptStartedDoesNotMarkItDown() throws Exception {
    // Under load a new master's logins can outlast the response timeout while it serves others:
    // an old failure must not mark a host down that answered since (the dead master would then be
    // retried as "every host is down").
    policy = policy.toBuilder().stagger(Duration.ZERO).maxPasses(1).build();
    cache.markDown(H1, "connection refused (the dead master)");
    cache.markDown(H3, "no answer in 300 ms while another host answered");
    cache.recordMaster("store1", H2, cache.nextSequence(), true);
    java.util.concurrent.CountDownLatch servedLogin = new java.util.concurrent.CountDownLatch(1);
    java.util.concurrent.CountDownLatch slowLogin = new java.util.concurrent.CountDownLatch(1);
    ScriptedAttempt served = new ScriptedAttempt().on(H2, ctx -> {
      awaitQuietly(servedLogin);
      return AttemptOutcome.success("served by H2");
    });
    ScriptedAttempt timedOut = new ScriptedAttempt().on(H2, ctx -> {
      awaitQuietly(slowLogin);
      return AttemptOutcome.unavailable("timed out during login", null);
    });
    FailoverEngine engine = engine();
    CompletableFuture<FailoverResult<String>> first = engine.executeAsync(group, Protocol.IMAP, Intent.WRITE, served);
    await(() -> served.started.contains(H2), "the first login on H2");
    CompletableFuture<FailoverResult<String>> second = engine.executeAsync(group, Protocol.IMAP, Intent.WRITE, timedOut);
    await(() -> timedOut.started.contains(H2), "the second login on H2");

    servedLogin.countDown();
    assertThat(served(first.get(5, TimeUnit.SECONDS)).host()).isEqualTo(H2);
    slowLogin.countDown();
    failed(second.get(5, TimeUnit.SECONDS));

    assertThat(cache.health(H2)).as("H2 answered after the timed-out login started").isEqualTo(AffinityCache.HostHealth.UP);
    assertThat(cache.master("store1")).as("nor is it dropped as master")
        .hasValueSatisfying(m -> assertThat(m.host()).isEqualTo(H2));
    ScriptedAttempt next = new ScriptedAttempt().unavailable(H1).succeeds(H2).succeeds(H3);
    assertThat(served(engine.execute(group, Protocol.IMAP, Intent.WRITE, next)).host()).isEqualTo(H2);
    assertThat(next.count(H1)).as("attempts on the dead master within its recheck interval").isZero();
  }

  static void awaitQuietly(java.util.concurrent.CountDownLatch latch) {
    try {
      if (!latch.await(5, TimeUnit.SECONDS)) {
        throw new AssertionError("latch never released");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  @Test
  void attemptWaitingForItsConnectionTurnIsNotASilentHost() throws Exception {
    AffinityCache capped = AffinityCache.builder().ticker(clock).connectionRateLimit(1, 1).build();
    cache = AffinityStore.of(capped);
    resources.close();
    resources = RepgroupResources.builder().ticker(clock).scheduler(clock).affinityCache(capped).build();
    cache.reserveConnection(H1);
    ScriptedAttempt a = new ScriptedAttempt().succeeds(H1).succeeds(H2).succeeds(H3);
    CompletableFuture<FailoverResult<String>> f = engine().executeAsync(group, Protocol.IMAP, Intent.WRITE, a);

    clock.advance(STAGGER);

    FailoverResult.Served<String> s = served(f.get(5, TimeUnit.SECONDS));
    assertThat(s.host()).isEqualTo(H2);
    assertThat(a.started).as("H1's turn under the cap had not come").containsExactly(H2);
    assertThat(cache.health(H1)).isEqualTo(AffinityCache.HostHealth.UP);
  }

  @Test
  void silenceIsMeasuredFromTheLastAwaitedReplyNotFromTheStart() throws Exception {
    // H1 answers at once, works for 2 s, then awaits a reply that never comes; the re-armed stagger
    // starts H2, which serves. H1's silence counts from the reply it owes (250 ms), not from the start.
    policy = policy.toBuilder().stagger(STAGGER).build();
    java.util.concurrent.CountDownLatch h1Waiting = new java.util.concurrent.CountDownLatch(1);
    ScriptedAttempt a = new ScriptedAttempt().on(H1, ctx -> {
      ctx.hostResponded();
      clock.advance(Duration.ofSeconds(2));
      ctx.awaitingReply();
      h1Waiting.countDown();
      return hangUntilCancelled(ctx);
    }).succeeds(H2).succeeds(H3);
    CompletableFuture<FailoverResult<String>> f = engine().executeAsync(group, Protocol.IMAP, Intent.WRITE, a);
    awaitQuietly(h1Waiting);

    clock.advance(STAGGER.minusMillis(1));
    assertThat(a.started).containsExactly(H1);
    clock.advance(Duration.ofMillis(1));

    assertThat(served(f.get(5, TimeUnit.SECONDS)).host()).isEqualTo(H2);
    assertThat(cache.health(H1)).as("silent for exactly the stagger: marked down").isEqualTo(AffinityCache.HostHealth.DOWN);
    assertThat(cache.downReason(H1)).hasValueSatisfying(r -> assertThat(r).startsWith("no answer in 250 ms"));
  }

  static AttemptOutcome<String> hangUntilCancelled(org.repgroup.core.spi.AttemptContext ctx) {
    java.util.concurrent.CountDownLatch cancelled = new java.util.concurrent.CountDownLatch(1);
    ctx.onCancel(cancelled::countDown);
    awaitQuietly(cancelled);
    return AttemptOutcome.unavailable("cancelled", null);
  }
}
