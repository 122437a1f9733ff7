package org.repgroup.core.spi;

import org.repgroup.core.FailoverPolicy;
import org.repgroup.core.FailoverResult;
import org.repgroup.core.Intent;
import org.repgroup.core.internal.FailoverOperation;

import io.github.resilience4j.core.IntervalFunction;
import io.github.resilience4j.retry.Retry;
import io.github.resilience4j.retry.RetryConfig;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
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

  /** An engine on shared {@code resources} with {@code policy}. */
  public FailoverEngine(RepgroupResources resources, FailoverPolicy policy) {
    this.resources = Objects.requireNonNull(resources, "resources");
    this.policy = Objects.requireNonNull(policy, "policy");
    IntervalFunction interval = policy.retryJitter() == 0.0
        ? IntervalFunction.ofExponentialBackoff(policy.retryInitialBackoff(), policy.retryMultiplier(),
            policy.retryMaxBackoff())
        : IntervalFunction.ofExponentialRandomBackoff(policy.retryInitialBackoff(), policy.retryMultiplier(),
            policy.retryJitter(), policy.retryMaxBackoff());
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
    // The first attempt runs on this thread: no hand-off unless the stagger starts another host.
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
}
