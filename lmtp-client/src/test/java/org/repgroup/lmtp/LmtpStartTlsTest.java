package org.repgroup.lmtp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.repgroup.core.ReplicationGroup;
import org.repgroup.core.RepgroupResources;
import org.repgroup.core.StoreHostList;
import org.repgroup.core.FailoverPolicy;
import org.repgroup.core.StoreUnavailableException;
import org.repgroup.testkit.LmtpServer;
import org.repgroup.testkit.TestCertificates;

@Timeout(60)
class LmtpStartTlsTest {

  final RepgroupResources resources = RepgroupResources.create();
  final LmtpServer server = new LmtpServer();

  @AfterEach
  void tearDown() {
    server.close();
    resources.close();
  }

  LmtpFailoverClient client() throws Exception {
    return LmtpFailoverClient.builder(resources)
        .policy(FailoverPolicy.builder().deadline(Duration.ofSeconds(5)).maxPasses(1).build())
        .startTls(TestCertificates.get().clientSocketFactory()).build();
  }

  @Test
  void deliveryRunsOverStartTlsWhenRequired() throws Exception {
    server.offerStartTls(TestCertificates.get().serverContext());
    server.start();
    ReplicationGroup g = ReplicationGroup.builder("tls", StoreHostList.of(server.address())).build();

    try (LmtpFailoverClient lmtp = client()) {
      DeliveryResult r = lmtp.deliver(g, "s@example.com", List.of("alice@example.com"),
          MessageSource.of("Subject: tls\r\n\r\nsecret\r\n".getBytes(StandardCharsets.US_ASCII)));
      assertThat(r.allDelivered()).isTrue();
    }
    assertThat(server.commandsAfterTls()).contains("LHLO", "MAIL", "RCPT", "DATA");
    assertThat(server.store().messages("alice")).hasSize(1);
  }

  @Test
  void hostWithoutStartTlsIsNeverSentMailInPlainText() throws Exception {
    server.start();
    ReplicationGroup g = ReplicationGroup.builder("tls", StoreHostList.of(server.address())).build();

    try (LmtpFailoverClient lmtp = client()) {
      assertThatThrownBy(() -> lmtp.deliver(g, "s@example.com", List.of("alice@example.com"),
          MessageSource.of("Subject: x\r\n\r\nx\r\n".getBytes(StandardCharsets.US_ASCII))))
          .isInstanceOf(StoreUnavailableException.class)
          .hasMessageContaining("STARTTLS required but not offered");
    }
    assertThat(server.sawCommand("MAIL")).isFalse();
  }
}
