package org.repgroup.micrometer;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.repgroup.core.AffinityCache;
import org.repgroup.core.FailoverPolicy;
import org.repgroup.core.time.ManualClock;
import org.repgroup.core.Credentials;
import org.repgroup.core.Protocol;
import org.repgroup.core.ReplicationGroup;
import org.repgroup.core.RepgroupResources;
import org.repgroup.core.StoreHostList;
import org.repgroup.pop.PopFailoverClient;
import org.repgroup.testkit.SimulatedReplicationGroup;

/** The registry's contents after real failovers on a simulated group (POP logins on loopback sockets). */
@Timeout(60)
class RepgroupMetricsTest {

  /** Stagger 0: hosts strictly one after another, so the attempts (and their meters) are exact. */
  static final FailoverPolicy POLICY = FailoverPolicy.builder().stagger(Duration.ZERO)
      .connectTimeout(Duration.ofMillis(500)).responseTimeout(Duration.ofSeconds(1)).deadline(Duration.ofSeconds(5))
      .build();
  static final Credentials ALICE = new Credentials("alice", "secret");

  final SimpleMeterRegistry registry = new SimpleMeterRegistry();
  RepgroupResources resources;

  @AfterEach
  void tearDown() {
    if (resources != null) {
      resources.close();
    }
  }

  PopFailoverClient client(RepgroupMetrics metrics) {
    metrics.bindTo(registry);
    resources = RepgroupResources.builder().listener(metrics).build();
    return PopFailoverClient.builder(resources).policy(POLICY).build();
  }

  @Test
  void masterKilledRecordsTheFailoverPerHostTimersAndTheDownMark() throws Exception {
    try (SimulatedReplicationGroup g = SimulatedReplicationGroup.builder().user("alice", "secret").startAsMaster(0)
        .build()) {
      ReplicationGroup pop = g.replicationGroup(Protocol.POP);
      PopFailoverClient client = client(RepgroupMetrics.of(List.of(pop, g.replicationGroup(Protocol.IMAP))));
      String node1 = g.node(0).address(Protocol.POP).toString();
      String node2 = g.node(1).address(Protocol.POP).toString();

      client.connect(pop, ALICE).close();
      g.node(0).kill();
      client.connect(pop, ALICE).close();

      assertThat(counts("repgroup.operations")).containsOnly(
          Map.entry("group=store1.example.com,intent=write,outcome=served,protocol=pop", 2L));
      assertThat(counts("repgroup.attempts")).containsOnly(
          Map.entry("group=store1.example.com,host=" + node1 + ",outcome=success,protocol=pop", 1L),
          Map.entry("group=store1.example.com,host=" + node1 + ",outcome=unavailable,protocol=pop", 1L),
          Map.entry("group=store1.example.com,host=" + node2 + ",outcome=success,protocol=pop", 1L));
      assertThat(counts("repgroup.failovers")).containsOnly(
          Map.entry("group=store1.example.com,intent=write,protocol=pop", 1L));
      assertThat(counts("repgroup.master.changes")).containsOnly(
          Map.entry("group=store1.example.com,master=" + node1, 1L),
          Map.entry("group=store1.example.com,master=" + node2, 1L),
          Map.entry("group=store1.example.com,master=none", 1L));
      assertThat(gauge("store1.example.com")).isEqualTo(1.0);
      assertThat(gauge(RepgroupMetrics.OTHER)).isEqualTo(0.0);
      assertThat(counts("repgroup.referrals")).isEmpty();
      assertThat(counts("repgroup.hosts.back")).isEmpty();
    }
  }

  @Test
  void aHostBackAfterItsRecheckIsCountedAndLeavesTheGauge() throws Exception {
    ManualClock cacheClock = new ManualClock();
    try (SimulatedReplicationGroup g = SimulatedReplicationGroup.builder().user("alice", "secret").startAsMaster(0)
        .build()) {
      ReplicationGroup pop = g.replicationGroup(Protocol.POP);
      RepgroupMetrics metrics = RepgroupMetrics.of(List.of(pop));
      metrics.bindTo(registry);
      resources = RepgroupResources.builder().listener(metrics)
          .affinityCache(AffinityCache.builder().ticker(cacheClock).build()).build();
      PopFailoverClient client = PopFailoverClient.builder(resources).policy(POLICY).build();
      g.node(0).kill();
      client.connect(pop, ALICE).close();
      assertThat(gauge("store1.example.com")).isEqualTo(1.0);

      g.node(0).start();
      cacheClock.advance(AffinityCache.DEFAULT_RECHECK_INTERVAL);
      client.connect(pop, ALICE).close();

      // The recheck runs on the side (the adapter's greeting probe) while the master serves. The listener
      // clears the down mark (the gauge) before it counts the host back, so wait for both.
      String back = "group=store1.example.com,host=" + g.node(0).address(Protocol.POP);
      long end = System.nanoTime() + Duration.ofSeconds(5).toNanos();
      while ((gauge("store1.example.com") > 0 || !counts("repgroup.hosts.back").containsKey(back))
          && System.nanoTime() < end) {
        java.util.concurrent.locks.LockSupport.parkNanos(1_000_000);
      }
      assertThat(gauge("store1.example.com")).isEqualTo(0.0);
      assertThat(counts("repgroup.hosts.back")).containsOnly(Map.entry(back, 1L));
    }
  }

  @Test
  void referralsAreTaggedWithTheirTargetAndAStrangerIsOther() throws Exception {
    try (SimulatedReplicationGroup g = SimulatedReplicationGroup.builder().user("alice", "secret").startAsMaster(2)
        .build()) {
      ReplicationGroup pop = g.replicationGroup(Protocol.POP);
      PopFailoverClient client = client(RepgroupMetrics.of(List.of(pop)));
      g.node(0).pop().onCommand("USER", c -> "-ERR [SYS/REFER/stranger.example.com:110] go there");
      String master = g.node(2).address(Protocol.POP).toString();

      client.connect(pop, ALICE).close();

      assertThat(counts("repgroup.referrals")).containsOnly(
          Map.entry("group=store1.example.com,protocol=pop,result=followed,target=" + master, 1L),
          Map.entry("group=store1.example.com,protocol=pop,result=refused,target=other", 1L));
      assertThat(registry.find("repgroup.attempts").tag("outcome", "referral").timers())
          .extracting(t -> t.getId().getTag("host"))
          .containsExactlyInAnyOrder(g.node(0).address(Protocol.POP).toString(),
              g.node(1).address(Protocol.POP).toString());
    }
  }

  @Test
  void aGroupThatIsNotConfiguredIsTaggedOtherWithOtherHosts() throws Exception {
    try (SimulatedReplicationGroup g = SimulatedReplicationGroup.builder().user("alice", "secret").startAsMaster(0)
        .build()) {
      ReplicationGroup configured = ReplicationGroup.builder("store9.example.com",
          StoreHostList.parse("a.example.com b.example.com")).build();
      PopFailoverClient client = client(RepgroupMetrics.of(List.of(configured)));

      client.connect(g.replicationGroup(Protocol.POP), ALICE).close();

      assertThat(counts("repgroup.operations")).containsOnlyKeys("group=other,intent=write,outcome=served,protocol=pop");
      assertThat(counts("repgroup.attempts")).containsOnlyKeys("group=other,host=other,outcome=success,protocol=pop");
      assertThat(counts("repgroup.master.changes")).containsOnlyKeys("group=other,master=other");
      assertThat(gauge("store9.example.com")).isEqualTo(0.0);
    }
  }

  @Test
  void hostTagsAreTheListEntriesWhateverPortTheProtocolFillsIn() {
    ReplicationGroup group = ReplicationGroup.builder("store1.example.com",
        StoreHostList.parse("a.example.com b.example.com:1143")).port(Protocol.LMTP, 2424).build();
    RepgroupMetrics metrics = RepgroupMetrics.of(List.of(group));

    assertThat(metrics.hostTag("store1.example.com", org.repgroup.core.HostAddress.of("a.example.com", 2424)))
        .isEqualTo("a.example.com");
    assertThat(metrics.hostTag("store1.example.com", org.repgroup.core.HostAddress.of("a.example.com", 143)))
        .isEqualTo("a.example.com");
    assertThat(metrics.hostTag("STORE1.example.com", org.repgroup.core.HostAddress.of("b.example.com", 1143)))
        .isEqualTo("b.example.com:1143");
    assertThat(metrics.hostTag("store1.example.com", org.repgroup.core.HostAddress.of("a.example.com", 9999)))
        .isEqualTo(RepgroupMetrics.OTHER);
    assertThat(metrics.hostTag("store2.example.com", org.repgroup.core.HostAddress.of("a.example.com", 143)))
        .isEqualTo(RepgroupMetrics.OTHER);
  }

  /** Every meter called {@code name}: its tags as {@code k=v,...} (sorted) and its count. */
  Map<String, Long> counts(String name) {
    Map<String, Long> out = new TreeMap<>();
    for (Meter m : registry.find(name).meters()) {
      String tags = m.getId().getTags().stream().map(t -> t.getKey() + "=" + t.getValue()).sorted()
          .collect(Collectors.joining(","));
      long count = m instanceof io.micrometer.core.instrument.Timer t ? t.count()
          : (long) ((io.micrometer.core.instrument.Counter) m).count();
      out.put(tags, count);
    }
    return out;
  }

  double gauge(String group) {
    return registry.get("repgroup.hosts.down").tags(List.of(Tag.of("group", group))).gauge().value();
  }
}
