package org.repgroup.testkit;

/** How a replica answers an IMAP login (RFC 2221). */
public enum ImapReferralStyle {
  /** {@code NO [REFERRAL imap://user;AUTH=PLAIN@master/]}: login refused here. */
  NO,
  /** {@code OK [REFERRAL imap://master/]}: logged in on the replica (reads work), writers should move. */
  OK
}
