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
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.repgroup.core.internal.AffinityStore;
import org.repgroup.core.HostAddress;
import org.repgroup.core.Protocol;
import org.repgroup.core.ReplicationGroup;
import org.repgroup.core.RepgroupResources;
import org.repgroup.core.StoreHostList;
import org.repgroup.core.spi.Attempt;
import org.repgroup.core.spi.AttemptOutcome;
import org.repgroup.core.spi.FailoverEngine;
import org.repgroup.core.FailoverPolicy;
import org.repgroup.core.Intent;

/**
 * What the engine adds to an operation whose first host answers at once: the
 * happy path's fixed cost (thread hand-off, timers, cache writes, events),
 * against calling the same attempt directly.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 1)
@Fork(1)
public class EngineOverheadBenchmark {

  private RepgroupResources resources;
  private FailoverEngine engine;
  private ReplicationGroup group;
  private final Attempt<String> answerAtOnce = ctx -> AttemptOutcome.success("ok");

  /** A three-host group whose master is cached. */
  @Setup
  public void setUp() {
    resources = RepgroupResources.create();
    engine = new FailoverEngine(resources, FailoverPolicy.defaults());
    group = ReplicationGroup.builder("bench", StoreHostList.parse("h1:143 h2:143 h3:143")).build();
    AffinityStore.of(resources.affinityCache()).recordMaster("bench", HostAddress.of("h2", 143),
        AffinityStore.of(resources.affinityCache()).nextSequence(), true);
  }

  /** Stops the engine's threads. */
  @TearDown
  public void tearDown() {
    resources.close();
  }

  /** The attempt called directly: the baseline. */
  @Benchmark
  public Object direct() throws Exception {
    return answerAtOnce.attempt(null);
  }

  /** The same attempt through the engine. */
  @Benchmark
  public Object throughEngine() throws Exception {
    return engine.execute(group, Protocol.IMAP, Intent.WRITE, answerAtOnce);
  }
}
