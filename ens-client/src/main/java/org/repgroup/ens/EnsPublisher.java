package org.repgroup.ens;

import java.io.IOException;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
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
import org.repgroup.core.AffinityCache;
import org.repgroup.core.FailoverPolicy;
import org.repgroup.core.FatalReason;
import org.repgroup.core.HostAddress;
import org.repgroup.core.Intent;
import org.repgroup.core.Protocol;
import org.repgroup.core.ReplicationGroup;
import org.repgroup.core.RepgroupResources;
import org.repgroup.core.spi.AttemptOutcome;
import org.repgroup.core.spi.FailoverEngine;
import org.repgroup.core.spi.FanOutAttempt;
import org.repgroup.core.spi.FanOutContext;
import org.repgroup.core.spi.FanOutResult;
import org.repgroup.core.spi.FanOutResult.HostOutcome;
import org.repgroup.core.spi.ServerText;
import org.repgroup.ens.internal.EnsWire;

/**
 * The store side of ENS: publishes each event to <em>every</em> available host
 * of the group at once, through the engine's fan-out
 * ({@link FailoverEngine#fanOut}); the publisher itself only classifies HTTP
 * answers. A host that fails is marked down in the shared {@link AffinityCache}
 * and skipped until its recheck; the others still get the event; when every host
 * is marked down, every host is tried anyway. A {@code 307} from a group host is
 * followed once, and not at all to a host that gets the event directly: then the
 * redirecting host counts as having passed the event on only if that host took it.
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

  private final FailoverEngine engine;
  private final OkHttpClient http;
  private final Duration deadline;
  private final int maxConcurrentPerHost;
  private final Duration perHostTimeout;
  private final Duration connectTimeout;
  private final Duration responseTimeout;

  private EnsPublisher(Builder b) {
    this.engine = new FailoverEngine(b.resources, b.policy);
    this.perHostTimeout = b.perHostTimeout;
    this.connectTimeout = b.policy.connectTimeout();
    this.responseTimeout = b.policy.responseTimeout();
    this.deadline = b.policy.deadline();
    this.maxConcurrentPerHost = b.maxConcurrentPerHost;
    Dispatcher dispatcher = new Dispatcher(new ThreadPoolExecutor(0, Integer.MAX_VALUE, 60, TimeUnit.SECONDS,
        new SynchronousQueue<>(), daemonThreads()));
    dispatcher.setMaxRequestsPerHost(b.maxConcurrentPerHost);
    dispatcher.setMaxRequests(b.maxConcurrentPerHost * 16);
    this.http = b.http.newBuilder()
        .dispatcher(dispatcher)
        .followRedirects(false)
        .dns(b.resources.resolver()::resolve)
        // The engine owns each host's time (per-host timeout, deadline) and cancels the call.
        .callTimeout(Duration.ZERO)
        // Runs when the request leaves the dispatcher's queue: the host's time starts here, and a
        // request the engine already gave up (its publish is over) is not sent at all.
        .addInterceptor(chain -> {
          FanOutContext ctx = chain.request().tag(FanOutContext.class);
          if (ctx == null) {
            return chain.proceed(chain.request());
          }
          if (!ctx.sending()) {
            throw new IOException(NOT_SENT);
          }
          return chain.withConnectTimeout(millis(ctx.connectTimeout()), TimeUnit.MILLISECONDS)
              .withReadTimeout(millis(ctx.responseTimeout()), TimeUnit.MILLISECONDS)
              .withWriteTimeout(millis(ctx.responseTimeout()), TimeUnit.MILLISECONDS)
              .proceed(chain.request());
        })
        .build();
  }

  private static int millis(Duration d) {
    return (int) Math.min(Integer.MAX_VALUE, Math.max(1, d.toMillis()));
  }

  private static ThreadFactory daemonThreads() {
    AtomicInteger n = new AtomicInteger();
    return r -> {
      Thread t = new Thread(r, "repgroup-ens-publish-" + n.incrementAndGet());
      t.setDaemon(true);
      return t;
    };
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
    // One key for every POST of this publish: a group that already took it answers with the same id.
    PostEvent post = new PostEvent(EnsWire.eventJson(e), UUID.randomUUID().toString());
    return engine.fanOut(group, Protocol.ENS, Intent.WRITE, perHostTimeout, post)
        .thenApply(r -> new PublishResult(e, r.hosts().stream().map(h -> report(group, r, h, post)).toList()));
  }

  /** What a host that took the event said. */
  private record Taken(Optional<String> eventId) {}

  /**
   * One POST of the event to one host, classified: 2xx taken; 307/308 with a
   * {@code Location} a referral; another 3xx or 4xx refused (the host is fine);
   * 5xx, a transport error or a timeout unavailable (the host is marked down).
   */
  private final class PostEvent implements FanOutAttempt<Taken> {
    private final String body;
    private final String key;
    /** The status each host answered this publish with. */
    private final Map<HostAddress, Integer> statuses = new ConcurrentHashMap<>();

    PostEvent(String body, String key) {
      this.body = body;
      this.key = key;
    }

    @Override
    public CompletionStage<AttemptOutcome<Taken>> start(FanOutContext ctx) {
      HostAddress to = ctx.host();
      CompletableFuture<AttemptOutcome<Taken>> out = new CompletableFuture<>();
      Request request = new Request.Builder()
          .url(new HttpUrl.Builder().scheme("http").host(to.host()).port(to.port().orElseThrow())
              .addPathSegments("ens/v1/events").build())
          .header("Idempotency-Key", key)
          .post(RequestBody.create(body, JSON))
          .tag(FanOutContext.class, ctx)
          .build();
      Call call = http.newCall(request);
      ctx.onCancel(call::cancel);
      call.enqueue(new Callback() {
        @Override
        public void onFailure(Call c, IOException err) {
          // After the engine gave the try up (deadline, per-host timeout) it ignores this.
          out.complete(AttemptOutcome.unavailable(transportFailure(err), err));
        }

        @Override
        public void onResponse(Call c, Response response) {
          out.complete(classify(to, response));
        }
      });
      return out;
    }

    private AttemptOutcome<Taken> classify(HostAddress host, Response response) {
      int code = response.code();
      statuses.put(host, code);
      try (ResponseBody rb = response.body()) {
        String text = rb == null ? "" : rb.string();
        if (code >= 200 && code < 300) {
          return AttemptOutcome.success(new Taken(Optional.ofNullable(EnsWire.acceptedId(text))));
        }
        if (code == 307 || code == 308) {
          String header = response.header("Location");
          HttpUrl location = header == null ? null : response.request().url().resolve(header);
          return location == null ? AttemptOutcome.declined("redirect without a usable Location", null)
              : AttemptOutcome.referral(HostAddress.of(location.host(), location.port()), "HTTP " + code);
        }
        String why = "HTTP " + code + (text.isEmpty() ? "" : ": " + ServerText.printable(text));
        return code >= 500 ? AttemptOutcome.unavailable(why, null)
            : AttemptOutcome.fatal(FatalReason.REQUEST_REFUSED, why, null);
      } catch (IOException | RuntimeException err) {
        return AttemptOutcome.unavailable("reading the reply: " + ServerText.printable(String.valueOf(err.getMessage())),
            err);
      }
    }

    int status(HostAddress host) {
      return statuses.getOrDefault(host, 0);
    }
  }

  private String transportFailure(IOException err) {
    return err instanceof java.net.SocketTimeoutException
        ? "timed out (connect timeout " + connectTimeout.toMillis() + " ms, response timeout "
            + responseTimeout.toMillis() + " ms): " + ServerText.printable(String.valueOf(err.getMessage()))
        : err.getClass().getSimpleName() + (err.getMessage() == null ? "" : ": " + ServerText.printable(err.getMessage()));
  }

  /** The engine's outcome for one host, in the publisher's words. */
  private HostPublish report(ReplicationGroup group, FanOutResult<Taken> r, HostOutcome<Taken> h, PostEvent post) {
    HostAddress host = h.host();
    int status = post.status(host);
    Optional<HostAddress> to = h.referredTo();
    // A target that got the publish directly (a redirect to it was not followed) appears tried in the result.
    boolean toDirect = to.isPresent() && r.hosts().stream()
        .anyMatch(o -> o.host().equals(to.get()) && o.kind() != FanOutResult.Kind.SKIPPED);
    Optional<String> id = h.value().flatMap(Taken::eventId);
    String target = to.map(HostAddress::toString).orElse("?");
    String onTo = h.referredOnTo().map(HostAddress::toString).orElse("?");
    return switch (h.kind()) {
      case SERVED -> new HostPublish(host, HostPublish.Outcome.ACCEPTED, status, id, Optional.empty(), "taken",
          h.elapsed());
      case REFERRED -> new HostPublish(host, HostPublish.Outcome.REDIRECTED, status, id, to,
          toDirect ? "redirected to " + target + ", which took the event directly"
              : "taken by " + target + " after a redirect", h.elapsed());
      case SKIPPED -> new HostPublish(host, HostPublish.Outcome.SKIPPED, 0, Optional.empty(), Optional.empty(),
          h.reason(), Duration.ZERO);
      case NOT_SENT -> failed(host, 0, notSent(), Duration.ZERO);
      case DEADLINE -> failed(host, status, "no answer before the publish deadline (" + deadline.toMillis() + " ms)",
          h.elapsed());
      case FAILED, REFUSED -> failed(host, status, h.reason(), h.elapsed());
      case SELF_REFERRAL -> failed(host, status, "redirect loop: " + host + " redirects to itself", h.elapsed());
      case REFERRAL_REFUSED -> failed(host, status, "redirect to " + target + " refused: not in group " + group.name()
          + " and not allowed", h.elapsed());
      case REFERRAL_LOOP -> failed(host, status, "redirect loop: " + host + " -> " + target + " -> " + onTo
          + " (a redirect is followed once)", h.elapsed());
      case REFERRAL_CHAIN -> failed(host, status, "redirect chain: " + host + " -> " + target + " -> " + onTo
          + " (a redirect is followed once)", h.elapsed());
      case REFERRED_AGAIN -> failed(host, status, "redirected again to " + onTo + ": a redirect is followed once",
          h.elapsed());
      case REFERRAL_TARGET_FAILED -> failed(host, status, toDirect
          ? "redirected to " + target + ", which did not take the event either: " + h.reason()
          : "after redirect to " + target + ": " + h.reason(), h.elapsed());
    };
  }

  private static HostPublish failed(HostAddress host, int status, String why, Duration elapsed) {
    return new HostPublish(host, HostPublish.Outcome.FAILED, status, Optional.empty(), Optional.empty(), why, elapsed);
  }

  /** Why a publish still queued at its deadline was never sent. */
  private String notSent() {
    return "not sent before the publish deadline (" + deadline.toMillis() + " ms): " + maxConcurrentPerHost
        + " publishes to this host were already in flight (a limit of this client, not the host's fault)";
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
