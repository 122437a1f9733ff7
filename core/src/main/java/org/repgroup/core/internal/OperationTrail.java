package org.repgroup.core.internal;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.repgroup.core.AttemptRecord;
import org.repgroup.core.FailoverListener;
import org.repgroup.core.FailoverResult;
import org.repgroup.core.FailoverTrace;
import org.repgroup.core.HostAddress;
import org.repgroup.core.Intent;
import org.repgroup.core.OperationInfo;
import org.repgroup.core.spi.ServerText;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What one operation did, for the caller's trace, the listener and the logs:
 * every attempt as it ended, the referral path, how many referrals were
 * followed. Logs go to two concerns: {@code org.repgroup.attempts} (every
 * attempt, DEBUG) and {@code org.repgroup.failover} (one INFO line per operation
 * that needed more than its first host, or failed); nothing is built for a
 * log line whose level is off, and nothing logged carries credentials or
 * message content.
 */
final class OperationTrail {

  private static final Logger ATTEMPTS = LoggerFactory.getLogger("org.repgroup.attempts");
  private static final Logger FAILOVER = LoggerFactory.getLogger("org.repgroup.failover");
  /** Longest detail kept per attempt: server text is capped before it reaches a report. */
  static final int MAX_DETAIL = 300;

  private final OperationInfo info;
  private final Intent intent;
  private final FailoverListener listener;
  // The usual operation has one attempt and no referral: its record is kept alone, and the lists
  // (and the trace's copies of them) are made only when a second record or a referral comes.
  private AttemptRecord firstRecord;
  private List<AttemptRecord> records;
  private List<HostAddress> referralPath;
  private int referralsFollowed;
  private boolean referralSeen;
  /** The record of the attempt that started first: the host a failover moved away from. */
  private AttemptRecord firstStarted;
  private long firstStartedId = Long.MAX_VALUE;

  OperationTrail(OperationInfo info, Intent intent, FailoverListener listener) {
    this.info = info;
    this.intent = intent;
    this.listener = listener;
  }

  /** Records how {@code run} ended, once; later calls for the same run are ignored. */
  void attemptEnded(AttemptRun run, AttemptRecord.Kind kind, String detail, Throwable cause) {
    if (run.recorded) {
      return;
    }
    run.recorded = true;
    String capped = detail.length() > MAX_DETAIL ? ServerText.printable(detail, MAX_DETAIL) : detail;
    AttemptRecord rec = new AttemptRecord(run.target.resolved(), run.target.hop(), kind, run.elapsed(), capped,
        cause);
    if (firstRecord == null) {
      firstRecord = rec;
    } else {
      if (records == null) {
        records = new ArrayList<>(4);
        records.add(firstRecord);
      }
      records.add(rec);
    }
    if (run.id >= 0 && run.id < firstStartedId) {
      firstStartedId = run.id;
      firstStarted = rec;
    }
    listener.attemptEnd(info, rec);
    if (ATTEMPTS.isDebugEnabled()) {
      ATTEMPTS.debug("group {} {} #{}: {}", info.group(), info.protocol(), info.id(), rec);
    }
  }

  /** Records every run in {@code stillRunning} as cancelled, for {@code why}. */
  void cancelled(Iterable<AttemptRun> stillRunning, String why) {
    for (AttemptRun r : stillRunning) {
      attemptEnded(r, AttemptRecord.Kind.CANCELLED, why, null);
    }
  }

  void referralSeen() {
    referralSeen = true;
  }

  void referralFollowed(HostAddress from, HostAddress to) {
    referralsFollowed++;
    extendPath(from, to);
  }

  void extendPath(HostAddress from, HostAddress to) {
    if (referralPath == null) {
      referralPath = new ArrayList<>(4);
    }
    if (referralPath.isEmpty() || !referralPath.get(referralPath.size() - 1).equals(from)) {
      referralPath.add(from);
    }
    referralPath.add(to);
  }

  FailoverTrace trace(int passes, Duration elapsed) {
    return new FailoverTrace(info.group(), intent, recordList(), referralPath == null ? List.of() : referralPath,
        referralsFollowed, referralSeen, passes, elapsed);
  }

  /** Every record so far, in order (an immutable list, which the trace keeps without copying). */
  private List<AttemptRecord> recordList() {
    return records != null ? records : firstRecord != null ? List.of(firstRecord) : List.of();
  }

  /** The INFO line of an operation that failed over or failed. */
  void logEnd(FailoverResult<?> result) {
    if (!FAILOVER.isInfoEnabled() || firstRecord == null) {
      return;
    }
    int count = records == null ? 1 : records.size();
    if (result instanceof FailoverResult.Served<?> s) {
      // A failover is a move away from the host the operation tried first. When that host served,
      // there was none: a staggered attempt it beat (cancelled) or a second address of it is not one.
      AttemptRecord from = firstStarted;
      if (from != null && !from.host().equals(s.host())) {
        FAILOVER.info("failover group={} protocol={} intent={} from={} to={} why=\"{}\" attempts={} elapsed={}ms",
            info.group(), info.protocol(), intent, from.host(), s.host(), from.detail(), count,
            s.trace().elapsed().toMillis());
      }
    } else if (result instanceof FailoverResult.Failed<?> f) {
      FAILOVER.info("failed group={} protocol={} intent={} kind={} hosts={} attempts={} elapsed={}ms",
          info.group(), info.protocol(), intent, f.kind(), f.trace().hostsTried(), count,
          f.trace().elapsed().toMillis());
    }
  }
}
