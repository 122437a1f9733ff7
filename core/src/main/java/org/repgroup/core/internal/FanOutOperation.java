package org.repgroup.core.internal;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import org.repgroup.core.FailoverPolicy;
import org.repgroup.core.HostAddress;
import org.repgroup.core.Intent;
import org.repgroup.core.Protocol;
import org.repgroup.core.ReplicationGroup;
import org.repgroup.core.RepgroupResources;
import org.repgroup.core.spi.AttemptOutcome;
import org.repgroup.core.spi.FanOutAttempt;
import org.repgroup.core.spi.FanOutContext;
import org.repgroup.core.spi.FanOutResult;
import org.repgroup.core.spi.FanOutResult.HostOutcome;
import org.repgroup.core.spi.FanOutResult.Kind;
import org.repgroup.core.time.Scheduler;
import org.repgroup.core.time.Ticker;

/**
 * One fan-out through the engine: the request on every available host at once,
 * each host within its per-host timeout (from when its request is sent), the
 * whole within the deadline, one outcome per host. The loop and its state; which
 * hosts, what a referral means and what an answer does to a host's health come
 * from {@link FanOutRules}, and every write to the shared cache goes through
 * {@link GroupState}, which fires the listener events.
 *
 * <p>Event driven under one lock: try completions (the adapter's threads) and
 * timers (per-host timeouts, the deadline) move it on; starting tries, closing
 * what a given-up try registered and completing {@link #result} happen outside it.
 */
public final class FanOutOperation<T> {

  private final ReplicationGroup group;
  private final Protocol protocol;
  private final Intent intent;
  private final FanOutAttempt<T> attempt;
  private final FailoverPolicy policy;
  private final Duration perHostTimeout;
  private final GroupState state;
  private final Ticker ticker;
  private final Scheduler scheduler;
  private final long deadlineNanos;

  /** Completes exactly once, never exceptionally. */
  public final CompletableFuture<FanOutResult<T>> result = new CompletableFuture<>();

  // Guarded by this.
  private final Map<HostAddress, Origin> origins = new LinkedHashMap<>();
  private int unsettled;
  /** Every try started, for the cancellation at the end. */
  private final List<Try> tries = new ArrayList<>();
  private boolean done;
  private Scheduler.Cancellable deadlineTimer;

  /** A fan-out on {@code resources}; {@link #start()} sends it. */
  public FanOutOperation(RepgroupResources resources, FailoverPolicy policy, ReplicationGroup group,
      Protocol protocol, Intent intent, Duration perHostTimeout, FanOutAttempt<T> attempt) {
    this.group = group;
    this.protocol = protocol;
    this.intent = intent;
    this.attempt = attempt;
    this.policy = policy;
    this.perHostTimeout = perHostTimeout;
    this.state = new GroupState(AffinityStore.of(resources.affinityCache()), resources.listener(), group, protocol,
        intent);
    this.ticker = resources.ticker();
    this.scheduler = resources.scheduler();
    this.deadlineNanos = ticker.read() + policy.deadline().toNanos();
  }

  /** A host of the list and how it stands. */
  private final class Origin {
    final HostAddress host;
    Try own;
    HostAddress referredTo;
    HostOutcome<T> outcome;
    /** Hosts that referred here while this host's own try was under way. */
    final List<Origin> awaitingOwnAnswer = new ArrayList<>(1);

    Origin(HostAddress host) {
      this.host = host;
    }
  }

  /** What a locked step asks to be done once the lock is released. */
  private final class Effects {
    final List<Try> toStart = new ArrayList<>(1);
    final List<AutoCloseable> toClose = new ArrayList<>();
    final List<T> toDiscard = new ArrayList<>(0);
    FanOutResult<T> finished;

    void apply() {
      toClose.forEach(FanOutOperation::closeQuietly);
      for (T v : toDiscard) {
        try {
          attempt.discard(v);
        } catch (RuntimeException ignored) {
          // The value came too late; a failure to release it changes nothing.
        }
      }
      toStart.forEach(FanOutOperation.this::launch);
      if (finished != null) {
        result.complete(finished);
      }
    }
  }

  /** Plans the fan-out and starts a try on every host it tries. */
  public void start() {
    Effects fx = new Effects();
    synchronized (this) {
      List<HostOrder.Entry> all = state.entries();
      FanOutRules.Targets targets = FanOutRules.targets(state.planFanOut(), all, state::tryAcquireRecheck);
      for (HostOrder.Entry e : all) {
        origins.putIfAbsent(e.resolved(), new Origin(e.resolved()));
      }
      unsettled = origins.size();
      deadlineTimer = scheduler.schedule(policy.deadline(), this::onDeadline);
      for (HostOrder.Entry e : targets.tried()) {
        Origin o = origins.get(e.resolved());
        o.own = new Try(o, e.resolved(), Optional.empty());
        fx.toStart.add(o.own);
      }
      for (HostOrder.Entry e : targets.skipped()) {
        Origin o = origins.get(e.resolved());
        if (o.outcome == null && o.own == null) {
          settle(o, FanOutRules.Settlement.of(Kind.SKIPPED,
              "marked down: " + state.downReason(e.resolved()).orElse("unknown")), fx);
        }
      }
    }
    fx.apply();
  }

  private void launch(Try t) {
    CompletionStage<AttemptOutcome<T>> stage;
    try {
      stage = attempt.start(t);
    } catch (Throwable e) {
      stage = CompletableFuture.completedFuture(AttemptOutcome.unavailable(AttemptLauncher.describe(e), e));
    }
    if (stage == null) {
      stage = CompletableFuture.completedFuture(AttemptOutcome.unavailable("the attempt returned no outcome", null));
    }
    stage.whenComplete((o, e) -> ended(t, o != null ? o : failure(e)));
  }

  private static <T> AttemptOutcome<T> failure(Throwable e) {
    Throwable cause = e instanceof CompletionException || e instanceof ExecutionException ? e.getCause() : e;
    return cause == null ? AttemptOutcome.unavailable("the attempt completed with no outcome", null)
        : AttemptOutcome.unavailable(AttemptLauncher.describe(cause), cause);
  }

  /** {@code t}'s host answered {@code outcome}. */
  private void ended(Try t, AttemptOutcome<T> outcome) {
    Effects fx = new Effects();
    synchronized (this) {
      if (done || t.over) {
        if (outcome instanceof AttemptOutcome.Success<T> s && s.value() != null) {
          fx.toDiscard.add(s.value());
        }
      } else {
        t.over = true;
        Stagger.cancel(t.perHostTimer);
        if (t.sentNanos < 0) {
          // It answered without saying when it was sent: its time runs from its start.
          t.sentNanos = t.startNanos;
        }
        if (FanOutRules.marksDown(outcome)) {
          state.downOnly(t.host, FanOutRules.reason(outcome), t.sequence);
        } else {
          state.answered(t.host);
        }
        tryEnded(t, outcome, fx);
      }
    }
    fx.apply();
  }

  /** {@code t}'s per-host time is up: its host is given up and marked down. */
  private void timedOut(Try t) {
    Effects fx = new Effects();
    synchronized (this) {
      if (done || t.over) {
        return;
      }
      t.over = true;
      fx.toClose.addAll(t.cancel());
      String reason = "no answer within the per-host timeout (" + perHostTimeout.toMillis() + " ms)";
      state.downOnly(t.host, reason, t.sequence);
      tryEnded(t, AttemptOutcome.unavailable(reason, null), fx);
    }
    fx.apply();
  }

  private void tryEnded(Try t, AttemptOutcome<T> outcome, Effects fx) {
    Origin o = t.origin;
    if (t.hop() > 0) {
      settle(o, FanOutRules.afterFollow(t.host, outcome, this::resolve), fx);
      return;
    }
    t.end = outcome;
    if (outcome instanceof AttemptOutcome.Referral<T> r) {
      HostAddress to = resolve(r.target());
      o.referredTo = to;
      Origin target = origins.get(to);
      boolean direct = target != null && target.own != null;
      FanOutRules.OnReferral d = FanOutRules.onReferral(group.name(), o.host, to, intent.followsReferrals(),
          group.mayReferTo(to, protocol), direct);
      if (d instanceof FanOutRules.End end) {
        settle(o, FanOutRules.Settlement.of(end.kind(), end.reason()), fx);
      } else if (d instanceof FanOutRules.AwaitDirect) {
        if (target.own.end != null) {
          settle(o, FanOutRules.byDirectTarget(o.host, to, target.own.end, this::resolve), fx);
        } else {
          target.awaitingOwnAnswer.add(o);
        }
      } else {
        Try follow = new Try(o, to, Optional.of(o.host));
        fx.toStart.add(follow);
      }
    } else {
      settle(o, FanOutRules.own(outcome), fx);
    }
    for (Origin w : o.awaitingOwnAnswer) {
      settle(w, FanOutRules.byDirectTarget(w.host, o.host, outcome, this::resolve), fx);
    }
    o.awaitingOwnAnswer.clear();
  }

  private HostAddress resolve(HostAddress target) {
    return group.resolve(target, protocol);
  }

  private void settle(Origin o, FanOutRules.Settlement<T> s, Effects fx) {
    if (o.outcome != null) {
      return;
    }
    Duration elapsed = o.own == null || o.own.sentNanos < 0 || s.kind() == Kind.NOT_SENT ? Duration.ZERO
        : Duration.ofNanos(Math.max(0, ticker.read() - o.own.sentNanos));
    o.outcome = new HostOutcome<>(o.host, s.kind(), s.value(), Optional.ofNullable(o.referredTo), s.referredOnTo(),
        s.reason(), elapsed);
    if (--unsettled == 0) {
      finish(fx);
    }
  }

  /** The deadline: every host still under way is given up, without a down mark (it had less than its time). */
  private void onDeadline() {
    Effects fx = new Effects();
    synchronized (this) {
      if (done) {
        return;
      }
      for (Origin o : new ArrayList<>(origins.values())) {
        if (o.outcome == null) {
          boolean sent = o.own != null && o.own.sentNanos >= 0;
          settle(o, FanOutRules.Settlement.of(sent ? Kind.DEADLINE : Kind.NOT_SENT,
              (sent ? "no answer" : "not sent") + " before the deadline (" + policy.deadline().toMillis() + " ms)"),
              fx);
        }
      }
    }
    fx.apply();
  }

  private void finish(Effects fx) {
    done = true;
    Stagger.cancel(deadlineTimer);
    for (Try t : tries) {
      if (!t.over) {
        t.over = true;
        fx.toClose.addAll(t.cancel());
      }
    }
    tries.clear();
    List<HostOutcome<T>> out = new ArrayList<>(origins.size());
    origins.values().forEach(o -> out.add(o.outcome));
    fx.finished = new FanOutResult<>(out);
  }

  /** One try on one host: the context the adapter's attempt sees. */
  private final class Try implements FanOutContext {
    final Origin origin;
    final HostAddress host;
    final Optional<HostAddress> referredBy;
    final long sequence;
    final long startNanos;
    // Guarded by the operation's lock.
    long sentNanos = -1;
    boolean over;
    AttemptOutcome<T> end;
    Scheduler.Cancellable perHostTimer;
    private final List<AutoCloseable> resources = new ArrayList<>(1);
    private volatile boolean cancelled;

    Try(Origin origin, HostAddress host, Optional<HostAddress> referredBy) {
      this.origin = origin;
      this.host = host;
      this.referredBy = referredBy;
      this.sequence = state.nextSequence();
      this.startNanos = ticker.read();
      tries.add(this);
    }

    /** Marks the try given up; returns what it registered, to close outside the lock. */
    List<AutoCloseable> cancel() {
      Stagger.cancel(perHostTimer);
      synchronized (resources) {
        cancelled = true;
        List<AutoCloseable> l = new ArrayList<>(resources);
        resources.clear();
        return l;
      }
    }

    @Override
    public HostAddress host() {
      return host;
    }

    @Override
    public ReplicationGroup group() {
      return group;
    }

    @Override
    public Protocol protocol() {
      return protocol;
    }

    @Override
    public Optional<HostAddress> referredBy() {
      return referredBy;
    }

    @Override
    public int hop() {
      return referredBy.isPresent() ? 1 : 0;
    }

    @Override
    public Duration connectTimeout() {
      return policy.connectTimeout();
    }

    @Override
    public Duration responseTimeout() {
      return policy.responseTimeout();
    }

    @Override
    public Duration timeLeft() {
      return Duration.ofNanos(Math.max(0, deadlineNanos - ticker.read()));
    }

    @Override
    public boolean sending() {
      synchronized (FanOutOperation.this) {
        if (done || over) {
          return false;
        }
        if (sentNanos < 0) {
          sentNanos = ticker.read();
          perHostTimer = scheduler.schedule(perHostTimeout, () -> timedOut(this));
        }
        return true;
      }
    }

    @Override
    public boolean isCancelled() {
      return cancelled;
    }

    @Override
    public void onCancel(AutoCloseable resource) {
      synchronized (resources) {
        if (!cancelled) {
          resources.add(resource);
          return;
        }
      }
      closeQuietly(resource);
    }
  }

  private static void closeQuietly(AutoCloseable c) {
    try {
      c.close();
    } catch (Exception ignored) {
      // The try was given up; a failure to close what it opened changes nothing.
    }
  }
}
