package org.repgroup.core;

import java.util.Optional;

/**
 * What every Repgroup failure of a group operation tells, whatever exception
 * type its protocol adapter throws ({@code MessagingException} subclasses for
 * IMAP and POP, {@link StoreUnavailableException} for LMTP, ...): why the
 * operation failed and everything the engine did.
 */
public interface GroupFailure {

  /** Why the operation failed. */
  FailureKind kind();

  /** Every attempt, the referral path, passes and time. */
  FailoverTrace trace();

  /** For {@link FailureKind#FATAL}: what kind of refusal stopped it. */
  default Optional<FatalReason> fatalReason() {
    return Optional.empty();
  }
}
