package org.repgroup.core;

/**
 * How a group's hosts share the mailbox store, as the operators deployed it
 * ({@code store.dbreplicate.enable}, {@code store.dbreplicate.twosites}). It
 * decides what a writer does when no host accepts writes: a group that can
 * elect a new master is waited for until the operation's deadline; one that
 * cannot ends at once with "no master, read-only".
 */
public enum DeploymentMode {
  /**
   * Replication with elections ({@code store.dbreplicate.enable=1}, three or more
   * sites, or two sites with {@code twosites=1}): when the master dies the
   * replicas elect a new one, so writers wait out the election.
   */
  REPLICATED(true),
  /**
   * A group of exactly two sites without two-site mode: when the master dies
   * the survivor stays read-only and no election will come, so writers that
   * see only read-only answers stop at once.
   */
  TWO_SITE(false),
  /**
   * Classic automatic failover without replication: an ordered host list on
   * shared disk, only the first live host runs, no referrals; a standby takes
   * over when started, so writers keep trying until the deadline.
   */
  CLASSIC(true);

  private final boolean mastersReturn;

  DeploymentMode(boolean mastersReturn) {
    this.mastersReturn = mastersReturn;
  }

  /**
   * True when a group without a master can get one back by itself (an election,
   * a standby taking over) within a writer's deadline.
   */
  public boolean canElect() {
    return mastersReturn;
  }
}
