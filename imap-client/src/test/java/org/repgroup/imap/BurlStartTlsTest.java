package org.repgroup.imap;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.repgroup.core.Credentials;
import org.repgroup.core.ReplicationGroup;
import org.repgroup.core.RepgroupResources;
import org.repgroup.core.StoreHostList;
import org.repgroup.core.FailoverPolicy;
import org.repgroup.testkit.ImapServer;
import org.repgroup.testkit.TestCertificates;
import org.repgroup.testkit.TlsRelay;
import org.repgroup.testkit.TestTrustStore;

@Timeout(60)
class BurlStartTlsTest {

  static final String URL = "imap://alice@h/INBOX/;uid=1;urlauth=submit+submitter:internal:00ff";

  final RepgroupResources resources = RepgroupResources.create();
  final ImapServer server = new ImapServer().user("submitter", "subpass");

  @AfterEach
  void tearDown() {
    server.close();
    resources.close();
  }

  BurlFetcher burl() throws Exception {
    return BurlFetcher.builder(resources, new Credentials("submitter", "subpass"))
        .policy(FailoverPolicy.builder().deadline(Duration.ofSeconds(5)).maxPasses(1).build())
        .startTls(TestCertificates.get().clientSocketFactory()).build();
  }

  @Test
  void logsInAndFetchesOnlyAfterStartTls() throws Exception {
    server.offerStartTls(TestCertificates.get().serverContext());
    server.start();
    server.store().registerUrl(URL, "Subject: x\r\n\r\nover tls\r\n".getBytes(StandardCharsets.US_ASCII));
    ReplicationGroup g = ReplicationGroup.builder("tls", StoreHostList.of(server.address())).build();

    try (UrlFetchResult r = burl().fetch(g, URL)) {
      assertThat(new String(r.stream().readAllBytes(), StandardCharsets.US_ASCII)).contains("over tls");
    }
    assertThat(server.commandsAfterTls()).contains("AUTHENTICATE", "URLFETCH");
  }

  @Test
  void groupRequiringStartTlsNeverGivesTheSubmitCredentialsToAHostWithoutIt() throws Exception {
    server.start();
    ReplicationGroup g = ReplicationGroup.builder("tls", StoreHostList.of(server.address()))
        .tls(org.repgroup.core.TlsPolicy.starttls()).build();
    BurlFetcher plainBuilder = BurlFetcher.builder(resources, new Credentials("submitter", "subpass"))
        .policy(FailoverPolicy.builder().deadline(Duration.ofSeconds(5)).maxPasses(1).build()).build();

    assertThatThrownBy(() -> plainBuilder.fetch(g, URL)).isInstanceOfSatisfying(BurlFetchException.class,
        e -> assertThat(e.reason()).isEqualTo(BurlFetchException.Reason.GROUP_UNAVAILABLE));
    assertThat(server.sawCommand("STARTTLS")).isTrue();
    assertThat(server.sawCredentials()).isFalse();
  }

  @Test
  void implicitTlsGroupFetchesOverTlsFromTheFirstByte(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir)
      throws Exception {
    server.start();
    server.store().registerUrl(URL, "Subject: x\r\n\r\nover imaps\r\n".getBytes(StandardCharsets.US_ASCII));
    try (TlsRelay imaps = new TlsRelay(TestCertificates.get().serverContext(), server.address())) {
      ReplicationGroup g = ReplicationGroup.builder("imaps", StoreHostList.of(imaps.address()))
          .tls(org.repgroup.core.TlsPolicy.implicit().withTrustStore(
              TestTrustStore.of(TestCertificates.get().serverContext(), dir), TestTrustStore.PASSWORD, "PKCS12"))
          .build();
      BurlFetcher plainBuilder = BurlFetcher.builder(resources, new Credentials("submitter", "subpass"))
          .policy(FailoverPolicy.builder().deadline(Duration.ofSeconds(5)).maxPasses(1).build()).build();

      try (UrlFetchResult r = plainBuilder.fetch(g, URL)) {
        assertThat(new String(r.stream().readAllBytes(), StandardCharsets.US_ASCII)).contains("over imaps");
      }
      assertThat(imaps.handshakes()).isEqualTo(1);
      assertThat(server.sawCommand("STARTTLS")).isFalse();
    }
  }

  @Test
  void hostRefusingStartTlsNeverSeesTheCredentials() throws Exception {
    server.start();
    ReplicationGroup g = ReplicationGroup.builder("tls", StoreHostList.of(server.address())).build();

    assertThatThrownBy(() -> burl().fetch(g, URL)).isInstanceOfSatisfying(BurlFetchException.class,
        e -> assertThat(e.reason()).isEqualTo(BurlFetchException.Reason.GROUP_UNAVAILABLE));
    assertThat(server.sawCredentials()).isFalse();
  }
}
