package org.repgroup.core.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.repgroup.core.AffinityCache;
import org.repgroup.core.AffinityCache.HostHealth;
import org.repgroup.core.FailoverPolicy;
import org.repgroup.core.HostAddress;
import org.repgroup.core.Intent;
import org.repgroup.core.Protocol;
import org.repgroup.core.ReplicationGroup;
import org.repgroup.core.RepgroupResources;
import org.repgroup.core.StoreHostList;
import org.repgroup.core.spi.FailoverEngine;
import org.repgroup.core.time.ManualClock;

/** What adapters report to the engine after an operation ended. */
class LateObservationsTest {

  static final HostAddress H1 = HostAddress.of("h1.example.com");
  static final HostAddress H2 = HostAddress.of("h2.example.com");

  final ManualClock clock = new ManualClock();
  final RecordingListener events = new RecordingListener();
  final AffinityCache shared = AffinityCache.builder().ticker(clock).recheckInterval(Duration.ofSeconds(30)).build();
  final AffinityStore cache = AffinityStore.of(shared);
  final RepgroupResources resources = RepgroupResources.builder().ticker(clock).scheduler(clock).affinityCache(shared)
      .listener(events).build();
  final ReplicationGroup group = ReplicationGroup.builder("store1", StoreHostList.of(H1, H2)).build();
  final FailoverEngine engine = new FailoverEngine(resources, FailoverPolicy.defaults());

  @AfterEach
  void tearDown() {
    resources.close();
  }

  @Test
  void lostStreamMarksItsHostDownAndForgetsItAsLastGoodHost() {
    HostAddress resolved = group.resolve(H1, Protocol.ENS);
    cache.recordLastGoodHost("store1", H1, cache.nextSequence());
    cache.markUp(resolved);

    engine.servedHostLost(group, Protocol.ENS, Intent.READ_NO_REFERRALS, resolved, "event stream broke: reset");

    assertThat(shared.health(resolved)).isEqualTo(HostHealth.DOWN);
    assertThat(cache.downReason(resolved)).contains("event stream broke: reset");
    assertThat(shared.lastGoodHost("store1")).isEmpty();
    assertThat(events.events).containsExactly("hostMarkedDown " + resolved);
  }

  @Test
  void lateAnswerClearsADownMark() {
    HostAddress resolved = group.resolve(H2, Protocol.ENS);
    cache.markDown(resolved, "no answer in 300 ms while another host answered");

    engine.hostAnswered(group, Protocol.ENS, Intent.READ_NO_REFERRALS, resolved);

    assertThat(shared.health(resolved)).isEqualTo(HostHealth.UP);
    assertThat(events.events).containsExactly("hostMarkedUp " + resolved);
  }
}
