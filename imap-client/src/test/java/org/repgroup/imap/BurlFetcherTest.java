package org.repgroup.imap;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.repgroup.core.Credentials;
import org.repgroup.core.Protocol;
import org.repgroup.core.RepgroupResources;
import org.repgroup.core.FailoverPolicy;
import org.repgroup.testkit.Fault;
import org.repgroup.testkit.SimulatedReplicationGroup;

@Timeout(60)
class BurlFetcherTest {

  static final FailoverPolicy POLICY = FailoverPolicy.builder().stagger(Duration.ofMillis(100))
      .connectTimeout(Duration.ofMillis(500)).responseTimeout(Duration.ofSeconds(2)).deadline(Duration.ofSeconds(5))
      .build();
  static final String URL = "imap://alice@store1.example.com/INBOX/;uid=7;urlauth=submit+submitter:internal:91354a473744909de610943775f92038";
  static final byte[] MESSAGE = "Subject: burl\r\n\r\nfetched\r\n".getBytes(StandardCharsets.US_ASCII);

  final RepgroupResources resources = RepgroupResources.create();
  final BurlFetcher burl = BurlFetcher.builder(resources, new Credentials("submitter", "subpass")).policy(POLICY).build();
  /**
   * Stagger off: every awaited reply before login re-arms the stagger, so with one a slow refusal lets
   * the next host start in parallel. Tests asserting that no other host was contacted pin time with this.
   */
  final BurlFetcher oneAtATime = BurlFetcher.builder(resources, new Credentials("submitter", "subpass"))
      .policy(POLICY.toBuilder().stagger(Duration.ZERO).build()).build();
  /**
   * Speed ordering off: reads also order by speed, and a master's first fetch (login and URLFETCH, cold
   * code) can measure more than 15 ms above the replicas' one-round-trip referrals, which puts it after
   * them. Tests pinning the last-good rule alone use this; speed ordering has its own tests.
   */
  final BurlFetcher bySuccessOnly = BurlFetcher.builder(resources, new Credentials("submitter", "subpass"))
      .policy(POLICY.toBuilder().slowHostFactor(0).build()).build();

  @AfterEach
  void tearDown() {
    resources.close();
  }

  static SimulatedReplicationGroup group(int master) {
    SimulatedReplicationGroup g = SimulatedReplicationGroup.builder().user("submitter", "subpass")
        .startAsMaster(master).build();
    g.store().registerUrl(URL, MESSAGE);
    return g;
  }

  static byte[] readAll(UrlFetchResult r) throws IOException {
    try (r) {
      return r.stream().readAllBytes();
    }
  }

  @Test
  void firstHostDeadFetchesFromTheSecond() throws Exception {
    try (SimulatedReplicationGroup g = group(1)) {
      g.node(0).kill();

      UrlFetchResult r = burl.fetch(g.replicationGroup(Protocol.IMAP), URL);

      assertThat(r.host()).isEqualTo(g.node(1).address(Protocol.IMAP));
      assertThat(readAll(r)).isEqualTo(MESSAGE);
    }
  }

  @Test
  void replicaReferralMeansNextHostAndIsNeverFollowed() throws Exception {
    try (SimulatedReplicationGroup g = group(1)) {
      g.node(0).imap().onCommand("AUTHENTICATE", c -> c.tag() + " NO [REFERRAL imap://"
          + g.node(2).address(Protocol.IMAP) + "/] go to node3");

      UrlFetchResult r = burl.fetch(g.replicationGroup(Protocol.IMAP), URL);

      assertThat(r.host()).isEqualTo(g.node(1).address(Protocol.IMAP));
      assertThat(g.node(2).imap().connectionCount()).isZero();
      assertThat(r.trace().referralSeen()).isTrue();
      assertThat(r.trace().referralsFollowed()).isZero();
      readAll(r);
      assertThat(resources.affinityCache().master(g.name())).as("a reader never names a master").isEmpty();
    }
  }

  @Test
  void lastGoodHostIsUsedFirstNextTime() throws Exception {
    try (SimulatedReplicationGroup g = group(2)) {
      readAll(bySuccessOnly.fetch(g.replicationGroup(Protocol.IMAP), URL));
      int before = g.node(0).imap().connectionCount();

      UrlFetchResult again = bySuccessOnly.fetch(g.replicationGroup(Protocol.IMAP), URL);

      assertThat(again.host()).isEqualTo(g.node(2).address(Protocol.IMAP));
      assertThat(again.trace().attempts()).hasSize(1);
      assertThat(g.node(0).imap().connectionCount()).isEqualTo(before);
      readAll(again);
    }
  }

  @Test
  void fiftyMegabyteMessageStreamsWithoutBeingLoadedWhole() throws Exception {
    long size = 50L * 1024 * 1024;
    CountDownLatch fetchReturned = new CountDownLatch(1);
    try (SimulatedReplicationGroup g = group(0)) {
      // The server sends 1 MiB, then waits until fetch() has returned: a client that
      // buffered the whole literal before returning would never return.
      g.store().registerUrl(URL, size, () -> new GatedBytes(size, 1024 * 1024, fetchReturned));

      UrlFetchResult r = burl.fetch(g.replicationGroup(Protocol.IMAP), URL);
      fetchReturned.countDown();

      long total = 0;
      byte[] buf = new byte[64 * 1024];
      try (r; InputStream in = r.stream()) {
        int n;
        while ((n = in.read(buf)) != -1) {
          for (int i = 0; i < n; i++) {
            assertThat(buf[i]).isEqualTo((byte) ((total + i) % 251));
          }
          total += n;
        }
      }
      assertThat(r.length()).isEqualTo(size);
      assertThat(total).isEqualTo(size);
    }
  }

  @Test
  void everyHostDownGivesTheTemporarySmtpReply() throws Exception {
    try (SimulatedReplicationGroup g = group(0)) {
      for (int i = 0; i < 3; i++) {
        g.node(i).setFault(Fault.refuse());
      }

      assertThatThrownBy(() -> burl.fetch(g.replicationGroup(Protocol.IMAP), URL))
          .isInstanceOfSatisfying(BurlFetchException.class, e -> {
            assertThat(e.reason()).isEqualTo(BurlFetchException.Reason.GROUP_UNAVAILABLE);
            assertThat(e.smtpReply()).startsWith("451 4.4.1");
            assertThat(e.report().attempts()).isNotEmpty();
          });
    }
  }

  @Test
  void invalidUrlIsFatalAndNotTriedElsewhere() throws Exception {
    try (SimulatedReplicationGroup g = group(0)) {
      assertThatThrownBy(() -> oneAtATime.fetch(g.replicationGroup(Protocol.IMAP), URL + "-revoked"))
          .isInstanceOfSatisfying(BurlFetchException.class, e -> {
            assertThat(e.reason()).isEqualTo(BurlFetchException.Reason.URL_INVALID);
            assertThat(e.smtpReply()).startsWith("554 5.6.6");
          });
      assertThat(g.node(1).imap().connectionCount()).isZero();
    }
  }

  @Test
  void refusedSubmitLoginIsFatal() throws Exception {
    BurlFetcher wrong = BurlFetcher.builder(resources, new Credentials("submitter", "nope"))
        .policy(POLICY.toBuilder().stagger(Duration.ZERO).build()).build();
    try (SimulatedReplicationGroup g = group(0)) {
      assertThatThrownBy(() -> wrong.fetch(g.replicationGroup(Protocol.IMAP), URL))
          .isInstanceOfSatisfying(BurlFetchException.class,
              e -> assertThat(e.reason()).isEqualTo(BurlFetchException.Reason.LOGIN_REFUSED));
      assertThat(g.node(1).imap().connectionCount()).isZero();
    }
  }

  /** {@code size} bytes of a known pattern; stops after {@code gateAt} bytes until {@code gate} opens. */
  static final class GatedBytes extends InputStream {
    private final long size;
    private final long gateAt;
    private final CountDownLatch gate;
    private long pos;

    GatedBytes(long size, long gateAt, CountDownLatch gate) {
      this.size = size;
      this.gateAt = gateAt;
      this.gate = gate;
    }

    @Override
    public int read() throws IOException {
      byte[] b = new byte[1];
      return read(b, 0, 1) < 0 ? -1 : b[0] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      if (pos >= size) {
        return -1;
      }
      if (pos == gateAt) {
        try {
          if (!gate.await(20, TimeUnit.SECONDS)) {
            throw new IOException("fetch() never returned: the client buffered the message");
          }
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new IOException(e);
        }
      }
      long limit = pos < gateAt ? gateAt : size;
      int n = (int) Math.min(len, limit - pos);
      for (int i = 0; i < n; i++) {
        b[off + i] = (byte) ((pos + i) % 251);
      }
      pos += n;
      return n;
    }
  }
}
