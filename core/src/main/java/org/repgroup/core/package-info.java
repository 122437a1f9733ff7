/**
 * Repgroup's vocabulary: {@link org.repgroup.core.HostAddress},
 * {@link org.repgroup.core.StoreHostList}, {@link org.repgroup.core.ReplicationGroup},
 * the {@link org.repgroup.core.GroupRegistry} that maps a user's mailHost to its
 * group, and the shared {@link org.repgroup.core.RepgroupResources}. The failover
 * contract itself is in {@link org.repgroup.core.failover}; configuration
 * loaders are in {@link org.repgroup.core.config}.
 */
package org.repgroup.core;
