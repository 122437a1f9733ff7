package org.repgroup.lmtp;

/** What became of one recipient of a delivery. */
public enum RecipientStatus {
  /** The store said 2xx for this recipient after the message: delivered, exactly once. */
  DELIVERED,
  /** 4xx (at RCPT or after the message): not delivered; the caller may retry later. */
  TEMPORARY_FAILURE,
  /** 5xx (at RCPT or after the message): not delivered; do not retry. */
  PERMANENT_FAILURE,
  /**
   * The message was sent but this recipient's reply never arrived (the
   * connection broke after the final dot): it may or may not have been
   * delivered. Not redelivered automatically unless the client is at-least-once.
   */
  UNKNOWN_MAYBE_DELIVERED
}
