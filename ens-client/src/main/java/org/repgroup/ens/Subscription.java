package org.repgroup.ens;

import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.Executor;
import java.util.function.Consumer;
import okhttp3.OkHttpClient;
import org.repgroup.core.HostAddress;
import org.repgroup.core.Protocol;
import org.repgroup.core.ReplicationGroup;
import org.repgroup.core.RepgroupResources;
import org.repgroup.core.spi.FailoverEngine;
import org.repgroup.core.spi.ServerText;
import org.repgroup.core.FailoverPolicy;
import org.repgroup.core.FailoverResult;
import org.repgroup.core.FatalReason;
import org.repgroup.core.Intent;
import org.repgroup.ens.internal.EnsWire;
import org.repgroup.ens.internal.EventStream;
import org.repgroup.ens.internal.SseAttempt;

/**
 * A live subscription (see {@link EnsSubscriber}): streams from one host, and
 * when the stream breaks resumes on the next with {@code Last-Event-ID}, handing
 * the listener each event exactly once. Close it to stop.
 *
 * <p>A host that rejects the subscription request itself (a 4xx but 404, 408 and
 * 429) ends it {@link SubscriptionStatus.State#REJECTED}, whichever host answered
 * first: a stream another host opened meanwhile is closed.
 */
public final class Subscription implements AutoCloseable {

  private final ReplicationGroup group;
  private final EventFilter filter;
  private final EnsListener listener;
  private final FailoverEngine engine;
  private final RepgroupResources resources;
  private final OkHttpClient http;
  private final Executor streams;
  private final long maxEventBytes;
  /** Told once when the subscription ends (closed or rejected): its subscriber stops tracking it. */
  private final Consumer<Subscription> onEnd;
  private final Sink sink = new Sink();
  private final Object lock = new Object();
  private long lastId;
  private EventStream current;
  private HostAddress currentHost;
  private int failedPasses;
  private boolean closed;
  private volatile SubscriptionStatus status =
      new SubscriptionStatus(SubscriptionStatus.State.CONNECTING, Optional.empty(), "");

  Subscription(ReplicationGroup group, EventFilter filter, EnsListener listener, RepgroupResources resources,
      FailoverPolicy policy, OkHttpClient http, Executor streams, long maxEventBytes, Consumer<Subscription> onEnd) {
    this.group = group;
    this.filter = filter;
    this.listener = listener;
    this.resources = resources;
    this.engine = new FailoverEngine(resources, policy);
    this.http = http;
    this.streams = streams;
    this.maxEventBytes = maxEventBytes;
    this.onEnd = onEnd;
  }

  void start() {
    connect();
  }

  /** Where the subscription stands now. */
  public SubscriptionStatus status() {
    return status;
  }

  /** The id of the last event handed to the listener, 0 before the first. */
  public long lastEventId() {
    synchronized (lock) {
      return lastId;
    }
  }

  private void connect() {
    String resumeAfter;
    synchronized (lock) {
      if (closed) {
        return;
      }
      resumeAfter = lastId > 0 ? Long.toString(lastId) : null;
    }
    engine.executeAsync(group, Protocol.ENS, Intent.READ_NO_REFERRALS,
        new SseAttempt(http, streams, maxEventBytes, filter.toReference(), resumeAfter, sink))
        .whenComplete((r, e) -> connected(r));
  }

  private void connected(FailoverResult<EventStream> r) {
    if (r instanceof FailoverResult.Served<EventStream> s) {
      synchronized (lock) {
        if (closed) {
          s.value().cancel();
          return;
        }
        failedPasses = 0;
      }
      return;
    }
    FailoverResult.Failed<EventStream> f = (FailoverResult.Failed<EventStream>) r;
    if (f.fatalReason() == FatalReason.REQUEST_REFUSED) {
      // Normally already done by the sink when the rejection arrived.
      var attempts = f.trace().attempts();
      reject(null, attempts.isEmpty() ? "the subscription was rejected" : attempts.get(attempts.size() - 1).detail());
      return;
    }
    Duration backoff;
    synchronized (lock) {
      if (closed || current != null) {
        // Closed, or a stream opened by an attempt that answered after the operation ended.
        return;
      }
      failedPasses++;
      backoff = engine.retryDelay(failedPasses);
    }
    setStatus(new SubscriptionStatus(SubscriptionStatus.State.ALL_HOSTS_DOWN, Optional.empty(),
        f.toException().getMessage() + "; retrying in " + backoff.toMillis() + " ms"));
    resources.scheduler().schedule(backoff, this::connect);
  }

  private boolean opened(HostAddress host, EventStream stream) {
    synchronized (lock) {
      if (closed || current != null) {
        return false;
      }
      current = stream;
      currentHost = host;
      // Reported before any event of this stream can reach the listener.
      setStatus(new SubscriptionStatus(SubscriptionStatus.State.CONNECTED, Optional.of(host), "streaming"));
      return true;
    }
  }

  /**
   * Ends the subscription as REJECTED: the request itself was refused by {@code host}
   * (null when only the engine's report says so). A stream another host opened
   * meanwhile is closed; the rejecting host is alive, so a down mark it got for
   * answering after another host is lifted.
   */
  private void reject(HostAddress host, String why) {
    EventStream open;
    synchronized (lock) {
      if (closed) {
        return;
      }
      closed = true;
      open = current;
      current = null;
      currentHost = null;
    }
    if (open != null) {
      open.cancel();
    }
    if (host != null) {
      engine.hostAnswered(group, Protocol.ENS, Intent.READ_NO_REFERRALS, host);
    }
    setStatus(new SubscriptionStatus(SubscriptionStatus.State.REJECTED, Optional.empty(), why));
    onEnd.accept(this);
  }

  private void malformed(EventStream source, String why) {
    synchronized (lock) {
      if (closed || source != current) {
        return;
      }
      error(new MalformedEventException(why));
    }
  }

  /** The attempts' view of this subscription. */
  private final class Sink implements SseAttempt.StreamSink {
    @Override
    public boolean opened(HostAddress host, EventStream stream) {
      return Subscription.this.opened(host, stream);
    }

    @Override
    public void event(HostAddress host, EventStream stream, String id, String data) {
      Subscription.this.event(host, stream, id, data);
    }

    @Override
    public void malformed(HostAddress host, EventStream stream, String why) {
      Subscription.this.malformed(stream, why);
    }

    @Override
    public void ended(HostAddress host, EventStream stream, String why) {
      Subscription.this.ended(host, stream, why);
    }

    @Override
    public void rejected(HostAddress host, String why) {
      reject(host, why);
    }
  }

  private void event(HostAddress host, EventStream source, String id, String data) {
    synchronized (lock) {
      if (closed || source != current) {
        return;
      }
      long n;
      try {
        n = Long.parseLong(id == null ? "" : id.strip());
      } catch (NumberFormatException e) {
        error(new MalformedEventException("event id \"" + ServerText.printable(id) + "\" from " + host
            + " is not a number"));
        return;
      }
      if (n <= lastId) {
        return;
      }
      lastId = n;
      EnsEvent event;
      try {
        event = EnsWire.readEvent(data);
      } catch (MalformedEventException e) {
        error(new MalformedEventException("event " + n + " from " + host + ": "
            + ServerText.printable(e.getMessage(), 300), e));
        return;
      }
      if (!filter.matches(event)) {
        return;
      }
      try {
        listener.onEvent(event, id);
      } catch (RuntimeException e) {
        error(new MalformedEventException("the listener threw on event " + id + ": " + e, e));
      }
    }
  }

  private void ended(HostAddress host, EventStream source, String why) {
    synchronized (lock) {
      if (closed || source != current) {
        return;
      }
      current = null;
      currentHost = null;
    }
    engine.servedHostLost(group, Protocol.ENS, Intent.READ_NO_REFERRALS, host, "event stream broke: " + why);
    setStatus(new SubscriptionStatus(SubscriptionStatus.State.RECONNECTING, Optional.of(host), why));
    connect();
  }

  private void error(MalformedEventException e) {
    try {
      listener.onError(e);
    } catch (RuntimeException ignored) {
      // A listener must not throw; nothing more to tell it.
    }
  }

  private void setStatus(SubscriptionStatus s) {
    status = s;
    try {
      listener.onStatus(s);
    } catch (RuntimeException ignored) {
      // A listener must not throw.
    }
  }

  /** The host streaming now, if connected. */
  public Optional<HostAddress> host() {
    synchronized (lock) {
      return Optional.ofNullable(currentHost);
    }
  }

  /** Stops the stream and any reconnection. */
  @Override
  public void close() {
    EventStream es;
    synchronized (lock) {
      if (closed) {
        return;
      }
      closed = true;
      es = current;
      current = null;
    }
    if (es != null) {
      es.cancel();
    }
    setStatus(new SubscriptionStatus(SubscriptionStatus.State.CLOSED, Optional.empty(), "closed by the caller"));
    onEnd.accept(this);
  }
}
