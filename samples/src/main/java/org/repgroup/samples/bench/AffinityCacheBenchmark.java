package org.repgroup.samples.bench;

import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import org.repgroup.core.internal.AffinityStore;
import org.repgroup.core.HostAddress;
import org.repgroup.core.AffinityCache;

/** Cost of the lookups every operation makes in the shared affinity cache. */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 1)
@Fork(1)
public class AffinityCacheBenchmark {

  private AffinityStore cache;
  private final HostAddress master = HostAddress.of("h2.example.com", 143);
  private final HostAddress other = HostAddress.of("h1.example.com", 143);

  /** A cache with a master for one group of 10,000 and one host marked down. */
  @Setup
  public void setUp() {
    cache = AffinityStore.of(AffinityCache.create());
    for (int i = 0; i < 10_000; i++) {
      cache.recordMaster("group" + i, master, cache.nextSequence(), true);
    }
    cache.markDown(other, "refused");
  }

  /** Cached master of a group. */
  @Benchmark
  public Object masterLookup() {
    return cache.master("group4242");
  }

  /** Health of a host (no mark). */
  @Benchmark
  public Object healthOfHealthyHost() {
    return cache.health(master);
  }

  /** Health of a host marked down. */
  @Benchmark
  public Object healthOfDownHost() {
    return cache.health(other);
  }

  /** Confirming the master after a success. */
  @Benchmark
  public boolean recordMaster() {
    return cache.recordMaster("group4242", master, cache.nextSequence(), true);
  }
}
