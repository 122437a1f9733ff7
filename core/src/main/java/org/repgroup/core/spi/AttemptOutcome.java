package org.repgroup.core.spi;

import java.util.Objects;
import org.repgroup.core.FatalReason;
import org.repgroup.core.HostAddress;

/**
 * What one attempt on one host came to. A protocol adapter classifies the
 * server's replies into exactly one of these; the engine decides what happens
 * next. Control flow never relies on exceptions.
 *
 * @param <T> the value a successful attempt produces (a connected store, a delivery result)
 */
public sealed interface AttemptOutcome<T>
    permits AttemptOutcome.Success, AttemptOutcome.Referral, AttemptOutcome.Unavailable,
        AttemptOutcome.ReadOnly, AttemptOutcome.Fatal {

  /** The host served the operation. */
  static <T> AttemptOutcome<T> success(T value) {
    return new Success<>(value);
  }

  /**
   * The host points elsewhere (a replica naming its master). {@code target} may
   * lack a port: the group's port for the protocol then applies.
   */
  static <T> AttemptOutcome<T> referral(HostAddress target, String detail) {
    return new Referral<>(target, detail);
  }

  /** The host cannot serve now (refused, reset, timed out, garbage, "try later"): mark it down, try the next. */
  static <T> AttemptOutcome<T> unavailable(String reason, Throwable cause) {
    return new Unavailable<>(reason, cause, true);
  }

  /**
   * This operation cannot be served here, but the host is healthy (a per-user
   * limit such as POP {@code [IN-USE]}): try the next host without marking this one down.
   */
  static <T> AttemptOutcome<T> declined(String reason, Throwable cause) {
    return new Unavailable<>(reason, cause, false);
  }

  /** The host is up but the group has no master (read-only, e.g. a two-site group after the master died). */
  static <T> AttemptOutcome<T> readOnly(String reason) {
    return new ReadOnly<>(reason);
  }

  /**
   * Stop now, try no other host: the credentials ({@link FatalReason#CREDENTIALS_REFUSED})
   * or the request ({@link FatalReason#REQUEST_REFUSED}) were refused, or the client
   * cannot make the attempt ({@link FatalReason#CLIENT_ERROR}).
   */
  static <T> AttemptOutcome<T> fatal(FatalReason why, String reason, Throwable cause) {
    return new Fatal<>(why, reason, cause);
  }

  /**
   * Success.
   *
   * @param value what the attempt produced; handed to the caller
   */
  record Success<T>(T value) implements AttemptOutcome<T> {}

  /**
   * Referral to another host.
   *
   * @param target where the host points; may lack a port
   * @param detail the server's words, for reports (never credentials)
   */
  record Referral<T>(HostAddress target, String detail) implements AttemptOutcome<T> {
    /** Both are required. */
    public Referral {
      Objects.requireNonNull(target, "target");
      Objects.requireNonNull(detail, "detail");
    }
  }

  /**
   * Host unavailable for this attempt.
   *
   * @param reason what happened, for reports
   * @param cause the underlying exception, or {@code null}
   * @param marksHostDown whether the host gets a down mark in the shared cache
   */
  record Unavailable<T>(String reason, Throwable cause, boolean marksHostDown) implements AttemptOutcome<T> {
    /** The reason is required. */
    public Unavailable {
      Objects.requireNonNull(reason, "reason");
    }
  }

  /**
   * Host reachable, group read-only (no master).
   *
   * @param reason what the host said
   */
  record ReadOnly<T>(String reason) implements AttemptOutcome<T> {
    /** The reason is required. */
    public ReadOnly {
      Objects.requireNonNull(reason, "reason");
    }
  }

  /**
   * Fatal: the operation stops.
   *
   * @param why what kind of refusal
   * @param reason what happened, for reports
   * @param cause the exception to give the caller (e.g. an {@code AuthenticationFailedException}), or {@code null}
   */
  record Fatal<T>(FatalReason why, String reason, Throwable cause) implements AttemptOutcome<T> {
    /** The kind and the reason are required. */
    public Fatal {
      Objects.requireNonNull(why, "why");
      Objects.requireNonNull(reason, "reason");
    }
  }
}
