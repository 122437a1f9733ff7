package org.repgroup.chaos;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.repgroup.core.internal.AffinityStore;
import org.repgroup.core.HostAddress;
import org.repgroup.core.ReplicationGroup;
import org.repgroup.core.RepgroupResources;
import org.repgroup.core.StoreHostList;
import org.repgroup.core.AffinityCache;
import org.repgroup.core.FailoverPolicy;
import org.repgroup.core.FailureKind;
import org.repgroup.core.StoreUnavailableException;
import org.repgroup.core.time.ManualClock;
import org.repgroup.testkit.Fault;
import org.repgroup.testkit.SimulatedReplicationGroup;

/**
 * The chaos matrix (issue 7), scenario by scenario, each run for IMAP, POP and LMTP
 * against the testkit group (ENS: {@link EnsChaosTest}). Time that matters is either a
 * ManualClock (down marks, rechecks, windows, the flap schedule) or real timeouts with
 * bounds far from them. Scenario 5 is BURL's (BurlFetcherTest), scenario 9 is about
 * reads (IMAP here); docs/RELIABILITY.md has the matrix.
 */
@Timeout(60)
class ChaosMatrixTest {

  static final Duration STAGGER = Duration.ofMillis(100);
  static final FailoverPolicy POLICY = FailoverPolicy.builder().stagger(STAGGER).connectTimeout(Duration.ofMillis(500))
      .responseTimeout(Duration.ofSeconds(1)).deadline(Duration.ofSeconds(5)).build();

  final List<AutoCloseable> closeables = new ArrayList<>();
  final ManualClock cacheClock = new ManualClock();
  final AffinityCache cache = AffinityCache.builder().ticker(cacheClock).recheckInterval(Duration.ofSeconds(30)).build();
  final RepgroupResources resources = RepgroupResources.builder().affinityCache(cache).build();

  @AfterEach
  void tearDown() throws Exception {
    for (AutoCloseable c : closeables) {
      c.close();
    }
    resources.close();
  }

  static Stream<AdapterUnderTest> adapters() {
    return AdapterUnderTest.all().stream();
  }

  SimulatedReplicationGroup group(int master) {
    SimulatedReplicationGroup g = SimulatedReplicationGroup.builder().user("alice", "secret").startAsMaster(master).build();
    closeables.add(g);
    return g;
  }

  /** The engine's report behind an adapter's group failure (the adapters' exceptions wrap it as their cause). */
  static StoreUnavailableException report(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof StoreUnavailableException s) {
        return s;
      }
    }
    throw new AssertionError("not a group failure: " + e, e);
  }

  static FailureKind kindOf(Throwable e) {
    return report(e).kind();
  }

  static org.repgroup.core.FailoverTrace traceOf(Throwable e) {
    return report(e).trace();
  }

  List<AdapterUnderTest.Served> concurrently(int n, AdapterUnderTest a, ReplicationGroup g) throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(Math.min(n, 50));
    try {
      List<Future<AdapterUnderTest.Served>> fs = new ArrayList<>();
      for (int i = 0; i < n; i++) {
        fs.add(pool.submit(() -> a.write(resources, POLICY, g)));
      }
      List<AdapterUnderTest.Served> out = new ArrayList<>();
      for (Future<AdapterUnderTest.Served> f : fs) {
        out.add(f.get());
      }
      return out;
    } finally {
      pool.shutdownNow();
    }
  }

  /** Scenario 1: a black-holed first host costs the stagger once, then is skipped until one recheck. */
  @ParameterizedTest(name = "{0}")
  @MethodSource("adapters")
  void blackHoledFirstHostIsPaidOnceThenProbedOncePerRecheck(AdapterUnderTest a) throws Exception {
    SimulatedReplicationGroup g = group(1);
    g.node(0).setFault(Fault.blackHole());
    ReplicationGroup rg = g.replicationGroup(a.protocol());
    HostAddress h1 = g.node(0).address(a.protocol());

    List<AdapterUnderTest.Served> first = concurrently(50, a, rg);

    assertThat(first).allSatisfy(s -> {
      assertThat(s.host()).isEqualTo(g.node(1).address(a.protocol()));
      assertThat(s.trace().elapsed()).isLessThan(STAGGER.plus(POLICY.responseTimeout()));
    });
    assertThat(a.server(g.node(0)).connectionCount()).as("one caller paid for the black hole").isEqualTo(1);
    assertThat(cache.health(h1)).isEqualTo(AffinityCache.HostHealth.DOWN);

    concurrently(10, a, rg);
    assertThat(a.server(g.node(0)).connectionCount()).as("skipped while marked down").isEqualTo(1);

    cacheClock.advance(cache.recheckInterval());
    assertThat(cache.health(h1)).isEqualTo(AffinityCache.HostHealth.RECHECK_DUE);
    List<AdapterUnderTest.Served> after = concurrently(10, a, rg);

    assertThat(after).allSatisfy(s -> {
      assertThat(s.host()).isEqualTo(g.node(1).address(a.protocol()));
      assertThat(s.trace().attempts()).as("nobody waited for the recheck").hasSize(1);
    });
    await(() -> a.server(g.node(0)).connectionCount() == 2, "the recheck's connection");
    await(() -> cache.health(h1) == AffinityCache.HostHealth.DOWN, "H1 down again: still silent");
    concurrently(5, a, rg);
    assertThat(a.server(g.node(0)).connectionCount()).as("exactly one probe per recheck interval").isEqualTo(2);
  }

  static void await(java.util.function.BooleanSupplier condition, String what) {
    long end = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > end) {
        throw new AssertionError("timed out waiting for " + what);
      }
      Thread.onSpinWait();
    }
  }

  /** Scenario 4: loops and chains stop at the first revisit or the hop limit; strangers are never contacted. */
  @ParameterizedTest(name = "{0}")
  @MethodSource("adapters")
  void referralLoopStopsAtTheFirstRevisitListsThePathAndDropsTheCachedMaster(AdapterUnderTest a) throws Exception {
    SimulatedReplicationGroup g = group(2);
    HostAddress n0 = g.node(0).address(a.protocol());
    HostAddress n1 = g.node(1).address(a.protocol());
    a.refer(g.node(0), n1);
    a.refer(g.node(1), n0);
    ReplicationGroup rg = g.replicationGroup(a.protocol());
    AffinityStore.of(cache).recordMaster(rg.name(), n0, AffinityStore.of(cache).nextSequence(), true);

    long start = System.nanoTime();
    assertThatThrownBy(() -> a.write(resources, POLICY, rg)).satisfies(e -> {
      assertThat(kindOf(e)).isEqualTo(FailureKind.REFERRAL_LOOP);
      assertThat(e.getMessage()).contains(n0 + " -> " + n1 + " -> " + n0);
    });
    assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(POLICY.deadline());
    assertThat(cache.master(rg.name())).isEmpty();
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("adapters")
  void selfReferralIsALoop(AdapterUnderTest a) throws Exception {
    SimulatedReplicationGroup g = group(2);
    a.refer(g.node(0), g.node(0).address(a.protocol()));

    assertThatThrownBy(() -> a.write(resources, POLICY, g.replicationGroup(a.protocol())))
        .satisfies(e -> assertThat(kindOf(e)).isEqualTo(FailureKind.REFERRAL_LOOP));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("adapters")
  void chainLongerThanTheHopLimitStops(AdapterUnderTest a) throws Exception {
    SimulatedReplicationGroup g = SimulatedReplicationGroup.builder().nodes(4).user("alice", "secret").startAsMaster(3).build();
    closeables.add(g);
    a.refer(g.node(0), g.node(1).address(a.protocol()));
    a.refer(g.node(1), g.node(2).address(a.protocol()));
    a.refer(g.node(2), g.node(3).address(a.protocol()));
    FailoverPolicy twoHops = POLICY.toBuilder().maxReferralHops(2).build();

    assertThatThrownBy(() -> a.write(resources, twoHops, g.replicationGroup(a.protocol())))
        .satisfies(e -> assertThat(kindOf(e)).isEqualTo(FailureKind.REFERRAL_HOP_LIMIT));
    assertThat(a.server(g.node(3)).connectionCount()).isZero();
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("adapters")
  void referralOutOfTheGroupIsNeverContacted(AdapterUnderTest a) throws Exception {
    SimulatedReplicationGroup g = group(1);
    SimulatedReplicationGroup stranger = group(0);
    a.refer(g.node(0), stranger.node(0).address(a.protocol()));

    AdapterUnderTest.Served s = a.write(resources, POLICY, g.replicationGroup(a.protocol()));

    assertThat(s.host()).isEqualTo(g.node(1).address(a.protocol()));
    assertThat(a.server(stranger.node(0)).connectionCount()).isZero();
  }

  /** Scenario 8's numbers, as the issue gives them: attempt timeout 2 s, deadline 4 s (the slow host answers after 3 s). */
  static final FailoverPolicy SCENARIO_8 = POLICY.toBuilder().connectTimeout(Duration.ofSeconds(2))
      .responseTimeout(Duration.ofSeconds(2)).deadline(Duration.ofSeconds(4)).build();

  /** Scenario 8: black-holed, refusing, slow and good in one deadline: served by the good one, in time. */
  @ParameterizedTest(name = "{0}")
  @MethodSource("adapters")
  void mixedFailuresInOneDeadlineEndOnTheGoodHost(AdapterUnderTest a) throws Exception {
    SimulatedReplicationGroup g = SimulatedReplicationGroup.builder().nodes(4).user("alice", "secret").startAsMaster(3).build();
    closeables.add(g);
    g.node(0).setFault(Fault.blackHole());
    g.node(1).setFault(Fault.refuse());
    g.node(2).setFault(Fault.slow(Duration.ofSeconds(3)));
    FailoverPolicy tight = SCENARIO_8;
    // The slow and black-holed hosts are not the master: only node4 may serve a write.
    ReplicationGroup rg = g.replicationGroup(a.protocol());

    AdapterUnderTest.Served s = a.write(resources, tight, rg);

    assertThat(s.host()).isEqualTo(g.node(3).address(a.protocol()));
    assertThat(s.trace().elapsed()).isLessThan(tight.deadline());
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("adapters")
  void mixedFailuresWithNoGoodHostFailAtTheDeadlineNamingEveryHost(AdapterUnderTest a) throws Exception {
    SimulatedReplicationGroup g = SimulatedReplicationGroup.builder().nodes(3).user("alice", "secret").startAsMaster(2).build();
    closeables.add(g);
    g.node(0).setFault(Fault.blackHole());
    g.node(1).setFault(Fault.refuse());
    g.node(2).setFault(Fault.slow(Duration.ofSeconds(3)));
    FailoverPolicy tight = SCENARIO_8;

    long start = System.nanoTime();
    assertThatThrownBy(() -> a.write(resources, tight, g.replicationGroup(a.protocol()))).satisfies(e -> {
      assertThat(kindOf(e)).isIn(FailureKind.DEADLINE_EXCEEDED, FailureKind.ALL_UNAVAILABLE);
      for (int i = 0; i < 3; i++) {
        assertThat(e.getMessage()).contains(g.node(i).address(a.protocol()).toString());
      }
      assertThat(traceOf(e).attempts()).as("no attempt outlives its timeout or the time left")
          .allSatisfy(r -> assertThat(r.elapsed()).isLessThan(tight.responseTimeout().plusMillis(300)));
      assertThat(traceOf(e).passes()).as("a second pass ran in the time left, with shorter timeouts").isGreaterThan(1);
    });
    assertThat(Duration.ofNanos(System.nanoTime() - start)).as("the deadline plus a small margin")
        .isLessThan(tight.deadline().plusMillis(700));
  }

  /** Scenario 10 (first half): the user's problem never marks the host down for the group. */
  @ParameterizedTest(name = "{0}")
  @MethodSource("adapters")
  void usersProblemNeverMarksTheHostDownNorTriesOtherHosts(AdapterUnderTest a) throws Exception {
    SimulatedReplicationGroup g = group(0);
    a.refuseAsUsersProblem(g.node(0));
    ReplicationGroup rg = ReplicationGroup.builder(g.name(), new StoreHostList(g.hostList(a.protocol()).hosts())).build();

    assertThatThrownBy(() -> a.write(resources, POLICY, rg));

    assertThat(cache.health(g.node(0).address(a.protocol()))).isEqualTo(AffinityCache.HostHealth.UP);
    assertThat(a.server(g.node(1)).connectionCount()).isZero();
    assertThat(a.server(g.node(2)).connectionCount()).isZero();
  }

  /** Scenario 2: a host that greets and then goes silent costs its response timeout, inside the deadline. */
  @ParameterizedTest(name = "{0}")
  @MethodSource("adapters")
  void hostSilentAfterItsGreetingIsLeftWithinTheDeadlineAndNotCached(AdapterUnderTest a) throws Exception {
    SimulatedReplicationGroup g = group(1);
    g.node(0).setFault(Fault.stallAfterGreeting());
    ReplicationGroup rg = g.replicationGroup(a.protocol());

    AdapterUnderTest.Served s = a.write(resources, POLICY, rg);

    assertThat(s.host()).isEqualTo(g.node(1).address(a.protocol()));
    assertThat(s.trace().elapsed()).isLessThan(POLICY.deadline());
    assertThat(cache.master(rg.name())).hasValueSatisfying(m -> assertThat(m.host()).isEqualTo(s.host()));
  }

  /** Scenario 2, variant: the master freezes in the middle of a command: a retryable error, within the timeouts. */
  @ParameterizedTest(name = "{0}")
  @MethodSource("adapters")
  void masterFreezingMidCommandFailsThatCommandWithARetryableErrorAndIsDropped(AdapterUnderTest a) throws Exception {
    SimulatedReplicationGroup g = group(1);
    ReplicationGroup rg = g.replicationGroup(a.protocol());
    HostAddress master = g.node(1).address(a.protocol());
    long start = System.nanoTime();
    switch (a.name()) {
      case "IMAP" -> {
        try (org.eclipse.angus.mail.imap.IMAPStore store = org.repgroup.imap.ImapFailoverClient.builder(resources)
            .policy(POLICY).build().connect(rg, AdapterUnderTest.ALICE, org.repgroup.core.Intent.WRITE)) {
          g.node(1).imap().setFault(Fault.stallAtCommand("EXAMINE"));
          start = System.nanoTime();
          assertThatThrownBy(() -> store.getFolder("INBOX").open(jakarta.mail.Folder.READ_ONLY))
              .isInstanceOf(jakarta.mail.MessagingException.class);
        }
      }
      case "POP" -> {
        try (org.eclipse.angus.mail.pop3.POP3Store store = org.repgroup.pop.PopFailoverClient.builder(resources)
            .policy(POLICY).build().connect(rg, AdapterUnderTest.ALICE)) {
          g.node(1).pop().setFault(Fault.stallAtCommand("STAT"));
          start = System.nanoTime();
          assertThatThrownBy(() -> store.getFolder("INBOX").open(jakarta.mail.Folder.READ_WRITE))
              .isInstanceOf(jakarta.mail.MessagingException.class);
        }
      }
      case "LMTP" -> {
        g.node(1).lmtp().setFault(Fault.stallAtCommand("DATA"));
        assertThatThrownBy(() -> a.write(resources, POLICY, rg)).isInstanceOf(StoreUnavailableException.class);
        assertThat(g.mailbox("alice")).as("nothing was delivered: safe to retry").isEmpty();
        assertThat(cache.master(rg.name())).as("the frozen master is dropped")
            .satisfiesAnyOf(m -> assertThat(m).isEmpty(), m -> assertThat(m.get().host()).isNotEqualTo(master));
      }
      default -> throw new AssertionError(a.name());
    }
    assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(POLICY.deadline());
  }

  /** Scenario 10 (second half): an old master flapping back does not pull traffic until it is stable. */
  @ParameterizedTest(name = "{0}")
  @MethodSource("adapters")
  void flappingOldFirstHostGetsNoTrafficWithinItsStabilityWindow(AdapterUnderTest a) throws Exception {
    SimulatedReplicationGroup g = SimulatedReplicationGroup.builder().user("alice", "secret").classicFailover(true).build();
    closeables.add(g);
    ReplicationGroup rg = g.replicationGroup(a.protocol());
    assertThat(a.write(resources, POLICY, rg).host()).isEqualTo(g.node(0).address(a.protocol()));
    g.node(0).stop();
    g.node(1).start();
    assertThat(a.write(resources, POLICY, rg).host()).isEqualTo(g.node(1).address(a.protocol()));

    // The old first host comes back and flaps; the cache forgets the current host meanwhile.
    g.node(0).start();
    AffinityStore.of(cache).dropMaster(rg.name(), g.node(1).address(a.protocol()), Long.MAX_VALUE);
    AffinityStore.of(cache).markUp(g.node(0).address(a.protocol()));
    int before = a.server(g.node(0)).connectionCount();

    assertThat(a.write(resources, POLICY, rg).host()).as("within its stability window the flapping host goes last")
        .isEqualTo(g.node(1).address(a.protocol()));
    assertThat(a.server(g.node(0)).connectionCount()).isEqualTo(before);
  }

  /**
   * Scenario 10 (second half) on a schedule: the old master H1 returns as a replica while H2 is master
   * and flaps every 5 s (refusing, then answering) for a minute, then stays up. Time is the cache's
   * fake clock, one operation per second, recheck interval 5 s, stability window 30 s. Before each
   * operation the group's cached master is forgotten (a client with no affinity yet, the worst case:
   * with a warm cache nothing ever fails back). Pinned: no operation tries H1 within the stability
   * window after it was seen up again, and operations move back to H1 at most once per window.
   */
  /** Order, not stagger, is under test: a master slow to answer on a busy machine must not start H1 on the side. */
  static final FailoverPolicy FLAP_POLICY = POLICY.toBuilder().stagger(Duration.ofSeconds(2)).build();

  @ParameterizedTest(name = "{0}")
  @MethodSource("adapters")
  void flappingOldMasterOnAScheduleIsFailedBackToAtMostOncePerStabilityWindow(AdapterUnderTest a) throws Exception {
    Duration window = Duration.ofSeconds(30);
    AffinityCache flapCache = AffinityCache.builder().ticker(cacheClock).recheckInterval(Duration.ofSeconds(5))
        .stabilityWindow(window).build();
    SimulatedReplicationGroup g = group(1);
    ReplicationGroup rg = g.replicationGroup(a.protocol());
    HostAddress h1 = g.node(0).address(a.protocol());
    HostAddress h2 = g.node(1).address(a.protocol());
    List<Long> markedUpAt = new java.util.concurrent.CopyOnWriteArrayList<>();
    java.util.concurrent.atomic.AtomicBoolean triedH1 = new java.util.concurrent.atomic.AtomicBoolean();
    RepgroupResources flapResources = RepgroupResources.builder().affinityCache(flapCache)
        .listener(new org.repgroup.core.FailoverListener() {
          @Override
          public void attemptStart(org.repgroup.core.OperationInfo op, HostAddress host, int hop) {
            if (host.equals(h1)) {
              triedH1.set(true);
            }
          }

        }).build();
    closeables.add(flapResources);
    List<Integer> secondsTryingH1 = new ArrayList<>();
    List<String> traces = new ArrayList<>();
    boolean wasUp = true;
    org.repgroup.testkit.FlapSchedule flap = org.repgroup.testkit.FlapSchedule.every(Duration.ofSeconds(5))
        .stableFrom(Duration.ofSeconds(60));

    for (int t = 0; t < 100; t++) {
      flap.applyTo(a.server(g.node(0)), Duration.ofSeconds(t));
      AffinityStore.of(flapCache).dropMaster(rg.name(), h2, Long.MAX_VALUE);
      triedH1.set(false);

      AdapterUnderTest.Served served = a.write(flapResources, FLAP_POLICY, rg);
      assertThat(served.host()).as("t=%d s", t).isEqualTo(h2);
      if (triedH1.get() && t > 0) {
        traces.add(t + ": " + served.trace().attempts());
      }

      await(() -> !flapCache.recheckInFlight(h1), "H1's recheck to report");
      boolean upNow = flapCache.health(h1) == AffinityCache.HostHealth.UP;
      if (upNow && !wasUp) {
        markedUpAt.add((long) t);
      }
      wasUp = upNow;
      if (triedH1.get()) {
        secondsTryingH1.add(t);
      }
      cacheClock.advance(Duration.ofSeconds(1));
    }

    for (int t : secondsTryingH1) {
      if (t == 0) {
        continue; // the first operation finds H1 refusing: that is how it gets its down mark
      }
      long lastUp = markedUpAt.stream().filter(up -> up <= t).mapToLong(Long::longValue).max().orElse(-1);
      assertThat(t - lastUp).as("%s t=%d s: H1 tried %d s after it was seen up again (tried at %s, up at %s) %s", a, t,
          t - lastUp, secondsTryingH1, markedUpAt, traces)
          .isGreaterThanOrEqualTo(window.toSeconds());
    }
    List<Integer> failBacks = new ArrayList<>();
    for (int i = 0; i < secondsTryingH1.size(); i++) {
      int t = secondsTryingH1.get(i);
      if (t > 0 && (i == 0 || secondsTryingH1.get(i - 1) != t - 1)) {
        failBacks.add(t);
      }
    }
    for (int i = 1; i < failBacks.size(); i++) {
      assertThat(failBacks.get(i) - failBacks.get(i - 1)).as("fail-backs at %s", failBacks)
          .isGreaterThanOrEqualTo((int) window.toSeconds());
    }
    assertThat(secondsTryingH1).as("once stable, H1 is back in list order for good").contains(99);
    assertThat(markedUpAt).as("rechecks saw it come back").isNotEmpty();
  }

  /** Scenario 7: the whole group down past the recheck interval, then back on new addresses: no restart needed. */
  @ParameterizedTest(name = "{0}")
  @MethodSource("adapters")
  void totalOutageThenRecoveryOnNewAddresses(AdapterUnderTest a) throws Exception {
    SimulatedReplicationGroup g = group(0);
    java.util.Map<String, java.net.InetAddress> dns = new java.util.concurrent.ConcurrentHashMap<>();
    java.net.InetAddress first = java.net.InetAddress.getByName("127.0.0.1");
    java.net.InetAddress moved = java.net.InetAddress.getByName("127.0.0.2");
    List<HostAddress> named = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      dns.put("h" + i + ".chaos.test", first);
      named.add(HostAddress.of("h" + i + ".chaos.test", g.node(i).address(a.protocol()).port().orElseThrow()));
    }
    RepgroupResources controlled = RepgroupResources.builder().affinityCache(cache)
        .resolver(host -> List.of(java.util.Optional.ofNullable(dns.get(host))
            .orElseThrow(() -> new java.net.UnknownHostException(host)))).build();
    closeables.add(controlled);
    ReplicationGroup rg = ReplicationGroup.builder("named", new StoreHostList(named)).build();
    assertThat(a.write(controlled, POLICY, rg).host()).isEqualTo(named.get(0));

    for (int i = 0; i < 3; i++) {
      g.node(i).stop();
    }
    assertThatThrownBy(() -> a.write(controlled, POLICY, rg)).satisfies(e -> {
      assertThat(kindOf(e)).isEqualTo(FailureKind.ALL_UNAVAILABLE);
      for (HostAddress h : named) {
        assertThat(e.getMessage()).contains(h.toString());
      }
    });
    cacheClock.advance(cache.recheckInterval().plusSeconds(1));

    for (int i = 0; i < 3; i++) {
      g.node(i).moveTo(moved);
      dns.put("h" + i + ".chaos.test", moved);
    }
    for (int i = 0; i < 3; i++) {
      g.node(i).start();
    }

    assertThat(a.write(controlled, POLICY, rg).host()).isIn(named);
  }

  /**
   * Scenario 6: the master dies under 2,000 sessions (200 at a time); the dead master gets one attempt, one
   * discovery serves everyone, and new connections to the new master stay under the rate cap (1,000/s here).
   */
  @ParameterizedTest(name = "{0}")
  @MethodSource("adapters")
  void masterDeathUnderManySessionsRespectsTheConnectionRateCap(AdapterUnderTest a) throws Exception {
    int sessions = 2000;
    double perSecond = 1000;
    int burst = 100;
    // The cap is a rate in real time: this cache runs on the system ticker.
    AffinityCache capped = AffinityCache.builder().ticker(org.repgroup.core.time.Ticker.SYSTEM)
        .connectionRateLimit(perSecond, burst).build();
    java.util.concurrent.atomic.AtomicInteger deadAttempts = new java.util.concurrent.atomic.AtomicInteger();
    SimulatedReplicationGroup g = group(0);
    HostAddress dead = g.node(0).address(a.protocol());
    RepgroupResources shared = RepgroupResources.builder().affinityCache(capped)
        .listener(new org.repgroup.core.FailoverListener() {
          @Override
          public void attemptStart(org.repgroup.core.OperationInfo op, HostAddress host, int hop) {
            if (host.equals(dead)) {
              deadAttempts.incrementAndGet();
            }
          }
        }).build();
    closeables.add(shared);
    ReplicationGroup rg = g.replicationGroup(a.protocol());
    // The cache still names the master, but not as freshly confirmed: the first write re-discovers.
    AffinityStore.of(capped).recordMaster(rg.name(), g.node(0).address(a.protocol()), AffinityStore.of(capped).nextSequence(), false);
    g.node(0).kill();
    FailoverPolicy patient = POLICY.toBuilder().deadline(Duration.ofSeconds(8)).build();

    ExecutorService pool = Executors.newFixedThreadPool(200);
    List<Future<AdapterUnderTest.Served>> fs = new ArrayList<>();
    try {
      for (int i = 0; i < sessions; i++) {
        fs.add(pool.submit(() -> a.write(shared, patient, rg)));
      }
      for (Future<AdapterUnderTest.Served> f : fs) {
        assertThat(f.get().host()).isEqualTo(g.node(1).address(a.protocol()));
      }
    } finally {
      pool.shutdownNow();
    }

    assertThat(deadAttempts.get()).as("attempts on the dead master").isEqualTo(1);
    assertThat(shared.counters().snapshot().discoveriesJoined()).as("the others joined one discovery").isPositive();
    List<Long> accepted = a.server(g.node(1)).acceptTimes();
    long windowNanos = Duration.ofMillis(200).toNanos();
    int worst = 0;
    for (int i = 0, j = 0; i < accepted.size(); i++) {
      while (accepted.get(i) - accepted.get(j) > windowNanos) {
        j++;
      }
      worst = Math.max(worst, i - j + 1);
    }
    // Burst plus 200 ms at the cap, with slack for threads that wake late on 2 cores.
    int atCap = (int) (perSecond * 0.2);
    assertThat(worst).as("new connections to the new master in any 200 ms").isLessThanOrEqualTo(burst + atCap + 100);
    assertThat(accepted).as("every session reached the new master").hasSizeGreaterThanOrEqualTo(sessions);
    // Uncapped, 2,000 sessions connect in a fraction of a second; the cap spreads them over ~1.9 s.
    Duration span = Duration.ofNanos(accepted.get(accepted.size() - 1) - accepted.get(0));
    assertThat(span).as("paced by the cap").isGreaterThanOrEqualTo(
        Duration.ofMillis((long) ((sessions - burst) / perSecond * 1000 * 0.9)));
  }

  /** Scenario 3: switchover with a warm cache; the cache flips once and older observations cannot flip it back. */
  @ParameterizedTest(name = "{0}")
  @MethodSource("adapters")
  void switchoverWithAWarmCacheFlipsTheCacheOnceAndForAll(AdapterUnderTest a) throws Exception {
    SimulatedReplicationGroup g = group(0);
    ReplicationGroup rg = g.replicationGroup(a.protocol());
    HostAddress h1 = g.node(0).address(a.protocol());
    HostAddress h2 = g.node(1).address(a.protocol());
    long beforeTheFlip = AffinityStore.of(cache).nextSequence();
    AffinityStore.of(cache).recordMaster(rg.name(), h1, AffinityStore.of(cache).nextSequence(), true);
    // Switchover: H1 demoted (it now refers to H2), H2 promoted.
    g.switchover(1);

    List<AdapterUnderTest.Served> all = concurrently(100, a, rg);

    assertThat(all).allSatisfy(s -> assertThat(s.host()).isEqualTo(h2));
    assertThat(cache.master(rg.name())).hasValueSatisfying(m -> {
      assertThat(m.host()).isEqualTo(h2);
      assertThat(m.confirmed()).isTrue();
    });
    assertThat(resources.counters().snapshot().masterChanges()).as("the cache flipped once").isEqualTo(1);
    assertThat(resources.counters().snapshot().discoveriesJoined())
        .as("writes in flight on the demoted master joined one discovery instead of each confirming H2").isPositive();
    // 50 writes run at once: those in flight at the flip reached H1; later ones go to H2 (a stagger
    // under load may still touch H1 on the side), so far from every write pays for H1.
    assertThat(a.server(g.node(0)).connectionCount()).as("writes that reached the demoted H1").isLessThan(100);
    assertThat(AffinityStore.of(cache).recordMaster(rg.name(), h1, beforeTheFlip, true)).as("a late answer from before the flip").isFalse();
    assertThat(cache.master(rg.name()).orElseThrow().host()).isEqualTo(h2);
    int h1Before = a.server(g.node(0)).connectionCount();
    assertThat(a.write(resources, POLICY, rg).trace().attempts()).as("new writes go straight to H2").hasSize(1);
    assertThat(a.server(g.node(0)).connectionCount()).isEqualTo(h1Before);
  }

  /** Scenario 9 (reads are IMAP's): a slow host keeps a trickle of reads, is never marked down, and earns traffic back. */
  @org.junit.jupiter.api.Test
  void slowButAliveHostLosesReadsWithoutBeingMarkedDownAndGetsThemBackGradually() throws Exception {
    SimulatedReplicationGroup g = SimulatedReplicationGroup.builder().user("alice", "secret")
        .imapReferral(org.repgroup.testkit.ImapReferralStyle.OK).startAsMaster(2).build();
    closeables.add(g);
    ReplicationGroup rg = g.replicationGroup(org.repgroup.core.Protocol.IMAP);
    HostAddress slowHost = g.node(0).address(org.repgroup.core.Protocol.IMAP);
    HostAddress master = g.node(2).address(org.repgroup.core.Protocol.IMAP);
    FailoverPolicy readPolicy = POLICY.toBuilder().slowHostProbeEvery(4).build();
    org.repgroup.imap.ImapFailoverClient imap = org.repgroup.imap.ImapFailoverClient.builder(resources).policy(readPolicy).build();
    g.node(0).imap().setFault(Fault.slow(Duration.ofMillis(40)));
    for (int i = 0; i < 3; i++) {
      try (var store = imap.connect(rg, AdapterUnderTest.ALICE, org.repgroup.core.Intent.WRITE)) {
        assertThat(store).isNotNull();
      }
    }

    List<HostAddress> served = new ArrayList<>();
    for (int i = 0; i < 16; i++) {
      var s = imap.connectTraced(rg, AdapterUnderTest.ALICE, org.repgroup.core.Intent.READ);
      s.value().close();
      served.add(s.host());
    }

    assertThat(served.get(0)).as("the writes' referrals already measured the slow replica: reads start elsewhere")
        .isNotEqualTo(slowHost);
    assertThat(served.stream().filter(slowHost::equals).count()).as("only the probe share").isLessThanOrEqualTo(5);
    assertThat(cache.health(slowHost)).as("slow is not dead").isEqualTo(AffinityCache.HostHealth.UP);
    var write = imap.connectTraced(rg, AdapterUnderTest.ALICE, org.repgroup.core.Intent.WRITE);
    write.value().close();
    assertThat(write.host()).as("writes stay on the master").isEqualTo(master);

    g.node(0).imap().clearFault();
    int reads = 0;
    int inARow = 0;
    while (inARow < 4 && reads < 200) {
      var s = imap.connectTraced(rg, AdapterUnderTest.ALICE, org.repgroup.core.Intent.READ);
      s.value().close();
      reads++;
      inARow = s.host().equals(slowHost) ? inARow + 1 : 0;
    }
    assertThat(inARow).as("the recovered host serves reads again").isEqualTo(4);
    assertThat(reads).as("gradually, through the probe share, not at once").isGreaterThan(4);
  }
}
