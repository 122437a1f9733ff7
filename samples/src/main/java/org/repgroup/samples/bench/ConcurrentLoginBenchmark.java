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
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;
import org.repgroup.core.Credentials;
import org.repgroup.core.FailoverCounters;
import org.repgroup.core.FailoverPolicy;
import org.repgroup.core.HostAddress;
import org.repgroup.core.Intent;
import org.repgroup.core.RepgroupResources;
import org.repgroup.core.ReplicationGroup;
import org.repgroup.core.internal.AffinityStore;
import org.repgroup.imap.ImapFailoverClient;

/**
 * 1,000 concurrent IMAP logins (connect, {@code LOGIN}, {@code LOGOUT}) against a
 * healthy group of {@link PreparedImapResponder}s ({@link PreparedImapGroup#healthy()}:
 * two replicas, then the master) with the master cached: Repgroup's writer login
 * against raw Angus Mail on one shared Session, on the same 1,000 JMH threads.
 * Each mode runs in turn: {@code Throughput} (logins per millisecond, all threads
 * together) and {@code SampleTime} (the latency distribution: p50, p99, p99.9).
 *
 * <p>Nothing throttles the healthy group's logins: the resources are
 * {@link RepgroupResources#create()}'s defaults, whose {@code AffinityCache} has no
 * connection-rate cap ({@code AffinityCache.Builder.connectionRateLimit} is off
 * unless set) and whose attempt threads are an unbounded cached pool. The policy is
 * {@link FailoverPolicy#defaults()} but for {@link #staggerMillis}: with 1,000
 * callers on a few cores every login waits longer than the default 250 ms stagger
 * (a closed loop: latency is about 1,000 / throughput), so each also starts a login
 * on the next host, a replica whose referral leads back to the master. That is
 * Repgroup's behaviour when its own host is saturated; {@code 0} shows the client's
 * cost without it. The counters printed at tear-down show what the engine did
 * (attempts and referrals per operation).
 *
 * <p>Needs about 3,000 threads (JMH's, Repgroup's attempt threads, Angus'
 * none) and 2,000 sockets at once: within this machine's limits ({@code ulimit -u}
 * 96,363, {@code -n} 20,000). The responder closes each connection first after
 * {@code LOGOUT}, so TIME_WAIT stays on the server's side and the client's
 * ephemeral ports are not used up.
 */
@State(Scope.Benchmark)
@Threads(1000)
@BenchmarkMode({Mode.Throughput, Mode.SampleTime})
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 2, time = 5)
@Measurement(iterations = 3, time = 10)
@Fork(1)
public class ConcurrentLoginBenchmark {

  /**
   * The policy's stagger in milliseconds: {@code 250}, the default, or {@code 0}
   * (off: one host at a time, so a trusted cached master is the only host tried).
   */
  @Param({"250", "0"})
  public int staggerMillis;

  private final Credentials alice = new Credentials("alice", "secret");
  private PreparedImapGroup group;
  private ReplicationGroup rg;
  private HostAddress master;
  private RepgroupResources resources;
  private ImapFailoverClient client;
  private Session sharedSession;

  /** The healthy prepared group, the master cached, one client and one raw Session. */
  @Setup
  public void setUp() throws IOException {
    group = PreparedImapGroup.healthy();
    rg = group.replicationGroup();
    master = group.master();
    resources = RepgroupResources.create();
    client = ImapFailoverClient.builder(resources).policy(FailoverPolicy.builder()
        .stagger(Duration.ofMillis(staggerMillis)).build()).build();
    AffinityStore cache = AffinityStore.of(resources.affinityCache());
    cache.recordMaster(rg.name(), master, cache.nextSequence(), true);
    Properties p = new Properties();
    p.put("mail.imap.connectiontimeout", "2000");
    p.put("mail.imap.timeout", "5000");
    sharedSession = Session.getInstance(p);
  }

  /** Prints what the engine did (attempts per operation), then closes everything. */
  @TearDown
  public void tearDown() throws IOException {
    FailoverCounters.Snapshot s = resources.counters().snapshot();
    if (s.operations() > 0) {
      System.out.printf("repgroup, stagger %d ms: %d operations (%d failed), %d attempts (%d not successful), "
          + "%d referrals followed, %d master changes, %d down marks%n", staggerMillis, s.operations(),
          s.operationsFailed(), s.attempts(), s.attemptsFailed(), s.referralsFollowed(), s.masterChanges(),
          s.hostsMarkedDown());
    }
    resources.close();
    group.close();
  }

  /** Repgroup: {@code ImapFailoverClient.connect(group, alice, WRITE)} on the cached master, then close. */
  @Benchmark
  public void repgroupLogin() throws Exception {
    client.connect(rg, alice, Intent.WRITE).close();
  }

  /** Raw Angus Mail to the master: a store of the shared Session, connect, close. */
  @Benchmark
  public void rawAngusLoginSharedSession() throws Exception {
    IMAPStore store = (IMAPStore) sharedSession.getStore("imap");
    store.connect(master.host(), master.port().orElseThrow(), alice.user(), alice.password());
    store.close();
  }
}
