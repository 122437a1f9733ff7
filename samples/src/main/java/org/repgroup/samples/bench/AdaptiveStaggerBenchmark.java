package org.repgroup.samples.bench;

import jakarta.mail.MessagingException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import org.eclipse.angus.mail.imap.IMAPStore;
import org.openjdk.jmh.annotations.AuxCounters;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;
import org.repgroup.core.Credentials;
import org.repgroup.core.FailoverPolicy;
import org.repgroup.core.FailoverResult;
import org.repgroup.core.Intent;
import org.repgroup.core.Protocol;
import org.repgroup.core.ReplicationGroup;
import org.repgroup.core.RepgroupResources;
import org.repgroup.core.internal.AffinityStore;
import org.repgroup.imap.ImapFailoverClient;
import org.repgroup.testkit.Fault;
import org.repgroup.testkit.SimulatedReplicationGroup;

/**
 * An experiment, not a library change: would a stagger derived from measured round trips (RFC 8305
 * allows a connection-attempt delay based on them) do better than the fixed default? The library's
 * default stays {@link FailoverPolicy#DEFAULT_STAGGER} (250 ms); the derived value is only set on
 * this benchmark's own clients through {@code FailoverPolicy.builder().stagger(...)}.
 *
 * <p>Each trial first measures the p99 of an IMAP login attempt on the healthy simulated group and
 * derives {@code stagger = clamp(3 x p99, 10 ms, 250 ms)} ({@link DerivedStagger}; the numbers are
 * printed as a {@code calibration:} line). Then, with {@code stagger=derived} or {@code default}:
 * <ul>
 *   <li>{@link #loginPastBlackHole}: the first host black-holed (accepts, never answers, as in
 *       {@link BlackHoleBenchmark}), a cold cache each call: what a login costs. Goal: at most 50 ms
 *       on loopback with the derived stagger.
 *   <li>{@link #healthyLoginUnderLoad}: a healthy group, the master cached, 8 threads (more than the
 *       cores) and optionally CPU burner threads: the share of logins that started a second attempt
 *       because the master's reply came later than the stagger. Read from each login's
 *       {@link org.repgroup.core.FailoverTrace#attempts()} (one record per attempt started, losers
 *       recorded as cancelled). Reported as the aux counters {@code logins} and
 *       {@code secondAttempts} (JMH aggregates both alike, so their ratio is the fraction) and printed
 *       per iteration with the hosts marked down meanwhile (a replica marked down would be skipped,
 *       hiding later second attempts). Goal: under 1 % with the derived stagger.
 * </ul>
 */
@Fork(1)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 5, time = 5)
public class AdaptiveStaggerBenchmark {

  private static final Credentials ALICE = new Credentials("alice", "secret");

  /** Node 0 black-holed (after calibration on the healthy group), node 1 master. */
  @State(Scope.Benchmark)
  public static class BlackHoledFirstHost {

    /** {@code derived} (clamp(3 x p99, 10 ms, 250 ms)) or {@code default} (250 ms). */
    @Param({"derived", "default"})
    public String stagger;

    SimulatedReplicationGroup group;
    ReplicationGroup rg;
    RepgroupResources resources;
    AffinityStore cache;
    ImapFailoverClient client;

    /** Calibrates on the healthy group, then black-holes node 0. */
    @Setup(Level.Trial)
    public void setUp() throws MessagingException {
      group = SimulatedReplicationGroup.builder().user(ALICE.user(), ALICE.password()).startAsMaster(1).build();
      rg = group.replicationGroup(Protocol.IMAP);
      DerivedStagger derived = DerivedStagger.measure(rg, group.node(1).address(Protocol.IMAP), ALICE);
      Duration chosen = derived.choose(stagger);
      System.out.println(derived + "; this trial: stagger " + chosen.toNanos() / 1e6 + " ms");
      group.node(0).setFault(Fault.blackHole());
      resources = RepgroupResources.create();
      cache = AffinityStore.of(resources.affinityCache());
      client = ImapFailoverClient.builder(resources)
          .policy(FailoverPolicy.defaults().toBuilder().stagger(chosen).build()).build();
    }

    /** Stops the client and the group. */
    @TearDown(Level.Trial)
    public void tearDown() {
      resources.close();
      group.close();
    }
  }

  /**
   * One login from a cold cache (cleared first, so the black-holed host is tried first and not
   * skipped as marked down) past the black-holed first host.
   */
  @Benchmark
  @BenchmarkMode(Mode.SampleTime)
  @OutputTimeUnit(TimeUnit.MILLISECONDS)
  @Threads(1)
  public void loginPastBlackHole(BlackHoledFirstHost s) throws MessagingException {
    s.cache.clear();
    FailoverResult.Served<IMAPStore> served = s.client.connectTraced(s.rg, ALICE, Intent.WRITE);
    served.value().close();
    if (served.trace().attempts().size() < 2) {
      throw new IllegalStateException("the black-holed host was not tried: " + served.trace().attempts());
    }
  }

  /** A healthy three-node group, node 0 master and cached, optional CPU burners. */
  @State(Scope.Benchmark)
  public static class HealthyGroupUnderLoad {

    /** {@code derived} (clamp(3 x p99, 10 ms, 250 ms)) or {@code default} (250 ms). */
    @Param({"derived", "default"})
    public String stagger;

    /** Threads spinning on the CPU beside the benchmark threads, for the whole trial. */
    @Param({"0", "1"})
    public int burners;

    SimulatedReplicationGroup group;
    ReplicationGroup rg;
    RepgroupResources resources;
    ImapFailoverClient client;
    final LongAdder logins = new LongAdder();
    final LongAdder secondAttempts = new LongAdder();
    private final List<Thread> burnerThreads = new ArrayList<>();
    private volatile boolean burning;
    private long markedDownAtStart;
    /** Where the burners leave their arithmetic, so it is not dead code. */
    volatile long burnt;

    /** Calibrates, builds the client with the chosen stagger, caches the master, starts the burners. */
    @Setup(Level.Trial)
    public void setUp() throws MessagingException {
      group = SimulatedReplicationGroup.builder().user(ALICE.user(), ALICE.password()).startAsMaster(0).build();
      rg = group.replicationGroup(Protocol.IMAP);
      DerivedStagger derived = DerivedStagger.measure(rg, group.node(0).address(Protocol.IMAP), ALICE);
      Duration chosen = derived.choose(stagger);
      System.out.println(derived + "; this trial: stagger " + chosen.toNanos() / 1e6 + " ms, " + burners
          + " burner(s)");
      resources = RepgroupResources.create();
      client = ImapFailoverClient.builder(resources)
          .policy(FailoverPolicy.defaults().toBuilder().stagger(chosen).build()).build();
      client.connect(rg, ALICE, Intent.WRITE).close();
      burning = true;
      for (int i = 0; i < burners; i++) {
        Thread t = new Thread(this::burn, "cpu-burner-" + i);
        t.setDaemon(true);
        burnerThreads.add(t);
        t.start();
      }
    }

    private void burn() {
      long x = 1;
      while (burning) {
        for (int i = 0; i < 1_000_000; i++) {
          x = x * 6364136223846793005L + 1442695040888963407L;
        }
      }
      burnt = x;
    }

    /** Zeroes the iteration's totals. */
    @Setup(Level.Iteration)
    public void startIteration() {
      logins.reset();
      secondAttempts.reset();
      markedDownAtStart = resources.counters().snapshot().hostsMarkedDown();
    }

    /** Prints the iteration's second-attempt fraction and the down marks set meanwhile. */
    @TearDown(Level.Iteration)
    public void endIteration() {
      long n = logins.sum();
      long second = secondAttempts.sum();
      System.out.printf("[second attempts: %d of %d logins = %.3f %%; hosts marked down: %d] ", second, n,
          n == 0 ? 0.0 : 100.0 * second / n, resources.counters().snapshot().hostsMarkedDown() - markedDownAtStart);
    }

    /** Stops the burners, the client and the group. */
    @TearDown(Level.Trial)
    public void tearDown() throws InterruptedException {
      burning = false;
      for (Thread t : burnerThreads) {
        t.join();
      }
      resources.close();
      group.close();
    }
  }

  /** Per-thread totals of {@link #healthyLoginUnderLoad}, reported by JMH beside the score. */
  @State(Scope.Thread)
  @AuxCounters(AuxCounters.Type.EVENTS)
  public static class SecondAttempts {
    /** Logins this iteration. */
    public long logins;
    /** Logins this iteration whose trace holds more than one attempt. */
    public long secondAttempts;

    /** Zeroes the counters. */
    @Setup(Level.Iteration)
    public void reset() {
      logins = 0;
      secondAttempts = 0;
    }
  }

  /** One login on the healthy, loaded group; counts it, and whether it started a second attempt. */
  @Benchmark
  @BenchmarkMode(Mode.Throughput)
  @OutputTimeUnit(TimeUnit.SECONDS)
  @Threads(8)
  public void healthyLoginUnderLoad(HealthyGroupUnderLoad s, SecondAttempts counts) throws MessagingException {
    FailoverResult.Served<IMAPStore> served = s.client.connectTraced(s.rg, ALICE, Intent.WRITE);
    served.value().close();
    counts.logins++;
    s.logins.increment();
    if (served.trace().attempts().size() > 1) {
      counts.secondAttempts++;
      s.secondAttempts.increment();
    }
  }
}
