package org.repgroup.core.spi;

import org.repgroup.core.FailoverPolicy;
import org.repgroup.core.FailoverResult;
import org.repgroup.core.Intent;
import org.repgroup.core.internal.FailoverOperation;
import org.repgroup.core.internal.FanOutPasses;
import org.repgroup.core.internal.LateObservations;

import io.github.resilience4j.core.IntervalFunction;
import io.github.resilience4j.retry.Retry;
import io.github.resilience4j.retry.RetryConfig;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import org.repgroup.core.HostAddress;
import org.repgroup.core.Protocol;
import org.repgroup.core.ReplicationGroup;
import org.repgroup.core.RepgroupResources;

/**
 * The one failover engine every adapter uses. Give it a group, a protocol, an
 * intent and an {@link Attempt}; it picks hosts in order (cached master or last
 * good host first, then the store host list, skipping hosts marked down),
 * staggers parallel attempts, follows referrals within the rules, paces passes
 * over the list with resilience4j-retry, and keeps the whole operation inside
 * its deadline. Thread-safe; one engine serves any number of concurrent
 * operations.
 *
 * <p>Besides operations served by one host, the engine runs fan-outs
 * ({@link #fanOut}: one request on every available host, one outcome per host),
 * takes the observations an adapter makes after an operation ended
 * ({@link #servedHostLost}, {@link #hostAnswered}) and gives its retry pacing to
 * adapters that reconnect by themselves ({@link #retryDelay}). Adapters never
 * write the shared cache themselves.
 *
 * <pre>{@code
 * FailoverEngine engine = new FailoverEngine(resources, FailoverPolicy.defaults());
 * FailoverResult<Session> r = engine.execute(group, Protocol.IMAP, Intent.WRITE, ctx -> login(ctx));
 * Session s = r.orThrow();
 * }</pre>
 */
public final class FailoverEngine {

  private final RepgroupResources resources;
  private final FailoverPolicy policy;
  private final Retry retry;
  private final IntervalFunction interval;

  /** An engine on shared {@code resources} with {@code policy}. */
  public FailoverEngine(RepgroupResources resources, FailoverPolicy policy) {
    this.resources = Objects.requireNonNull(resources, "resources");
    this.policy = Objects.requireNonNull(policy, "policy");
    IntervalFunction interval = policy.retryJitter() == 0.0
        ? IntervalFunction.ofExponentialBackoff(policy.retryInitialBackoff(), policy.retryMultiplier(),
            policy.retryMaxBackoff())
        : IntervalFunction.ofExponentialRandomBackoff(policy.retryInitialBackoff(), policy.retryMultiplier(),
            policy.retryJitter(), policy.retryMaxBackoff());
    this.interval = interval;
    this.retry = Retry.of("repgroup-passes", RetryConfig.custom()
        .maxAttempts(policy.maxPasses() > 0 ? policy.maxPasses() : Integer.MAX_VALUE)
        .intervalFunction(interval)
        .retryOnException(e -> true)
        .failAfterMaxAttempts(false)
        .build());
  }

  /** The policy this engine applies. */
  public FailoverPolicy policy() {
    return policy;
  }

  /** The shared resources this engine runs on. */
  public RepgroupResources resources() {
    return resources;
  }

  /**
   * Runs an operation and waits for its end (at most the policy's deadline,
   * plus the time the last attempt takes to notice its cancellation).
   *
   * @throws InterruptedException if the calling thread is interrupted; the operation is abandoned
   */
  public <T> FailoverResult<T> execute(ReplicationGroup group, Protocol protocol, Intent intent, Attempt<T> attempt)
      throws InterruptedException {
    FailoverOperation<T> op = newOperation(group, protocol, intent, attempt, true);
    op.start();
    // Attempts run on this thread (the first, and the next host after each failure): no hand-off unless
    // the stagger starts another host beside a silent one.
    op.runCallerAttempt();
    try {
      return op.result.get();
    } catch (InterruptedException e) {
      op.abandon();
      throw e;
    } catch (ExecutionException e) {
      throw new IllegalStateException("failover operation failed unexpectedly", e.getCause());
    }
  }

  /**
   * Runs an operation and returns what served it, or throws the adapter's own
   * exception for the failure: the one place where "served or failed" is decided
   * for every adapter.
   *
   * @throws E from {@code translator}, for a failed operation or an interrupted caller
   */
  public <T, E extends Exception> FailoverResult.Served<T> serve(ReplicationGroup group, Protocol protocol,
      Intent intent, Attempt<T> attempt, FailureTranslator<E> translator) throws E {
    Objects.requireNonNull(translator, "translator");
    FailoverResult<T> r;
    try {
      r = execute(group, protocol, intent, attempt);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw translator.interrupted(group, e);
    }
    if (r instanceof FailoverResult.Served<T> s) {
      return s;
    }
    throw translator.failed((FailoverResult.Failed<T>) r);
  }

  /** Runs an operation without blocking; the future completes with its result, never exceptionally. */
  public <T> CompletableFuture<FailoverResult<T>> executeAsync(
      ReplicationGroup group, Protocol protocol, Intent intent, Attempt<T> attempt) {
    FailoverOperation<T> op = newOperation(group, protocol, intent, attempt, false);
    op.start();
    return op.result;
  }

  private <T> FailoverOperation<T> newOperation(
      ReplicationGroup group, Protocol protocol, Intent intent, Attempt<T> attempt, boolean callerRuns) {
    Objects.requireNonNull(group, "group");
    Objects.requireNonNull(protocol, "protocol");
    Objects.requireNonNull(intent, "intent");
    Objects.requireNonNull(attempt, "attempt");
    return new FailoverOperation<>(resources, policy, retry, group, protocol, intent, attempt, callerRuns);
  }

  /**
   * Sends one request to every available host of {@code group} at once and
   * completes, never exceptionally, with one outcome per host in list order.
   *
   * <ul>
   *   <li>Hosts: the store host list, skipping hosts marked down; a host whose
   *       recheck is due is tried by the one operation that claims it; if that
   *       leaves nothing, every host is tried anyway.</li>
   *   <li>Time: each host's try within {@code perHostTimeout}, counted from when
   *       its request is sent ({@link FanOutContext#sending()}), never while it waits
   *       in the adapter's queue; the whole within the policy's deadline, when every
   *       host still under way is given up (reported as not answered, or as never
   *       sent, and not marked down: it did not have its time).</li>
   *   <li>Health: {@code unavailable} and a per-host timeout mark the host down; any
   *       other answer clears its mark; the listener hears of each change. No master
   *       or last good host is recorded.</li>
   *   <li>Referrals (when {@code intent} follows them): followed once, never to the
   *       referring host, out of the group only when allowed, and not to a host this
   *       fan-out tries directly, whose own answer then settles the referring host.</li>
   *   <li>Passes: when no host served and every host failed as a transition explains
   *       (unavailable, or referring to a host that failed: replicas redirecting to a
   *       dead master during an election), the fan-out is sent again after the retry
   *       back-off, until a host serves it or the deadline; the result is the last
   *       pass's. A host that refused the request ({@link FanOutResult.Kind#REFUSED}), or a
   *       referral wrong in itself, ends it at once.</li>
   * </ul>
   */
  public <T> CompletableFuture<FanOutResult<T>> fanOut(ReplicationGroup group, Protocol protocol, Intent intent,
      Duration perHostTimeout, FanOutAttempt<T> attempt) {
    Objects.requireNonNull(group, "group");
    Objects.requireNonNull(protocol, "protocol");
    Objects.requireNonNull(intent, "intent");
    Objects.requireNonNull(perHostTimeout, "perHostTimeout");
    Objects.requireNonNull(attempt, "attempt");
    if (perHostTimeout.isNegative() || perHostTimeout.isZero()) {
      throw new IllegalArgumentException("perHostTimeout must be > 0, was " + perHostTimeout);
    }
    FanOutPasses<T> op = new FanOutPasses<>(resources, policy, interval, group, protocol, intent, perHostTimeout,
        attempt);
    op.start();
    return op.result;
  }

  /**
   * A host that served an operation of {@code group} lost it afterwards (a
   * long-lived stream broke): it is marked down and no longer the cached master
   * or last good host, as if an attempt on it had failed now.
   */
  public void servedHostLost(ReplicationGroup group, Protocol protocol, Intent intent, HostAddress host,
      String reason) {
    LateObservations.servedHostLost(resources, Objects.requireNonNull(group, "group"),
        Objects.requireNonNull(protocol, "protocol"), Objects.requireNonNull(intent, "intent"),
        Objects.requireNonNull(host, "host"), Objects.requireNonNull(reason, "reason"));
  }

  /**
   * A host answered like a live server after its operation ended (a refusal that
   * came after another host served): its down mark, if any, goes.
   */
  public void hostAnswered(ReplicationGroup group, Protocol protocol, Intent intent, HostAddress host) {
    LateObservations.answered(resources, Objects.requireNonNull(group, "group"),
        Objects.requireNonNull(protocol, "protocol"), Objects.requireNonNull(intent, "intent"),
        Objects.requireNonNull(host, "host"));
  }

  /**
   * The pause this engine's retry makes after {@code failedPasses} failed passes
   * (&ge; 1), for adapters that start operations again by themselves (a
   * subscription reconnecting): the policy's initial back-off times its multiplier
   * per further pass, randomised by its jitter (&plusmn;{@code retryJitter}),
   * never above its maximum back-off.
   */
  public Duration retryDelay(int failedPasses) {
    if (failedPasses < 1) {
      throw new IllegalArgumentException("failedPasses must be >= 1, was " + failedPasses);
    }
    return Duration.ofMillis(interval.apply(failedPasses));
  }
}
