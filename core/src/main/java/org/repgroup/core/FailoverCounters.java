package org.repgroup.core;

import java.time.Duration;
import java.util.concurrent.atomic.LongAdder;
import org.repgroup.core.HostAddress;

/**
 * Counters the user can read without a metrics library; fed as a listener by
 * {@link org.repgroup.core.RepgroupResources}. Thread-safe and cheap.
 */
public final class FailoverCounters implements FailoverListener {

  private final LongAdder operations = new LongAdder();
  private final LongAdder operationsFailed = new LongAdder();
  private final LongAdder attempts = new LongAdder();
  private final LongAdder attemptsFailed = new LongAdder();
  private final LongAdder referralsFollowed = new LongAdder();
  private final LongAdder referralsRefused = new LongAdder();
  private final LongAdder retries = new LongAdder();
  private final LongAdder discoveriesJoined = new LongAdder();
  private final LongAdder masterChanges = new LongAdder();
  private final LongAdder hostsMarkedDown = new LongAdder();
  private final LongAdder hostsMarkedUp = new LongAdder();

  /** Fresh counters at zero. */
  public FailoverCounters() {}

  /** The counts now. */
  public Snapshot snapshot() {
    return new Snapshot(operations.sum(), operationsFailed.sum(), attempts.sum(), attemptsFailed.sum(),
        referralsFollowed.sum(), referralsRefused.sum(), retries.sum(), discoveriesJoined.sum(),
        masterChanges.sum(), hostsMarkedDown.sum(), hostsMarkedUp.sum());
  }

  @Override
  public void operationStart(OperationInfo op) {
    operations.increment();
  }

  @Override
  public void operationEnd(OperationInfo op, FailoverResult<?> result) {
    if (result instanceof FailoverResult.Failed) {
      operationsFailed.increment();
    }
  }

  @Override
  public void discoveryJoined(OperationInfo op) {
    discoveriesJoined.increment();
  }

  @Override
  public void attemptStart(OperationInfo op, HostAddress host, int hop) {
    attempts.increment();
  }

  @Override
  public void attemptEnd(OperationInfo op, AttemptRecord record) {
    if (record.kind() != AttemptRecord.Kind.SUCCESS) {
      attemptsFailed.increment();
    }
  }

  @Override
  public void referralFollowed(OperationInfo op, HostAddress from, HostAddress to) {
    referralsFollowed.increment();
  }

  @Override
  public void referralRefused(OperationInfo op, HostAddress from, HostAddress to, String reason) {
    referralsRefused.increment();
  }

  @Override
  public void retryScheduled(OperationInfo op, int nextPass, Duration delay) {
    retries.increment();
  }

  @Override
  public void masterChanged(String group, HostAddress previous, HostAddress current) {
    masterChanges.increment();
  }

  @Override
  public void hostMarkedDown(HostAddress host, String reason) {
    hostsMarkedDown.increment();
  }

  @Override
  public void hostMarkedUp(HostAddress host) {
    hostsMarkedUp.increment();
  }

  /**
   * The counters at one moment.
   *
   * @param operations operations started
   * @param operationsFailed operations that ended failed
   * @param attempts attempts started
   * @param attemptsFailed attempts that ended other than success
   * @param referralsFollowed referrals followed
   * @param referralsRefused referrals refused (not allowed, loop, hop limit, read-only intent)
   * @param retries passes started after the first
   * @param discoveriesJoined operations that waited for another's master discovery
   * @param masterChanges changes of a cached master
   * @param hostsMarkedDown down marks set
   * @param hostsMarkedUp down marks cleared
   */
  public record Snapshot(long operations, long operationsFailed, long attempts, long attemptsFailed,
      long referralsFollowed, long referralsRefused, long retries, long discoveriesJoined,
      long masterChanges, long hostsMarkedDown, long hostsMarkedUp) {}
}
