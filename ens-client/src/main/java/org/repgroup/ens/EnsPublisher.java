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
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import okhttp3.Call;
import okhttp3.Callback;
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
 * <pre>{@code
 * EnsPublisher ens = EnsPublisher.builder(resources).build();
 * PublishResult r = ens.publish(group, EnsEvent.builder(EventType.NEW_MSG).mailbox("alice").uid(62).build());
 * if (!r.anyTaken()) { ... }
 * }</pre>
 */
public final class EnsPublisher {

  /** Default time one host has to take an event: 2 s. */
  public static final Duration DEFAULT_PER_HOST_TIMEOUT = Duration.ofSeconds(2);

  private static final MediaType JSON = MediaType.get("application/json");

  private final RepgroupResources resources;
  private final OkHttpClient http;
  private final Duration deadline;

  private EnsPublisher(Builder b) {
    this.resources = b.resources;
    this.deadline = b.policy.deadline();
    this.http = b.http.newBuilder()
        .followRedirects(false)
        .dns(b.resources.resolver()::resolve)
        .connectTimeout(b.policy.connectTimeout())
        .callTimeout(b.perHostTimeout)
        .build();
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
    Map<HostAddress, CompletableFuture<Answer>> direct = new LinkedHashMap<>();
    for (HostAddress h : targets) {
      direct.put(h, post(h, body, key));
    }
    for (HostAddress h : hosts) {
      if (!targets.contains(h)) {
        results.add(CompletableFuture.completedFuture(new HostPublish(h, HostPublish.Outcome.SKIPPED, 0,
            Optional.empty(), Optional.empty(), "marked down: " + cache.downReason(h).orElse("unknown"))));
        continue;
      }
      results.add(direct.get(h).thenCompose(a -> settle(group, h, a, direct, body, key))
          .completeOnTimeout(new HostPublish(h, HostPublish.Outcome.FAILED, 0, Optional.empty(), Optional.empty(),
              "no answer before the publish deadline (" + deadline.toMillis() + " ms)"),
              deadline.toMillis(), TimeUnit.MILLISECONDS));
    }
    return CompletableFuture.allOf(results.toArray(CompletableFuture[]::new))
        .thenApply(v -> new PublishResult(e, results.stream().map(CompletableFuture::join).toList()));
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

  private CompletableFuture<Answer> post(HostAddress to, String body, String key) {
    CompletableFuture<Answer> out = new CompletableFuture<>();
    Request request = new Request.Builder()
        .url(new HttpUrl.Builder().scheme("http").host(to.host()).port(to.port().orElseThrow())
            .addPathSegments("ens/v1/events").build())
        .header("Idempotency-Key", key)
        .post(RequestBody.create(body, JSON))
        .build();
    http.newCall(request).enqueue(new Callback() {
      @Override
      public void onFailure(Call call, IOException err) {
        out.complete(new Answer(0, null, null,
            err.getClass().getSimpleName() + (err.getMessage() == null ? "" : ": " + err.getMessage()), true));
      }

      @Override
      public void onResponse(Call call, Response response) {
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
            out.complete(new Answer(code, null, null, "HTTP " + code + (text.isEmpty() ? "" : ": " + shorten(text)),
                code >= 500));
          }
        } catch (IOException err) {
          out.complete(new Answer(response.code(), null, null, "reading the reply: " + err.getMessage(), true));
        }
      }
    });
    return out;
  }

  /**
   * What {@code origin}'s answer means for this publish. A redirect is followed once: to a host
   * that gets the publish directly it is not followed but settled by that host's own answer, so
   * the event counts as taken only if that host took it (never for a loop or a self-redirect).
   */
  private CompletableFuture<HostPublish> settle(ReplicationGroup group, HostAddress origin, Answer a,
      Map<HostAddress, CompletableFuture<Answer>> direct, String body, String key) {
    if (a.accepted()) {
      hostUp(origin);
      return CompletableFuture.completedFuture(new HostPublish(origin, HostPublish.Outcome.ACCEPTED, a.status(),
          Optional.ofNullable(a.eventId()), Optional.empty(), "taken"));
    }
    if (a.redirectTo() == null) {
      return CompletableFuture.completedFuture(failed(origin, a.status(), a.failure(), a.hostDown()));
    }
    HostAddress target = a.redirectTo();
    hostUp(origin);
    if (target.equals(origin)) {
      return CompletableFuture.completedFuture(
          failed(origin, a.status(), "redirect loop: " + origin + " redirects to itself", false));
    }
    if (!group.mayReferTo(target, Protocol.ENS)) {
      return CompletableFuture.completedFuture(failed(origin, a.status(), "redirect to " + target
          + " refused: not in group " + group.name() + " and not allowed", false));
    }
    CompletableFuture<Answer> targetsOwn = direct.get(target);
    if (targetsOwn != null) {
      // The target gets this publish directly: following would deliver it twice.
      return targetsOwn.thenApply(t -> {
        if (t.accepted()) {
          return new HostPublish(origin, HostPublish.Outcome.REDIRECTED, a.status(), Optional.ofNullable(t.eventId()),
              Optional.of(target), "redirected to " + target + ", which took the event directly");
        }
        String why = t.redirectTo() != null
            ? (t.redirectTo().equals(origin) ? "redirect loop: " : "redirect chain: ") + origin + " -> " + target
                + " -> " + t.redirectTo() + " (a redirect is followed once)"
            : "redirected to " + target + ", which did not take the event either: " + t.failure();
        return failed(origin, a.status(), why, false);
      });
    }
    return post(target, body, key).thenApply(t -> {
      if (t.accepted()) {
        hostUp(target);
        return new HostPublish(origin, HostPublish.Outcome.REDIRECTED, a.status(), Optional.ofNullable(t.eventId()),
            Optional.of(target), "taken by " + target + " after a redirect");
      }
      if (t.redirectTo() != null) {
        return failed(origin, t.status(), "redirected again to " + t.redirectTo() + ": a redirect is followed once",
            false);
      }
      if (t.hostDown() && AffinityStore.of(resources.affinityCache()).markDown(target, t.failure())) {
        resources.listener().hostMarkedDown(target, t.failure());
      }
      return failed(origin, t.status(), "after redirect to " + target + ": " + t.failure(), false);
    });
  }

  private HostPublish failed(HostAddress host, int status, String why, boolean hostDown) {
    if (hostDown && AffinityStore.of(resources.affinityCache()).markDown(host, why)) {
      resources.listener().hostMarkedDown(host, why);
    }
    return new HostPublish(host, HostPublish.Outcome.FAILED, status, Optional.empty(), Optional.empty(), why);
  }

  private void hostUp(HostAddress host) {
    if (AffinityStore.of(resources.affinityCache()).markUp(host)) {
      resources.listener().hostMarkedUp(host);
    }
  }

  private static String shorten(String s) {
    return s.length() > 200 ? s.substring(0, 200) + "..." : s;
  }

  /** Builds an {@link EnsPublisher}. */
  public static final class Builder {
    private final RepgroupResources resources;
    private FailoverPolicy policy = FailoverPolicy.defaults();
    private Duration perHostTimeout = DEFAULT_PER_HOST_TIMEOUT;
    private OkHttpClient http = new OkHttpClient();

    private Builder(RepgroupResources resources) {
      this.resources = Objects.requireNonNull(resources, "resources");
    }

    /** Connect timeout and overall deadline. Defaults to {@link FailoverPolicy#defaults()}. */
    public Builder policy(FailoverPolicy policy) {
      this.policy = Objects.requireNonNull(policy, "policy");
      return this;
    }

    /** Time one host has to take the event, &gt; 0. Defaults to 2 s. See {@link #DEFAULT_PER_HOST_TIMEOUT}. */
    public Builder perHostTimeout(Duration timeout) {
      Objects.requireNonNull(timeout, "timeout");
      if (timeout.isNegative() || timeout.isZero()) {
        throw new IllegalArgumentException("perHostTimeout must be > 0, was " + timeout);
      }
      this.perHostTimeout = timeout;
      return this;
    }

    /** The OkHttp client to derive from (its pool and dispatcher are shared). Defaults to a new one. */
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
