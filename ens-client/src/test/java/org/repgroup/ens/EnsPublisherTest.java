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
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
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

    PublishResult r = publisher.publish(group(at(replica), at(master)), EVENT);

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
}
