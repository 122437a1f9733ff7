package org.repgroup.samples.bench;

import jakarta.mail.MessagingException;
import jakarta.mail.Session;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
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
import org.repgroup.core.Credentials;
import org.repgroup.core.FailoverPolicy;
import org.repgroup.core.HostAddress;
import org.repgroup.core.Intent;
import org.repgroup.core.Protocol;
import org.repgroup.core.ReplicationGroup;
import org.repgroup.core.RepgroupResources;
import org.repgroup.core.internal.AffinityStore;
import org.repgroup.imap.ImapFailoverClient;
import org.repgroup.testkit.dovecot.Dovecot;
import org.repgroup.testkit.dovecot.DovecotGroup;

/**
 * IMAP login latency (p50/p99, {@link Mode#SampleTime}) against a real Dovecot on loopback,
 * all variants in one run on the same host: Repgroup ({@code connect(group, creds, WRITE)} then
 * close, master cached, default policy) against raw Angus Mail with one shared {@code Session}
 * (a store per login) and with a {@code Session} per login. The group is the testkit's
 * {@link DovecotGroup}: instance 0 a replica referring logins to instance 1, the master; the raw
 * logins go straight to the master. Every login is LOGIN then LOGOUT, nothing selected.
 *
 * <p>Needs Dovecot installed and root (the harness runs mail as the {@code dovecot} user). The
 * trial's setup starts the instances under a fresh temporary directory; its teardown stops them
 * (and their children) and deletes the directory.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 5, time = 5)
@Fork(1)
public class DovecotLoginBenchmark {

  private static final Credentials ALICE = new Credentials("alice", "secret");

  private Path workDir;
  private DovecotGroup dovecot;
  private ReplicationGroup group;
  private HostAddress master;
  private RepgroupResources resources;
  private AffinityStore cache;
  private ImapFailoverClient client;
  private Properties angusProperties;
  private Session sharedSession;

  /** Starts two Dovecot instances (0 refers to 1) and the clients. */
  @Setup
  public void setUp() throws IOException {
    if (Dovecot.binary().isEmpty()) {
      throw new IllegalStateException(Dovecot.INSTALL_HINT);
    }
    workDir = Files.createTempDirectory("repgroup-dovecot-bench");
    dovecot = DovecotGroup.builder(workDir).instances(2).user(ALICE.user(), ALICE.password()).replicaOf(0, 1).start();
    group = dovecot.replicationGroup("dovecot", Protocol.IMAP);
    master = dovecot.instance(1).imapAddress();
    resources = RepgroupResources.create();
    cache = AffinityStore.of(resources.affinityCache());
    client = ImapFailoverClient.builder(resources).policy(FailoverPolicy.defaults()).build();
    // The same timeouts as the engine's defaults (connect 2 s, response 5 s).
    angusProperties = new Properties();
    angusProperties.put("mail.imap.connectiontimeout",
        String.valueOf(FailoverPolicy.DEFAULT_CONNECT_TIMEOUT.toMillis()));
    angusProperties.put("mail.imap.timeout", String.valueOf(FailoverPolicy.DEFAULT_RESPONSE_TIMEOUT.toMillis()));
    sharedSession = Session.getInstance(angusProperties);
  }

  /** Stops Dovecot and deletes its directory. */
  @TearDown
  public void tearDown() throws IOException {
    if (resources != null) {
      resources.close();
    }
    if (dovecot != null) {
      dovecot.close();
    }
    if (workDir != null) {
      try (Stream<Path> paths = Files.walk(workDir)) {
        paths.sorted(Comparator.reverseOrder()).forEach(p -> {
          try {
            Files.delete(p);
          } catch (IOException e) {
            throw new UncheckedIOException(e);
          }
        });
      }
    }
  }

  /** Repgroup login with the master cached (recorded before each call), then close: the probe's path. */
  @Benchmark
  public void repgroupLoginCachedMaster() throws MessagingException {
    cache.recordMaster(group.name(), master, cache.nextSequence(), true);
    client.connect(group, ALICE, Intent.WRITE).close();
  }

  /** Raw Angus Mail: one shared {@code Session}, a new store per login, straight to the master. */
  @Benchmark
  public void angusSharedSession() throws MessagingException {
    login(sharedSession);
  }

  /** Raw Angus Mail: a new {@code Session} and store per login, straight to the master. */
  @Benchmark
  public void angusSessionPerLogin() throws MessagingException {
    login(Session.getInstance(angusProperties));
  }

  private void login(Session session) throws MessagingException {
    IMAPStore store = (IMAPStore) session.getStore("imap");
    store.connect(master.host(), master.port().orElseThrow(), ALICE.user(), ALICE.password());
    store.close();
  }
}
