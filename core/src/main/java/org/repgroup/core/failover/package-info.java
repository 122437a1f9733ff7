/**
 * The failover contract, one engine for every adapter.
 *
 * <ul>
 *   <li><b>Order</b>: the cached master (writes) or last good host (reads) first,
 *       then the {@link org.repgroup.core.StoreHostList} in order, skipping hosts
 *       marked down in the {@link org.repgroup.core.failover.AffinityCache}; when
 *       every host is marked down, all are tried anyway.</li>
 *   <li><b>Bounded time</b>: connect and response timeouts per attempt, cut to the
 *       time left; an overall deadline; a stagger after which the next host starts
 *       in parallel. See {@link org.repgroup.core.failover.FailoverPolicy}.</li>
 *   <li><b>Outcomes</b>: each {@link org.repgroup.core.failover.Attempt} reports an
 *       {@link org.repgroup.core.failover.AttemptOutcome}: success, referral,
 *       unavailable (or declined), read-only, fatal.</li>
 *   <li><b>Referrals</b>: followed only by intents that follow them
 *       ({@link org.repgroup.core.failover.Intent}), to group members or allow-listed
 *       hosts, never back to a host tried in the same pass, at most the hop limit.</li>
 *   <li><b>Cache</b>: shared, sequence-numbered so older observations lose; down
 *       marks with a single recheck per interval; single-flight master discovery.</li>
 *   <li><b>Retry</b>: passes over the list paced by resilience4j-retry inside the
 *       deadline.</li>
 *   <li><b>Report</b>: {@link org.repgroup.core.failover.StoreUnavailableException}
 *       names every host tried and why.</li>
 *   <li><b>Observability</b>: {@link org.repgroup.core.failover.FailoverListener}
 *       and {@link org.repgroup.core.failover.FailoverCounters}.</li>
 * </ul>
 */
package org.repgroup.core.failover;
