package org.repgroup.samples.bench;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.AuxCounters;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
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
import org.repgroup.core.spi.FailoverEngine;
import org.repgroup.core.FailoverPolicy;
import org.repgroup.core.FailoverResult;
import org.repgroup.core.Intent;
import org.repgroup.testkit.SimulatedReplicationGroup;

/**
 * 1,000 concurrent writers right after the master died (its port refusing,
 * the cached master no longer trusted): how many attempts reach the dead host,
 * and how long until all 1,000 are served. Each writer's attempt is an
 * LMTP greeting read (connect, greeting, referral or not).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 1)
@Measurement(iterations = 5)
@Fork(1)
public class StampedeBenchmark {

  private SimulatedReplicationGroup group;
  private RepgroupResources resources;
  private FailoverEngine engine;
  private ReplicationGroup rg;
  private HostAddress dead;

  /** Attempts counted per invocation. */
  @State(Scope.Thread)
  @AuxCounters(AuxCounters.Type.EVENTS)
  public static class Counts {
    /** Attempts the 1,000 writers made on the dead master, summed over the invocations. */
    public long deadHostAttempts;
  }

  private final java.util.concurrent.atomic.AtomicLong deadAttempts = new java.util.concurrent.atomic.AtomicLong();

  /** A fresh group whose first node is the dead master. */
  @Setup(Level.Invocation)
  public void setUp() {
    group = SimulatedReplicationGroup.builder().startAsMaster(0).build();
    rg = group.replicationGroup(Protocol.LMTP);
    dead = group.node(0).address(Protocol.LMTP);
    deadAttempts.set(0);
    resources = RepgroupResources.builder().listener(new org.repgroup.core.FailoverListener() {
      @Override
      public void attemptStart(org.repgroup.core.OperationInfo op, HostAddress host, int hop) {
        if (host.equals(dead)) {
          deadAttempts.incrementAndGet();
        }
      }
    }).build();
    engine = new FailoverEngine(resources, FailoverPolicy.builder().stagger(Duration.ofMillis(100))
        .masterTrust(Duration.ZERO).build());
    AffinityStore.of(resources.affinityCache()).recordMaster(rg.name(), dead, AffinityStore.of(resources.affinityCache()).nextSequence(), true);
    group.node(0).kill();
  }

  /** Stops the group. */
  @TearDown(Level.Invocation)
  public void tearDown() {
    resources.close();
    group.close();
  }

  /** 1,000 writers at once. */
  @Benchmark
  public void thousandWritersAfterMasterDeath(Counts counts) throws Exception {
    List<CompletableFuture<FailoverResult<String>>> all = new ArrayList<>();
    for (int i = 0; i < 1000; i++) {
      all.add(engine.executeAsync(rg, Protocol.LMTP, Intent.WRITE, LmtpGreetingAttempt.INSTANCE));
    }
    for (CompletableFuture<FailoverResult<String>> f : all) {
      if (!(f.get() instanceof FailoverResult.Served<String>)) {
        throw new IllegalStateException("a writer failed: " + f.get());
      }
    }
    counts.deadHostAttempts += deadAttempts.get();
  }
}
