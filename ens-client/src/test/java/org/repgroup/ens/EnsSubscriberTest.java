package org.repgroup.ens;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.absent;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.getRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.github.tomakehurst.wiremock.WireMockServer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.repgroup.core.HostAddress;
import org.repgroup.core.Protocol;
import org.repgroup.core.ReplicationGroup;
import org.repgroup.core.RepgroupResources;
import org.repgroup.core.StoreHostList;
import org.repgroup.core.FailoverPolicy;
import org.repgroup.ens.internal.EnsWire;
import org.repgroup.testkit.EnsEventLog;
import org.repgroup.testkit.EnsGateway;
import org.repgroup.testkit.Fault;
import org.repgroup.testkit.SimulatedReplicationGroup;

@Timeout(60)
class EnsSubscriberTest {

  static final FailoverPolicy POLICY = FailoverPolicy.builder().stagger(Duration.ofMillis(100))
      .connectTimeout(Duration.ofMillis(300)).responseTimeout(Duration.ofMillis(700)).deadline(Duration.ofSeconds(3))
      .maxPasses(1).retryInitialBackoff(Duration.ofMillis(50)).retryMaxBackoff(Duration.ofMillis(400))
      // No jitter, so the reconnect curve can be checked to the millisecond; the jittered one has its own test.
      .retryJitter(0).build();

  final List<WireMockServer> servers = new ArrayList<>();
  final List<AutoCloseable> closeables = new ArrayList<>();
  final RepgroupResources resources = RepgroupResources.create();
  final EnsSubscriber subscriber = EnsSubscriber.builder(resources).policy(POLICY).build();
  final Recorder recorder = new Recorder();

  @AfterEach
  void tearDown() throws Exception {
    for (AutoCloseable c : closeables) {
      c.close();
    }
    servers.forEach(WireMockServer::stop);
    resources.close();
  }

  static final class Recorder implements EnsListener {
    final List<String> ids = new CopyOnWriteArrayList<>();
    final List<EnsEvent> events = new CopyOnWriteArrayList<>();
    final List<String> errors = new CopyOnWriteArrayList<>();
    final List<SubscriptionStatus> statuses = new CopyOnWriteArrayList<>();

    @Override
    public void onEvent(EnsEvent event, String id) {
      ids.add(id);
      events.add(event);
    }

    @Override
    public void onError(MalformedEventException error) {
      errors.add(error.getMessage());
    }

    @Override
    public void onStatus(SubscriptionStatus status) {
      statuses.add(status);
    }
  }

  static void await(BooleanSupplier condition, String what) {
    long end = System.nanoTime() + Duration.ofSeconds(20).toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > end) {
        throw new AssertionError("timed out waiting for " + what);
      }
      Thread.onSpinWait();
    }
  }

  static String sse(int from, int to) {
    StringBuilder sb = new StringBuilder();
    for (int i = from; i <= to; i++) {
      EnsEvent e = EnsEvent.builder(EventType.NEW_MSG).mailbox("alice").uid(i).build();
      sb.append("id: ").append(i).append("\nevent: ens\ndata: ").append(EnsWire.eventJson(e)).append("\n\n");
    }
    return sb.toString();
  }

  WireMockServer host() {
    WireMockServer s = new WireMockServer(options().dynamicPort().bindAddress("127.0.0.1"));
    s.start();
    servers.add(s);
    return s;
  }

  static HostAddress at(WireMockServer s) {
    return HostAddress.of("127.0.0.1", s.port());
  }

  Subscription subscribe(ReplicationGroup g, EventFilter f) {
    Subscription s = subscriber.subscribe(g, f, recorder);
    closeables.add(s);
    return s;
  }

  @Test
  void streamBreakingAfterEventFiveContinuesOnTheNextHostFromEventSixExactlyOnce() throws Exception {
    WireMockServer a = host();
    WireMockServer b = host();
    a.stubFor(get(urlPathEqualTo("/ens/v1/events")).willReturn(aResponse().withStatus(200)
        .withHeader("Content-Type", "text/event-stream").withBody(sse(1, 5))));
    // B re-sends event 4 and 5 on resume: the subscriber must not hand them over twice.
    b.stubFor(get(urlPathEqualTo("/ens/v1/events")).withHeader("Last-Event-ID", equalTo("5"))
        .willReturn(aResponse().withStatus(200).withHeader("Content-Type", "text/event-stream").withBody(sse(4, 10))));
    b.stubFor(get(urlPathEqualTo("/ens/v1/events")).withHeader("Last-Event-ID", absent())
        .willReturn(aResponse().withStatus(500)));
    ReplicationGroup g = ReplicationGroup.builder("store1", StoreHostList.of(at(a), at(b))).build();

    Subscription s = subscribe(g, EventFilter.of(EventType.NEW_MSG));
    await(() -> recorder.ids.size() >= 10, "events 1..10");
    s.close();

    assertThat(recorder.ids.subList(0, 10)).containsExactly("1", "2", "3", "4", "5", "6", "7", "8", "9", "10");
    assertThat(recorder.ids).doesNotHaveDuplicates();
    b.verify(getRequestedFor(urlPathEqualTo("/ens/v1/events")).withHeader("Last-Event-ID", equalTo("5")));
    assertThat(recorder.events.get(5).uid()).hasValue(6);
  }

  @Test
  void badRequestRejectsTheSubscriptionWithoutMarkingAnyHostDown() throws Exception {
    WireMockServer a = host();
    WireMockServer b = host();
    a.stubFor(get(urlPathEqualTo("/ens/v1/events")).willReturn(aResponse().withStatus(400)
        .withHeader("Content-Type", "application/json").withBody("{\"error\":\"bad-request\",\"detail\":\"match\"}")));
    ReplicationGroup g = ReplicationGroup.builder("g", StoreHostList.of(at(a), at(b))).build();

    Subscription s = subscribe(g, EventFilter.all());
    await(() -> s.status().state() == SubscriptionStatus.State.REJECTED, "rejected");

    assertThat(s.status().detail()).contains(at(a).toString()).contains("HTTP 400");
    assertThat(resources.affinityCache().health(at(a))).isEqualTo(org.repgroup.core.AffinityCache.HostHealth.UP);
    b.verify(0, getRequestedFor(urlPathEqualTo("/ens/v1/events")));
    a.verify(1, getRequestedFor(urlPathEqualTo("/ens/v1/events")));
  }

  @Test
  void tooManyRequestsAtOneHostMovesToTheNextWithoutADownMark() throws Exception {
    WireMockServer a = host();
    WireMockServer b = host();
    a.stubFor(get(urlPathEqualTo("/ens/v1/events")).willReturn(aResponse().withStatus(429)));
    b.stubFor(get(urlPathEqualTo("/ens/v1/events")).willReturn(aResponse().withStatus(200)
        .withHeader("Content-Type", "text/event-stream").withBody(sse(1, 1))));
    ReplicationGroup g = ReplicationGroup.builder("g", StoreHostList.of(at(a), at(b))).build();
    // Stagger 0: on a busy machine a staggered second host could win before the 429 arrives, and
    // a host still silent when another serves is marked down; this test is about the 429 itself.
    EnsSubscriber sequential = EnsSubscriber.builder(resources).policy(POLICY.toBuilder().stagger(Duration.ZERO)
        .responseTimeout(Duration.ofSeconds(3)).deadline(Duration.ofSeconds(8)).build()).build();

    Subscription s = sequential.subscribe(g, EventFilter.all(), recorder);
    closeables.add(s);
    await(() -> recorder.ids.contains("1"), "event 1 from the second host");
    s.close();

    assertThat(recorder.statuses).extracting(SubscriptionStatus::host)
        .contains(java.util.Optional.of(at(b)));
    assertThat(resources.affinityCache().health(at(a))).isEqualTo(org.repgroup.core.AffinityCache.HostHealth.UP);
  }

  @Test
  void hostAnsweringAfterTheResponseTimeoutIsLeftForTheNext() throws Exception {
    WireMockServer slow = host();
    WireMockServer b = host();
    // Connects at once, answers after 0.9 s: past the 700 ms response timeout, though within connect + response.
    slow.stubFor(get(urlPathEqualTo("/ens/v1/events")).willReturn(aResponse().withStatus(200).withFixedDelay(900)
        .withHeader("Content-Type", "text/event-stream").withBody(sse(1, 1))));
    b.stubFor(get(urlPathEqualTo("/ens/v1/events")).willReturn(aResponse().withStatus(200)
        .withHeader("Content-Type", "text/event-stream").withBody(sse(1, 1))));
    ReplicationGroup g = ReplicationGroup.builder("g", StoreHostList.of(at(slow), at(b))).build();
    EnsSubscriber noStagger = EnsSubscriber.builder(resources)
        .policy(POLICY.toBuilder().stagger(java.time.Duration.ZERO).build()).build();

    Subscription s = noStagger.subscribe(g, EventFilter.all(), recorder);
    closeables.add(s);
    await(() -> recorder.ids.contains("1"), "event 1");

    assertThat(recorder.statuses).extracting(SubscriptionStatus::host).contains(java.util.Optional.of(at(b)));
    assertThat(recorder.statuses).extracting(SubscriptionStatus::host).doesNotContain(java.util.Optional.of(at(slow)));
  }

  @Test
  void malformedDataGoesToTheErrorCallbackAndTheStreamContinues() throws Exception {
    WireMockServer a = host();
    String body = sse(1, 1) + "id: 2\nevent: ens\ndata: {not json\n\n"
        + "id: 3\nevent: ens\ndata: {\"reference\":\"enp://h/store?imapUid=3\",\"payload\":null}\n\n" + sse(4, 4);
    a.stubFor(get(urlPathEqualTo("/ens/v1/events")).willReturn(aResponse().withStatus(200)
        .withHeader("Content-Type", "text/event-stream").withBody(body)));

    Subscription s = subscribe(ReplicationGroup.builder("g", StoreHostList.of(at(a))).build(), EventFilter.all());
    await(() -> recorder.ids.contains("4"), "event 4");
    s.close();

    assertThat(recorder.ids).containsExactly("1", "4");
    assertThat(recorder.errors).hasSize(2);
    assertThat(recorder.errors.get(0)).startsWith("event 2 from 127.0.0.1:" + a.port() + ": event data is not a JSON object");
    assertThat(recorder.errors.get(1)).contains("no evtType");
  }

  static final java.util.regex.Pattern RETRYING = java.util.regex.Pattern.compile(".*; retrying in (\\d+) ms$");

  static List<Duration> reconnectDelays(Recorder r) {
    return r.statuses.stream().filter(st -> st.state() == SubscriptionStatus.State.ALL_HOSTS_DOWN).map(st -> {
      java.util.regex.Matcher m = RETRYING.matcher(st.detail());
      assertThat(m.matches()).as(st.detail()).isTrue();
      return Duration.ofMillis(Long.parseLong(m.group(1)));
    }).toList();
  }

  @Test
  void reconnectDelaysAreTheEnginesJitteredBackOffBoundedByItsMaximum() throws Exception {
    org.repgroup.core.time.ManualClock clock = new org.repgroup.core.time.ManualClock();
    RepgroupResources timed = RepgroupResources.builder().ticker(clock).scheduler(clock).build();
    closeables.add(timed);
    HostAddress dead;
    try (java.net.ServerSocket ss = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      dead = HostAddress.of("127.0.0.1", ss.getLocalPort());
    }
    ReplicationGroup g = ReplicationGroup.builder("g", StoreHostList.of(dead)).build();
    FailoverPolicy jittered = POLICY.toBuilder().retryInitialBackoff(Duration.ofMillis(100)).retryMultiplier(2.0)
        .retryJitter(0.5).retryMaxBackoff(Duration.ofMillis(400)).build();
    EnsSubscriber onClock = EnsSubscriber.builder(timed).policy(jittered).build();
    Recorder rec = new Recorder();
    Subscription s = onClock.subscribe(g, EventFilter.all(), rec);
    closeables.add(s);

    // Failed connect n waits 100 ms * 2^(n-1), +-50 %, never above 400 ms; the wait is on the clock.
    for (int n = 1; n <= 5; n++) {
      int failed = n;
      await(() -> reconnectDelays(rec).size() == failed, "failed connect " + n);
      Duration delay = reconnectDelays(rec).get(n - 1);
      long curve = 100L << (n - 1);
      assertThat(delay).as("connect " + n).isBetween(Duration.ofMillis(Math.min(400, curve / 2)),
          Duration.ofMillis(Math.min(400, curve * 3 / 2)));
      await(() -> clock.pendingDelays().equals(List.of(delay)), "the reconnect scheduled in " + delay);
      clock.advance(delay);
    }

    // Jittered: ten cold subscriptions do not all come back at the same instant.
    List<Recorder> cold = new ArrayList<>();
    for (int i = 0; i < 10; i++) {
      Recorder r = new Recorder();
      cold.add(r);
      closeables.add(onClock.subscribe(g, EventFilter.all(), r));
    }
    java.util.Set<Duration> firsts = new java.util.HashSet<>();
    for (Recorder r : cold) {
      await(() -> !reconnectDelays(r).isEmpty(), "a first failed connect");
      Duration d = reconnectDelays(r).get(0);
      assertThat(d).isBetween(Duration.ofMillis(50), Duration.ofMillis(150));
      firsts.add(d);
    }
    assertThat(firsts).as("first reconnect delays of ten subscriptions").hasSizeGreaterThan(1);
  }

  @Test
  void allHostsDownReconnectsWithPacingReportsItAndRecoversWhenAHostReturns() throws Exception {
    EnsEventLog log = new EnsEventLog(100);
    EnsGateway gw = new EnsGateway(log).start();
    closeables.add(gw);
    HostAddress address = gw.address();
    gw.stop();
    ReplicationGroup g = ReplicationGroup.builder("g", StoreHostList.of(address)).build();

    Subscription s = subscribe(g, EventFilter.all());
    await(() -> recorder.statuses.stream().filter(st -> st.state() == SubscriptionStatus.State.ALL_HOSTS_DOWN).count() >= 3,
        "three failed passes");

    List<String> details = recorder.statuses.stream()
        .filter(st -> st.state() == SubscriptionStatus.State.ALL_HOSTS_DOWN).map(SubscriptionStatus::detail).toList();
    assertThat(details.get(0)).contains(address.toString()).endsWith("retrying in 50 ms");
    assertThat(details.get(1)).endsWith("retrying in 100 ms");
    assertThat(details.get(2)).endsWith("retrying in 200 ms");

    gw.start();
    log.append("enp://127.0.0.1/store?evtType=NewMsg&imapUid=1", EnsWire.eventJson(
        EnsEvent.builder(EventType.NEW_MSG).uid(1).build()));
    await(() -> recorder.ids.contains("1"), "the event after recovery");
    assertThat(s.status().state()).isEqualTo(SubscriptionStatus.State.CONNECTED);
  }

  @Test
  void masterKilledMidStreamResumesOnAnotherNodeWithoutLossOrRepeat() throws Exception {
    try (SimulatedReplicationGroup g = SimulatedReplicationGroup.builder().startAsMaster(0).build()) {
      EnsPublisher publisher = EnsPublisher.builder(resources).policy(POLICY).build();
      ReplicationGroup group = g.replicationGroup(Protocol.ENS);
      // Stagger 0 and patient timeouts: the test asserts which host streams first, so a busy machine
      // must neither start node 1 nor give up on node 0.
      Subscription s = EnsSubscriber.builder(resources).policy(POLICY.toBuilder().stagger(Duration.ZERO)
          .connectTimeout(Duration.ofSeconds(2)).responseTimeout(Duration.ofSeconds(3)).deadline(Duration.ofSeconds(8))
          .build()).build().subscribe(group, EventFilter.of(EventType.NEW_MSG), recorder);
      closeables.add(s);
      await(() -> s.status().state() == SubscriptionStatus.State.CONNECTED, "connected");
      assertThat(s.host()).contains(g.node(0).address(Protocol.ENS));
      for (int i = 1; i <= 5; i++) {
        publisher.publish(group, EnsEvent.builder(EventType.NEW_MSG).uid(i).build());
      }
      await(() -> recorder.ids.size() == 5, "five events");

      g.node(0).kill();
      for (int i = 6; i <= 10; i++) {
        assertThat(publisher.publish(group, EnsEvent.builder(EventType.NEW_MSG).uid(i).build()).anyTaken()).isTrue();
      }
      await(() -> recorder.ids.size() == 10, "ten events");

      assertThat(recorder.events).extracting(e -> e.uid().orElseThrow())
          .containsExactly(1L, 2L, 3L, 4L, 5L, 6L, 7L, 8L, 9L, 10L);
      assertThat(s.host()).isPresent().get().isNotEqualTo(g.node(0).address(Protocol.ENS));
      assertThat(recorder.events.get(0).hostname()).contains(g.name());
    }
  }

  @Test
  void filterNarrowsByParameters() throws Exception {
    EnsEvent alice = EnsEvent.builder(EventType.NEW_MSG).mailbox("alice").build();
    EnsEvent bob = EnsEvent.builder(EventType.NEW_MSG).mailbox("bob").build();
    EnsEvent delete = EnsEvent.builder(EventType.DELETE_MSG).mailbox("alice").build();

    EventFilter f = EventFilter.parse("enp://127.0.0.1/store?evtType=NewMsg&mailboxName=alice");

    assertThat(f.matches(alice)).isTrue();
    assertThat(f.matches(bob)).isFalse();
    assertThat(f.matches(delete)).isFalse();
    assertThat(EventFilter.all().matches(delete)).isTrue();
  }

  EnsGateway gateway() throws Exception {
    EnsGateway gw = new EnsGateway(new EnsEventLog(100)).start();
    closeables.add(gw);
    return gw;
  }

  static ReplicationGroup group(HostAddress... hosts) {
    return ReplicationGroup.builder("g", StoreHostList.of(hosts)).build();
  }

  @Test
  void streamWhoseLinesEndInALoneCarriageReturnDeliversItsEvents() throws Exception {
    WireMockServer a = host();
    a.stubFor(get(urlPathEqualTo("/ens/v1/events")).willReturn(aResponse().withStatus(200)
        .withHeader("Content-Type", "text/event-stream").withBody(sse(1, 3).replace("\n", "\r"))));

    Subscription s = subscribe(group(at(a)), EventFilter.all());
    await(() -> recorder.ids.size() >= 3, "three events");
    s.close();

    assertThat(recorder.ids.subList(0, 3)).containsExactly("1", "2", "3");
    assertThat(recorder.events.get(2).uid()).hasValue(3);
    assertThat(recorder.errors).isEmpty();
  }

  @Test
  void rejectionFromTheFirstHostEndsTheSubscriptionEvenWhenAStaggeredHostAnsweredFirst() throws Exception {
    EnsGateway rejecting = gateway();
    rejecting.failSubscriptionsWith(400);
    // Answers after 1 s: the staggered second host has long answered 200 by then.
    rejecting.setFault(Fault.slow(Duration.ofSeconds(1)));
    EnsGateway accepting = gateway();
    EnsSubscriber patient = EnsSubscriber.builder(resources)
        .policy(POLICY.toBuilder().responseTimeout(Duration.ofSeconds(3)).deadline(Duration.ofSeconds(6)).build())
        .build();

    Subscription s = patient.subscribe(group(rejecting.address(), accepting.address()), EventFilter.all(), recorder);
    closeables.add(s);
    await(() -> s.status().state() == SubscriptionStatus.State.REJECTED, "rejected");

    assertThat(s.status().detail()).contains(rejecting.address().toString()).contains("HTTP 400");
    assertThat(s.host()).as("the racing stream is closed").isEmpty();
    assertThat(accepting.subscribeCount()).as("the staggered host was asked").isEqualTo(1);
    assertThat(resources.affinityCache().health(rejecting.address())).as("a rejection marks no host down")
        .isEqualTo(org.repgroup.core.AffinityCache.HostHealth.UP);
    assertThat(resources.affinityCache().health(accepting.address()))
        .isEqualTo(org.repgroup.core.AffinityCache.HostHealth.UP);
  }

  @Test
  void moreConcurrentSubscriptionsToOneHostThanOkHttpsPerHostLimitAllStream() throws Exception {
    EnsGateway gw = gateway();
    ReplicationGroup g = group(gw.address());
    // Timeouts a busy machine meets for eight streams at once: only OkHttp's queue could stop them.
    EnsSubscriber eight = EnsSubscriber.builder(resources).policy(POLICY.toBuilder()
        .connectTimeout(Duration.ofSeconds(2)).responseTimeout(Duration.ofSeconds(3)).deadline(Duration.ofSeconds(8))
        .build()).build();
    List<Recorder> recorders = new ArrayList<>();
    List<Subscription> subs = new ArrayList<>();
    for (int i = 0; i < 8; i++) {
      Recorder r = new Recorder();
      recorders.add(r);
      Subscription s = eight.subscribe(g, EventFilter.all(), r);
      closeables.add(s);
      subs.add(s);
    }
    await(() -> subs.stream().allMatch(s -> s.status().state() == SubscriptionStatus.State.CONNECTED),
        "eight streams from one host");
    gw.log().append("enp://127.0.0.1/store?evtType=NewMsg&imapUid=1",
        EnsWire.eventJson(EnsEvent.builder(EventType.NEW_MSG).uid(1).build()));

    await(() -> recorders.stream().allMatch(r -> r.ids.contains("1")), "the event on every stream");
    assertThat(resources.affinityCache().health(gw.address())).isEqualTo(org.repgroup.core.AffinityCache.HostHealth.UP);
    assertThat(recorders).allSatisfy(r -> assertThat(r.statuses).extracting(SubscriptionStatus::state)
        .containsExactly(SubscriptionStatus.State.CONNECTED));
  }

  @Test
  void eventOverTheSizeLimitIsReportedAndSkippedAndTheStreamGoesOn() throws Exception {
    WireMockServer a = host();
    String huge = "id: 1\nevent: ens\ndata: {\"reference\":\"" + "x".repeat(4096) + "\"}\n\n";
    a.stubFor(get(urlPathEqualTo("/ens/v1/events")).willReturn(aResponse().withStatus(200)
        .withHeader("Content-Type", "text/event-stream").withBody(huge + sse(2, 2))));
    EnsSubscriber small = EnsSubscriber.builder(resources).policy(POLICY).maxEventSize(1024).build();

    Subscription s = small.subscribe(group(at(a)), EventFilter.all(), recorder);
    closeables.add(s);
    await(() -> recorder.ids.contains("2"), "event 2");

    assertThat(recorder.ids.get(0)).isEqualTo("2");
    assertThat(recorder.errors.get(0)).isEqualTo("event 1 from " + at(a) + " skipped: its data passed 4113 bytes,"
        + " over the limit of 1024");
  }

  @Test
  void closingTheSubscriberClosesItsSubscriptionsEndsItsStreamThreadsAndTakesNoMore() throws Exception {
    try (SimulatedReplicationGroup g = SimulatedReplicationGroup.builder().startAsMaster(0).build()) {
      ReplicationGroup group = g.replicationGroup(Protocol.ENS);
      EnsSubscriber own = EnsSubscriber.builder(resources).policy(POLICY.toBuilder().stagger(Duration.ZERO).build())
          .build();
      Set<Thread> streamThreads = ConcurrentHashMap.newKeySet();
      EnsListener onStreamThreads = (event, id) -> streamThreads.add(Thread.currentThread());
      Subscription first = own.subscribe(group, EventFilter.of(EventType.NEW_MSG), onStreamThreads);
      Subscription second = own.subscribe(group, EventFilter.of(EventType.NEW_MSG), onStreamThreads);
      await(() -> first.status().state() == SubscriptionStatus.State.CONNECTED
          && second.status().state() == SubscriptionStatus.State.CONNECTED, "both streaming");
      EnsPublisher.builder(resources).policy(POLICY).build().publish(group,
          EnsEvent.builder(EventType.NEW_MSG).uid(1).build());
      await(() -> streamThreads.size() == 2, "the event on both streams' threads");

      own.close();

      assertThat(first.status().state()).isEqualTo(SubscriptionStatus.State.CLOSED);
      assertThat(second.status().state()).isEqualTo(SubscriptionStatus.State.CLOSED);
      for (Thread t : streamThreads) {
        t.join(Duration.ofSeconds(10).toMillis());
        assertThat(t.isAlive()).as(t.getName() + " ended").isFalse();
      }
      assertThatThrownBy(() -> own.subscribe(group, EventFilter.of(EventType.NEW_MSG), recorder))
          .isInstanceOf(IllegalStateException.class).hasMessageContaining("closed");
    }
  }
}
