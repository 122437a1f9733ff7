package org.repgroup.ens;

import java.util.List;
import java.util.Objects;
import org.repgroup.core.HostAddress;

/**
 * The outcome of a fan-out publish: one {@link HostPublish} per host of the group.
 *
 * @param event the event as published ({@code hostname} set to the group)
 * @param hosts one entry per host, in host-list order
 */
public record PublishResult(EnsEvent event, List<HostPublish> hosts) {

  /** Copies the list. */
  public PublishResult {
    Objects.requireNonNull(event, "event");
    hosts = List.copyOf(hosts);
  }

  /** The hosts that took the event (directly or through a redirect). */
  public List<HostAddress> takenBy() {
    return hosts.stream().filter(HostPublish::taken).map(HostPublish::host).toList();
  }

  /** True when at least one host took the event. */
  public boolean anyTaken() {
    return hosts.stream().anyMatch(HostPublish::taken);
  }

  /** The entry for {@code host}. */
  public HostPublish host(HostAddress host) {
    return hosts.stream().filter(h -> h.host().equals(host)).findFirst()
        .orElseThrow(() -> new IllegalArgumentException(host + " is not a host of this publish"));
  }
}
