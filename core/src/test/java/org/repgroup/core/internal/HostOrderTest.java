package org.repgroup.core.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.repgroup.core.AffinityCache.HostHealth;
import org.repgroup.core.HostAddress;
import org.repgroup.core.internal.HostOrder.Entry;
import org.repgroup.core.internal.HostOrder.HostView;
import org.repgroup.core.internal.HostOrder.Plan;

/** The order of a pass as tables of host states. */
class HostOrderTest {

  static final Entry A = entry("a");
  static final Entry B = entry("b");
  static final Entry C = entry("c");
  static final List<Entry> LIST = List.of(A, B, C);

  final Map<HostAddress, HostView> views = new HashMap<>();

  static Entry entry(String name) {
    return new Entry(HostAddress.of(name), HostAddress.of(name, 143));
  }

  HostOrderTest with(Entry e, HostHealth health, boolean recovering, Duration latency) {
    views.put(e.resolved(), new HostView(health, recovering, Optional.ofNullable(latency)));
    return this;
  }

  Plan plan(Entry preferred, boolean read, boolean prober, boolean probeRead) {
    return HostOrder.plan(new HostOrder.Inputs(LIST, Optional.ofNullable(preferred), read, prober, 4.0, probeRead),
        h -> views.getOrDefault(h, HostView.UP));
  }

  @Test
  void listOrderWithThePreferredHostFirst() {
    assertThat(plan(null, false, false, false).candidates()).containsExactly(A, B, C);
    assertThat(plan(C, false, false, false).candidates()).containsExactly(C, A, B);
  }

  @Test
  void hostsMarkedDownAreSkipped() {
    with(A, HostHealth.DOWN, false, null);

    assertThat(plan(null, false, false, false).candidates()).containsExactly(B, C);
  }

  @Test
  void everyHostMarkedDownMeansTryThemAll() {
    with(A, HostHealth.DOWN, false, null).with(B, HostHealth.DOWN, false, null).with(C, HostHealth.DOWN, false, null);

    Plan p = plan(B, false, false, false);

    assertThat(p.candidates()).containsExactly(B, A, C);
    assertThat(p.claimWhenReached()).isEmpty();
  }

  @Test
  void dueHostWithoutAProberIsClaimedWhenReachedAndGoesLastBehindUsableHosts() {
    with(B, HostHealth.RECHECK_DUE, false, null);

    Plan p = plan(null, false, false, false);

    assertThat(p.candidates()).containsExactly(A, C, B);
    assertThat(p.claimWhenReached()).containsExactly(B.resolved());
    assertThat(p.sideRechecks()).isEmpty();
  }

  @Test
  void dueHostListedFirstWithoutAProberKeepsItsPlace() {
    with(A, HostHealth.RECHECK_DUE, false, null);

    assertThat(plan(null, false, false, false).candidates()).containsExactly(A, B, C);
  }

  @Test
  void dueHostWithAProberIsRecheckedOnTheSideWhileOthersServe() {
    with(A, HostHealth.RECHECK_DUE, false, null);

    Plan p = plan(null, false, true, false);

    assertThat(p.candidates()).containsExactly(B, C);
    assertThat(p.sideRechecks()).containsExactly(A);
  }

  @Test
  void dueHostWithAProberIsTheOperationsOwnAttemptWhenNothingElseIsUp() {
    with(A, HostHealth.RECHECK_DUE, false, null).with(B, HostHealth.DOWN, false, null)
        .with(C, HostHealth.DOWN, false, null);

    Plan p = plan(null, false, true, false);

    assertThat(p.candidates()).containsExactly(A);
    assertThat(p.claimWhenReached()).containsExactly(A.resolved());
    assertThat(p.sideRechecks()).isEmpty();
  }

  @Test
  void hostWithinItsStabilityWindowGoesAfterSteadyHostsUnlessPreferred() {
    with(A, HostHealth.UP, true, null);

    assertThat(plan(null, false, false, false).candidates()).containsExactly(B, C, A);
    assertThat(plan(A, false, false, false).candidates()).containsExactly(A, B, C);
  }

  @Test
  void readsPutSlowHostsLast() {
    with(A, HostHealth.UP, false, Duration.ofMillis(100)).with(B, HostHealth.UP, false, Duration.ofMillis(5))
        .with(C, HostHealth.UP, false, Duration.ofMillis(6));

    assertThat(plan(null, true, false, false).candidates()).containsExactly(B, C, A);
    assertThat(plan(null, false, false, false).candidates()).as("writes ignore latency").containsExactly(A, B, C);
  }

  @Test
  void aHostOnlyMillisecondsSlowerIsNotSlowHoweverLargeTheRatio() {
    // 12 ms against 1 ms is twelve times, but within 15 ms: a busy scheduler, not a sick host.
    with(A, HostHealth.UP, false, Duration.ofMillis(12)).with(B, HostHealth.UP, false, Duration.ofMillis(1))
        .with(C, HostHealth.UP, false, Duration.ofMillis(1));

    assertThat(plan(null, true, false, false).candidates()).containsExactly(A, B, C);

    with(A, HostHealth.UP, false, Duration.ofMillis(17));
    assertThat(plan(null, true, false, false).candidates()).as("16 ms slower and 17 times").containsExactly(B, C, A);
  }

  @Test
  void probeReadsTryUnmeasuredThenSlowHostsFirst() {
    with(A, HostHealth.UP, false, Duration.ofMillis(100)).with(B, HostHealth.UP, false, Duration.ofMillis(5));

    assertThat(plan(null, true, false, true).candidates()).as("C was never measured").containsExactly(C, B, A);

    with(C, HostHealth.UP, false, Duration.ofMillis(6));
    assertThat(plan(null, true, false, true).candidates()).containsExactly(A, B, C);
  }

  @Test
  void slowHostWithinItsStabilityWindowStaysLastEvenOnAProbeRead() {
    with(A, HostHealth.UP, true, Duration.ofMillis(100)).with(B, HostHealth.UP, false, Duration.ofMillis(5))
        .with(C, HostHealth.UP, false, Duration.ofMillis(6));

    assertThat(plan(null, true, false, true).candidates()).containsExactly(B, C, A);
  }
}
