package org.repgroup.core;

import java.time.Duration;
import java.util.Objects;
import org.repgroup.core.HostAddress;

/**
 * What happened on one host during an operation: for reports, listeners and the
 * probe's {@code --json} output.
 *
 * @param host the host tried, port filled in
 * @param hop referrals followed to get there (0 = from the host list)
 * @param kind the outcome
 * @param elapsed how long the attempt took
 * @param detail what happened, in words (never credentials or message content)
 * @param cause the underlying exception, or {@code null}
 */
public record AttemptRecord(
    HostAddress host, int hop, Kind kind, Duration elapsed, String detail, Throwable cause) {

  /** Requires host, kind, elapsed and detail. */
  public AttemptRecord {
    Objects.requireNonNull(host, "host");
    Objects.requireNonNull(kind, "kind");
    Objects.requireNonNull(elapsed, "elapsed");
    Objects.requireNonNull(detail, "detail");
    detail = boundedDetail(detail);
  }

  /** Longest detail kept, in characters; the rest is counted, not kept. */
  public static final int MAX_DETAIL = 1024;

  /**
   * {@code detail} with control characters shown as {@code \xNN} and cut at {@link #MAX_DETAIL}
   * characters with {@code "...(N more)"}: a detail is printed and logged, and however much of a
   * host's text an adapter put in it, it stays one printable line of bounded size.
   */
  private static String boundedDetail(String detail) {
    int n = detail.length();
    boolean clean = n <= MAX_DETAIL;
    for (int i = 0; clean && i < n; i++) {
      clean = !Character.isISOControl(detail.charAt(i));
    }
    if (clean) {
      return detail;
    }
    int shown = Math.min(n, MAX_DETAIL);
    StringBuilder sb = new StringBuilder(shown + 16);
    for (int i = 0; i < shown; i++) {
      char c = detail.charAt(i);
      if (Character.isISOControl(c)) {
        sb.append(String.format("\\x%02x", (int) c));
      } else {
        sb.append(c);
      }
    }
    if (n > shown) {
      sb.append("...(").append(n - shown).append(" more)");
    }
    return sb.toString();
  }

  /** How an attempt ended. */
  public enum Kind {
    /** Served. */
    SUCCESS,
    /** Pointed elsewhere. */
    REFERRAL,
    /** Could not serve; next host. */
    UNAVAILABLE,
    /** Up, but the group is read-only. */
    READ_ONLY,
    /** Stopped the operation. */
    FATAL,
    /** Abandoned: another host won, or the deadline passed. */
    CANCELLED;

    /** Lower-case name, as in the probe's JSON ({@code success}, {@code referral}, ...). */
    public String label() {
      return name().toLowerCase(java.util.Locale.ROOT);
    }
  }

  /** {@code host kind (detail) in N ms}. */
  @Override
  public String toString() {
    return host + " " + kind.label() + " (" + detail + ") in " + elapsed.toMillis() + " ms";
  }
}
