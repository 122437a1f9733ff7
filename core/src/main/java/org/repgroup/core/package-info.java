/**
 * What users of Repgroup call: the vocabulary ({@link org.repgroup.core.HostAddress},
 * {@link org.repgroup.core.StoreHostList}, {@link org.repgroup.core.ReplicationGroup},
 * the {@link org.repgroup.core.GroupRegistry} that maps a user's mailHost to its
 * group), the shared {@link org.repgroup.core.RepgroupResources}, the options of
 * the failover engine ({@link org.repgroup.core.FailoverPolicy}), what it reports
 * ({@link org.repgroup.core.FailoverResult}, {@link org.repgroup.core.FailoverTrace},
 * {@link org.repgroup.core.StoreUnavailableException}), how to observe it
 * ({@link org.repgroup.core.FailoverListener}, {@link org.repgroup.core.FailoverCounters})
 * and what it has learned ({@link org.repgroup.core.AffinityCache}, read-only).
 *
 * <p>Adapter authors implement {@link org.repgroup.core.spi}; the engine itself
 * lives in {@code org.repgroup.core.internal}, which is not API. Configuration
 * loaders are in {@link org.repgroup.core.config}, the clock in
 * {@link org.repgroup.core.time}.
 */
package org.repgroup.core;
