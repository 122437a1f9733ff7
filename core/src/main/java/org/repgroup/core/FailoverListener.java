package org.repgroup.core;

import org.repgroup.core.internal.CompositeListener;

import java.time.Duration;
import org.repgroup.core.HostAddress;

/**
 * Observes the engine, like OkHttp's {@code EventListener}. Every method has a
 * no-op default; {@link #NONE} ignores everything.
 *
 * <p>Order for one operation: {@code operationStart}; then, per host,
 * {@code attemptStart} followed later by exactly one {@code attemptEnd}
 * (attempts may overlap when staggered); {@code referralFollowed} or
 * {@code referralRefused} right after the {@code attemptEnd} of a referral;
 * {@code hostMarkedDown}/{@code hostMarkedUp}/{@code masterChanged} right after
 * the {@code attemptEnd} that caused them; {@code retryScheduled} between
 * passes; finally exactly one {@code operationEnd}.
 *
 * <p>Listeners must be fast and must not throw (a throwing listener is logged
 * and ignored). They run on engine threads, and the events of one operation are
 * fired while that operation holds its own lock (so they arrive in order): a
 * listener must never block, nor call back into the engine. Nothing passed to
 * them contains passwords or message content.
 */
public interface FailoverListener {

  /** Ignores every event. */
  FailoverListener NONE = new FailoverListener() {};

  /** An operation begins. */
  default void operationStart(OperationInfo op) {}

  /** An operation waits for another operation's discovery of the group's master (single flight). */
  default void discoveryJoined(OperationInfo op) {}

  /** An attempt on {@code host} begins; {@code hop} is the number of referrals followed to get there. */
  default void attemptStart(OperationInfo op, HostAddress host, int hop) {}

  /** The attempt on {@code record.host()} ended. */
  default void attemptEnd(OperationInfo op, AttemptRecord record) {}

  /** A referral from {@code from} to {@code to} is followed. */
  default void referralFollowed(OperationInfo op, HostAddress from, HostAddress to) {}

  /** A referral from {@code from} to {@code to} is not followed, for {@code reason}. */
  default void referralRefused(OperationInfo op, HostAddress from, HostAddress to, String reason) {}

  /** Another pass over the host list starts after {@code delay}. */
  default void retryScheduled(OperationInfo op, int nextPass, Duration delay) {}

  /** The operation ended. */
  default void operationEnd(OperationInfo op, FailoverResult<?> result) {}

  /** The cached master of {@code group} changed to {@code current} ({@code null} when dropped). */
  default void masterChanged(String group, HostAddress previous, HostAddress current) {}

  /** {@code host} got a down mark. */
  default void hostMarkedDown(HostAddress host, String reason) {}

  /** {@code host}'s down mark was cleared by a success. */
  default void hostMarkedUp(HostAddress host) {}

  /** A server sent an alert for the user (IMAP {@code [ALERT]}). */
  default void serverAlert(HostAddress host, String text) {}

  /** A listener that forwards every event to each of {@code listeners}, in order. */
  static FailoverListener composite(FailoverListener... listeners) {
    return new CompositeListener(java.util.List.of(listeners));
  }
}
