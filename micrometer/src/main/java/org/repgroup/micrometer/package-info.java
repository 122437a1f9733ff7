/**
 * The Micrometer binding: {@link org.repgroup.micrometer.RepgroupMetrics} records
 * the failover engine's operations, attempts, failovers, referrals, master changes
 * and down marks in a {@code MeterRegistry}, with tags bounded by the configured
 * groups.
 */
package org.repgroup.micrometer;
