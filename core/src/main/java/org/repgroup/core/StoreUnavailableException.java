package org.repgroup.core;

import java.util.List;
import java.util.Objects;

/**
 * The group could not serve an operation. Names every host tried and why (the
 * first few in the message, all in {@link #trace()}), adds each attempt's cause
 * as a suppressed exception, and says whether any referral was seen.
 */
public class StoreUnavailableException extends Exception implements GroupFailure {

  private static final long serialVersionUID = 1L;
  private static final int HOSTS_IN_MESSAGE = 5;

  private final transient FailoverTrace trace;
  private final FailureKind kind;

  /** An exception for a failed operation of this kind. */
  public StoreUnavailableException(FailureKind kind, FailoverTrace trace) {
    super(describe(Objects.requireNonNull(kind, "kind"), Objects.requireNonNull(trace, "trace")));
    this.kind = kind;
    this.trace = trace;
    for (AttemptRecord r : trace.attempts()) {
      if (r.cause() != null && r.cause() != this) {
        addSuppressed(r.cause());
      }
    }
  }

  /** Why the operation failed. */
  @Override
  public FailureKind kind() {
    return kind;
  }

  /** Every attempt and the referral path. */
  @Override
  public FailoverTrace trace() {
    return trace;
  }

  /** Every attempt, in the order they ended. */
  public List<AttemptRecord> attempts() {
    return trace.attempts();
  }

  static String describe(FailureKind kind, FailoverTrace trace) {
    StringBuilder sb = new StringBuilder("group ").append(trace.group()).append(": ");
    sb.append(switch (kind) {
      case ALL_UNAVAILABLE -> "every host failed";
      case DEADLINE_EXCEEDED -> "deadline exceeded after " + trace.elapsed().toMillis() + " ms";
      case FATAL -> "fatal error, no other host tried";
      case REFERRAL_LOOP -> "referral loop";
      case REFERRAL_HOP_LIMIT -> "too many referrals";
      case NO_MASTER -> "group has no master, read-only";
      case MASTER_UNREACHABLE -> "no master reached before the deadline (hosts answered, none as master)";
    });
    List<AttemptRecord> attempts = trace.attempts();
    sb.append(" (").append(trace.hostsTried().size()).append(" host")
        .append(trace.hostsTried().size() == 1 ? "" : "s").append(" tried in ")
        .append(trace.passes()).append(trace.passes() == 1 ? " pass" : " passes")
        .append(", referral seen: ").append(trace.referralSeen() ? "yes" : "no");
    if (!trace.referralPath().isEmpty()) {
      sb.append(", referral path: ");
      for (int i = 0; i < trace.referralPath().size(); i++) {
        sb.append(i == 0 ? "" : " -> ").append(trace.referralPath().get(i));
      }
    }
    sb.append(')');
    int shown = 0;
    for (AttemptRecord r : attempts) {
      if (shown == HOSTS_IN_MESSAGE) {
        sb.append("; ... ").append(attempts.size() - shown).append(" more");
        break;
      }
      sb.append(shown == 0 ? ": " : "; ").append(r.host()).append(' ').append(r.kind().label())
          .append(" (").append(r.detail()).append(')');
      shown++;
    }
    return sb.toString();
  }
}
