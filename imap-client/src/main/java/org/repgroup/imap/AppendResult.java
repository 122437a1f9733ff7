package org.repgroup.imap;

import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;
import org.repgroup.core.FailoverTrace;
import org.repgroup.core.HostAddress;

/**
 * How an {@link ImapFailoverClient#append exactly-once append} ended.
 *
 * @param outcome whether the message is in the mailbox, and how it got there
 * @param mailbox the mailbox appended to
 * @param uid the message's UID: for {@link Outcome#APPENDED} when the server has UIDPLUS
 *     ({@code APPENDUID}), for {@link Outcome#ALREADY_PRESENT} the copy found; empty for
 *     {@link Outcome#UNKNOWN}
 * @param messageId the message's {@code Message-ID}, unfolded, if it has one
 * @param host the host that stored the message, found it, or (for {@link Outcome#UNKNOWN}) was
 *     sent it last
 * @param traces what the engine did for each connection, in order: the first connect and, after a
 *     drop, the reconnect
 * @param detail for {@link Outcome#UNKNOWN}, why it is not known (printable); else empty
 */
public record AppendResult(Outcome outcome, String mailbox, OptionalLong uid, Optional<String> messageId,
    HostAddress host, List<FailoverTrace> traces, String detail) {

  /** Whether the message is in the mailbox. */
  public enum Outcome {
    /** Appended by this call, exactly once. */
    APPENDED,
    /**
     * The connection dropped after the APPEND was sent; after reconnecting, the message was found
     * (its {@code Message-ID}, at a UID at or above the {@code UIDNEXT} read before the APPEND):
     * the dropped APPEND had been stored, and it was not appended again.
     */
    ALREADY_PRESENT,
    /**
     * The connection dropped after the APPEND was sent and the call could not find out whether the
     * server stored it (the message has no {@code Message-ID}, the reconnect or the search failed,
     * the mailbox's {@code UIDVALIDITY} changed, or the second APPEND dropped too). The message was
     * not appended a second time by this call: it is in the mailbox at most once.
     */
    UNKNOWN
  }

  /** Checks and copies. */
  public AppendResult {
    Objects.requireNonNull(outcome, "outcome");
    Objects.requireNonNull(mailbox, "mailbox");
    Objects.requireNonNull(uid, "uid");
    Objects.requireNonNull(messageId, "messageId");
    Objects.requireNonNull(host, "host");
    traces = List.copyOf(traces);
    Objects.requireNonNull(detail, "detail");
    if (traces.isEmpty()) {
      throw new IllegalArgumentException("an append result has at least one trace");
    }
    if (outcome == Outcome.UNKNOWN && uid.isPresent()) {
      throw new IllegalArgumentException("an UNKNOWN append has no UID, was " + uid.getAsLong());
    }
  }

  /** True for {@link Outcome#APPENDED} and {@link Outcome#ALREADY_PRESENT}: the message is in the mailbox once. */
  public boolean isStored() {
    return outcome != Outcome.UNKNOWN;
  }
}
