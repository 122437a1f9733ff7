package org.repgroup.core.internal;

import java.time.Duration;
import org.repgroup.core.FailureKind;

/**
 * "Another pass?" (the failover contract's rule 7), as a pure function of what
 * the passes saw and the time left. Transitions are waited out: a pass that
 * ends without a usable host (replicas pointing at a dead master, read-only
 * answers from a group that can elect, every host refusing) is followed by
 * another after the retry back-off, until the deadline (when the back-off would outlast
 * it, after half the time left, while that is at least {@link #LAST_PASS_FLOOR}). Only two things end an
 * operation early: a group configured as one that cannot elect (two sites
 * without two-site mode) answering read-only, and an explicit cap on passes.
 */
public final class PassDecision {

  private PassDecision() {}

  /**
   * What the operation has seen when a pass ends.
   *
   * @param writer the intent needs the master
   * @param groupCanElect the group's deployment mode can produce a new master by itself
   * @param readOnlySeen some host answered read-only in the pass just ended
   * @param hostAnswered some host answered (referral, read-only, declined) in any pass so far
   * @param passesDone passes run so far, the one just ended included
   * @param maxPasses the explicit cap on passes, or 0 for none (the deadline bounds them)
   * @param backoff the retry back-off before the next pass, or {@code null} when the retry gave up
   * @param timeLeft time left before the deadline
   */
  public record Evidence(boolean writer, boolean groupCanElect, boolean readOnlySeen, boolean hostAnswered,
      int passesDone, int maxPasses, Duration backoff, Duration timeLeft) {}

  /** What to do when a pass ends. */
  public sealed interface Next permits Retry, Fail {}

  /** Start another pass after {@code delay}. */
  public record Retry(Duration delay) implements Next {}

  /** End the operation with {@code kind}. */
  public record Fail(FailureKind kind) implements Next {}

  /** The decision when a pass ended without serving the operation. */
  public static Next afterPass(Evidence e) {
    if (e.writer() && e.readOnlySeen() && !e.groupCanElect()) {
      return new Fail(FailureKind.NO_MASTER);
    }
    boolean capped = e.maxPasses() > 0 && e.passesDone() >= e.maxPasses();
    if (capped || e.backoff() == null) {
      return new Fail(exhausted(e.writer(), e.hostAnswered()));
    }
    if (e.backoff().compareTo(e.timeLeft()) < 0) {
      return new Retry(e.backoff());
    }
    // The back-off would outlast the deadline. Giving up now would leave up to a whole back-off
    // of the user's deadline unused, the stretch in which an election may end: a last pass halfway
    // to the deadline instead, and so on while the half left is worth a pass.
    if (e.timeLeft().compareTo(LAST_PASS_FLOOR.multipliedBy(2)) < 0) {
      return new Fail(exhausted(e.writer(), e.hostAnswered()));
    }
    return new Retry(e.timeLeft().dividedBy(2));
  }

  /** The least time worth a last pass when the back-off would outlast the deadline: 100 ms. */
  public static final Duration LAST_PASS_FLOOR = Duration.ofMillis(100);

  /**
   * Why an operation failed when its time or passes ran out: a writer that
   * heard from live hosts but never reached a master says so
   * ({@link FailureKind#MASTER_UNREACHABLE}); otherwise every host failed.
   */
  public static FailureKind exhausted(boolean writer, boolean hostAnswered) {
    return writer && hostAnswered ? FailureKind.MASTER_UNREACHABLE : FailureKind.ALL_UNAVAILABLE;
  }

  /**
   * Why an operation failed when its deadline passed with attempts still
   * running: a writer that heard from live hosts reached no master; an operation
   * whose earlier attempts all failed met a group that is down; one that never
   * heard anything but silence ran out of time.
   */
  public static FailureKind atDeadline(boolean writer, boolean hostAnswered, boolean attemptFailed) {
    if (writer && hostAnswered) {
      return FailureKind.MASTER_UNREACHABLE;
    }
    return attemptFailed ? FailureKind.ALL_UNAVAILABLE : FailureKind.DEADLINE_EXCEEDED;
  }
}
