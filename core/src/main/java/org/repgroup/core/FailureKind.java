package org.repgroup.core;

/** Why an operation failed as a whole. */
public enum FailureKind {
  /** Every host tried was unavailable, for every pass the policy allowed. */
  ALL_UNAVAILABLE,
  /** The operation's deadline passed first. */
  DEADLINE_EXCEEDED,
  /** An attempt reported a fatal outcome (bad credentials, bad request); no other host was tried. */
  FATAL,
  /** A referral led back to a host already visited in this operation. */
  REFERRAL_LOOP,
  /** More referrals than the policy's hop limit. */
  REFERRAL_HOP_LIMIT,
  /** Hosts answered but the group has no master: it is read-only (writes only). */
  NO_MASTER
}
