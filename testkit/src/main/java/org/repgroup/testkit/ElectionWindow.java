package org.repgroup.testkit;

import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * How long a {@link SimulatedReplicationGroup} takes to elect a new master after the
 * master stops, and what the other nodes answer meanwhile. Time is the group's
 * {@link org.repgroup.core.time.Ticker} (a {@code ManualClock} in tests that pin time,
 * the system clock for socket tests); a window without a length lasts until
 * {@link SimulatedReplicationGroup#completeElection()}.
 *
 * <pre>{@code
 * ElectionWindow.none()                                     // the new master at once (the default)
 * ElectionWindow.referringToDeadMaster(Duration.ofSeconds(3)) // replicas keep referring to the dead master
 * ElectionWindow.readOnly(Duration.ofSeconds(3))             // replicas answer read-only, no master
 * ElectionWindow.referringToDeadMaster()                     // until completeElection()
 * }</pre>
 */
public final class ElectionWindow {

  /** What the nodes still running answer while the group elects. */
  public enum ReplicaAnswer {
    /**
     * As replicas of the dead master: IMAP {@code NO [REFERRAL imap://.../]} (or {@code OK [REFERRAL]}
     * per the node's style) to it, POP {@code -ERR [SYS/REFER/<dead>]}, LMTP greeting
     * {@code [REFERRAL lmtp://<dead>/]}, ENS {@code 307} to it. (The dead master itself, if restarted
     * during the window, answers read-only.)
     */
    REFER_TO_DEAD_MASTER,
    /**
     * As a group without master: IMAP logins {@code OK [READ-ONLY]} and writes {@code NO [READ-ONLY]},
     * POP {@code -ERR [SYS/TEMP]}, LMTP {@code 451 4.3.0} at MAIL, ENS publishes taken locally.
     */
    READ_ONLY
  }

  private static final ElectionWindow NONE = new ElectionWindow(ReplicaAnswer.READ_ONLY, Duration.ZERO);

  private final ReplicaAnswer answer;
  private final Duration length;

  private ElectionWindow(ReplicaAnswer answer, Duration length) {
    this.answer = answer;
    this.length = length;
  }

  /** No window: the new master is elected the moment the old one stops. */
  public static ElectionWindow none() {
    return NONE;
  }

  /** Replicas refer to the dead master for {@code length} (&gt; 0), then the new master takes over. */
  public static ElectionWindow referringToDeadMaster(Duration length) {
    return new ElectionWindow(ReplicaAnswer.REFER_TO_DEAD_MASTER, positive(length));
  }

  /** Replicas refer to the dead master until {@link SimulatedReplicationGroup#completeElection()}. */
  public static ElectionWindow referringToDeadMaster() {
    return new ElectionWindow(ReplicaAnswer.REFER_TO_DEAD_MASTER, null);
  }

  /** Replicas answer read-only for {@code length} (&gt; 0), then the new master takes over. */
  public static ElectionWindow readOnly(Duration length) {
    return new ElectionWindow(ReplicaAnswer.READ_ONLY, positive(length));
  }

  /** Replicas answer read-only until {@link SimulatedReplicationGroup#completeElection()}. */
  public static ElectionWindow readOnly() {
    return new ElectionWindow(ReplicaAnswer.READ_ONLY, null);
  }

  /** True for {@link #none()}. */
  public boolean isNone() {
    return this == NONE;
  }

  /** What the other nodes answer during the window. */
  public ReplicaAnswer answer() {
    return answer;
  }

  /** The window's length; empty when it lasts until {@code completeElection()} (and zero for {@link #none()}). */
  public Optional<Duration> length() {
    return Optional.ofNullable(length);
  }

  private static Duration positive(Duration length) {
    Objects.requireNonNull(length, "length");
    if (length.isNegative() || length.isZero()) {
      throw new IllegalArgumentException("election window must be > 0, was " + length);
    }
    return length;
  }

  @Override
  public String toString() {
    return isNone() ? "ElectionWindow[none]" : "ElectionWindow[" + answer + ", "
        + (length == null ? "until completed" : length) + "]";
  }
}
