package org.repgroup.ens;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import okhttp3.Call;
import okhttp3.Callback;
import okhttp3.Dispatcher;
import okhttp3.HttpUrl;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;
import okhttp3.ResponseBody;
import org.repgroup.core.internal.AffinityStore;
import org.repgroup.core.HostAddress;
import org.repgroup.core.Protocol;
import org.repgroup.core.ReplicationGroup;
import org.repgroup.core.RepgroupResources;
import org.repgroup.core.AffinityCache;
import org.repgroup.core.FailoverPolicy;
import org.repgroup.core.spi.ServerText;
import org.repgroup.core.time.Ticker;
import org.repgroup.ens.internal.EnsWire;

/**
 * The store side of ENS: publishes each event to <em>every</em> available host
 * of the group at once (a fan-out, not a failover). A host that fails is marked
 * down in the shared {@link AffinityCache} and skipped until its recheck; the
 * others still get the event. A {@code 307} from a group host is followed once,
 * and not at all to a host that gets the event directly: then the redirecting
 * host counts as having passed the event on only if that host took it.
 * The event's {@code hostname} is set to the group's name.
 *
 * <p>Time per host: connect within the policy's connect timeout, each read and write
 * within its response timeout, the whole exchange within the
 * {@linkplain Builder#perHostTimeout per-host timeout}, the publish within the
 * policy's deadline. The clock of a host starts when its request is sent, not
 * when it was queued: the publisher has its own OkHttp dispatcher, sized for
 * fan-out ({@link Builder#maxConcurrentPerHost}), and a request still waiting for
 * a slot at the deadline is reported as never sent and never marks the host down.
 *
 * <pre>{@code
 * EnsPublisher ens = EnsPublisher.builder(resources).build();
 * PublishResult r = ens.publish(group, EnsEvent.builder(EventType.NEW_MSG).mailbox("alice").uid(62).build());
 * if (!r.anyTaken()) { ... }
 * }</pre>
 */
public final class EnsPublisher {

  /** Default time one host has to take an event: 2 s. */
  public static final Duration DEFAULT_PER_HOST_TIMEOUT = Duration.ofSeconds(2);
  /**
   * Default publishes in flight to one host at once: 5. The others wait in the publisher's own
   * queue (never behind event streams: subscribers do not use a dispatcher), and their wait is
   * never counted against the host. Few enough that a burst of publishes does not open a herd
   * of cold connections to one gateway at once (with 64, a burst of 20 publishes to a busy
   * group made every host miss its per-host timeout); at a few milliseconds a publish, 5 in
   * flight carry about a thousand events a second per host. Raise it for slow, distant hosts.
   */
  public static final int DEFAULT_MAX_CONCURRENT_PER_HOST = 5;

  private static final MediaType JSON = MediaType.get("application/json");
  private static final String NOT_SENT = "not sent: the publish was over before a slot to this host came free";

  private final RepgroupResources resources;
  private final OkHttpClient http;
  private final Duration deadline;
  private final int maxConcurrentPerHost;
  private final Duration perHostTimeout;
  private final Duration connectTimeout;
  private final Duration responseTimeout;

  private EnsPublisher(Builder b) {
    this.perHostTimeout = b.perHostTimeout;
    this.connectTimeout = b.policy.connectTimeout();
    this.responseTimeout = b.policy.responseTimeout();
    this.resources = b.resources;
    this.deadline = b.policy.deadline();
    this.maxConcurrentPerHost = b.maxConcurrentPerHost;
    Dispatcher dispatcher = new Dispatcher(new ThreadPoolExecutor(0, Integer.MAX_VALUE, 60, TimeUnit.SECONDS,
        new SynchronousQueue<>(), daemonThreads()));
    dispatcher.setMaxRequestsPerHost(b.maxConcurrentPerHost);
    dispatcher.setMaxRequests(b.maxConcurrentPerHost * 16);
    Ticker ticker = b.resources.ticker();
    this.http = b.http.newBuilder()
        .dispatcher(dispatcher)
        .followRedirects(false)
        .dns(b.resources.resolver()::resolve)
        .connectTimeout(b.policy.connectTimeout())
        .readTimeout(b.policy.responseTimeout())
        .writeTimeout(b.policy.responseTimeout())
        .callTimeout(b.perHostTimeout)
        // Runs when the request leaves the dispatcher's queue: the host's clock starts here, and a
        // request whose publish is already over is not sent at all.
        .addInterceptor(chain -> {
          Sent sent = chain.request().tag(Sent.class);
          if (sent != null) {
            long now = ticker.read();
            if (sent.abandoned || now - sent.deadlineNanos >= 0) {
              throw new IOException(NOT_SENT);
            }
            sent.at(now);
          }
          return chain.proceed(chain.request());
        })
        .build();
  }

  private static ThreadFactory daemonThreads() {
    AtomicInteger n = new AtomicInteger();
    return r -> {
      Thread t = new Thread(r, "repgroup-ens-publish-" + n.incrementAndGet());
      t.setDaemon(true);
      return t;
    };
  }

  /**
   * When a request left the dispatcher's queue (ticker time), or -1 while it waits; and whether
   * the publish gave it up at its deadline (OkHttp reports its own call timeout as a cancel too).
   */
  private static final class Sent {
    private final long deadlineNanos;
    private volatile long nanos = -1;
    private volatile boolean abandoned;

    Sent(long deadlineNanos) {
      this.deadlineNanos = deadlineNanos;
    }

    void at(long now) {
      if (nanos < 0) {
        nanos = now;
      }
    }

    boolean sent() {
      return nanos >= 0;
    }
  }

  /** A builder on shared {@code resources}. */
  public static Builder builder(RepgroupResources resources) {
    return new Builder(resources);
  }

  /**
   * Publishes {@code event} to every available host and waits, at most the
   * policy's deadline, for their answers.
   */
  public PublishResult publish(ReplicationGroup group, EnsEvent event) throws InterruptedException {
    CompletableFuture<PublishResult> f = publishAsync(group, event);
    try {
      return f.get(deadline.toMillis() + 1000, TimeUnit.MILLISECONDS);
    } catch (ExecutionException | TimeoutException e) {
      throw new IllegalStateException("publish did not complete: " + e, e);
    }
  }

  /** Publishes without blocking; the future completes by the deadline, never exceptionally. */
  public CompletableFuture<PublishResult> publishAsync(ReplicationGroup group, EnsEvent event) {
    EnsEvent e = event.withParameter("hostname", group.name());
    String body = EnsWire.eventJson(e);
    // One key for every POST of this publish: a group that already took it answers with the same id.
    String key = UUID.randomUUID().toString();
    // A request still queued at this instant is never sent.
    long endNanos = resources.ticker().read() + deadline.toNanos();
    AffinityStore cache = AffinityStore.of(resources.affinityCache());
    Set<HostAddress> targets = new LinkedHashSet<>();
    List<CompletableFuture<HostPublish>> results = new ArrayList<>();
    List<HostAddress> hosts = new ArrayList<>();
    for (HostAddress entry : group.hosts().hosts()) {
      hosts.add(group.resolve(entry, Protocol.ENS));
    }
    for (HostAddress h : hosts) {
      AffinityCache.HostHealth health = cache.health(h);
      if (health == AffinityCache.HostHealth.DOWN
          || (health == AffinityCache.HostHealth.RECHECK_DUE && !cache.tryAcquireRecheck(h))) {
        continue;
      }
      targets.add(h);
    }
    Map<HostAddress, Post> direct = new LinkedHashMap<>();
    for (HostAddress h : targets) {
      direct.put(h, post(h, body, key, endNanos));
    }
    for (HostAddress h : hosts) {
      if (!targets.contains(h)) {
        results.add(CompletableFuture.completedFuture(new HostPublish(h, HostPublish.Outcome.SKIPPED, 0,
            Optional.empty(), Optional.empty(), "marked down: " + cache.downReason(h).orElse("unknown"), Duration.ZERO)));
        continue;
      }
      Post own = direct.get(h);
      List<Post> involved = new CopyOnWriteArrayList<>(List.of(own));
      results.add(withinDeadline(h, own, involved,
          own.answer().thenCompose(a -> settle(group, h, own, a, direct, body, key, involved))));
    }
    return CompletableFuture.allOf(results.toArray(CompletableFuture[]::new))
        .thenApply(v -> new PublishResult(e, results.stream().map(CompletableFuture::join).toList()));
  }

  /** One POST: the call, when it left the queue, and the host's answer (always completed, never exceptionally). */
  private record Post(Call call, Sent sent, CompletableFuture<Answer> answer) {}

  /**
   * {@code settled}, or at the publish deadline a failure saying whether the host was
   * sent the event at all; the calls still under way (or still queued) are then cancelled,
   * so a publish reported as not sent is never sent later.
   */
  private CompletableFuture<HostPublish> withinDeadline(HostAddress h, Post own, List<Post> involved,
      CompletableFuture<HostPublish> settled) {
    CompletableFuture<HostPublish> out = new CompletableFuture<>();
    AtomicBoolean deadlinePassed = new AtomicBoolean();
    settled.whenComplete((v, err) -> {
      // After the deadline, what the cancelled calls report is not the host's answer.
      if (!deadlinePassed.get()) {
        out.complete(v != null ? v : new HostPublish(h, HostPublish.Outcome.FAILED, 0, Optional.empty(),
            Optional.empty(), "failed: " + err, elapsed(own)));
      }
    });
    CompletableFuture.delayedExecutor(deadline.toMillis(), TimeUnit.MILLISECONDS).execute(() -> {
      if (out.isDone()) {
        return;
      }
      deadlinePassed.set(true);
      HostPublish late = own.sent().sent()
          ? new HostPublish(h, HostPublish.Outcome.FAILED, 0, Optional.empty(), Optional.empty(),
              "no answer before the publish deadline (" + deadline.toMillis() + " ms)", elapsed(own))
          : new HostPublish(h, HostPublish.Outcome.FAILED, 0, Optional.empty(), Optional.empty(), notSent(),
              Duration.ZERO);
      // Cancelled first, so a request reported as never sent cannot leave the queue afterwards.
      involved.forEach(p -> {
        p.sent().abandoned = true;
        p.call().cancel();
      });
      out.complete(late);
    });
    return out;
  }

  /** Why a publish still queued at its deadline was never sent. */
  private String notSent() {
    return "not sent before the publish deadline (" + deadline.toMillis() + " ms): " + maxConcurrentPerHost
        + " publishes to this host were already in flight (a limit of this client, not the host's fault)";
  }

  /** Time since {@code p} left the dispatcher's queue (zero if it never did): the host's share. */
  private Duration elapsed(Post p) {
    return p.sent().sent() ? Duration.ofNanos(Math.max(0, resources.ticker().read() - p.sent().nanos))
        : Duration.ZERO;
  }

  /**
   * One host's answer to one POST, before any redirect is acted on.
   *
   * @param status the HTTP status, 0 when none arrived
   * @param redirectTo the {@code Location}'s host on a 307/308, else {@code null}
   * @param eventId the id given on a 2xx, else {@code null}
   * @param failure why the host failed (no 2xx and no usable redirect), else {@code null}
   * @param hostDown whether the failure says the host is down (transport error, 5xx)
   */
  private record Answer(int status, HostAddress redirectTo, String eventId, String failure, boolean hostDown) {
    boolean accepted() {
      return status >= 200 && status < 300;
    }
  }

  private Post post(HostAddress to, String body, String key, long deadlineNanos) {
    CompletableFuture<Answer> out = new CompletableFuture<>();
    Sent sent = new Sent(deadlineNanos);
    Request request = new Request.Builder()
        .url(new HttpUrl.Builder().scheme("http").host(to.host()).port(to.port().orElseThrow())
            .addPathSegments("ens/v1/events").build())
        .header("Idempotency-Key", key)
        .post(RequestBody.create(body, JSON))
        .tag(Sent.class, sent)
        .build();
    Call call = http.newCall(request);
    call.enqueue(new Callback() {
      @Override
      public void onFailure(Call c, IOException err) {
        if (sent.abandoned || !sent.sent()) {
          // Given up at the publish deadline, or never sent: says nothing about the host.
          out.complete(new Answer(0, null, null, sent.sent() ? "cancelled at the publish deadline" : notSent(), false));
          return;
        }
        // OkHttp's call timeout is a bare InterruptedIOException("timeout"); its connect and read
        // timeouts are SocketTimeoutExceptions.
        String why = err.getClass() == java.io.InterruptedIOException.class && "timeout".equals(err.getMessage())
            ? "no answer within the per-host timeout (" + perHostTimeout.toMillis() + " ms)"
            : err instanceof java.net.SocketTimeoutException
            ? "timed out (connect timeout " + connectTimeout.toMillis() + " ms, response timeout "
                + responseTimeout.toMillis() + " ms): " + ServerText.printable(String.valueOf(err.getMessage()))
            : err.getClass().getSimpleName() + (err.getMessage() == null ? "" : ": " + ServerText.printable(err.getMessage()));
        out.complete(new Answer(0, null, null, why, true));
      }

      @Override
      public void onResponse(Call c, Response response) {
        try (ResponseBody rb = response.body()) {
          String text = rb == null ? "" : rb.string();
          int code = response.code();
          if (code >= 200 && code < 300) {
            out.complete(new Answer(code, null, EnsWire.acceptedId(text), null, false));
          } else if (code == 307 || code == 308) {
            String header = response.header("Location");
            HttpUrl location = header == null ? null : response.request().url().resolve(header);
            out.complete(location == null
                ? new Answer(code, null, null, "redirect without a usable Location", false)
                : new Answer(code, HostAddress.of(location.host(), location.port()), null, null, false));
          } else {
            out.complete(new Answer(code, null, null,
                "HTTP " + code + (text.isEmpty() ? "" : ": " + ServerText.printable(text)), code >= 500));
          }
        } catch (IOException | RuntimeException err) {
          out.complete(new Answer(response.code(), null, null,
              "reading the reply: " + ServerText.printable(String.valueOf(err.getMessage())), !sent.abandoned));
        }
      }
    });
    return new Post(call, sent, out);
  }

  /**
   * What {@code origin}'s answer means for this publish. A redirect is followed once: to a host
   * that gets the publish directly it is not followed but settled by that host's own answer, so
   * the event counts as taken only if that host took it (never for a loop or a self-redirect).
   */
  private CompletableFuture<HostPublish> settle(ReplicationGroup group, HostAddress origin, Post own, Answer a,
      Map<HostAddress, Post> direct, String body, String key, List<Post> involved) {
    if (a.accepted()) {
      hostUp(origin);
      return CompletableFuture.completedFuture(new HostPublish(origin, HostPublish.Outcome.ACCEPTED, a.status(),
          Optional.ofNullable(a.eventId()), Optional.empty(), "taken", elapsed(own)));
    }
    if (a.redirectTo() == null) {
      return CompletableFuture.completedFuture(failed(origin, own, a.status(), a.failure(), a.hostDown()));
    }
    HostAddress target = a.redirectTo();
    hostUp(origin);
    if (target.equals(origin)) {
      return CompletableFuture.completedFuture(
          failed(origin, own, a.status(), "redirect loop: " + origin + " redirects to itself", false));
    }
    if (!group.mayReferTo(target, Protocol.ENS)) {
      return CompletableFuture.completedFuture(failed(origin, own, a.status(), "redirect to " + target
          + " refused: not in group " + group.name() + " and not allowed", false));
    }
    Post targetsOwn = direct.get(target);
    if (targetsOwn != null) {
      // The target gets this publish directly: following would deliver it twice.
      return targetsOwn.answer().thenApply(t -> {
        if (t.accepted()) {
          return new HostPublish(origin, HostPublish.Outcome.REDIRECTED, a.status(), Optional.ofNullable(t.eventId()),
              Optional.of(target), "redirected to " + target + ", which took the event directly", elapsed(own));
        }
        String why = t.redirectTo() != null
            ? (t.redirectTo().equals(origin) ? "redirect loop: " : "redirect chain: ") + origin + " -> " + target
                + " -> " + t.redirectTo() + " (a redirect is followed once)"
            : "redirected to " + target + ", which did not take the event either: " + t.failure();
        return failed(origin, own, a.status(), why, false);
      });
    }
    Post follow = post(target, body, key, own.sent().deadlineNanos);
    involved.add(follow);
    return follow.answer().thenApply(t -> {
      if (t.accepted()) {
        hostUp(target);
        return new HostPublish(origin, HostPublish.Outcome.REDIRECTED, a.status(), Optional.ofNullable(t.eventId()),
            Optional.of(target), "taken by " + target + " after a redirect", elapsed(own));
      }
      if (t.redirectTo() != null) {
        return failed(origin, own, t.status(), "redirected again to " + t.redirectTo()
            + ": a redirect is followed once", false);
      }
      if (t.hostDown() && AffinityStore.of(resources.affinityCache()).markDown(target, t.failure())) {
        resources.listener().hostMarkedDown(target, t.failure());
      }
      return failed(origin, own, t.status(), "after redirect to " + target + ": " + t.failure(), false);
    });
  }

  private HostPublish failed(HostAddress host, Post own, int status, String why, boolean hostDown) {
    if (hostDown && AffinityStore.of(resources.affinityCache()).markDown(host, why)) {
      resources.listener().hostMarkedDown(host, why);
    }
    return new HostPublish(host, HostPublish.Outcome.FAILED, status, Optional.empty(), Optional.empty(), why,
        elapsed(own));
  }

  private void hostUp(HostAddress host) {
    if (AffinityStore.of(resources.affinityCache()).markUp(host)) {
      resources.listener().hostMarkedUp(host);
    }
  }

  /** Builds an {@link EnsPublisher}. */
  public static final class Builder {
    private final RepgroupResources resources;
    private FailoverPolicy policy = FailoverPolicy.defaults();
    private Duration perHostTimeout = DEFAULT_PER_HOST_TIMEOUT;
    private int maxConcurrentPerHost = DEFAULT_MAX_CONCURRENT_PER_HOST;
    private OkHttpClient http = new OkHttpClient();

    private Builder(RepgroupResources resources) {
      this.resources = Objects.requireNonNull(resources, "resources");
    }

    /**
     * Connect timeout, response timeout (each read and write of one host's exchange) and the
     * publish's deadline. Defaults to {@link FailoverPolicy#defaults()}.
     */
    public Builder policy(FailoverPolicy policy) {
      this.policy = Objects.requireNonNull(policy, "policy");
      return this;
    }

    /**
     * Time one host has for the whole exchange (connect, request, answer) from when its
     * request is sent, &gt; 0. Defaults to 2 s. See {@link #DEFAULT_PER_HOST_TIMEOUT}.
     */
    public Builder perHostTimeout(Duration timeout) {
      Objects.requireNonNull(timeout, "timeout");
      if (timeout.isNegative() || timeout.isZero()) {
        throw new IllegalArgumentException("perHostTimeout must be > 0, was " + timeout);
      }
      this.perHostTimeout = timeout;
      return this;
    }

    /**
     * Publishes in flight to one host at once, 1-4096; more wait for a slot, and their
     * waiting never counts against the host. Defaults to 5. See
     * {@link #DEFAULT_MAX_CONCURRENT_PER_HOST}.
     */
    public Builder maxConcurrentPerHost(int n) {
      if (n < 1 || n > 4096) {
        throw new IllegalArgumentException("maxConcurrentPerHost must be in 1-4096, was " + n);
      }
      this.maxConcurrentPerHost = n;
      return this;
    }

    /**
     * The OkHttp client to derive from (its connection pool is shared; the publisher uses a
     * dispatcher of its own, sized by {@link #maxConcurrentPerHost}). Defaults to a new one.
     */
    public Builder okHttpClient(OkHttpClient client) {
      this.http = Objects.requireNonNull(client, "client");
      return this;
    }

    /** The publisher. */
    public EnsPublisher build() {
      return new EnsPublisher(this);
    }
  }
}
