package org.repgroup.core.internal;

import io.github.resilience4j.core.IntervalFunction;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.repgroup.core.FailoverPolicy;
import org.repgroup.core.Intent;
import org.repgroup.core.Protocol;
import org.repgroup.core.RepgroupResources;
import org.repgroup.core.ReplicationGroup;
import org.repgroup.core.spi.FanOutAttempt;
import org.repgroup.core.spi.FanOutResult;
import org.repgroup.core.time.Ticker;

/**
 * Passes of a fan-out, as an operation has them: a fan-out that served no host because every
 * host failed as a transition explains ({@link FanOutRules#anotherPass}: replicas redirecting to
 * a dead master during an election, every host restarting) is sent again after the retry
 * back-off, until a host serves it or the deadline ({@link PassDecision}, the same rule as an
 * operation's passes). Each pass is one {@link FanOutOperation} given the time left; the result
 * is the last pass's. Not API.
 */
public final class FanOutPasses<T> {

  private final RepgroupResources resources;
  private final FailoverPolicy policy;
  private final IntervalFunction interval;
  private final ReplicationGroup group;
  private final Protocol protocol;
  private final Intent intent;
  private final Duration perHostTimeout;
  private final FanOutAttempt<T> attempt;
  private final Ticker ticker;
  private final long deadlineNanos;
  private boolean hostAnswered;
  /** The outcomes so far, each host's latest answer (see {@link #withEarlierAnswers}). */
  private FanOutResult<T> previous;

  /** Completes exactly once, never exceptionally. */
  public final CompletableFuture<FanOutResult<T>> result = new CompletableFuture<>();

  /** Passes of a fan-out on {@code resources}; {@link #start()} sends the first. */
  public FanOutPasses(RepgroupResources resources, FailoverPolicy policy, IntervalFunction interval,
      ReplicationGroup group, Protocol protocol, Intent intent, Duration perHostTimeout, FanOutAttempt<T> attempt) {
    this.resources = resources;
    this.policy = policy;
    this.interval = interval;
    this.group = group;
    this.protocol = protocol;
    this.intent = intent;
    this.perHostTimeout = perHostTimeout;
    this.attempt = attempt;
    this.ticker = resources.ticker();
    this.deadlineNanos = ticker.read() + policy.deadline().toNanos();
  }

  /** Sends the first pass. */
  public void start() {
    pass(1, policy.deadline());
  }

  /**
   * The pass's outcomes, except that a host this pass skipped (marked down), never sent, or cut
   * off at the deadline keeps what it answered in an earlier pass: "HTTP 503" says more about a
   * host than "not tried", and the last pass is often the one the deadline cuts.
   */
  private FanOutResult<T> withEarlierAnswers(FanOutResult<T> pass) {
    if (previous == null) {
      return pass;
    }
    List<FanOutResult.HostOutcome<T>> merged = new ArrayList<>(pass.hosts().size());
    for (FanOutResult.HostOutcome<T> h : pass.hosts()) {
      FanOutResult.HostOutcome<T> before = previous.hosts().stream().filter(p -> p.host().equals(h.host()))
          .findFirst().orElse(null);
      boolean silentNow = h.kind() == FanOutResult.Kind.SKIPPED || h.kind() == FanOutResult.Kind.NOT_SENT
          || h.kind() == FanOutResult.Kind.DEADLINE;
      merged.add(silentNow && before != null && !before.served() ? before : h);
    }
    return new FanOutResult<>(merged);
  }

  private void pass(int n, Duration timeLeft) {
    FanOutOperation<T> op = new FanOutOperation<>(resources, policy.toBuilder().deadline(timeLeft).build(), group,
        protocol, intent, perHostTimeout, attempt);
    op.result.whenComplete((r, err) -> ended(n, r));
    op.start();
  }

  private void ended(int n, FanOutResult<T> pass) {
    FanOutResult<T> r = withEarlierAnswers(pass);
    if (r.anyServed() || !FanOutRules.anotherPass(r)) {
      result.complete(r);
      return;
    }
    hostAnswered |= r.hosts().stream().anyMatch(h -> h.kind() == FanOutResult.Kind.REFERRAL_TARGET_FAILED);
    Duration left = Duration.ofNanos(deadlineNanos - ticker.read());
    PassDecision.Next next = PassDecision.afterPass(new PassDecision.Evidence(intent.needsMaster(),
        group.deploymentMode().canElect(), false, hostAnswered, n, policy.maxPasses(),
        Duration.ofMillis(interval.apply(n)), left));
    previous = r;
    if (next instanceof PassDecision.Retry retry) {
      resources.scheduler().schedule(retry.delay(),
          () -> pass(n + 1, Duration.ofNanos(Math.max(1, deadlineNanos - ticker.read()))));
    } else {
      result.complete(r);
    }
  }
}
