package org.repgroup.core.internal;

/** Where a {@link FailoverOperation} stands. */
enum OperationPhase {
  /** Waiting for another operation's discovery (single flight). */
  DISCOVERING,
  /** Trying the hosts of a pass. */
  PASS,
  /** Between passes, waiting for the retry back-off. */
  WAITING_TO_RETRY,
  /** Ended; the result is complete. */
  DONE
}
