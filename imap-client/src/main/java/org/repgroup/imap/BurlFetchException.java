package org.repgroup.imap;

import jakarta.mail.MessagingException;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import org.repgroup.core.FailoverResult;
import org.repgroup.core.FailoverTrace;
import org.repgroup.core.FailureKind;
import org.repgroup.core.FatalReason;
import org.repgroup.core.GroupFailure;
import org.repgroup.core.Intent;
import org.repgroup.core.StoreUnavailableException;

/**
 * A BURL fetch failed. {@link #smtpReply()} is what the submission server should
 * answer the client's {@code BURL} command with; {@link #kind()} and
 * {@link #trace()} say what the engine did.
 */
public class BurlFetchException extends MessagingException implements GroupFailure {

  private static final long serialVersionUID = 1L;

  /** Why the fetch failed. */
  public enum Reason {
    /**
     * No host of the group could serve the fetch (all down, timed out...), or this
     * client cannot reach it at all (a configuration error such as an unreadable
     * trust store). Temporary: the message stays queued.
     */
    GROUP_UNAVAILABLE,
    /** The store says the URL is not valid ({@code URLFETCH} answered {@code NIL}). Permanent. */
    URL_INVALID,
    /** The submit server's own login was refused. Permanent until reconfigured. */
    LOGIN_REFUSED
  }

  private final Reason reason;
  private final transient FailoverResult.Failed<?> failure;

  /** The failure of a fetch, as the engine reported it. */
  public BurlFetchException(FailoverResult.Failed<?> failure) {
    this(reasonOf(failure), failure);
  }

  private BurlFetchException(Reason reason, FailoverResult.Failed<?> failure) {
    super(message(reason, failure), reason == Reason.GROUP_UNAVAILABLE ? failure.toException() : null);
    this.reason = reason;
    this.failure = failure;
  }

  /** The caller was interrupted while it waited: temporary, like an unavailable store. */
  BurlFetchException(String group, InterruptedException cause) {
    super("interrupted while fetching from group " + group, cause);
    this.reason = Reason.GROUP_UNAVAILABLE;
    this.failure = new FailoverResult.Failed<>(FailureKind.DEADLINE_EXCEEDED, new FailoverTrace(group,
        Intent.READ_NO_REFERRALS, List.of(), List.of(), 0, false, 0, Duration.ZERO));
  }

  private static Reason reasonOf(FailoverResult.Failed<?> f) {
    Objects.requireNonNull(f, "failure");
    if (f.kind() != FailureKind.FATAL) {
      return Reason.GROUP_UNAVAILABLE;
    }
    return switch (f.fatalReason()) {
      case CREDENTIALS_REFUSED -> Reason.LOGIN_REFUSED;
      case REQUEST_REFUSED -> Reason.URL_INVALID;
      // The client cannot make the attempt (an unreadable trust store): the message is fine and
      // the MTA should keep it queued until the operator fixes the configuration.
      case CLIENT_ERROR -> Reason.GROUP_UNAVAILABLE;
    };
  }

  private static String message(Reason reason, FailoverResult.Failed<?> f) {
    if (reason == Reason.GROUP_UNAVAILABLE) {
      return f.toException().getMessage();
    }
    var attempts = f.trace().attempts();
    return attempts.isEmpty() ? reason.name() : attempts.get(attempts.size() - 1).detail();
  }

  /** Why. */
  public Reason reason() {
    return reason;
  }

  @Override
  public FailureKind kind() {
    return failure.kind();
  }

  @Override
  public FailoverTrace trace() {
    return failure.trace();
  }

  @Override
  public Optional<FatalReason> fatalReason() {
    return Optional.ofNullable(failure.fatalReason());
  }

  /** The engine's report when every host failed, else {@code null}. */
  public StoreUnavailableException report() {
    return getCause() instanceof StoreUnavailableException s ? s : null;
  }

  /**
   * The SMTP reply for the client's BURL command (RFC 4468): {@code 451 4.4.1} while
   * the store is unreachable, {@code 554 5.6.6} for an invalid URL, {@code 554 5.7.0}
   * when the submit server cannot log in.
   */
  public String smtpReply() {
    return switch (reason) {
      case GROUP_UNAVAILABLE -> "451 4.4.1 Message store unavailable, try again later";
      case URL_INVALID -> "554 5.6.6 BURL URL is invalid or expired";
      case LOGIN_REFUSED -> "554 5.7.0 Submission server cannot log in to the message store";
    };
  }
}
