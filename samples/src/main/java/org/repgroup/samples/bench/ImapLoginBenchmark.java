package org.repgroup.samples.bench;

import jakarta.mail.Session;
import java.time.Duration;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.eclipse.angus.mail.imap.IMAPStore;
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
import org.repgroup.core.Credentials;
import org.repgroup.core.HostAddress;
import org.repgroup.core.Protocol;
import org.repgroup.core.ReplicationGroup;
import org.repgroup.core.RepgroupResources;
import org.repgroup.core.FailoverPolicy;
import org.repgroup.core.Intent;
import org.repgroup.imap.ImapFailoverClient;
import org.repgroup.testkit.SimulatedReplicationGroup;

/**
 * IMAP logins against a simulated group on loopback: the happy path through
 * Repgroup (cached master), raw Angus Mail to the master, and the first write
 * after the cached master died (refusing) against a direct login to the new master.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 2)
@Fork(1)
public class ImapLoginBenchmark {

  private SimulatedReplicationGroup group;
  private RepgroupResources resources;
  private ImapFailoverClient client;
  private ReplicationGroup rg;
  private HostAddress master;
  private HostAddress dead;
  private final Credentials alice = new Credentials("alice", "secret");

  /** A group whose node1 is dead and node2 is master. */
  @Setup
  public void setUp() {
    group = SimulatedReplicationGroup.builder().user("alice", "secret").startAsMaster(0).build();
    group.node(0).kill();
    rg = group.replicationGroup(Protocol.IMAP);
    dead = group.node(0).address(Protocol.IMAP);
    master = group.master().orElseThrow().address(Protocol.IMAP);
    resources = RepgroupResources.create();
    client = ImapFailoverClient.builder(resources).policy(FailoverPolicy.builder().stagger(Duration.ofMillis(250)).build())
        .build();
  }

  /** Closes everything. */
  @TearDown
  public void tearDown() {
    resources.close();
    group.close();
  }

  /** Raw Angus Mail login to the master, timeouts set: the baseline. */
  @Benchmark
  public void rawAngusLogin() throws Exception {
    Properties p = new Properties();
    p.put("mail.imap.connectiontimeout", "2000");
    p.put("mail.imap.timeout", "5000");
    IMAPStore store = (IMAPStore) Session.getInstance(p).getStore("imap");
    store.connect(master.host(), master.port().orElseThrow(), alice.user(), alice.password());
    store.close();
  }

  /** Repgroup login with the master cached: the happy path. */
  @Benchmark
  public void repgroupLoginCachedMaster() throws Exception {
    AffinityStore.of(resources.affinityCache()).recordMaster(rg.name(), master, AffinityStore.of(resources.affinityCache()).nextSequence(), true);
    client.connect(rg, alice, Intent.WRITE).close();
  }

  /**
   * Repgroup's first write after the cached master died (it refuses connections),
   * the dead host's down mark cleared each time so every call pays the discovery.
   */
  @Benchmark
  public void repgroupFirstWriteAfterMasterDeath() throws Exception {
    AffinityStore.of(resources.affinityCache()).markUp(dead);
    AffinityStore.of(resources.affinityCache()).recordMaster(rg.name(), dead, AffinityStore.of(resources.affinityCache()).nextSequence(), true);
    client.connect(rg, alice, Intent.WRITE).close();
  }
}
