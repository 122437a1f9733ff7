package org.repgroup.ens;

import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import okhttp3.OkHttpClient;
import org.repgroup.core.ReplicationGroup;
import org.repgroup.core.RepgroupResources;
import org.repgroup.core.FailoverPolicy;

/**
 * The subscriber side of ENS (the C API's {@code ens_subscribe}, with the
 * reconnection it leaves to the caller done here): streams matching events from
 * one host of the group, the last good host first; when the stream breaks it
 * resumes on the next host with {@code Last-Event-ID}, so retained events are
 * neither lost nor delivered twice. Between failed connects it waits the engine's
 * retry back-off ({@link org.repgroup.core.spi.FailoverEngine#retryDelay}: the policy's
 * curve, jittered, never above its maximum), continued from one connect to the next.
 * Close the subscriber when done with it: it closes the subscriptions it started
 * and ends its stream threads.
 *
 * <pre>{@code
 * EnsSubscriber ens = EnsSubscriber.builder(resources).build();
 * try (Subscription s = ens.subscribe(group, EventFilter.of(EventType.NEW_MSG), (event, id) ->
 *     notifyUser(event.mailbox().orElse("?"), event.uid()))) {
 *   ...
 * }
 * }</pre>
 */
public final class EnsSubscriber implements AutoCloseable {

  /** Default longest silence on an open stream before it counts as broken: 45 s (servers send keep-alives every 15 s). */
  public static final Duration DEFAULT_IDLE_TIMEOUT = Duration.ofSeconds(45);
  /** Default largest event (its data) accepted from a stream: 16 MiB; larger ones are skipped and reported. */
  public static final long DEFAULT_MAX_EVENT_SIZE = 16L * 1024 * 1024;

  private final RepgroupResources resources;
  private final FailoverPolicy policy;
  private final OkHttpClient http;
  private final long maxEventSize;
  /**
   * One thread per stream (and per request being opened), started at once: streams are long
   * requests, and never wait behind each other in OkHttp's dispatcher (5 per host by default),
   * where a sixth subscription to one host would time out and mark a healthy host down.
   */
  private final ExecutorService streams;
  /** The subscriptions started here and not yet ended. */
  private final Set<Subscription> open = ConcurrentHashMap.newKeySet();
  private volatile boolean closed;

  private EnsSubscriber(Builder b) {
    this.resources = b.resources;
    this.policy = b.policy;
    this.maxEventSize = b.maxEventSize;
    // Names resolve through the shared resolver, as for every other adapter (okhttp3.Dns has the same contract).
    this.http = b.http.newBuilder().readTimeout(b.idleTimeout).followRedirects(false)
        .dns(b.resources.resolver()::resolve).build();
    AtomicInteger n = new AtomicInteger();
    this.streams = Executors.newCachedThreadPool(r -> {
      Thread t = new Thread(r, "repgroup-ens-stream-" + n.incrementAndGet());
      t.setDaemon(true);
      return t;
    });
  }

  /** A builder on shared {@code resources}. */
  public static Builder builder(RepgroupResources resources) {
    return new Builder(resources);
  }

  /**
   * Starts a subscription; events reach {@code listener} until the subscription (or this
   * subscriber) is closed.
   *
   * @throws IllegalStateException when this subscriber is closed
   */
  public Subscription subscribe(ReplicationGroup group, EventFilter filter, EnsListener listener) {
    Subscription s = new Subscription(Objects.requireNonNull(group, "group"), Objects.requireNonNull(filter, "filter"),
        Objects.requireNonNull(listener, "listener"), resources, policy, http, streams, maxEventSize, open::remove);
    checkOpen();
    open.add(s);
    if (closed) {
      // Closed meanwhile: close() may have missed this one.
      open.remove(s);
      checkOpen();
    }
    s.start();
    return s;
  }

  private void checkOpen() {
    if (closed) {
      throw new IllegalStateException("this EnsSubscriber is closed");
    }
  }

  /**
   * Closes every subscription this subscriber started and still open, and ends its stream
   * threads (at once when idle, else as each stream winds down); it takes no new subscription.
   * The OkHttp client, a given one included, is left as it is. Closing again does nothing.
   */
  @Override
  public void close() {
    closed = true;
    for (Subscription s : List.copyOf(open)) {
      s.close();
    }
    streams.shutdown();
  }

  /** Builds an {@link EnsSubscriber}. */
  public static final class Builder {
    private final RepgroupResources resources;
    private FailoverPolicy policy = FailoverPolicy.defaults();
    private Duration idleTimeout = DEFAULT_IDLE_TIMEOUT;
    private long maxEventSize = DEFAULT_MAX_EVENT_SIZE;
    private OkHttpClient http = new OkHttpClient();

    private Builder(RepgroupResources resources) {
      this.resources = Objects.requireNonNull(resources, "resources");
    }

    /**
     * Timeouts, stagger, deadline and back-off (also between reconnects: initial back-off,
     * multiplier, jitter, maximum). Defaults to {@link FailoverPolicy#defaults()}.
     */
    public Builder policy(FailoverPolicy policy) {
      this.policy = Objects.requireNonNull(policy, "policy");
      return this;
    }

    /** Longest silence on an open stream, &gt; 0. Defaults to 45 s. See {@link #DEFAULT_IDLE_TIMEOUT}. */
    public Builder idleTimeout(Duration timeout) {
      Objects.requireNonNull(timeout, "timeout");
      if (timeout.isNegative() || timeout.isZero()) {
        throw new IllegalArgumentException("idleTimeout must be > 0, was " + timeout);
      }
      this.idleTimeout = timeout;
      return this;
    }

    /**
     * Largest event data accepted, 1 KiB-1 GiB: a host sending a larger event (or an endless
     * line) has it skipped and reported to {@link EnsListener#onError}, never buffered whole.
     * Defaults to 16 MiB. See {@link #DEFAULT_MAX_EVENT_SIZE}.
     */
    public Builder maxEventSize(long bytes) {
      if (bytes < 1024 || bytes > 1024L * 1024 * 1024) {
        throw new IllegalArgumentException("maxEventSize must be in 1 KiB-1 GiB, was " + bytes);
      }
      this.maxEventSize = bytes;
      return this;
    }

    /**
     * The OkHttp client to derive from (its connection settings; streams never use its
     * dispatcher). Defaults to a new one.
     */
    public Builder okHttpClient(OkHttpClient client) {
      this.http = Objects.requireNonNull(client, "client");
      return this;
    }

    /** The subscriber. */
    public EnsSubscriber build() {
      return new EnsSubscriber(this);
    }
  }
}
