package org.repgroup.core;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.repgroup.core.AffinityCache.HostHealth;
import org.repgroup.core.HealthSnapshot.GroupHealth;
import org.repgroup.core.HealthSnapshot.HostStatus;
import org.repgroup.core.spi.Attempt;
import org.repgroup.core.spi.AttemptOutcome;
import org.repgroup.core.spi.FailoverEngine;
import org.repgroup.core.time.ManualClock;

/** {@link RepgroupResources#health()} after failovers run by the engine, on the fake clock. */
@Timeout(30)
class HealthSnapshotTest {

  static final HostAddress H1 = HostAddress.of("h1.example.com", 143);
  static final HostAddress H2 = HostAddress.of("h2.example.com", 143);
  static final HostAddress H3 = HostAddress.of("h3.example.com", 143);

  final ManualClock clock = new ManualClock();
  final ReplicationGroup group = ReplicationGroup.builder("Store1.example.com", StoreHostList.of(H1, H2, H3)).build();
  /** What each host answers now; a host not in it serves. */
  final Map<HostAddress, String> refusing = new ConcurrentHashMap<>();
  final Attempt<String> attempt = ctx -> refusing.containsKey(ctx.host())
      ? AttemptOutcome.unavailable(refusing.get(ctx.host()), null)
      : AttemptOutcome.success(ctx.host().toString());
  RepgroupResources resources;
  FailoverEngine engine;

  @BeforeEach
  void setUp() {
    resources = RepgroupResources.builder().ticker(clock).scheduler(clock).build();
    engine = new FailoverEngine(resources, FailoverPolicy.builder().stagger(Duration.ZERO).build());
  }

  @AfterEach
  void tearDown() {
    resources.close();
  }

  @Test
  void afterAFailoverShowsTheNewMasterTheDownHostAndItsRecheck() throws Exception {
    engine.execute(group, Protocol.IMAP, Intent.WRITE, attempt).orThrow();
    clock.advance(Duration.ofSeconds(2));
    refusing.put(H1, "connection refused\r\n\u001b[31m");

    FailoverResult<String> r = engine.execute(group, Protocol.IMAP, Intent.WRITE, attempt);
    assertThat(((FailoverResult.Served<String>) r).host()).isEqualTo(H2);
    clock.advance(Duration.ofSeconds(10));
    HealthSnapshot health = resources.health();

    GroupHealth g = health.group("STORE1.example.com").orElseThrow();
    assertThat(g.name()).isEqualTo("store1.example.com");
    assertThat(g.master()).contains(H2);
    assertThat(g.masterConfirmed()).isTrue();
    assertThat(g.masterConfirmedAgo()).contains(Duration.ofSeconds(10));
    assertThat(g.lastGoodHost()).isEmpty();
    HostStatus down = health.host(H1).orElseThrow();
    assertThat(down.health()).isEqualTo(HostHealth.DOWN);
    assertThat(down.downReason()).hasValueSatisfying(reason -> assertThat(reason)
        .startsWith("connection refused").doesNotContain("\r", "\n", "\u001b"));
    assertThat(down.recheckDueIn()).contains(Duration.ofSeconds(20));
    assertThat(down.recheckInFlight()).isFalse();
    assertThat(health.down()).containsExactly(down);
    HostStatus master = health.host(H2).orElseThrow();
    assertThat(master.health()).isEqualTo(HostHealth.UP);
    assertThat(master.latency()).isPresent();
    assertThat(master.recheckDueIn()).isEmpty();
    assertThat(health.hostsOf(group)).extracting(HostStatus::host).containsExactly(H1, H2, H3);

    clock.advance(Duration.ofSeconds(20));
    assertThat(resources.health().host(H1).orElseThrow())
        .satisfies(h -> assertThat(h.health()).isEqualTo(HostHealth.RECHECK_DUE))
        .satisfies(h -> assertThat(h.recheckDueIn()).contains(Duration.ZERO));
    assertThat(health.host(H1).orElseThrow().health()).as("a snapshot does not change").isEqualTo(HostHealth.DOWN);
  }

  @Test
  void aHostBackFromItsRecheckIsWithinItsStabilityWindow() throws Exception {
    refusing.put(H1, "reset");
    engine.execute(group, Protocol.IMAP, Intent.READ, attempt).orThrow();
    refusing.clear();
    clock.advance(AffinityCache.DEFAULT_RECHECK_INTERVAL);

    // Every other host refuses: the read reaches h1, whose recheck is due, and h1 serves.
    refusing.put(H2, "reset");
    refusing.put(H3, "reset");
    engine.execute(group, Protocol.IMAP, Intent.READ, attempt).orThrow();
    clock.advance(Duration.ofSeconds(5));
    HealthSnapshot health = resources.health();

    HostStatus back = health.host(H1).orElseThrow();
    assertThat(back.health()).isEqualTo(HostHealth.UP);
    assertThat(back.stableIn()).contains(AffinityCache.DEFAULT_STABILITY_WINDOW.minusSeconds(5));
    assertThat(health.group("store1.example.com").orElseThrow().lastGoodHost()).contains(H1);
    assertThat(health.down()).extracting(HostStatus::host).containsExactly(H2, H3);
  }

  @Test
  void groupsAndHostsNobodyAskedAboutForTheEntryLifetimeAreForgotten() throws Exception {
    engine.execute(group, Protocol.IMAP, Intent.WRITE, attempt).orThrow();
    assertThat(resources.health().groups()).hasSize(1);

    clock.advance(AffinityCache.DEFAULT_ENTRY_TTL);

    assertThat(resources.health().groups()).isEmpty();
    assertThat(resources.health().hosts()).isEmpty();
  }

  @Test
  void theGroupsAndHostsRememberedAreBoundedByTheCachesMaximumSize() throws Exception {
    AffinityCache small = AffinityCache.builder().ticker(clock).maximumSize(10).build();
    try (RepgroupResources r = RepgroupResources.builder().ticker(clock).scheduler(clock).affinityCache(small).build()) {
      FailoverEngine e = new FailoverEngine(r, FailoverPolicy.builder().stagger(Duration.ZERO).build());
      for (int i = 0; i < 100; i++) {
        e.execute(ReplicationGroup.ofSingleHost("h" + i + ".example.com"), Protocol.IMAP, Intent.WRITE, attempt);
      }

      assertThat(r.health().groups()).hasSizeLessThanOrEqualTo(10);
      assertThat(r.health().hosts()).hasSizeLessThanOrEqualTo(10);
    }
  }

  @Test
  void aNewCacheKnowsNothing() {
    assertThat(resources.health()).isEqualTo(new HealthSnapshot(java.util.List.of(), java.util.List.of()));
  }
}
