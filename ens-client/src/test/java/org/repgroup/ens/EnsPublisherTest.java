package org.repgroup.ens;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.containing;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;
import static org.assertj.core.api.Assertions.assertThat;

import com.github.tomakehurst.wiremock.WireMockServer;
import java.net.InetAddress;
import java.net.ServerSocket;
import com.sun.net.httpserver.HttpServer;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.repgroup.core.HostAddress;
import org.repgroup.core.Protocol;
import org.repgroup.core.ReplicationGroup;
import org.repgroup.core.RepgroupResources;
import org.repgroup.core.StoreHostList;
import org.repgroup.core.AffinityCache;
import org.repgroup.core.FailoverPolicy;
import org.repgroup.testkit.EnsEventLog;
import org.repgroup.testkit.EnsGateway;
import org.repgroup.testkit.Fault;
import org.repgroup.testkit.SimulatedReplicationGroup;

@Timeout(60)
class EnsPublisherTest {

  static final EnsEvent EVENT = EnsEvent.builder(EventType.NEW_MSG).mailbox("alice").uid(62).uidValidity(1046993605)
      .build();

  final List<WireMockServer> servers = new ArrayList<>();
  final RepgroupResources resources = RepgroupResources.create();
  /** Timeouts generous enough for a cold WireMock on a busy machine; tests of timeouts set their own. */
  static final FailoverPolicy POLICY = FailoverPolicy.builder().connectTimeout(Duration.ofMillis(300))
      .deadline(Duration.ofSeconds(8)).build();
  final EnsPublisher publisher = EnsPublisher.builder(resources).policy(POLICY).perHostTimeout(Duration.ofSeconds(4))
      .build();
  /**
   * One pass: a publish no host took is otherwise sent again until the deadline (an election's
   * ride-through); tests of what one pass reports pin it to one.
   */
  final EnsPublisher onePass = EnsPublisher.builder(resources).policy(POLICY.toBuilder().maxPasses(1).build())
      .perHostTimeout(Duration.ofSeconds(4)).build();

  @AfterEach
  void tearDown() {
    servers.forEach(WireMockServer::stop);
    resources.close();
  }

  WireMockServer host(int status) {
    WireMockServer s = new WireMockServer(options().dynamicPort().bindAddress("127.0.0.1"));
    s.start();
    s.stubFor(post(urlPathEqualTo("/ens/v1/events")).willReturn(aResponse().withStatus(status)
        .withHeader("Content-Type", "application/json").withBody(status == 202 ? "{\"id\":\"7\"}" : "{\"error\":\"x\"}")));
    servers.add(s);
    return s;
  }

  static HostAddress at(WireMockServer s) {
    return HostAddress.of("127.0.0.1", s.port());
  }

  static HostAddress unreachable() throws Exception {
    try (ServerSocket ss = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return HostAddress.of("127.0.0.1", ss.getLocalPort());
    }
  }

  static ReplicationGroup group(HostAddress... hosts) {
    return ReplicationGroup.builder("store1.example.com", StoreHostList.of(hosts)).build();
  }

  @Test
  void publishReachesEveryLiveHostWhileOneFailsAndOneIsUnreachable() throws Exception {
    WireMockServer a = host(202);
    WireMockServer b = host(503);
    HostAddress c = unreachable();
    WireMockServer d = host(202);
    ReplicationGroup g = group(at(a), at(b), c, at(d));

    PublishResult r = publisher.publish(g, EVENT);

    assertThat(r.takenBy()).containsExactly(at(a), at(d));
    assertThat(r.host(at(b)).outcome()).isEqualTo(HostPublish.Outcome.FAILED);
    assertThat(r.host(at(b)).status()).isEqualTo(503);
    assertThat(r.host(c).outcome()).isEqualTo(HostPublish.Outcome.FAILED);
    assertThat(r.host(at(a)).eventId()).contains("7");
    assertThat(resources.affinityCache().health(at(b))).isEqualTo(AffinityCache.HostHealth.DOWN);
    assertThat(resources.affinityCache().health(c)).isEqualTo(AffinityCache.HostHealth.DOWN);

    PublishResult again = publisher.publish(g, EVENT);

    assertThat(again.host(at(b)).outcome()).isEqualTo(HostPublish.Outcome.SKIPPED);
    assertThat(again.host(c).outcome()).isEqualTo(HostPublish.Outcome.SKIPPED);
    b.verify(1, postRequestedFor(urlPathEqualTo("/ens/v1/events")));
  }

  @Test
  void publisherTriesEveryHostWhenAllAreMarkedDown() throws Exception {
    WireMockServer a = host(503);
    WireMockServer b = host(503);
    ReplicationGroup g = group(at(a), at(b));
    PublishResult outage = onePass.publish(g, EVENT);
    assertThat(outage.anyTaken()).isFalse();
    assertThat(resources.affinityCache().health(at(a))).isEqualTo(AffinityCache.HostHealth.DOWN);
    assertThat(resources.affinityCache().health(at(b))).isEqualTo(AffinityCache.HostHealth.DOWN);
    for (WireMockServer s : List.of(a, b)) {
      s.stubFor(post(urlPathEqualTo("/ens/v1/events")).willReturn(aResponse().withStatus(202)
          .withHeader("Content-Type", "application/json").withBody("{\"id\":\"8\"}")));
    }

    PublishResult r = onePass.publish(g, EVENT);

    assertThat(r.takenBy()).as("every host marked down: all are tried anyway").containsExactly(at(a), at(b));
    a.verify(2, postRequestedFor(urlPathEqualTo("/ens/v1/events")));
    b.verify(2, postRequestedFor(urlPathEqualTo("/ens/v1/events")));
    assertThat(resources.affinityCache().health(at(a))).isEqualTo(AffinityCache.HostHealth.UP);
  }

  @Test
  void hostMarksAreMadeByTheEngineAndReachTheListenerOnce() throws Exception {
    List<String> marks = new java.util.concurrent.CopyOnWriteArrayList<>();
    RepgroupResources listened = RepgroupResources.builder().listener(new org.repgroup.core.FailoverListener() {
      @Override
      public void hostMarkedDown(HostAddress host, String reason) {
        marks.add("down " + host + " " + reason);
      }

      @Override
      public void hostMarkedUp(HostAddress host) {
        marks.add("up " + host);
      }
    }).build();
    try (listened) {
      WireMockServer a = host(202);
      WireMockServer b = host(503);
      EnsPublisher p = EnsPublisher.builder(listened).policy(POLICY).perHostTimeout(Duration.ofSeconds(4)).build();

      p.publish(group(at(a), at(b)), EVENT);
      p.publish(group(at(a), at(b)), EVENT);

      assertThat(marks).containsExactly("down " + at(b) + " HTTP 503: {\"error\":\"x\"}");
    }
  }

  @Test
  void slowHostDoesNotDelayTheOthersPastItsTimeout() throws Exception {
    WireMockServer fast = host(202);
    WireMockServer slow = host(202);
    slow.stubFor(post(urlPathEqualTo("/ens/v1/events")).willReturn(aResponse().withStatus(202)
        .withFixedDelay(6000).withBody("{\"id\":\"1\"}")));
    EnsPublisher oneSecond = EnsPublisher.builder(resources).policy(POLICY).perHostTimeout(Duration.ofSeconds(1)).build();

    long start = System.nanoTime();
    PublishResult r = oneSecond.publish(group(at(fast), at(slow)), EVENT);
    Duration took = Duration.ofNanos(System.nanoTime() - start);

    assertThat(r.takenBy()).containsExactly(at(fast));
    assertThat(r.host(at(slow)).outcome()).isEqualTo(HostPublish.Outcome.FAILED);
    assertThat(took).as("bounded by the 1 s per-host timeout, not the 6 s delay").isLessThan(Duration.ofMillis(4000));
  }

  @Test
  void redirectIsFollowedOnceNotTwice() throws Exception {
    WireMockServer a = host(307);
    WireMockServer c = host(307);
    WireMockServer d = host(202);
    a.stubFor(post(urlPathEqualTo("/ens/v1/events")).willReturn(aResponse().withStatus(307)
        .withHeader("Location", "http://127.0.0.1:" + c.port() + "/ens/v1/events")));
    c.stubFor(post(urlPathEqualTo("/ens/v1/events")).willReturn(aResponse().withStatus(307)
        .withHeader("Location", "http://127.0.0.1:" + d.port() + "/ens/v1/events")));
    ReplicationGroup g = group(at(a)).toBuilder().allowReferralsTo("127.0.0.1").build();

    PublishResult r = publisher.publish(g, EVENT);

    assertThat(r.host(at(a)).outcome()).isEqualTo(HostPublish.Outcome.FAILED);
    assertThat(r.host(at(a)).detail()).contains("a redirect is followed once");
    c.verify(1, postRequestedFor(urlPathEqualTo("/ens/v1/events")));
    d.verify(0, postRequestedFor(urlPathEqualTo("/ens/v1/events")));
  }

  @Test
  void redirectToAHostThatGetsTheEventDirectlyIsNotFollowed() throws Exception {
    WireMockServer master = host(202);
    WireMockServer replica = host(307);
    replica.stubFor(post(urlPathEqualTo("/ens/v1/events")).willReturn(aResponse().withStatus(307)
        .withHeader("Location", "http://127.0.0.1:" + master.port() + "/ens/v1/events")));

    PublishResult r = publisher.publish(group(at(replica), at(master)), EVENT);

    assertThat(r.host(at(replica)).outcome()).isEqualTo(HostPublish.Outcome.REDIRECTED);
    assertThat(r.host(at(master)).outcome()).isEqualTo(HostPublish.Outcome.ACCEPTED);
    master.verify(1, postRequestedFor(urlPathEqualTo("/ens/v1/events")));
  }

  @Test
  void replicaRedirectingToAMasterThatFailsIsNotCountedAsTaken() throws Exception {
    WireMockServer master = host(503);
    WireMockServer replica = host(307);
    replica.stubFor(post(urlPathEqualTo("/ens/v1/events")).willReturn(aResponse().withStatus(307)
        .withHeader("Location", "http://127.0.0.1:" + master.port() + "/ens/v1/events")));

    PublishResult r = onePass.publish(group(at(replica), at(master)), EVENT);

    assertThat(r.anyTaken()).as("nobody took the event").isFalse();
    assertThat(r.host(at(replica)).outcome()).isEqualTo(HostPublish.Outcome.FAILED);
    assertThat(r.host(at(replica)).detail()).contains("which did not take the event either").contains("HTTP 503");
    assertThat(resources.affinityCache().health(at(replica))).as("the replica answered: not down")
        .isEqualTo(AffinityCache.HostHealth.UP);
    master.verify(1, postRequestedFor(urlPathEqualTo("/ens/v1/events")));
  }

  @Test
  void mutualRedirectIsALoopThatNobodyTakes() throws Exception {
    WireMockServer a = host(307);
    WireMockServer b = host(307);
    a.stubFor(post(urlPathEqualTo("/ens/v1/events")).willReturn(aResponse().withStatus(307)
        .withHeader("Location", "http://127.0.0.1:" + b.port() + "/ens/v1/events")));
    b.stubFor(post(urlPathEqualTo("/ens/v1/events")).willReturn(aResponse().withStatus(307)
        .withHeader("Location", "http://127.0.0.1:" + a.port() + "/ens/v1/events")));

    PublishResult r = publisher.publish(group(at(a), at(b)), EVENT);

    assertThat(r.anyTaken()).isFalse();
    assertThat(r.host(at(a)).detail()).contains("redirect loop: " + at(a) + " -> " + at(b) + " -> " + at(a));
    a.verify(1, postRequestedFor(urlPathEqualTo("/ens/v1/events")));
    b.verify(1, postRequestedFor(urlPathEqualTo("/ens/v1/events")));
  }

  @Test
  void selfRedirectIsALoopNotADelivery() throws Exception {
    WireMockServer a = host(307);
    a.stubFor(post(urlPathEqualTo("/ens/v1/events")).willReturn(aResponse().withStatus(307)
        .withHeader("Location", "http://127.0.0.1:" + a.port() + "/ens/v1/events")));

    PublishResult r = publisher.publish(group(at(a)), EVENT);

    assertThat(r.anyTaken()).isFalse();
    assertThat(r.host(at(a)).detail()).contains("redirects to itself");
    a.verify(1, postRequestedFor(urlPathEqualTo("/ens/v1/events")));
  }

  @Test
  void publisherSetsHostnameToTheGroupAndEncodesTheReference() throws Exception {
    WireMockServer a = host(202);
    EnsEvent e = EnsEvent.builder(EventType.NEW_MSG).mailbox("alice smith&co").build();

    PublishResult r = publisher.publish(group(at(a)), e);

    assertThat(r.event().hostname()).contains("store1.example.com");
    a.verify(postRequestedFor(urlPathEqualTo("/ens/v1/events")).withRequestBody(containing(
        "enp://127.0.0.1/store?evtType=NewMsg&mailboxName=alice%20smith%26co&hostname=store1.example.com")));
  }

  @Test
  void asyncPublishCompletesWithEveryHost() throws Exception {
    WireMockServer a = host(202);
    WireMockServer b = host(202);

    PublishResult r = publisher.publishAsync(group(at(a), at(b)), EVENT).get();

    assertThat(r.takenBy()).hasSize(2);
  }

  @Test
  void simulatedGroupTakesEachPublishOnceThroughItsMaster() throws Exception {
    try (SimulatedReplicationGroup g = SimulatedReplicationGroup.builder().startAsMaster(1).build()) {
      PublishResult r = publisher.publish(g.replicationGroup(Protocol.ENS), EVENT);

      assertThat(r.host(g.node(0).address(Protocol.ENS)).outcome()).isEqualTo(HostPublish.Outcome.REDIRECTED);
      assertThat(r.host(g.node(1).address(Protocol.ENS)).outcome()).isEqualTo(HostPublish.Outcome.ACCEPTED);
      assertThat(g.eventLog().entries()).hasSize(1);
    }
  }

  /** A gateway holding every POST until {@code release} opens (or 10 s), then answering 202; counts POSTs. */
  static final class HoldingGateway implements AutoCloseable {
    final HttpServer server;
    final AtomicInteger posts = new AtomicInteger();
    final AtomicInteger inFlight = new AtomicInteger();
    final AtomicInteger mostInFlight = new AtomicInteger();
    final CountDownLatch release;

    HoldingGateway(CountDownLatch release) throws Exception {
      this.release = release;
      server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 100);
      server.setExecutor(Executors.newCachedThreadPool());
      server.createContext("/ens/v1/events", ex -> {
        try (ex) {
          ex.getRequestBody().readAllBytes();
          posts.incrementAndGet();
          mostInFlight.accumulateAndGet(inFlight.incrementAndGet(), Math::max);
          release.countDown();
          boolean released = release.await(10, TimeUnit.SECONDS);
          inFlight.decrementAndGet();
          byte[] body = (released ? "{\"id\":\"1\"}" : "{\"error\":\"unavailable\"}").getBytes(StandardCharsets.UTF_8);
          ex.sendResponseHeaders(released ? 202 : 503, body.length);
          ex.getResponseBody().write(body);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      });
      server.start();
    }

    HostAddress address() {
      return HostAddress.of("127.0.0.1", server.getAddress().getPort());
    }

    @Override
    public void close() {
      server.stop(0);
      ((java.util.concurrent.ExecutorService) server.getExecutor()).shutdownNow();
    }
  }

  @Test
  void maxConcurrentPerHostAboveOkHttpsFiveKeepsThatManyPublishesInFlightAtOnce() throws Exception {
    // The host answers only once eight publishes are in flight together: a limit of five per
    // host would queue three, and the five would time out and mark a healthy host down.
    EnsPublisher eight = EnsPublisher.builder(resources).policy(POLICY).perHostTimeout(Duration.ofSeconds(4))
        .maxConcurrentPerHost(8).build();
    try (HoldingGateway gw = new HoldingGateway(new CountDownLatch(8))) {
      List<CompletableFuture<PublishResult>> publishes = new ArrayList<>();
      for (int i = 0; i < 8; i++) {
        publishes.add(eight.publishAsync(group(gw.address()), EVENT));
      }

      for (CompletableFuture<PublishResult> f : publishes) {
        assertThat(f.get(20, TimeUnit.SECONDS).host(gw.address()).outcome()).isEqualTo(HostPublish.Outcome.ACCEPTED);
      }
      assertThat(gw.mostInFlight.get()).isEqualTo(8);
      assertThat(resources.affinityCache().health(gw.address())).isEqualTo(AffinityCache.HostHealth.UP);
    }
  }

  @Test
  void publishesQueuedBehindTheClientsPerHostLimitMarkNoHostDownAndAreNeverSentOnceReportedUnsent()
      throws Exception {
    // One slot per host, a host that answers nothing, a burst of four: the first is sent and held;
    // the others wait for the slot. Whether a queued one gets the slot for its last moments
    // depends on timing, so each must say which happened, and none may count against the host.
    try (HoldingGateway gw = new HoldingGateway(new CountDownLatch(100))) {
      EnsPublisher onePerHost = EnsPublisher.builder(resources)
          .policy(POLICY.toBuilder().deadline(Duration.ofMillis(600)).build())
          .perHostTimeout(Duration.ofSeconds(5)).maxConcurrentPerHost(1).build();

      List<CompletableFuture<PublishResult>> burst = new ArrayList<>();
      for (int i = 0; i < 4; i++) {
        burst.add(onePerHost.publishAsync(group(gw.address()), EVENT));
      }
      List<HostPublish> results = new ArrayList<>();
      for (CompletableFuture<PublishResult> f : burst) {
        results.add(f.get(10, TimeUnit.SECONDS).host(gw.address()));
      }

      assertThat(results.get(0).detail()).isEqualTo("no answer before the publish deadline (600 ms)");
      assertThat(results).allSatisfy(h -> {
        assertThat(h.outcome()).isEqualTo(HostPublish.Outcome.FAILED);
        assertThat(h.detail()).matches("no answer before the publish deadline \\(600 ms\\)"
            + "|not sent before the publish deadline \\(600 ms\\): 1 publishes to this host were already in flight.*");
      });
      results.stream().filter(h -> h.detail().startsWith("not sent"))
          .forEach(h -> assertThat(h.elapsed()).isZero());
      long sent = results.stream().filter(h -> h.detail().startsWith("no answer")).count();
      assertThat(resources.affinityCache().health(gw.address())).isEqualTo(AffinityCache.HostHealth.UP);
      // A publish reported as not sent never reached the host: it was cancelled in the queue, or
      // refused when it left the queue after its publish was over.
      assertThat(gw.posts.get()).as("reached the host: " + results).isLessThanOrEqualTo((int) sent);
    }
  }

  @Test
  void morePublishesToOneHostThanItsSlotsAllGetThroughAndTheQueueIsNotChargedToTheHost() throws Exception {
    WireMockServer slow = host(202);
    slow.stubFor(post(urlPathEqualTo("/ens/v1/events")).willReturn(aResponse().withStatus(202)
        .withFixedDelay(400).withBody("{\"id\":\"1\"}")));
    // Twelve at once, five slots: the last wave waits ~0.8 s for a slot, then takes ~0.4 s; a
    // per-host timeout of 1 s counted from the queue would fail it and mark the host down.
    EnsPublisher p = EnsPublisher.builder(resources).policy(POLICY).perHostTimeout(Duration.ofSeconds(1)).build();
    p.publish(group(at(slow)), EVENT);
    List<CompletableFuture<PublishResult>> publishes = new ArrayList<>();
    for (int i = 0; i < 12; i++) {
      publishes.add(p.publishAsync(group(at(slow)), EVENT));
    }

    for (CompletableFuture<PublishResult> f : publishes) {
      PublishResult r = f.get(20, TimeUnit.SECONDS);
      assertThat(r.takenBy()).as(r.hosts().toString()).containsExactly(at(slow));
    }
    assertThat(resources.affinityCache().health(at(slow))).isEqualTo(AffinityCache.HostHealth.UP);
  }

  @Test
  void hostSilentPastThePerHostTimeoutIsMarkedDown() throws Exception {
    try (HoldingGateway gw = new HoldingGateway(new CountDownLatch(2))) {
      EnsPublisher p = EnsPublisher.builder(resources).policy(POLICY.toBuilder().maxPasses(1).build())
          .perHostTimeout(Duration.ofMillis(300)).build();

      HostPublish h = p.publish(group(gw.address()), EVENT).host(gw.address());

      assertThat(h.detail()).isEqualTo("no answer within the per-host timeout (300 ms)");
      assertThat(resources.affinityCache().health(gw.address())).isEqualTo(AffinityCache.HostHealth.DOWN);
    }
  }

  @Test
  void perHostTimeRunsFromWhenTheRequestIsSentNotWhileItWaitsForASlot() throws Exception {
    try (HoldingGateway gw = new HoldingGateway(new CountDownLatch(1))) {
      WireMockServer slow = host(202);
      slow.stubFor(post(urlPathEqualTo("/ens/v1/events")).willReturn(aResponse().withStatus(202)
          .withFixedDelay(700).withBody("{\"id\":\"1\"}")));
      // One slot per host and 1 s per host: the second publish waits ~0.7 s for the slot, then takes ~0.7 s.
      EnsPublisher onePerHost = EnsPublisher.builder(resources).policy(POLICY)
          .perHostTimeout(Duration.ofSeconds(1)).maxConcurrentPerHost(1).build();

      CompletableFuture<PublishResult> first = onePerHost.publishAsync(group(at(slow)), EVENT);
      CompletableFuture<PublishResult> second = onePerHost.publishAsync(group(at(slow)), EVENT);

      assertThat(first.get(10, TimeUnit.SECONDS).takenBy()).containsExactly(at(slow));
      PublishResult r = second.get(10, TimeUnit.SECONDS);
      assertThat(r.takenBy()).as(r.hosts().toString()).containsExactly(at(slow));
      assertThat(r.host(at(slow)).elapsed()).isLessThan(Duration.ofMillis(1000));
    }
  }

  @Test
  void responseTimeoutOfThePolicyBoundsABlackHoledHost() throws Exception {
    EnsGateway blackHoled = new EnsGateway(new EnsEventLog(10)).start();
    EnsGateway good = new EnsGateway(new EnsEventLog(10)).start();
    try (blackHoled; good) {
      blackHoled.setFault(Fault.blackHole());
      // The per-host timeout stays at its 2 s default: the policy's 600 ms response timeout decides.
      EnsPublisher p = EnsPublisher.builder(resources)
          .policy(POLICY.toBuilder().responseTimeout(Duration.ofMillis(600)).build()).build();

      long start = System.nanoTime();
      PublishResult r = p.publish(group(blackHoled.address(), good.address()), EVENT);
      Duration took = Duration.ofNanos(System.nanoTime() - start);

      assertThat(r.takenBy()).as(r.hosts().toString()).containsExactly(good.address());
      assertThat(r.host(blackHoled.address()).outcome()).isEqualTo(HostPublish.Outcome.FAILED);
      assertThat(r.host(blackHoled.address()).detail()).startsWith("timed out (connect timeout 300 ms, response timeout 600 ms)");
      assertThat(resources.affinityCache().health(blackHoled.address())).isEqualTo(AffinityCache.HostHealth.DOWN);
      assertThat(took).as("the 600 ms response timeout, not the 2 s per-host default").isLessThan(Duration.ofMillis(1800));
    }
  }
}
