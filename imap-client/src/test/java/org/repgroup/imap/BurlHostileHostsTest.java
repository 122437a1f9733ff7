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
    try (TricklingHost trickler = TricklingHost.greeting("* OK a trickling store host, one byte at a time, slowly",
        PER_BYTE); ImapServer healthy = healthyHost()) {
      warmUp(healthy);
      UrlFetchResult r = burl.fetch(group(trickler.address(), healthy.address()), URL);

      assertThat(r.host()).isEqualTo(healthy.address());
      assertThat(r.trace().elapsed()).isLessThan(POLICY.responseTimeout());
      assertThat(BurlFetcherTest.readAll(r)).isEqualTo(BurlFetcherTest.MESSAGE);
      assertThat(resources.affinityCache().health(trickler.address())).isEqualTo(AffinityCache.HostHealth.DOWN);
    }
  }

  @Test
  void tricklingLoginReplyIsLeftForTheNextHostWithinStaggerAndOneLogin() throws Exception {
    try (TricklingHost trickler = new TricklingHost("* OK [CAPABILITY IMAP4rev1 AUTH=PLAIN URLAUTH] ready", false,
        line -> line.startsWith("t1 ") ? "t1 OK [CAPABILITY IMAP4rev1] logged in, reply trickled byte by byte" : null,
        line -> line.startsWith("t1 "), PER_BYTE); ImapServer healthy = healthyHost()) {
      warmUp(healthy);
      UrlFetchResult r = burl.fetch(group(trickler.address(), healthy.address()), URL);

      assertThat(r.host()).isEqualTo(healthy.address());
      assertThat(trickler.received()).anyMatch(l -> l.startsWith("t1 AUTHENTICATE"));
      assertThat(r.trace().elapsed()).isLessThan(POLICY.responseTimeout());
      BurlFetcherTest.readAll(r);
      assertThat(resources.affinityCache().health(trickler.address())).isEqualTo(AffinityCache.HostHealth.DOWN);
    }
  }

  @Test
  void endlessGreetingLineIsLineTooLongAndTheNextHostServes() throws Exception {
    BurlFetcher sequential = BurlFetcher.builder(resources, new Credentials("submitter", "subpass"))
        .policy(POLICY.toBuilder().stagger(Duration.ZERO).build()).build();
    try (ImapServer flooding = new ImapServer().start(); ImapServer healthy = healthyHost()) {
      flooding.setFault(Fault.oversizedLine(5 * 1024 * 1024));

      UrlFetchResult r = sequential.fetch(group(flooding.address(), healthy.address()), URL);

      assertThat(r.host()).isEqualTo(healthy.address());
      assertThat(r.trace().attempts().get(0).detail()).startsWith("line too long: more than 16384 bytes");
      BurlFetcherTest.readAll(r);
    }
  }
}
