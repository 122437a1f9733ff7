package org.repgroup.samples.bench;

import java.io.BufferedReader;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.AtomicReferenceArray;
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
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.BenchmarkParams;
import org.repgroup.core.FailoverPolicy;
import org.repgroup.core.HostAddress;
import org.repgroup.core.ReplicationGroup;
import org.repgroup.core.RepgroupResources;
import org.repgroup.core.StoreHostList;
import org.repgroup.ens.EnsEvent;
import org.repgroup.ens.EnsListener;
import org.repgroup.ens.EnsSubscriber;
import org.repgroup.ens.EventFilter;
import org.repgroup.ens.Subscription;
import org.repgroup.ens.SubscriptionStatus;
import org.repgroup.lmtp.DeliveryResult;
import org.repgroup.lmtp.LmtpFailoverClient;
import org.repgroup.lmtp.MessageSource;

/**
 * Memory per pooled LMTP connection and per open ENS subscription: the heap the
 * client retains with 1,000 of them (used heap after {@code System.gc()} repeated
 * until it settles, minus the same before, divided by 1,000) and the live threads
 * they add, reported as {@code @AuxCounters}. The servers run in a child JVM
 * ({@link FootprintServers}, same class path), so none of their memory or threads
 * is counted.
 *
 * <p>Each iteration measures in a fresh state: a warm-up delivery or subscription
 * through a throw-away client runs first, so first-use class initialisation is in
 * the baseline. Attempts run on an executor the benchmark owns and shuts down once
 * the 1,000 are open: its idle workers (a default client's cached pool retires them
 * after 60 s) belong to the deliveries and connects, not to what stays open.
 *
 * <p>Counters are of type EVENTS, which JMH sums over measurement iterations and
 * forks; each one is divided by their number, so the summary is the mean. Each
 * iteration also prints its raw figures on the fork's stdout ({@code footprint: ...}).
 * The primary score (time for one iteration: opening the 1,000 plus the GCs) is not
 * the point. Real measurement: one iteration per fork, several forks.
 */
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 0)
@Measurement(iterations = 1)
@Fork(1)
public class FootprintBenchmark {

  /** Connections or subscriptions held open at the measurement. */
  static final int COUNT = 1_000;
  /** Deliveries or subscriptions being opened at once (the servers' accept backlog is 50). */
  private static final int RAMP = 32;
  /** Bound on every wait for a condition (all open, a server's answer, threads ending). */
  private static final Duration WAIT = Duration.ofSeconds(90);
  /** Two used-heap readings after {@code System.gc()} this close count as settled. */
  private static final long SETTLED_BYTES = 16 * 1024;
  private static final byte[] MESSAGE = "Subject: footprint\r\n\r\nx\r\n".getBytes(StandardCharsets.US_ASCII);

  /** Per pooled LMTP connection: retained heap bytes and live threads added. */
  @State(Scope.Thread)
  @AuxCounters(AuxCounters.Type.EVENTS)
  public static class LmtpFootprint {
    /** Heap retained per pooled idle connection, bytes. */
    public double heapBytesPerConnection;
    /** Live threads added per pooled idle connection. */
    public double threadsPerConnection;

    /** Zeroes the counters. */
    @Setup(Level.Iteration)
    public void clear() {
      heapBytesPerConnection = 0;
      threadsPerConnection = 0;
    }
  }

  /** Per open ENS subscription: retained heap bytes and live threads added. */
  @State(Scope.Thread)
  @AuxCounters(AuxCounters.Type.EVENTS)
  public static class EnsFootprint {
    /** Heap retained per open subscription, bytes. */
    public double heapBytesPerSubscription;
    /** Live threads added per open subscription (their stacks are native memory, not heap). */
    public double threadsPerSubscription;

    /** Zeroes the counters. */
    @Setup(Level.Iteration)
    public void clear() {
      heapBytesPerSubscription = 0;
      threadsPerSubscription = 0;
    }
  }

  /**
   * An {@link LmtpFailoverClient} and {@link PreparedLmtpResponder}s in the child JVM.
   * The client keeps at most 100 idle connections per host ({@code poolSize} is 0-100),
   * so the 1,000 are spread over {@link #hosts} hosts, one single-host group each, with
   * a pool size of 1,000 / hosts. After one delivery per group (which confirms the
   * group's master), they are opened by 1,000 concurrent deliveries, each held after
   * DATA's 354 (its message source waits until all 1,000 have got there), so every
   * delivery needs a connection of its own; then each returns its connection to the
   * pool. The responders count them: exactly 1,000 must be open. The client trusts a
   * confirmed master for an hour: once the trust runs out, one delivery re-discovers and
   * concurrent ones of the group wait for it, which a held delivery would never let end.
   */
  @State(Scope.Benchmark)
  public static class LmtpPool {
    /**
     * Hosts the 1,000 connections are spread over (pool size 1,000 / hosts): 10 is the
     * fewest the pool's limit allows; 1,000 adds each group's failover state to the figure.
     */
    @Param({"10", "1000"})
    public int hosts;

    private ServerProcess servers;
    private RepgroupResources resources;
    private ExecutorService attempts;
    private LmtpFailoverClient client;
    private final List<ReplicationGroup> groups = new ArrayList<>();
    private long heapBefore;
    private int threadsBefore;
    private int runs;

    /** Starts the responders, warms up, builds the measured client, takes the baseline. */
    @Setup(Level.Iteration)
    public void setUp(BenchmarkParams params) throws Exception {
      if (hosts < 1 || hosts > COUNT || COUNT % hosts != 0 || COUNT / hosts > 100) {
        throw new IllegalArgumentException("hosts must divide " + COUNT + " into at most 100 per host, was " + hosts);
      }
      runs = runs(params);
      servers = ServerProcess.start("lmtp", Integer.toString(hosts));
      groups.clear();
      for (int i = 0; i < hosts; i++) {
        groups.add(ReplicationGroup.builder("footprint-" + i, StoreHostList.of(servers.address(i))).build());
      }
      try (RepgroupResources warmResources = RepgroupResources.create();
          LmtpFailoverClient warm = LmtpFailoverClient.builder(warmResources).poolSize(0).build()) {
        ReplicationGroup g = ReplicationGroup.builder("footprint-warm", StoreHostList.of(servers.address(0))).build();
        DeliveryResult r = warm.deliver(g, "s@example.com", List.of("rcpt@example.com"), MessageSource.of(MESSAGE));
        if (!r.allDelivered()) {
          throw new IllegalStateException("warm-up delivery not delivered: " + r.recipients());
        }
      }
      servers.expect("await-open 0 " + WAIT.toMillis(), "open 0 accepted 1");
      attempts = Executors.newCachedThreadPool();
      resources = RepgroupResources.builder().attemptExecutor(attempts).build();
      client = LmtpFailoverClient.builder(resources)
          .poolSize(COUNT / hosts)
          .maxConnectionAge(Duration.ofHours(1))
          .policy(FailoverPolicy.builder().deadline(WAIT.plusSeconds(30)).masterTrust(Duration.ofHours(1)).build())
          .build();
      heapBefore = settledUsedHeap();
      threadsBefore = liveThreads();
    }

    /** Closes the client (QUIT on every pooled connection) and stops the child JVM. */
    @TearDown(Level.Iteration)
    public void tearDown() throws Exception {
      if (client != null) {
        client.close();
      }
      if (resources != null) {
        resources.close();
      }
      if (attempts != null) {
        attempts.shutdownNow();
      }
      if (servers != null) {
        servers.close();
      }
    }
  }

  /**
   * An {@link EnsSubscriber} and the testkit's {@link org.repgroup.testkit.EnsGateway}
   * in the child JVM: 1,000 subscriptions to every store event of one single-host
   * group, each counted once its status is CONNECTED (the gateway has answered 200
   * and the stream is read), all still CONNECTED at the measurement.
   */
  @State(Scope.Benchmark)
  public static class EnsSubscriptions {
    private ServerProcess gateway;
    private ReplicationGroup group;
    private RepgroupResources resources;
    private ExecutorService attempts;
    private EnsSubscriber subscriber;
    private final List<Subscription> open = new ArrayList<>();
    private long heapBefore;
    private int threadsBefore;
    private int runs;

    /** Starts the gateway, warms up, builds the measured subscriber, takes the baseline. */
    @Setup(Level.Iteration)
    public void setUp(BenchmarkParams params) throws Exception {
      runs = runs(params);
      gateway = ServerProcess.start("ens");
      group = ReplicationGroup.builder("footprint", StoreHostList.of(gateway.address(0))).build();
      try (RepgroupResources warmResources = RepgroupResources.create();
          EnsSubscriber warmSubscriber = EnsSubscriber.builder(warmResources).build()) {
        Opening warm = new Opening(1);
        Subscription s = warmSubscriber.subscribe(group, EventFilter.all(), warm.listener());
        try {
          warm.awaitAll("warm-up subscription");
        } finally {
          s.close();
        }
      }
      open.clear();
      attempts = Executors.newCachedThreadPool();
      resources = RepgroupResources.builder().attemptExecutor(attempts).build();
      subscriber = EnsSubscriber.builder(resources).build();
      heapBefore = settledUsedHeap();
      threadsBefore = liveThreads();
    }

    /** Closes every subscription and stops the child JVM. */
    @TearDown(Level.Iteration)
    public void tearDown() throws Exception {
      for (Subscription s : open) {
        s.close();
      }
      open.clear();
      if (subscriber != null) {
        subscriber.close();
      }
      if (resources != null) {
        resources.close();
      }
      if (attempts != null) {
        attempts.shutdownNow();
      }
      if (gateway != null) {
        gateway.close();
      }
    }
  }

  /** 1,000 pooled idle LMTP connections: heap and threads per connection. */
  @Benchmark
  public void lmtpPooledConnections(LmtpPool s, LmtpFootprint out) throws Exception {
    // In a method of its own so that its results and threads are unreachable at the measurement.
    deliverHeld(s);
    shutDown(s.attempts, "attempt executor");
    String seen = s.servers.ask("await-open " + COUNT / s.hosts + " " + WAIT.toMillis());
    if (!seen.startsWith("open " + COUNT + " ")) {
      throw new IllegalStateException("expected " + COUNT + " pooled connections open at the responders ("
          + COUNT / s.hosts + " on each of " + s.hosts + ") within " + WAIT.toSeconds() + " s; they report: " + seen);
    }
    long heap = settledUsedHeap() - s.heapBefore;
    int threads = liveThreads() - s.threadsBefore;
    out.heapBytesPerConnection = (double) heap / COUNT / s.runs;
    out.threadsPerConnection = (double) threads / COUNT / s.runs;
    System.out.printf("footprint: lmtp hosts=%d poolSize=%d: %d connections (responders: %s), %d bytes retained"
        + " (%.1f per connection), %+d threads (%.3f per connection)%n", s.hosts, COUNT / s.hosts, COUNT, seen, heap,
        (double) heap / COUNT, threads, (double) threads / COUNT);
  }

  /** 1,000 open ENS subscriptions: heap and threads per subscription. */
  @Benchmark
  public void ensSubscriptions(EnsSubscriptions s, EnsFootprint out) throws Exception {
    Opening opening = new Opening(COUNT);
    for (int k = 0; k < COUNT; k++) {
      opening.awaitRamp(k);
      s.open.add(s.subscriber.subscribe(s.group, EventFilter.all(), opening.listener()));
    }
    opening.awaitAll("subscriptions");
    shutDown(s.attempts, "attempt executor");
    long heap = settledUsedHeap() - s.heapBefore;
    int threads = liveThreads() - s.threadsBefore;
    for (int k = 0; k < COUNT; k++) {
      SubscriptionStatus st = s.open.get(k).status();
      if (st.state() != SubscriptionStatus.State.CONNECTED) {
        throw new IllegalStateException("subscription " + k + " of " + COUNT + " is no longer connected at the"
            + " measurement: " + st.state() + " " + st.detail());
      }
    }
    String seen = s.gateway.ask("status");
    out.heapBytesPerSubscription = (double) heap / COUNT / s.runs;
    out.threadsPerSubscription = (double) threads / COUNT / s.runs;
    System.out.printf("footprint: ens: %d subscriptions connected (gateway %s, 1 of them the warm-up's),"
        + " %d bytes retained (%.1f per subscription), %+d threads (%.3f per subscription)%n", COUNT, seen, heap,
        (double) heap / COUNT, threads, (double) threads / COUNT);
  }

  /**
   * One delivery per group, then {@link #COUNT} concurrent ones, each held at DATA until
   * all are (see {@link LmtpPool}).
   */
  private static void deliverHeld(LmtpPool s) throws Exception {
    for (ReplicationGroup g : s.groups) {
      DeliveryResult r = s.client.deliver(g, "s@example.com", List.of("rcpt@example.com"), MessageSource.of(MESSAGE));
      if (!r.allDelivered()) {
        throw new IllegalStateException("first delivery to " + g + " not delivered: " + r.recipients());
      }
    }
    DeliveryGate gate = new DeliveryGate();
    AtomicReferenceArray<Object> results = new AtomicReferenceArray<>(COUNT);
    List<Thread> senders = new ArrayList<>();
    for (int k = 0; k < COUNT; k++) {
      if (!gate.ramp.tryAcquire(WAIT.toMillis(), TimeUnit.MILLISECONDS)) {
        throw new IllegalStateException("delivery " + k + " of " + COUNT + " not started: the " + RAMP
            + " before it did not reach DATA within " + WAIT.toSeconds() + " s");
      }
      int index = k;
      ReplicationGroup g = s.groups.get(k % s.hosts);
      HeldMessage message = new HeldMessage(gate);
      Thread t = new Thread(() -> {
        try {
          results.set(index, s.client.deliver(g, "s@example.com", List.of("rcpt" + index + "@example.com"), message));
        } catch (Exception | Error e) {
          results.set(index, e);
        } finally {
          message.leaveRamp();
        }
      }, "footprint-delivery-" + k);
      t.start();
      senders.add(t);
    }
    joinAll(senders, "delivery");
    for (int k = 0; k < COUNT; k++) {
      Object r = results.get(k);
      if (!(r instanceof DeliveryResult d && d.allDelivered())) {
        throw new IllegalStateException("delivery " + k + " of " + COUNT + " (to " + s.groups.get(k % s.hosts)
            + ") did not deliver: " + (r instanceof Throwable e ? e.toString() : r), r instanceof Throwable e ? e : null);
      }
    }
  }

  /** Measurement iterations over all forks: each counter is divided by it so that JMH's sum is the mean. */
  private static int runs(BenchmarkParams params) {
    return Math.max(1, params.getForks()) * Math.max(1, params.getMeasurement().getCount());
  }

  /** Used heap after {@code System.gc()}, repeated until two readings are within {@link #SETTLED_BYTES} (at most 20). */
  static long settledUsedHeap() {
    MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
    long last = -1;
    for (int round = 0; round < 20; round++) {
      System.gc();
      long used = memory.getHeapMemoryUsage().getUsed();
      if (last >= 0 && Math.abs(used - last) <= SETTLED_BYTES) {
        return used;
      }
      last = used;
    }
    return last;
  }

  private static int liveThreads() {
    return ManagementFactory.getThreadMXBean().getThreadCount();
  }

  private static void joinAll(List<Thread> threads, String what) throws InterruptedException {
    long end = System.nanoTime() + WAIT.toNanos();
    for (Thread t : threads) {
      t.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(end - System.nanoTime())));
      if (t.isAlive()) {
        throw new IllegalStateException(what + " thread " + t.getName() + " still running after " + WAIT.toSeconds()
            + " s");
      }
    }
  }

  private static void shutDown(ExecutorService executor, String what) throws InterruptedException {
    executor.shutdown();
    if (!executor.awaitTermination(WAIT.toSeconds(), TimeUnit.SECONDS)) {
      throw new IllegalStateException(what + " still busy after " + WAIT.toSeconds() + " s");
    }
  }

  /**
   * Holds each delivery once it has its connection and DATA's go-ahead, until all
   * {@link #COUNT} are there; {@link #ramp} bounds the deliveries not yet held.
   */
  private static final class DeliveryGate {
    final Semaphore ramp = new Semaphore(RAMP);
    final CountDownLatch held = new CountDownLatch(COUNT);
  }

  /**
   * A delivery's message: the first {@code open()} is the client's size check before
   * connecting; the second is the send, with the connection in hand, and waits at the gate.
   */
  private static final class HeldMessage implements MessageSource {
    private final DeliveryGate gate;
    private final AtomicInteger opens = new AtomicInteger();
    private final AtomicBoolean left = new AtomicBoolean();

    HeldMessage(DeliveryGate gate) {
      this.gate = gate;
    }

    @Override
    public InputStream open() throws IOException {
      if (opens.incrementAndGet() == 2) {
        leaveRamp();
        try {
          if (!gate.held.await(WAIT.toMillis(), TimeUnit.MILLISECONDS)) {
            throw new IOException("only " + (COUNT - gate.held.getCount()) + " of " + COUNT
                + " deliveries reached DATA within " + WAIT.toSeconds() + " s");
          }
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new IOException("interrupted at the gate", e);
        }
      }
      return new ByteArrayInputStream(MESSAGE);
    }

    /** Counts this delivery as held (or ended) once: frees a ramp place and the gate's count. */
    void leaveRamp() {
      if (left.compareAndSet(false, true)) {
        gate.held.countDown();
        gate.ramp.release();
      }
    }
  }

  /**
   * Counts subscriptions reaching CONNECTED (each once); {@link #ramp} bounds those
   * still connecting. The first subscription to end otherwise is kept as the reason.
   */
  private static final class Opening {
    final Semaphore ramp = new Semaphore(RAMP);
    private final CountDownLatch connected;
    private final AtomicReference<String> problem = new AtomicReference<>();

    Opening(int count) {
      connected = new CountDownLatch(count);
    }

    EnsListener listener() {
      AtomicBoolean counted = new AtomicBoolean();
      return new EnsListener() {
        @Override
        public void onEvent(EnsEvent event, String id) {
          // No events are published.
        }

        @Override
        public void onStatus(SubscriptionStatus status) {
          if (status.state() == SubscriptionStatus.State.CONNECTED && counted.compareAndSet(false, true)) {
            connected.countDown();
            ramp.release();
          } else if (status.state() != SubscriptionStatus.State.CONNECTED
              && status.state() != SubscriptionStatus.State.CONNECTING
              && status.state() != SubscriptionStatus.State.CLOSED) {
            problem.compareAndSet(null, status.state() + ": " + status.detail());
          }
        }
      };
    }

    /** Waits for a place among the {@link #RAMP} connecting, before subscription {@code k}. */
    void awaitRamp(int k) throws InterruptedException {
      if (!ramp.tryAcquire(WAIT.toMillis(), TimeUnit.MILLISECONDS)) {
        throw new IllegalStateException("subscription " + k + " not started: the " + RAMP + " before it did not"
            + " connect within " + WAIT.toSeconds() + " s" + why());
      }
    }

    void awaitAll(String what) throws InterruptedException {
      if (!connected.await(WAIT.toMillis(), TimeUnit.MILLISECONDS)) {
        throw new IllegalStateException(what + ": " + connected.getCount() + " not connected within "
            + WAIT.toSeconds() + " s" + why());
      }
    }

    private String why() {
      String p = problem.get();
      return p == null ? "" : "; first problem: " + p;
    }
  }

  /**
   * {@link FootprintServers} in a child JVM on this JVM's class path; asked and
   * answered one line at a time, each answer awaited at most {@link #WAIT}.
   */
  private static final class ServerProcess implements AutoCloseable {
    private final Process process;
    private final OutputStream commands;
    private final BufferedReader answers;
    private final ExecutorService reader = Executors.newSingleThreadExecutor(r -> {
      Thread t = new Thread(r, "footprint-servers-reader");
      t.setDaemon(true);
      return t;
    });
    private final List<HostAddress> addresses = new ArrayList<>();

    private ServerProcess(Process process) {
      this.process = process;
      this.commands = process.getOutputStream();
      this.answers = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.US_ASCII));
    }

    static ServerProcess start(String... args) throws IOException, InterruptedException {
      List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
          "-cp", System.getProperty("java.class.path"), FootprintServers.class.getName()));
      cmd.addAll(List.of(args));
      ServerProcess p = new ServerProcess(new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.INHERIT).start());
      try {
        String ports = p.read();
        if (!ports.startsWith("ports ")) {
          throw new IllegalStateException("the servers' JVM said \"" + ports + "\", not its ports");
        }
        for (String port : ports.substring(6).split(" ")) {
          p.addresses.add(HostAddress.of("127.0.0.1", Integer.parseInt(port)));
        }
        return p;
      } catch (IOException | InterruptedException | RuntimeException e) {
        p.close();
        throw e;
      }
    }

    HostAddress address(int i) {
      return addresses.get(i);
    }

    /** Sends {@code command} and returns the answer line. */
    String ask(String command) throws IOException, InterruptedException {
      commands.write((command + "\n").getBytes(StandardCharsets.US_ASCII));
      commands.flush();
      return read();
    }

    /** Sends {@code command} and fails unless the answer is {@code expected}. */
    void expect(String command, String expected) throws IOException, InterruptedException {
      String a = ask(command);
      if (!a.equals(expected)) {
        throw new IllegalStateException("servers' JVM, asked \"" + command + "\", answered \"" + a + "\", not \""
            + expected + "\"");
      }
    }

    private String read() throws IOException, InterruptedException {
      Future<String> line = reader.submit(answers::readLine);
      try {
        String s = line.get(WAIT.toSeconds(), TimeUnit.SECONDS);
        if (s == null) {
          throw new IOException("the servers' JVM ended (exit " + process.waitFor() + ")");
        }
        return s;
      } catch (TimeoutException e) {
        line.cancel(true);
        throw new IOException("the servers' JVM did not answer within " + WAIT.toSeconds() + " s", e);
      } catch (ExecutionException e) {
        throw new IOException("reading from the servers' JVM failed", e.getCause());
      }
    }

    /** Closes the child's stdin (it exits), waits for it, forcibly ends it if it does not. */
    @Override
    public void close() throws InterruptedException {
      try {
        commands.close();
      } catch (IOException ignored) {
        // already gone
      }
      if (!process.waitFor(WAIT.toSeconds(), TimeUnit.SECONDS)) {
        process.destroyForcibly();
        process.waitFor(WAIT.toSeconds(), TimeUnit.SECONDS);
      }
      reader.shutdownNow();
    }
  }
}
