package org.repgroup.lmtp;

/** What became of one recipient of a delivery. */
public enum RecipientStatus {
  /** The store said 2xx for this recipient after the message: delivered, exactly once. */
  DELIVERED,
  /**
   * A 4xx reply for this recipient (at RCPT, or its own reply after the message):
   * not delivered; the caller may retry later. A {@code 421} that closes the session
   * after the message is not one: see {@link #UNKNOWN_MAYBE_DELIVERED}.
   */
  TEMPORARY_FAILURE,
  /** 5xx (at RCPT or after the message): not delivered; do not retry. */
  PERMANENT_FAILURE,
  /**
   * The message was sent but this recipient's own reply never arrived: after the
   * final dot the connection closed, the host sent {@code 421} (closing the session,
   * as a stopping node does) where this reply was due, or the reply was not complete
   * within the response timeout. It may or may not have been delivered; requeueing
   * it may deliver a second copy. Not redelivered automatically unless the client
   * is at-least-once.
   */
  UNKNOWN_MAYBE_DELIVERED
}
