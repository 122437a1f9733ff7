package org.repgroup.core.internal;

import java.time.Duration;
import java.util.function.LongConsumer;
import org.repgroup.core.time.Scheduler;

/**
 * The stagger of one operation (RFC 8305 style): while an attempt waits for an
 * awaited reply, a timer runs; when it fires before the reply is complete, the
 * next host starts in parallel. At most one timer runs at a time. Not
 * thread-safe: used under its operation's lock; the timer calls back with its
 * token, and the operation asks {@link #fired(long)} under its lock whether that
 * timer is still the current one.
 */
final class Stagger {

  private final Scheduler scheduler;
  private final Duration delay;
  private final LongConsumer onFire;
  private Scheduler.Cancellable timer;
  private AttemptRun waitingOn;
  private long token;

  Stagger(Scheduler scheduler, Duration delay, LongConsumer onFire) {
    this.scheduler = scheduler;
    this.delay = delay;
    this.onFire = onFire;
  }

  /** Starts the timer for {@code run} unless one runs already, staggering is off, or no host is left. */
  void arm(AttemptRun run, boolean anotherHostLeft) {
    if (timer == null && !delay.isZero() && anotherHostLeft) {
      waitingOn = run;
      long mine = ++token;
      timer = scheduler.schedule(delay, () -> onFire.accept(mine));
    }
  }

  /** {@code run} sent a complete reply: its timer, if it has one, stops. */
  void answered(AttemptRun run) {
    if (waitingOn == run) {
      cancel();
    }
  }

  void cancel() {
    if (timer != null) {
      timer.cancel();
    }
    timer = null;
    waitingOn = null;
    token++;
  }

  /** True (and the timer gone) when the timer with {@code firedToken} is the current one. */
  boolean fired(long firedToken) {
    if (timer == null || firedToken != token) {
      return false;
    }
    timer = null;
    waitingOn = null;
    return true;
  }

  /** Cancels {@code c} if there is one. */
  static void cancel(Scheduler.Cancellable c) {
    if (c != null) {
      c.cancel();
    }
  }
}
