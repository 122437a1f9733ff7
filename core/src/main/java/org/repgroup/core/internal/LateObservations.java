package org.repgroup.core.internal;

import org.repgroup.core.HostAddress;
import org.repgroup.core.Intent;
import org.repgroup.core.Protocol;
import org.repgroup.core.ReplicationGroup;
import org.repgroup.core.RepgroupResources;

/**
 * What an adapter learns about a host after the operation that chose it ended
 * (a long-lived stream broke, a refusal arrived after another host served),
 * written through {@link GroupState} like any observation of the engine, so the
 * listener hears of it. Reached by adapters only through
 * {@link org.repgroup.core.spi.FailoverEngine}.
 */
public final class LateObservations {

  private LateObservations() {}

  /** {@code host} served an operation and later lost it: marked down, forgotten as the preferred host. */
  public static void servedHostLost(RepgroupResources resources, ReplicationGroup group, Protocol protocol,
      Intent intent, HostAddress host, String reason) {
    // Newer than anything the host answered before: the loss is the latest word on it.
    state(resources, group, protocol, intent).down(host, reason, Long.MAX_VALUE);
  }

  /** {@code host} answered like a live server: its down mark goes. */
  public static void answered(RepgroupResources resources, ReplicationGroup group, Protocol protocol, Intent intent,
      HostAddress host) {
    state(resources, group, protocol, intent).answered(host);
  }

  private static GroupState state(RepgroupResources resources, ReplicationGroup group, Protocol protocol,
      Intent intent) {
    return new GroupState(AffinityStore.of(resources.affinityCache()), resources.listener(), group, protocol, intent);
  }
}
