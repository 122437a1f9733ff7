package org.repgroup.imap;

import jakarta.mail.MessagingException;
import java.util.Objects;
import org.repgroup.core.StoreUnavailableException;

/**
 * A BURL fetch failed. {@link #smtpReply()} is what the submission server should
 * answer the client's {@code BURL} command with.
 */
public class BurlFetchException extends MessagingException {

  private static final long serialVersionUID = 1L;

  /** Why the fetch failed. */
  public enum Reason {
    /** No host of the group could serve the fetch (all down, timed out...). Temporary. */
    GROUP_UNAVAILABLE,
    /** The store says the URL is not valid ({@code URLFETCH} answered {@code NIL}). Permanent. */
    URL_INVALID,
    /** The submit server's own login was refused. Permanent until reconfigured. */
    LOGIN_REFUSED
  }

  private final Reason reason;

  /** With the reason, a message naming what failed, and the cause (the engine's report when all hosts failed). */
  public BurlFetchException(Reason reason, String message, Exception cause) {
    super(message, cause);
    this.reason = Objects.requireNonNull(reason, "reason");
  }

  /** Why. */
  public Reason reason() {
    return reason;
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
