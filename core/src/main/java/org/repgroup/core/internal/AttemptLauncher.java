package org.repgroup.core.internal;

import java.time.Duration;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadLocalRandom;
import org.repgroup.core.spi.Attempt;
import org.repgroup.core.spi.AttemptOutcome;
import org.repgroup.core.time.Scheduler;

/**
 * Runs an operation's attempts: on the caller's thread for the first attempt of
 * a blocking call (no hand-off unless the stagger starts another host), and for
 * the next host started when the caller's own attempt ended (the caller would only
 * wait otherwise: a failover to the next host costs no hand-off either), else on
 * the attempt threads; after the host's connection-rate turn when it is over
 * its cap (spread by jitter); and always to an outcome — whatever the attempt
 * throws, {@link OutOfMemoryError} from a hostile host included, ends that
 * attempt as unavailable, never the operation's progress.
 */
final class AttemptLauncher<T> {

  /** The operation the attempts belong to. */
  interface Owner<T> {
    /** True while {@code run} should still start (checked when its rate-cap turn comes). */
    boolean stillWanted(AttemptRun run);

    /** {@code run} ended with {@code outcome}; false when the operation no longer wanted it. */
    boolean completed(AttemptRun run, AttemptOutcome<T> outcome);

    /** {@code run} could not start; the next host should. */
    void couldNotStart(AttemptRun run, String reason, Throwable cause);
  }

  private final Attempt<T> attempt;
  private final Executor executor;
  private final Scheduler scheduler;
  private final Owner<T> owner;
  private final boolean callerRuns;
  // Guarded by the owner's lock.
  private boolean starting;
  private boolean callerSlotUsed;
  /** True while the caller's thread hands in its own attempt's outcome. */
  private boolean callerHandingIn;
  private AttemptRun callerAttempt;

  AttemptLauncher(Attempt<T> attempt, Executor executor, Scheduler scheduler, Owner<T> owner, boolean callerRuns) {
    this.attempt = attempt;
    this.executor = executor;
    this.scheduler = scheduler;
    this.owner = owner;
    this.callerRuns = callerRuns;
  }

  /** Brackets the operation's start: only an attempt launched in between may run on the caller's thread. */
  void starting(boolean value) {
    starting = value;
  }

  /** Takes the attempt left for the caller, if any. */
  AttemptRun takeCallerAttempt() {
    AttemptRun r = callerAttempt;
    callerAttempt = null;
    return r;
  }

  /**
   * Starts {@code r} now, or after {@code rateWait} (its host is over its
   * connection rate cap) when that fits in {@code timeLeft}.
   *
   * @return false when it could not start (the owner was told why)
   */
  boolean launch(AttemptRun r, Duration rateWait, Duration timeLeft) {
    if (rateWait.isZero()) {
      return submit(r);
    }
    // Jitter, so thousands of callers over the cap do not come back in one wave.
    Duration jittered = rateWait.plusNanos(
        (long) (ThreadLocalRandom.current().nextDouble() * rateWait.toNanos() * 0.5));
    if (jittered.compareTo(timeLeft) >= 0) {
      owner.couldNotStart(r, "connection rate cap: no turn before the deadline", null);
      return false;
    }
    r.rateWait = scheduler.schedule(jittered, () -> {
      synchronized (owner) {
        if (owner.stillWanted(r)) {
          submit(r);
        }
      }
    });
    return true;
  }

  private boolean submit(AttemptRun r) {
    r.submitted();
    if (callerRuns && callerAttempt == null && ((starting && !callerSlotUsed) || callerHandingIn)
        && !Thread.currentThread().isInterrupted()) {
      callerSlotUsed = true;
      callerAttempt = r;
      return true;
    }
    try {
      executor.execute(() -> run(r));
      return true;
    } catch (RejectedExecutionException e) {
      owner.couldNotStart(r, "no thread to run the attempt: " + e.getMessage(), e);
      return false;
    }
  }

  /**
   * Runs {@code r}, an attempt left for the caller, on the caller's thread; a next host
   * started while its outcome is handed in is left for the caller too ({@link #takeCallerAttempt}).
   */
  void runOnCaller(AttemptRun r) {
    AttemptOutcome<T> outcome = outcomeOf(r);
    boolean live;
    synchronized (owner) {
      callerHandingIn = true;
      try {
        live = owner.completed(r, outcome);
      } finally {
        callerHandingIn = false;
      }
    }
    if (!live && outcome instanceof AttemptOutcome.Success<T> s) {
      discard(s.value());
    }
  }

  /** Runs {@code r} on this thread to its outcome and hands it to the owner. */
  void run(AttemptRun r) {
    AttemptOutcome<T> outcome = outcomeOf(r);
    if (!owner.completed(r, outcome) && outcome instanceof AttemptOutcome.Success<T> s) {
      discard(s.value());
    }
  }

  private AttemptOutcome<T> outcomeOf(AttemptRun r) {
    AttemptOutcome<T> outcome;
    try {
      outcome = attempt.attempt(r);
      if (outcome == null) {
        outcome = AttemptOutcome.unavailable("the attempt returned no outcome", null);
      }
    } catch (Throwable t) {
      outcome = AttemptOutcome.unavailable(describe(t), t);
    }
    return outcome;
  }

  /** Releases a success that lost the race (off the caller's path). */
  private void discard(T value) {
    try {
      executor.execute(() -> discardNow(value));
    } catch (RejectedExecutionException e) {
      discardNow(value);
    }
  }

  private void discardNow(T value) {
    try {
      attempt.discard(value);
    } catch (RuntimeException e) {
      // The value lost the race; a failure to release it changes nothing.
    }
  }

  static String describe(Throwable t) {
    String m = t.getMessage();
    String name = t.getClass().getSimpleName();
    return m == null || m.isBlank() ? name : name + ": " + m;
  }
}
