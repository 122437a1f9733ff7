package org.repgroup.micrometer;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.MeterBinder;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import org.repgroup.core.AttemptRecord;
import org.repgroup.core.FailoverListener;
import org.repgroup.core.FailoverResult;
import org.repgroup.core.GroupRegistry;
import org.repgroup.core.HostAddress;
import org.repgroup.core.OperationInfo;
import org.repgroup.core.Protocol;
import org.repgroup.core.ReplicationGroup;

/**
 * Records what the failover engine does in a Micrometer registry, the way
 * Lettuce and HikariCP ship their own binding: a {@link FailoverListener} for
 * the resources, and a {@link MeterBinder} for the registry.
 *
 * <pre>{@code
 * RepgroupMetrics metrics = RepgroupMetrics.of(groups);      // the configured groups bound the tags
 * RepgroupResources resources = RepgroupResources.builder().listener(metrics).build();
 * metrics.bindTo(registry);
 * }</pre>
 *
 * <table>
 * <caption>Meters</caption>
 * <tr><th>name</th><th>type</th><th>tags</th></tr>
 * <tr><td>{@value #OPERATIONS}</td><td>timer</td><td>group, protocol, intent, outcome ({@code served} or the
 *     failure kind: {@code all_unavailable}, {@code no_master}, {@code fatal}, ...)</td></tr>
 * <tr><td>{@value #ATTEMPTS}</td><td>timer</td><td>group, protocol, host, outcome ({@code success},
 *     {@code referral}, {@code unavailable}, {@code read_only}, {@code fatal}, {@code cancelled})</td></tr>
 * <tr><td>{@value #FAILOVERS}</td><td>counter</td><td>group, protocol, intent: operations served after more
 *     than one attempt</td></tr>
 * <tr><td>{@value #REFERRALS}</td><td>counter</td><td>group, protocol, result ({@code followed},
 *     {@code refused}), target</td></tr>
 * <tr><td>{@value #RETRIES}</td><td>counter</td><td>group, protocol: passes over the host list after the
 *     first</td></tr>
 * <tr><td>{@value #MASTER_CHANGES}</td><td>counter</td><td>group, master (the new master, or {@code none} when
 *     it was dropped)</td></tr>
 * <tr><td>{@value #HOSTS_BACK}</td><td>counter</td><td>group, host: down marks cleared by a success on the
 *     host (a recheck that passed)</td></tr>
 * <tr><td>{@value #HOSTS_DOWN}</td><td>gauge</td><td>group: the group's host addresses (host and protocol
 *     port) with a down mark</td></tr>
 * </table>
 *
 * <p>Tag cardinality is bounded by the groups given here: a group that is not
 * among them is tagged {@value #OTHER}, and so is a host that is not in its
 * group's store host list (a referral target outside the list, an allow-listed
 * host). Host tags are the store host list entries as configured (without the
 * port the protocol fills in). Events that arrive before {@link #bindTo} are
 * not recorded; binding to several registries records in each.
 *
 * <p>Down marks are followed through the listener's {@code hostMarkedDown} and
 * {@code hostMarkedUp} events: a mark the cache lets expire without a success
 * on the host (nobody tried it for longer than the cache's entry lifetime)
 * still counts as down here. A recheck that fails renews the mark without an
 * event, so only passed rechecks are counted ({@value #HOSTS_BACK}).
 */
public final class RepgroupMetrics implements MeterBinder, FailoverListener {

  /** Timer of whole operations. */
  public static final String OPERATIONS = "repgroup.operations";
  /** Timer of attempts, per host. */
  public static final String ATTEMPTS = "repgroup.attempts";
  /** Counter of operations served after more than one attempt. */
  public static final String FAILOVERS = "repgroup.failovers";
  /** Counter of referrals followed or refused. */
  public static final String REFERRALS = "repgroup.referrals";
  /** Counter of passes over the host list after the first. */
  public static final String RETRIES = "repgroup.retries";
  /** Counter of changes of a group's cached master. */
  public static final String MASTER_CHANGES = "repgroup.master.changes";
  /** Counter of down marks cleared by a success on the host: rechecks that passed. */
  public static final String HOSTS_BACK = "repgroup.hosts.back";
  /** Gauge of a group's host addresses with a down mark. */
  public static final String HOSTS_DOWN = "repgroup.hosts.down";
  /** The tag value of a group or host outside the configured groups. */
  public static final String OTHER = "other";

  /** Per configured group name: its listed entries, and each address they denote under any protocol. */
  private final Map<String, KnownGroup> groups;
  private final Set<HostAddress> down = ConcurrentHashMap.newKeySet();
  private final List<Meters> bound = new CopyOnWriteArrayList<>();

  private RepgroupMetrics(Collection<ReplicationGroup> configured) {
    Map<String, KnownGroup> byName = new HashMap<>();
    for (ReplicationGroup g : configured) {
      Objects.requireNonNull(g, "group");
      byName.computeIfAbsent(g.name(), n -> new KnownGroup()).add(g);
    }
    this.groups = Map.copyOf(byName);
  }

  /** Metrics whose group and host tags come from {@code registry}'s groups. */
  public static RepgroupMetrics of(GroupRegistry registry) {
    Objects.requireNonNull(registry, "registry");
    return new RepgroupMetrics(registry.groups());
  }

  /**
   * Metrics whose group and host tags come from {@code groups}. Several groups
   * of one name (one per protocol, as a test's simulated group gives them) add
   * up to one group.
   */
  public static RepgroupMetrics of(Collection<ReplicationGroup> groups) {
    Objects.requireNonNull(groups, "groups");
    return new RepgroupMetrics(List.copyOf(groups));
  }

  /** Registers the {@value #HOSTS_DOWN} gauges and records every later event in {@code registry}. */
  @Override
  public void bindTo(MeterRegistry registry) {
    Objects.requireNonNull(registry, "registry");
    for (Map.Entry<String, KnownGroup> e : groups.entrySet()) {
      KnownGroup g = e.getValue();
      Gauge.builder(HOSTS_DOWN, () -> g.countDown(down))
          .description("host addresses of the group with a down mark").tag("group", e.getKey()).register(registry);
    }
    Gauge.builder(HOSTS_DOWN, this::countDownOutsideGroups)
        .description("host addresses of the group with a down mark").tag("group", OTHER).register(registry);
    bound.add(new Meters(registry));
  }

  @Override
  public void operationEnd(OperationInfo op, FailoverResult<?> result) {
    if (bound.isEmpty()) {
      return;
    }
    String group = groupTag(op.group());
    String outcome = result instanceof FailoverResult.Failed<?> f ? label(f.kind().name()) : "served";
    boolean failover = result instanceof FailoverResult.Served<?> && result.trace().attempts().size() > 1;
    for (Meters m : bound) {
      m.operations.withTags("group", group, "protocol", label(op.protocol()), "intent", label(op.intent()),
          "outcome", outcome).record(result.trace().elapsed());
      if (failover) {
        m.failovers.withTags("group", group, "protocol", label(op.protocol()), "intent", label(op.intent()))
            .increment();
      }
    }
  }

  @Override
  public void attemptEnd(OperationInfo op, AttemptRecord record) {
    if (bound.isEmpty()) {
      return;
    }
    String group = groupTag(op.group());
    String host = hostTag(op.group(), record.host());
    for (Meters m : bound) {
      m.attempts.withTags("group", group, "protocol", label(op.protocol()), "host", host,
          "outcome", record.kind().label()).record(record.elapsed());
    }
  }

  @Override
  public void referralFollowed(OperationInfo op, HostAddress from, HostAddress to) {
    referral(op, to, "followed");
  }

  @Override
  public void referralRefused(OperationInfo op, HostAddress from, HostAddress to, String reason) {
    referral(op, to, "refused");
  }

  private void referral(OperationInfo op, HostAddress to, String result) {
    if (bound.isEmpty()) {
      return;
    }
    String group = groupTag(op.group());
    String target = hostTag(op.group(), to);
    for (Meters m : bound) {
      m.referrals.withTags("group", group, "protocol", label(op.protocol()), "result", result, "target", target)
          .increment();
    }
  }

  @Override
  public void retryScheduled(OperationInfo op, int nextPass, java.time.Duration delay) {
    if (bound.isEmpty()) {
      return;
    }
    String group = groupTag(op.group());
    for (Meters m : bound) {
      m.retries.withTags("group", group, "protocol", label(op.protocol())).increment();
    }
  }

  @Override
  public void masterChanged(String group, HostAddress previous, HostAddress current) {
    if (bound.isEmpty()) {
      return;
    }
    String groupTag = groupTag(group);
    String master = current == null ? "none" : hostTag(group, current);
    for (Meters m : bound) {
      m.masterChanges.withTags("group", groupTag, "master", master).increment();
    }
  }

  @Override
  public void hostMarkedDown(HostAddress host, String reason) {
    down.add(host);
  }

  @Override
  public void hostMarkedUp(HostAddress host) {
    down.remove(host);
    if (bound.isEmpty()) {
      return;
    }
    boolean known = false;
    for (Map.Entry<String, KnownGroup> e : groups.entrySet()) {
      String tag = e.getValue().tags.get(host);
      if (tag != null) {
        known = true;
        for (Meters m : bound) {
          m.hostsBack.withTags("group", e.getKey(), "host", tag).increment();
        }
      }
    }
    if (!known) {
      for (Meters m : bound) {
        m.hostsBack.withTags("group", OTHER, "host", OTHER).increment();
      }
    }
  }

  /** The group's name when it is configured, else {@value #OTHER}. */
  String groupTag(String group) {
    return group != null && groups.containsKey(group.toLowerCase(Locale.ROOT)) ? group.toLowerCase(Locale.ROOT)
        : OTHER;
  }

  /** The store host list entry that {@code host} denotes in {@code group}, else {@value #OTHER}. */
  String hostTag(String group, HostAddress host) {
    KnownGroup g = group == null ? null : groups.get(group.toLowerCase(Locale.ROOT));
    if (g == null || host == null) {
      return OTHER;
    }
    String tag = g.tags.get(host);
    return tag != null ? tag : OTHER;
  }

  private int countDownOutsideGroups() {
    int n = 0;
    for (HostAddress h : down) {
      boolean known = false;
      for (KnownGroup g : groups.values()) {
        if (g.tags.containsKey(h)) {
          known = true;
          break;
        }
      }
      n += known ? 0 : 1;
    }
    return n;
  }

  private static String label(Enum<?> e) {
    return label(e.name());
  }

  private static String label(String name) {
    return name.toLowerCase(Locale.ROOT);
  }

  /** A configured group: each address its entries denote (entry as written, or with a protocol's port). */
  private static final class KnownGroup {
    final Map<HostAddress, String> tags = new HashMap<>();
    final Set<HostAddress> addresses = new HashSet<>();

    void add(ReplicationGroup g) {
      for (HostAddress entry : g.hosts().hosts()) {
        String tag = entry.toString();
        tags.putIfAbsent(entry, tag);
        for (Protocol p : Protocol.values()) {
          HostAddress resolved = g.resolve(entry, p);
          tags.putIfAbsent(resolved, tag);
          addresses.add(resolved);
        }
      }
    }

    int countDown(Set<HostAddress> down) {
      int n = 0;
      for (HostAddress h : addresses) {
        n += down.contains(h) ? 1 : 0;
      }
      return n;
    }
  }

  /** The meters of one registry, each with its tags filled in per event. */
  private static final class Meters {
    final Meter.MeterProvider<Timer> operations;
    final Meter.MeterProvider<Timer> attempts;
    final Meter.MeterProvider<Counter> failovers;
    final Meter.MeterProvider<Counter> referrals;
    final Meter.MeterProvider<Counter> retries;
    final Meter.MeterProvider<Counter> masterChanges;
    final Meter.MeterProvider<Counter> hostsBack;

    Meters(MeterRegistry r) {
      operations = Timer.builder(OPERATIONS).description("failover operations, from start to served or failed")
          .withRegistry(r);
      attempts = Timer.builder(ATTEMPTS).description("attempts on one host").withRegistry(r);
      failovers = Counter.builder(FAILOVERS).description("operations served after more than one attempt")
          .withRegistry(r);
      referrals = Counter.builder(REFERRALS).description("referrals followed or refused").withRegistry(r);
      retries = Counter.builder(RETRIES).description("passes over the host list after the first").withRegistry(r);
      masterChanges = Counter.builder(MASTER_CHANGES).description("changes of the group's cached master")
          .withRegistry(r);
      hostsBack = Counter.builder(HOSTS_BACK).description("down marks cleared by a success on the host")
          .withRegistry(r);
    }
  }

  @Override
  public String toString() {
    return "RepgroupMetrics" + new ArrayList<>(groups.keySet());
  }
}
