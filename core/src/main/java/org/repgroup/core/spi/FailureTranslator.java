package org.repgroup.core.spi;

import org.repgroup.core.FailoverResult;
import org.repgroup.core.ReplicationGroup;

/**
 * Turns a failed operation into the one exception an adapter's users catch,
 * of the protocol library's own type where they already catch one
 * ({@code MessagingException} for Jakarta Mail). The exception should implement
 * {@link org.repgroup.core.GroupFailure}. Used by
 * {@link FailoverEngine#serve(ReplicationGroup, org.repgroup.core.Protocol,
 * org.repgroup.core.Intent, Attempt, FailureTranslator)}.
 *
 * @param <E> the exception the adapter throws
 */
public interface FailureTranslator<E extends Exception> {

  /**
   * The exception for {@code failure}. For a {@link org.repgroup.core.FailureKind#FATAL}
   * failure, {@link FailoverResult.Failed#fatalReason()} says what was refused and
   * {@link FailoverResult.Failed#fatalCause()} is the attempt's own exception.
   */
  E failed(FailoverResult.Failed<?> failure);

  /**
   * The exception when the caller's thread was interrupted while it waited (the
   * operation was abandoned and the thread's interrupt flag is set again).
   */
  E interrupted(ReplicationGroup group, InterruptedException cause);
}
