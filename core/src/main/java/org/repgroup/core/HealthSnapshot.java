package org.repgroup.core;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import org.repgroup.core.AffinityCache.HostHealth;

/**
 * What the shared {@link AffinityCache} knows at one moment, for a status page:
 * per group its cached master (and how long ago a success confirmed it) and last
 * good host; per host address its down mark and when its recheck is due, its
 * stability window and its latency average. Immutable; taking one costs a pass
 * over the groups and hosts the engine asked about recently (bounded by the
 * cache's maximum size). Nothing in it is a credential or message content; down
 * reasons are printable and capped.
 *
 * <p>A host's state belongs to its address (host and protocol port), as in the
 * cache, and is shared by every group that lists the address:
 * {@link #hostsOf(ReplicationGroup)} picks a group's own.
 *
 * <pre>{@code
 * HealthSnapshot health = resources.health();
 * for (HealthSnapshot.GroupHealth g : health.groups()) {
 *   page.row(g.name(), g.master().map(Object::toString).orElse("unknown"));
 * }
 * health.down().forEach(h -> page.alert(h.host() + " down, recheck in " + h.recheckDueIn().orElseThrow()));
 * }</pre>
 *
 * @param groups every group the engine asked about recently, sorted by name
 * @param hosts every host address the engine asked about recently, sorted
 */
public record HealthSnapshot(List<GroupHealth> groups, List<HostStatus> hosts) {

  /** Copies the lists. */
  public HealthSnapshot {
    groups = List.copyOf(groups);
    hosts = List.copyOf(hosts);
  }

  /** The group called {@code name} (case-insensitive), if the cache knows it. */
  public Optional<GroupHealth> group(String name) {
    Objects.requireNonNull(name, "name");
    String key = name.strip().toLowerCase(Locale.ROOT);
    return groups.stream().filter(g -> g.name().equals(key)).findFirst();
  }

  /** The state of {@code address} (with its port), if the cache knows it. */
  public Optional<HostStatus> host(HostAddress address) {
    Objects.requireNonNull(address, "address");
    return hosts.stream().filter(h -> h.host().equals(address)).findFirst();
  }

  /**
   * The cache's hosts that belong to {@code group}: its store host list's
   * entries with each protocol's port filled in, in list order, those the cache
   * knows.
   */
  public List<HostStatus> hostsOf(ReplicationGroup group) {
    Objects.requireNonNull(group, "group");
    List<HostStatus> out = new ArrayList<>();
    for (HostAddress entry : group.hosts().hosts()) {
      for (Protocol p : Protocol.values()) {
        host(group.resolve(entry, p)).filter(h -> !out.contains(h)).ifPresent(out::add);
      }
    }
    return List.copyOf(out);
  }

  /** The hosts with a down mark (recheck due or not). */
  public List<HostStatus> down() {
    return hosts.stream().filter(h -> h.health() != HostHealth.UP).toList();
  }

  /**
   * One group.
   *
   * @param name the group's name
   * @param master the cached master, as listed in the group: confirmed by a success, or a referral's hint
   * @param masterConfirmed true when a success on the master confirmed it; false for a hint
   * @param masterConfirmedAgo how long ago that success was (empty for a hint, or no master)
   * @param lastGoodHost the last host that served a read for the group
   * @param lastGoodHostAgo how long ago it served
   */
  public record GroupHealth(String name, Optional<HostAddress> master, boolean masterConfirmed,
      Optional<Duration> masterConfirmedAgo, Optional<HostAddress> lastGoodHost, Optional<Duration> lastGoodHostAgo) {
    /** All required. */
    public GroupHealth {
      Objects.requireNonNull(name, "name");
      Objects.requireNonNull(master, "master");
      Objects.requireNonNull(masterConfirmedAgo, "masterConfirmedAgo");
      Objects.requireNonNull(lastGoodHost, "lastGoodHost");
      Objects.requireNonNull(lastGoodHostAgo, "lastGoodHostAgo");
    }
  }

  /**
   * One host address.
   *
   * @param host the address, port filled in
   * @param health up, down, or down with its recheck due
   * @param downReason why it was marked down (printable, capped), if it is
   * @param recheckDueIn how long until its recheck is due (zero once due), if it is marked down
   * @param recheckInFlight true while its single recheck is under way
   * @param stableIn how long it stays within its stability window after coming back, if it is within it
   * @param latency the average latency of its answered attempts, if any were recorded recently
   */
  public record HostStatus(HostAddress host, HostHealth health, Optional<String> downReason,
      Optional<Duration> recheckDueIn, boolean recheckInFlight, Optional<Duration> stableIn,
      Optional<Duration> latency) {
    /** All required. */
    public HostStatus {
      Objects.requireNonNull(host, "host");
      Objects.requireNonNull(health, "health");
      Objects.requireNonNull(downReason, "downReason");
      Objects.requireNonNull(recheckDueIn, "recheckDueIn");
      Objects.requireNonNull(stableIn, "stableIn");
      Objects.requireNonNull(latency, "latency");
    }
  }
}
