package org.repgroup.core.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.repgroup.core.AffinityCache;
import org.repgroup.core.AffinityCache.HostHealth;
import org.repgroup.core.FailoverPolicy;
import org.repgroup.core.FatalReason;
import org.repgroup.core.HostAddress;
import org.repgroup.core.Intent;
import org.repgroup.core.Protocol;
import org.repgroup.core.ReplicationGroup;
import org.repgroup.core.RepgroupResources;
import org.repgroup.core.StoreHostList;
import org.repgroup.core.spi.AttemptOutcome;
import org.repgroup.core.spi.FailoverEngine;
import org.repgroup.core.spi.FanOutAttempt;
import org.repgroup.core.spi.FanOutContext;
import org.repgroup.core.spi.FanOutResult;
import org.repgroup.core.spi.FanOutResult.Kind;
import org.repgroup.core.time.ManualClock;

/** The engine's fan-out on a fake clock: hosts, per-host time, deadline, referrals, health and events. */
@Timeout(30)
class FanOutEngineTest {

  static final HostAddress H1 = HostAddress.of("h1.example.com", 7997);
  static final HostAddress H2 = HostAddress.of("h2.example.com", 7997);
  static final HostAddress H3 = HostAddress.of("h3.example.com", 7997);
  static final Duration PER_HOST = Duration.ofMillis(500);
  static final Duration DEADLINE = Duration.ofSeconds(2);

  final ManualClock clock = new ManualClock();
  final RecordingListener events = new RecordingListener();
  AffinityStore cache;
  RepgroupResources resources;
  ReplicationGroup group = ReplicationGroup.builder("store1", StoreHostList.of(H1, H2, H3)).build();
  final FailoverPolicy policy = FailoverPolicy.builder().deadline(DEADLINE).retryJitter(0).build();

  @BeforeEach
  void setUp() {
    AffinityCache shared = AffinityCache.builder().ticker(clock).recheckInterval(Duration.ofSeconds(30)).build();
    cache = AffinityStore.of(shared);
    resources = RepgroupResources.builder().ticker(clock).scheduler(clock).affinityCache(shared).listener(events)
        .build();
  }

  @AfterEach
  void tearDown() {
    resources.close();
  }

  /** Answers by host: sends at once and answers at once, unless the host is held (then the test answers). */
  static final class Scripted implements FanOutAttempt<String> {
    final Map<HostAddress, Function<FanOutContext, AttemptOutcome<String>>> answers = new ConcurrentHashMap<>();
    final Map<HostAddress, CompletableFuture<AttemptOutcome<String>>> held = new ConcurrentHashMap<>();
    final Map<HostAddress, FanOutContext> contexts = new ConcurrentHashMap<>();
    final Set<HostAddress> heldUnsent = ConcurrentHashMap.newKeySet();
    final List<String> started = new CopyOnWriteArrayList<>();
    final List<String> discarded = new CopyOnWriteArrayList<>();
    final AtomicInteger closed = new AtomicInteger();

    Scripted answer(HostAddress h, AttemptOutcome<String> o) {
      answers.put(h, c -> o);
      return this;
    }

    /** The host is sent the request and holds it until the test completes {@link #held}. */
    Scripted hold(HostAddress h) {
      held.put(h, new CompletableFuture<>());
      return this;
    }

    /** The request waits in the adapter's queue: {@code sending()} is the test's to call. */
    Scripted holdUnsent(HostAddress h) {
      heldUnsent.add(h);
      return hold(h);
    }

    @Override
    public CompletableFuture<AttemptOutcome<String>> start(FanOutContext c) {
      started.add(c.host() + " hop " + c.hop());
      contexts.put(c.host(), c);
      c.onCancel(closed::incrementAndGet);
      CompletableFuture<AttemptOutcome<String>> h = held.get(c.host());
      if (h != null) {
        if (!heldUnsent.contains(c.host())) {
          assertThat(c.sending()).isTrue();
        }
        return h;
      }
      assertThat(c.sending()).isTrue();
      Function<FanOutContext, AttemptOutcome<String>> a = answers.get(c.host());
      return CompletableFuture.completedFuture(a == null ? AttemptOutcome.success("ok " + c.host().host())
          : a.apply(c));
    }

    @Override
    public void discard(String value) {
      discarded.add(value);
    }
  }

  FailoverEngine engine() {
    return new FailoverEngine(resources, policy);
  }

  CompletableFuture<FanOutResult<String>> fanOut(Scripted a) {
    return engine().fanOut(group, Protocol.ENS, Intent.WRITE, PER_HOST, a);
  }

  @Test
  void everyHostGetsTheRequestAndEachHasItsOwnOutcomeInListOrder() throws Exception {
    Scripted a = new Scripted().answer(H2, AttemptOutcome.unavailable("HTTP 503", null))
        .answer(H3, AttemptOutcome.fatal(FatalReason.REQUEST_REFUSED, "HTTP 400", null));

    FanOutResult<String> r = fanOut(a).get();

    assertThat(r.hosts()).extracting(FanOutResult.HostOutcome::host).containsExactly(H1, H2, H3);
    assertThat(r.host(H1).kind()).isEqualTo(Kind.SERVED);
    assertThat(r.host(H1).value()).contains("ok h1.example.com");
    assertThat(r.host(H2).kind()).isEqualTo(Kind.FAILED);
    assertThat(r.host(H2).reason()).isEqualTo("HTTP 503");
    assertThat(r.host(H3).kind()).isEqualTo(Kind.REFUSED);
    assertThat(cache.health(H2)).as("unavailable marks down").isEqualTo(HostHealth.DOWN);
    assertThat(cache.health(H3)).as("a refusal is a live server's answer").isEqualTo(HostHealth.UP);
    assertThat(events.events).containsExactly("hostMarkedDown " + H2);
  }

  @Test
  void hostMarkedDownIsSkippedAndOneFanOutRechecksItWhenItsMarkExpires() throws Exception {
    cache.markDown(H2, "reset");

    FanOutResult<String> r = fanOut(new Scripted()).get();

    assertThat(r.host(H2).kind()).isEqualTo(Kind.SKIPPED);
    assertThat(r.host(H2).reason()).isEqualTo("marked down: reset");
    assertThat(r.host(H2).elapsed()).isZero();

    clock.advance(Duration.ofSeconds(30));
    Scripted first = new Scripted().hold(H2);
    CompletableFuture<FanOutResult<String>> rechecking = fanOut(first);
    Scripted second = new Scripted();
    FanOutResult<String> meanwhile = fanOut(second).get();
    first.held.get(H2).complete(AttemptOutcome.success("back"));

    assertThat(rechecking.get().host(H2).kind()).isEqualTo(Kind.SERVED);
    assertThat(meanwhile.host(H2).kind()).as("the recheck is the other fan-out's").isEqualTo(Kind.SKIPPED);
    assertThat(second.started).doesNotContain(H2 + " hop 0");
    assertThat(cache.health(H2)).isEqualTo(HostHealth.UP);
    assertThat(events.events).containsExactly("hostMarkedUp " + H2);
  }

  @Test
  void everyHostIsTriedWhenAllAreMarkedDown() throws Exception {
    for (HostAddress h : List.of(H1, H2, H3)) {
      cache.markDown(h, "reset");
    }
    Scripted a = new Scripted().answer(H3, AttemptOutcome.unavailable("reset again", null));

    FanOutResult<String> r = fanOut(a).get();

    assertThat(a.started).containsExactly(H1 + " hop 0", H2 + " hop 0", H3 + " hop 0");
    assertThat(r.host(H1).kind()).isEqualTo(Kind.SERVED);
    assertThat(r.host(H2).kind()).isEqualTo(Kind.SERVED);
    assertThat(cache.health(H1)).isEqualTo(HostHealth.UP);
    assertThat(cache.health(H3)).isEqualTo(HostHealth.DOWN);
    assertThat(events.events).containsExactly("hostMarkedUp " + H1, "hostMarkedUp " + H2);
  }

  @Test
  void perHostTimeoutRunsFromSendingNeverWhileTheRequestWaitsInTheAdaptersQueue() throws Exception {
    Scripted a = new Scripted().holdUnsent(H2);
    CompletableFuture<FanOutResult<String>> f = fanOut(a);

    clock.advance(PER_HOST.plusMillis(300));
    assertThat(f).as("queued, not sent: its time has not started").isNotDone();
    assertThat(a.contexts.get(H2).sending()).isTrue();
    clock.advance(PER_HOST.minusMillis(1));
    assertThat(f).isNotDone();
    clock.advance(Duration.ofMillis(1));

    FanOutResult<String> r = f.get();
    assertThat(r.host(H2).kind()).isEqualTo(Kind.FAILED);
    assertThat(r.host(H2).reason()).isEqualTo("no answer within the per-host timeout (500 ms)");
    assertThat(r.host(H2).elapsed()).isEqualTo(PER_HOST);
    assertThat(cache.health(H2)).isEqualTo(HostHealth.DOWN);
    assertThat(a.contexts.get(H2).isCancelled()).isTrue();
    assertThat(a.closed.get()).as("the timed-out try's call cancelled").isEqualTo(1);
  }

  @Test
  void deadlineGivesUpSentAndQueuedHostsWithoutMarkingThemDownAndAQueuedOneIsNeverSentAfter() throws Exception {
    Scripted a = new Scripted().holdUnsent(H2).holdUnsent(H3);
    CompletableFuture<FanOutResult<String>> f = engine().fanOut(group, Protocol.ENS, Intent.WRITE,
        Duration.ofSeconds(10), a);
    clock.advance(Duration.ofMillis(700));
    assertThat(a.contexts.get(H3).sending()).isTrue();
    assertThat(a.contexts.get(H3).responseTimeout()).as("the policy's, whatever the time left: the deadline is"
        + " the engine's to enforce, never a host's timeout").isEqualTo(policy.responseTimeout());

    clock.advance(DEADLINE.minusMillis(700));

    FanOutResult<String> r = f.get();
    assertThat(r.host(H3).kind()).isEqualTo(Kind.DEADLINE);
    assertThat(r.host(H3).reason()).isEqualTo("no answer before the deadline (2000 ms)");
    assertThat(r.host(H3).elapsed()).isEqualTo(Duration.ofMillis(1300));
    assertThat(r.host(H2).kind()).isEqualTo(Kind.NOT_SENT);
    assertThat(r.host(H2).elapsed()).isZero();
    assertThat(a.contexts.get(H2).sending()).as("reported not sent: never sent later").isFalse();
    assertThat(cache.health(H2)).isEqualTo(HostHealth.UP);
    assertThat(cache.health(H3)).isEqualTo(HostHealth.UP);
    assertThat(a.closed.get()).isEqualTo(2);

    a.held.get(H3).complete(AttemptOutcome.success("late"));
    assertThat(a.discarded).containsExactly("late");
    assertThat(f.get().host(H3).kind()).isEqualTo(Kind.DEADLINE);
  }

  @Test
  void referralToAHostTriedDirectlyIsSettledByThatHostsOwnAnswerAndNotSentTwice() throws Exception {
    Scripted a = new Scripted().answer(H1, AttemptOutcome.referral(HostAddress.of("h3.example.com"), "307"))
        .hold(H3);
    CompletableFuture<FanOutResult<String>> f = fanOut(a);
    a.held.get(H3).complete(AttemptOutcome.success("id 7"));

    FanOutResult<String> r = f.get();

    assertThat(r.host(H1).kind()).isEqualTo(Kind.REFERRED);
    assertThat(r.host(H1).value()).contains("id 7");
    assertThat(r.host(H1).referredTo()).contains(H3);
    assertThat(a.started).containsExactly(H1 + " hop 0", H2 + " hop 0", H3 + " hop 0");
  }

  @Test
  void referralToADirectTargetThatRefersBackIsALoop() throws Exception {
    group = ReplicationGroup.builder("store1", StoreHostList.of(H1, H2)).build();
    Scripted a = new Scripted().answer(H1, AttemptOutcome.referral(H2, "307"))
        .answer(H2, AttemptOutcome.referral(H1, "307"));

    FanOutResult<String> r = fanOut(a).get();

    assertThat(r.host(H1).kind()).isEqualTo(Kind.REFERRAL_LOOP);
    assertThat(r.host(H2).kind()).isEqualTo(Kind.REFERRAL_LOOP);
    assertThat(r.anyServed()).isFalse();
    assertThat(a.started).hasSize(2);
    assertThat(cache.health(H1)).as("a referral is an answer").isEqualTo(HostHealth.UP);
  }

  @Test
  void referralToAHostNotTriedDirectlyIsFollowedOnceAndNoFurther() throws Exception {
    cache.markDown(H2, "reset");
    group = ReplicationGroup.builder("store1", StoreHostList.of(H1, H2)).build();
    Scripted a = new Scripted().answer(H1, AttemptOutcome.referral(H2, "307"));

    FanOutResult<String> served = fanOut(a).get();

    assertThat(a.started).containsExactly(H1 + " hop 0", H2 + " hop 1");
    assertThat(served.host(H1).kind()).isEqualTo(Kind.REFERRED);
    assertThat(served.host(H1).value()).contains("ok h2.example.com");
    assertThat(served.host(H2).kind()).isEqualTo(Kind.SKIPPED);
    assertThat(cache.health(H2)).as("it answered the followed try").isEqualTo(HostHealth.UP);

    cache.markDown(H2, "reset");
    Scripted again = new Scripted().answer(H1, AttemptOutcome.referral(H2, "307"))
        .answer(H2, AttemptOutcome.referral(H3, "307"));
    FanOutResult<String> r = fanOut(again).get();
    assertThat(r.host(H1).kind()).isEqualTo(Kind.REFERRED_AGAIN);
    assertThat(r.host(H1).referredOnTo()).contains(H3);
    assertThat(again.started).containsExactly(H1 + " hop 0", H2 + " hop 1");
  }

  @Test
  void followedTargetThatIsUnavailableIsMarkedDownAndTheReferringHostIsNot() throws Exception {
    cache.markDown(H2, "reset");
    clock.advance(Duration.ofSeconds(1));
    group = ReplicationGroup.builder("store1", StoreHostList.of(H1, H2)).build();
    Scripted a = new Scripted().answer(H1, AttemptOutcome.referral(H2, "307"))
        .answer(H2, AttemptOutcome.unavailable("HTTP 503", null));

    // One pass: the subject is that pass's marks (later passes are the passes tests' business).
    FanOutResult<String> r = new FailoverEngine(resources, policy.toBuilder().maxPasses(1).build())
        .fanOut(group, Protocol.ENS, Intent.WRITE, PER_HOST, a).get();

    assertThat(r.host(H1).kind()).isEqualTo(Kind.REFERRAL_TARGET_FAILED);
    assertThat(r.host(H1).reason()).isEqualTo("HTTP 503");
    assertThat(cache.health(H1)).isEqualTo(HostHealth.UP);
    assertThat(cache.downReason(H2)).contains("HTTP 503");
  }

  /** Runs a fan-out to its end, moving the fake clock from one timer to the next. */
  FanOutResult<String> onTheClock(CompletableFuture<FanOutResult<String>> f) throws Exception {
    while (!f.isDone()) {
      List<Duration> pending = clock.pendingDelays();
      assertThat(pending).as("an unfinished fan-out waits on a timer").isNotEmpty();
      clock.advance(pending.get(0));
    }
    return f.get();
  }

  @Test
  void fanOutThatNoHostServedDuringAnElectionIsSentAgainUntilTheNewMasterTakesIt() throws Exception {
    // H2 and H3 redirect to the dead H1 until the election ends at 700 ms; then H2 takes it.
    long electionEnds = clock.read() + Duration.ofMillis(700).toNanos();
    Scripted a = new Scripted();
    a.answers.put(H1, c -> AttemptOutcome.unavailable("connection refused", null));
    a.answers.put(H2, c -> clock.read() < electionEnds ? AttemptOutcome.referral(H1, "307")
        : AttemptOutcome.success("ok h2"));
    a.answers.put(H3, c -> AttemptOutcome.referral(clock.read() < electionEnds ? H1 : H2, "307"));

    FanOutResult<String> r = onTheClock(fanOut(a));

    assertThat(r.anyServed()).isTrue();
    assertThat(r.host(H2).kind()).isEqualTo(Kind.SERVED);
    assertThat(a.started).as("passes: more than one round of requests").hasSizeGreaterThan(6);
  }

  @Test
  void fanOutThatNoHostServesEndsAtTheDeadlineWithTheLastPassesOutcomes() throws Exception {
    Scripted a = new Scripted();
    for (HostAddress h : List.of(H1, H2, H3)) {
      a.answer(h, AttemptOutcome.unavailable("HTTP 503", null));
    }
    long start = clock.read();

    FanOutResult<String> r = onTheClock(fanOut(a));

    assertThat(r.anyServed()).isFalse();
    assertThat(r.hosts()).extracting(FanOutResult.HostOutcome::kind).containsOnly(Kind.FAILED);
    assertThat(Duration.ofNanos(clock.read() - start)).isLessThanOrEqualTo(DEADLINE)
        .isGreaterThan(DEADLINE.minusMillis(500));
  }

  @Test
  void aRefusalEndsTheFanOutWithoutAnotherPass() throws Exception {
    Scripted a = new Scripted().answer(H1, AttemptOutcome.unavailable("HTTP 503", null))
        .answer(H2, AttemptOutcome.fatal(FatalReason.REQUEST_REFUSED, "HTTP 400", null))
        .answer(H3, AttemptOutcome.unavailable("HTTP 503", null));

    FanOutResult<String> r = fanOut(a).get();

    assertThat(r.host(H2).kind()).isEqualTo(Kind.REFUSED);
    assertThat(a.started).hasSize(3);
  }

  @Test
  void selfReferralAndReferralOutOfTheGroupAreNeverFollowed() throws Exception {
    HostAddress stranger = HostAddress.of("stranger.example.org", 7997);
    Scripted a = new Scripted().answer(H1, AttemptOutcome.referral(H1, "307"))
        .answer(H2, AttemptOutcome.referral(stranger, "307"));

    FanOutResult<String> r = fanOut(a).get();

    assertThat(r.host(H1).kind()).isEqualTo(Kind.SELF_REFERRAL);
    assertThat(r.host(H2).kind()).isEqualTo(Kind.REFERRAL_REFUSED);
    assertThat(r.host(H2).reason()).contains("not in group store1");
    assertThat(a.started).hasSize(3).noneMatch(s -> s.contains("stranger"));
  }

  @Test
  void intentThatNeverFollowsReferralsDoesNotFollowOne() throws Exception {
    cache.markDown(H2, "reset");
    group = ReplicationGroup.builder("store1", StoreHostList.of(H1, H2)).build();
    Scripted a = new Scripted().answer(H1, AttemptOutcome.referral(H2, "307"));

    FanOutResult<String> r = engine().fanOut(group, Protocol.ENS, Intent.READ_NO_REFERRALS, PER_HOST, a).get();

    assertThat(r.host(H1).kind()).isEqualTo(Kind.REFERRAL_REFUSED);
    assertThat(a.started).containsExactly(H1 + " hop 0");
  }

  @Test
  void attemptThatThrowsIsUnavailableForItsHostOnly() throws Exception {
    Scripted a = new Scripted();
    a.answers.put(H2, c -> {
      throw new IllegalStateException("boom");
    });

    FanOutResult<String> r = fanOut(a).get();

    assertThat(r.host(H2).kind()).isEqualTo(Kind.FAILED);
    assertThat(r.host(H2).reason()).isEqualTo("IllegalStateException: boom");
    assertThat(r.host(H1).kind()).isEqualTo(Kind.SERVED);
  }

  @Test
  void retryDelayIsTheEnginesJitteredCurveBoundedByTheMaximum() {
    FailoverEngine jittered = new FailoverEngine(resources, FailoverPolicy.builder()
        .retryInitialBackoff(Duration.ofMillis(100)).retryMultiplier(2.0).retryJitter(0.5)
        .retryMaxBackoff(Duration.ofMillis(1000)).build());
    Set<Duration> firsts = new HashSet<>();
    for (int i = 0; i < 200; i++) {
      Duration d = jittered.retryDelay(1);
      assertThat(d).isBetween(Duration.ofMillis(50), Duration.ofMillis(150));
      firsts.add(d);
      assertThat(jittered.retryDelay(3)).isBetween(Duration.ofMillis(200), Duration.ofMillis(600));
      assertThat(jittered.retryDelay(40)).isEqualTo(Duration.ofMillis(1000));
    }
    assertThat(firsts).as("jittered").hasSizeGreaterThan(1);
    FailoverEngine plain = engine();
    assertThat(plain.retryDelay(1)).isEqualTo(policy.retryInitialBackoff());
    assertThat(plain.retryDelay(2)).isEqualTo(policy.retryInitialBackoff().multipliedBy(2));
  }
}
