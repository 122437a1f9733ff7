package org.repgroup.core.time;

import java.time.Duration;

/**
 * Runs a task after a delay measured on the resources' {@link Ticker}. The engine
 * uses it for the stagger, the deadline and retry back-off, so a test that
 * advances a {@link ManualClock} fires them without waiting.
 */
public interface Scheduler {

  /**
   * Runs {@code task} once after {@code delay}. Tasks must be short; they run on
   * the scheduler's thread (or, for a {@link ManualClock}, on the thread that
   * advances it).
   *
   * @return a handle that cancels the task if it has not run yet
   */
  Cancellable schedule(Duration delay, Runnable task);

  /** A scheduled task that can still be called off. */
  @FunctionalInterface
  interface Cancellable {
    /** Prevents the task from running if it has not started; harmless afterwards. */
    void cancel();
  }
}
