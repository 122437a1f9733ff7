package org.repgroup.ens;

import java.time.Duration;
import java.util.Objects;
import okhttp3.OkHttpClient;
import org.repgroup.core.ReplicationGroup;
import org.repgroup.core.RepgroupResources;
import org.repgroup.core.FailoverPolicy;

/**
 * The subscriber side of ENS (the C API's {@code ens_subscribe}, with the
 * reconnection it leaves to the caller done here): streams matching events from
 * one host of the group, the last good host first; when the stream breaks it
 * resumes on the next host with {@code Last-Event-ID}, so retained events are
 * neither lost nor delivered twice. Back-off between passes follows the policy.
 *
 * <pre>{@code
 * EnsSubscriber ens = EnsSubscriber.builder(resources).build();
 * try (Subscription s = ens.subscribe(group, EventFilter.of(EventType.NEW_MSG), (event, id) ->
 *     notifyUser(event.mailbox().orElse("?"), event.uid()))) {
 *   ...
 * }
 * }</pre>
 */
public final class EnsSubscriber {

  /** Default longest silence on an open stream before it counts as broken: 45 s (servers send keep-alives every 15 s). */
  public static final Duration DEFAULT_IDLE_TIMEOUT = Duration.ofSeconds(45);

  private final RepgroupResources resources;
  private final FailoverPolicy policy;
  private final OkHttpClient http;

  private EnsSubscriber(Builder b) {
    this.resources = b.resources;
    this.policy = b.policy;
    // Names resolve through the shared resolver, as for every other adapter (okhttp3.Dns has the same contract).
    this.http = b.http.newBuilder().readTimeout(b.idleTimeout).followRedirects(false)
        .dns(b.resources.resolver()::resolve).build();
  }

  /** A builder on shared {@code resources}. */
  public static Builder builder(RepgroupResources resources) {
    return new Builder(resources);
  }

  /** Starts a subscription; events reach {@code listener} until the subscription is closed. */
  public Subscription subscribe(ReplicationGroup group, EventFilter filter, EnsListener listener) {
    Subscription s = new Subscription(Objects.requireNonNull(group, "group"), Objects.requireNonNull(filter, "filter"),
        Objects.requireNonNull(listener, "listener"), resources, policy, http);
    s.start();
    return s;
  }

  /** Builds an {@link EnsSubscriber}. */
  public static final class Builder {
    private final RepgroupResources resources;
    private FailoverPolicy policy = FailoverPolicy.defaults();
    private Duration idleTimeout = DEFAULT_IDLE_TIMEOUT;
    private OkHttpClient http = new OkHttpClient();

    private Builder(RepgroupResources resources) {
      this.resources = Objects.requireNonNull(resources, "resources");
    }

    /** Timeouts, stagger, deadline and back-off. Defaults to {@link FailoverPolicy#defaults()}. */
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

    /** The OkHttp client to derive from. Defaults to a new one. */
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
