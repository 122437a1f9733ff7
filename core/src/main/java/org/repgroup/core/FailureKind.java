package org.repgroup.core;

/** Why an operation failed as a whole. */
public enum FailureKind {
  /** Every host tried was unavailable (refused, reset, timed out) in every pass until the time ran out. */
  ALL_UNAVAILABLE,
  /** The deadline passed while attempts were still waiting for an answer. */
  DEADLINE_EXCEEDED,
  /** An attempt reported a fatal outcome (bad credentials, bad request); no other host was tried. */
  FATAL,
  /**
   * A cycle of referrals each followed in one chain (A says B, B says A, or a host
   * naming itself). A referral to a host that already failed in the pass is not a
   * loop: it is not followed, and the next host is tried.
   */
  REFERRAL_LOOP,
  /** One chain of followed referrals was longer than the policy's hop limit. */
  REFERRAL_HOP_LIMIT,
  /**
   * Hosts answered but the group has no master and cannot get one by itself (two
   * sites without two-site mode): it is read-only. Writes only.
   */
  NO_MASTER,
  /**
   * A writer heard from live hosts (referrals to a master that did not answer,
   * read-only answers from a group that can elect, refusals) but reached no
   * master before its deadline: the group was electing, or its master was
   * unreachable, for longer than the operation could wait.
   */
  MASTER_UNREACHABLE
}
