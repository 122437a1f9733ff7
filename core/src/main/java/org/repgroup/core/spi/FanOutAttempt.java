package org.repgroup.core.spi;

import java.util.concurrent.CompletionStage;

/**
 * One try of a fan-out ({@link FailoverEngine#fanOut}) on one host: send the
 * request and classify the host's answer into an {@link AttemptOutcome}. The try
 * may complete asynchronously (an HTTP client's callback); the engine owns its
 * time: it gives up a host that has not answered within its per-host timeout or
 * by the deadline, and then cancels the try through what it registered with
 * {@link FanOutContext#onCancel}.
 *
 * <p>In a fan-out every outcome concerns its host only: {@code fatal} and
 * {@code declined} end that host without a down mark, {@code unavailable} marks
 * it down, {@code referral} is followed once; no outcome stops the other hosts.
 *
 * @param <T> what a host that served the request produces
 */
@FunctionalInterface
public interface FanOutAttempt<T> {

  /**
   * Starts the try on {@code context.host()} and returns its outcome, to complete
   * later. The request must not leave before {@link FanOutContext#sending()} returned
   * true. Throwing, returning {@code null} or completing exceptionally counts as
   * {@link AttemptOutcome#unavailable unavailable}.
   */
  CompletionStage<AttemptOutcome<T>> start(FanOutContext context);

  /**
   * Releases a value that arrived after the engine gave its host up (per-host
   * timeout or deadline). Defaults to closing an {@link AutoCloseable} quietly.
   */
  default void discard(T value) {
    if (value instanceof AutoCloseable c) {
      try {
        c.close();
      } catch (Exception ignored) {
        // The value is being thrown away; nothing more to do.
      }
    }
  }
}
