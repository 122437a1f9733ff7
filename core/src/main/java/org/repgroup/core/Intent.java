package org.repgroup.core;

/**
 * What an operation wants from the group; decides which host serves it, whether
 * referrals are followed and what the {@link AffinityCache} remembers.
 */
public enum Intent {
  /**
   * Writes (MMP IMAP/POP proxy, LMTP delivery, shared folders, webmail): needs the
   * master, follows referrals, caches the last good master.
   */
  WRITE(true, true),
  /**
   * Reads that may be served by any healthy host but still follow a referral when
   * a host refuses to serve (IMAP {@code NO [REFERRAL]}); caches the last good host.
   */
  READ(true, false),
  /**
   * Read-only clients that never follow a referral (BURL/URLFETCH, ENS subscriber):
   * a referral means "try the next host"; caches the last good host.
   */
  READ_NO_REFERRALS(false, false);

  private final boolean followsReferrals;
  private final boolean needsMaster;

  Intent(boolean followsReferrals, boolean needsMaster) {
    this.followsReferrals = followsReferrals;
    this.needsMaster = needsMaster;
  }

  /** True when a {@link org.repgroup.core.spi.AttemptOutcome.Referral} is followed rather than treated as "next host". */
  public boolean followsReferrals() {
    return followsReferrals;
  }

  /** True when only the master can serve, so the cache tracks the master rather than the last good host. */
  public boolean needsMaster() {
    return needsMaster;
  }
}
