package org.repgroup.core;

import java.time.Duration;
import java.util.List;
import java.util.Objects;
import org.repgroup.core.HostAddress;

/**
 * Everything an operation did: every attempt in order of completion, the referral
 * path, the number of passes and how long it took.
 *
 * @param group the group's name
 * @param intent the operation's intent
 * @param attempts every attempt, in the order they ended
 * @param referralPath the hosts visited by following referrals, starting with the first referring host
 * @param referralsFollowed how many referrals were followed
 * @param referralSeen whether any host answered with a referral (followed or not)
 * @param passes passes over the host list
 * @param elapsed total time of the operation
 */
public record FailoverTrace(
    String group,
    Intent intent,
    List<AttemptRecord> attempts,
    List<HostAddress> referralPath,
    int referralsFollowed,
    boolean referralSeen,
    int passes,
    Duration elapsed) {

  /** Copies the lists. */
  public FailoverTrace {
    Objects.requireNonNull(group, "group");
    Objects.requireNonNull(intent, "intent");
    attempts = List.copyOf(attempts);
    referralPath = List.copyOf(referralPath);
    Objects.requireNonNull(elapsed, "elapsed");
  }

  /** The distinct hosts tried, in first-try order. */
  public List<HostAddress> hostsTried() {
    return attempts.stream().map(AttemptRecord::host).distinct().toList();
  }
}
