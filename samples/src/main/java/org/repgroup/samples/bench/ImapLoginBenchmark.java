package org.repgroup.samples.bench;

import jakarta.mail.Session;
import java.io.IOException;
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
import org.openjdk.jmh.annotations.Param;
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
 * IMAP logins against a three-node group on loopback: the happy path through
 * Repgroup (cached master), raw Angus Mail to the master (a Session per login, and
 * one shared Session as Repgroup has), and the first write after the cached master
 * died (refusing) against a direct login to the new master. Every benchmark runs
 * against both servers of {@link #server}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 2)
@Fork(1)
public class ImapLoginBenchmark {

  /**
   * Which group answers. {@code prepared}: three {@link PreparedImapResponder}s
   * ({@link PreparedImapGroup#withDeadFirstNode()}: node0 a refusing port, node1 a
   * replica that refers writers to node2, node2 the master), so the numbers and
   * {@code -prof gc} show the client. {@code simulated}: the testkit's
   * {@link SimulatedReplicationGroup} (node0 killed, the master it elects), whose
   * in-JVM servers cost and allocate more than the client.
   */
  @Param({"prepared", "simulated"})
  public String server;

  private AutoCloseable running;
  private Session sharedSession;
  private RepgroupResources resources;
  private ImapFailoverClient client;
  private ReplicationGroup rg;
  private HostAddress master;
  private HostAddress dead;
  private final Credentials alice = new Credentials("alice", "secret");

  /** A group whose node0 is dead (refusing connections) and whose master answers. */
  @Setup
  public void setUp() throws IOException {
    if (server.equals("prepared")) {
      PreparedImapGroup prepared = PreparedImapGroup.withDeadFirstNode();
      running = prepared;
      rg = prepared.replicationGroup();
      dead = prepared.first();
      master = prepared.master();
    } else {
      SimulatedReplicationGroup group = SimulatedReplicationGroup.builder().user("alice", "secret").startAsMaster(0)
          .build();
      running = group;
      group.node(0).kill();
      rg = group.replicationGroup(Protocol.IMAP);
      dead = group.node(0).address(Protocol.IMAP);
      master = group.master().orElseThrow().address(Protocol.IMAP);
    }
    sharedSession = Session.getInstance(rawProperties());
    resources = RepgroupResources.create();
    client = ImapFailoverClient.builder(resources).policy(FailoverPolicy.builder().stagger(Duration.ofMillis(250)).build())
        .build();
  }

  /** Closes everything. */
  @TearDown
  public void tearDown() throws Exception {
    resources.close();
    running.close();
  }

  private static Properties rawProperties() {
    Properties p = new Properties();
    p.put("mail.imap.connectiontimeout", "2000");
    p.put("mail.imap.timeout", "5000");
    return p;
  }

  /** Raw Angus Mail login to the master, timeouts set, a new Session per login: the plain caller's baseline. */
  @Benchmark
  public void rawAngusLogin() throws Exception {
    IMAPStore store = (IMAPStore) Session.getInstance(rawProperties()).getStore("imap");
    store.connect(master.host(), master.port().orElseThrow(), alice.user(), alice.password());
    store.close();
  }

  /**
   * Raw Angus Mail login to the master on one Session built in setup (a new store
   * per login): the baseline that shares a Session, as Repgroup does per client.
   */
  @Benchmark
  public void rawAngusLoginSharedSession() throws Exception {
    IMAPStore store = (IMAPStore) sharedSession.getStore("imap");
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
   * the dead host's down mark cleared each time so every call pays the discovery:
   * with {@code prepared}, the refused connect, node1's referral and the login on
   * node2; with {@code simulated}, the refused connect and the login on the
   * elected master, which is the next host listed.
   */
  @Benchmark
  public void repgroupFirstWriteAfterMasterDeath() throws Exception {
    AffinityStore.of(resources.affinityCache()).markUp(dead);
    AffinityStore.of(resources.affinityCache()).recordMaster(rg.name(), dead, AffinityStore.of(resources.affinityCache()).nextSequence(), true);
    client.connect(rg, alice, Intent.WRITE).close();
  }
}
