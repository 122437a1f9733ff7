package org.repgroup.imap;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.repgroup.core.AffinityCache;
import org.repgroup.core.Credentials;
import org.repgroup.core.FailoverPolicy;
import org.repgroup.core.HostAddress;
import org.repgroup.core.ReplicationGroup;
import org.repgroup.core.RepgroupResources;
import org.repgroup.core.StoreHostList;
import org.repgroup.testkit.Fault;
import org.repgroup.testkit.ImapServer;

/** BURL against hosts that trickle or flood before the message: the next host serves. */
@Timeout(60)
class BurlHostileHostsTest {

  static final FailoverPolicy POLICY = BurlFetcherTest.POLICY;
  static final String URL = BurlFetcherTest.URL;
  static final Duration PER_BYTE = Duration.ofMillis(60);

  final RepgroupResources resources = RepgroupResources.create();
  final BurlFetcher burl = BurlFetcher.builder(resources, new Credentials("submitter", "subpass")).policy(POLICY)
      .build();

  @AfterEach
  void tearDown() {
    resources.close();
  }

  static ImapServer healthyHost() throws Exception {
    ImapServer s = new ImapServer().user("submitter", "subpass").start();
    s.store().registerUrl(URL, BurlFetcherTest.MESSAGE);
    return s;
  }

  /** One fetch from the healthy host alone, so the timed one does not pay the JVM's first-use costs. */
  void warmUp(ImapServer healthy) throws Exception {
    BurlFetcherTest.readAll(burl.fetch(ReplicationGroup.builder("warm", StoreHostList.of(healthy.address())).build(),
        URL));
  }

  static ReplicationGroup group(HostAddress... hosts) {
    return ReplicationGroup.builder("hostile", StoreHostList.of(hosts)).build();
  }

  @Test
  void tricklingGreetingIsLeftForTheNextHostWithinStaggerAndOneLogin() throws Exception {
    try (ImapServer trickling = healthyHost(); ImapServer healthy = healthyHost()) {
      warmUp(healthy);
      trickling.setFault(Fault.trickleGreeting(PER_BYTE));

      UrlFetchResult r = burl.fetch(group(trickling.address(), healthy.address()), URL);

      assertThat(r.host()).isEqualTo(healthy.address());
      assertThat(r.trace().elapsed()).isLessThan(POLICY.responseTimeout());
      assertThat(BurlFetcherTest.readAll(r)).isEqualTo(BurlFetcherTest.MESSAGE);
      assertThat(resources.affinityCache().health(trickling.address())).isEqualTo(AffinityCache.HostHealth.DOWN);
    }
  }

  @Test
  void tricklingLoginReplyIsLeftForTheNextHostWithinStaggerAndOneLogin() throws Exception {
    try (ImapServer trickling = healthyHost(); ImapServer healthy = healthyHost()) {
      warmUp(healthy);
      trickling.setFault(Fault.trickleReply("AUTHENTICATE", Duration.ofMillis(200)));
      // A stagger longer than a busy machine takes to greet, so the one that leaves the host is armed
      // for the trickled reply and the host is marked down; a response timeout the trickle outlasts.
      FailoverPolicy patientPolicy = POLICY.toBuilder().stagger(Duration.ofSeconds(1))
          .responseTimeout(Duration.ofSeconds(4)).build();
      BurlFetcher patient = BurlFetcher.builder(resources, new Credentials("submitter", "subpass"))
          .policy(patientPolicy).build();

      UrlFetchResult r = patient.fetch(group(trickling.address(), healthy.address()), URL);

      assertThat(r.host()).isEqualTo(healthy.address());
      assertThat(trickling.sawCommand("AUTHENTICATE")).isTrue();
      assertThat(r.trace().elapsed()).isLessThan(patientPolicy.responseTimeout());
      BurlFetcherTest.readAll(r);
      assertThat(resources.affinityCache().health(trickling.address())).isEqualTo(AffinityCache.HostHealth.DOWN);
    }
  }

  @Test
  void endlessGreetingIsLineTooLongAndTheNextHostServes() throws Exception {
    BurlFetcher sequential = BurlFetcher.builder(resources, new Credentials("submitter", "subpass"))
        .policy(POLICY.toBuilder().stagger(Duration.ZERO).build()).build();
    try (ImapServer flooding = new ImapServer().start(); ImapServer healthy = healthyHost()) {
      flooding.setFault(Fault.endlessGreeting());

      UrlFetchResult r = sequential.fetch(group(flooding.address(), healthy.address()), URL);

      assertThat(r.host()).isEqualTo(healthy.address());
      assertThat(r.trace().attempts().get(0).detail()).startsWith("line too long: more than 16384 bytes");
      BurlFetcherTest.readAll(r);
    }
  }
}
