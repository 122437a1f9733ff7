package org.repgroup.samples.bench;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.repgroup.core.Credentials;
import org.repgroup.core.Protocol;
import org.repgroup.core.ReplicationGroup;
import org.repgroup.core.RepgroupResources;
import org.repgroup.core.FailoverPolicy;
import org.repgroup.core.Intent;
import org.repgroup.imap.ImapFailoverClient;
import org.repgroup.testkit.Fault;
import org.repgroup.testkit.SimulatedReplicationGroup;

/**
 * A black-holed first host (accepts, never answers), the master second: an IMAP
 * login with the default 250 ms stagger against the same client with the stagger
 * off (it waits out the 2 s response timeout). Fresh cache every call.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 2)
@Measurement(iterations = 5)
@Fork(1)
public class BlackHoleBenchmark {

  /** Stagger in milliseconds: 250 (the default) or 0 (sequential). */
  @Param({"250", "0"})
  public int staggerMillis;

  private SimulatedReplicationGroup group;
  private ReplicationGroup rg;
  private final Credentials alice = new Credentials("alice", "secret");

  /** node1 black-holed, node2 master. */
  @Setup
  public void setUp() {
    group = SimulatedReplicationGroup.builder().user("alice", "secret").startAsMaster(1).build();
    group.node(0).setFault(Fault.blackHole());
    rg = group.replicationGroup(Protocol.IMAP);
  }

  /** Stops the group. */
  @TearDown
  public void tearDown() {
    group.close();
  }

  /** One login from a cold cache. */
  @Benchmark
  public void loginPastABlackHole() throws Exception {
    try (RepgroupResources resources = RepgroupResources.create()) {
      ImapFailoverClient client = ImapFailoverClient.builder(resources).policy(FailoverPolicy.builder()
          .stagger(Duration.ofMillis(staggerMillis)).connectTimeout(Duration.ofSeconds(2))
          .responseTimeout(Duration.ofSeconds(2)).build()).build();
      client.connect(rg, alice, Intent.WRITE).close();
    }
  }
}
