package org.repgroup.ens;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
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
import org.repgroup.core.HostAddress;
import org.repgroup.core.Protocol;
import org.repgroup.core.ReplicationGroup;
import org.repgroup.core.RepgroupResources;
import org.repgroup.core.failover.AffinityCache;
import org.repgroup.core.failover.FailoverPolicy;
import org.repgroup.ens.internal.EnsWire;

/**
 * The store side of ENS: publishes each event to <em>every</em> available host
 * of the group at once (a fan-out, not a failover). A host that fails is marked
 * down in the shared {@link AffinityCache} and skipped until its recheck; the
 * others still get the event. A {@code 307} from a group host is followed once.
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
    AffinityCache cache = resources.affinityCache();
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
    for (HostAddress h : hosts) {
      if (!targets.contains(h)) {
        results.add(CompletableFuture.completedFuture(new HostPublish(h, HostPublish.Outcome.SKIPPED, 0,
            Optional.empty(), Optional.empty(), "marked down: " + cache.downReason(h).orElse("unknown"))));
        continue;
      }
      results.add(send(group, h, h, body, targets, true)
          .completeOnTimeout(new HostPublish(h, HostPublish.Outcome.FAILED, 0, Optional.empty(), Optional.empty(),
              "no answer before the publish deadline (" + deadline.toMillis() + " ms)"),
              deadline.toMillis(), TimeUnit.MILLISECONDS));
    }
    return CompletableFuture.allOf(results.toArray(CompletableFuture[]::new))
        .thenApply(v -> new PublishResult(e, results.stream().map(CompletableFuture::join).toList()));
  }

  private CompletableFuture<HostPublish> send(ReplicationGroup group, HostAddress origin, HostAddress to, String body,
      Set<HostAddress> targets, boolean mayFollow) {
    CompletableFuture<HostPublish> out = new CompletableFuture<>();
    Request request = new Request.Builder()
        .url(new HttpUrl.Builder().scheme("http").host(to.host()).port(to.port().orElseThrow())
            .addPathSegments("ens/v1/events").build())
        .post(RequestBody.create(body, JSON))
        .build();
    http.newCall(request).enqueue(new Callback() {
      @Override
      public void onFailure(Call call, IOException err) {
        out.complete(failed(origin, 0, (origin.equals(to) ? "" : "after redirect to " + to + ": ")
            + err.getClass().getSimpleName() + (err.getMessage() == null ? "" : ": " + err.getMessage()), true));
      }

      @Override
      public void onResponse(Call call, Response response) {
        try (ResponseBody rb = response.body()) {
          String text = rb == null ? "" : rb.string();
          int code = response.code();
          if (code >= 200 && code < 300) {
            hostUp(to);
            boolean redirected = !origin.equals(to);
            out.complete(new HostPublish(origin, redirected ? HostPublish.Outcome.REDIRECTED : HostPublish.Outcome.ACCEPTED,
                code, Optional.ofNullable(EnsWire.acceptedId(text)), redirected ? Optional.of(to) : Optional.empty(),
                redirected ? "taken by " + to + " after a redirect" : "taken"));
          } else if (code == 307 || code == 308) {
            redirect(response, code);
          } else {
            out.complete(failed(origin, code, "HTTP " + code + (text.isEmpty() ? "" : ": " + shorten(text)),
                code >= 500));
          }
        } catch (IOException err) {
          out.complete(failed(origin, response.code(), "reading the reply: " + err.getMessage(), true));
        }
      }

      private void redirect(Response response, int code) {
        HttpUrl location = response.header("Location") == null ? null : response.request().url()
            .resolve(response.header("Location"));
        if (location == null) {
          out.complete(failed(origin, code, "redirect without a usable Location", false));
          return;
        }
        HostAddress target = HostAddress.of(location.host(), location.port());
        if (!mayFollow) {
          out.complete(failed(origin, code, "redirected again to " + target + ": a redirect is followed once", false));
          return;
        }
        if (!group.mayReferTo(target, Protocol.ENS)) {
          out.complete(failed(origin, code, "redirect to " + target + " refused: not in group " + group.name()
              + " and not allowed", false));
          return;
        }
        hostUp(to);
        if (targets.contains(target)) {
          // The target gets this publish directly: following would deliver it twice.
          out.complete(new HostPublish(origin, HostPublish.Outcome.REDIRECTED, code, Optional.empty(),
              Optional.of(target), "redirected to " + target + ", which gets the event directly"));
          return;
        }
        send(group, origin, target, body, targets, false).whenComplete((r, err) -> out.complete(r));
      }
    });
    return out;
  }

  private HostPublish failed(HostAddress host, int status, String why, boolean hostDown) {
    if (hostDown && resources.affinityCache().markDown(host, why)) {
      resources.listener().hostMarkedDown(host, why);
    }
    return new HostPublish(host, HostPublish.Outcome.FAILED, status, Optional.empty(), Optional.empty(), why);
  }

  private void hostUp(HostAddress host) {
    if (resources.affinityCache().markUp(host)) {
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
