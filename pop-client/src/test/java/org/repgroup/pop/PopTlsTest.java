package org.repgroup.pop;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import org.eclipse.angus.mail.pop3.POP3Store;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.repgroup.core.FailoverPolicy;
import org.repgroup.core.ReplicationGroup;
import org.repgroup.core.RepgroupResources;
import org.repgroup.core.StoreHostList;
import org.repgroup.core.TlsPolicy;
import org.repgroup.testkit.Pop3Server;
import org.repgroup.testkit.TestCertificates;
import org.repgroup.testkit.TlsRelay;
import org.repgroup.testkit.TestTrustStore;

/** A group's TLS policy on POP: STLS required (never plain), or POP3S on the configured port. */
@Timeout(60)
class PopTlsTest {

  static final FailoverPolicy POLICY = PopFailoverClientTest.POLICY.toBuilder().maxPasses(1).build();

  @TempDir
  Path dir;
  final RepgroupResources resources = RepgroupResources.create();
  final PopFailoverClient client = PopFailoverClient.builder(resources).policy(POLICY).build();

  @AfterEach
  void tearDown() {
    resources.close();
  }

  TlsPolicy trusting(TlsPolicy policy) throws Exception {
    return policy.withTrustStore(TestTrustStore.of(TestCertificates.get().serverContext(), dir),
        TestTrustStore.PASSWORD, "PKCS12");
  }

  @Test
  void groupRequiringStlsNeverSendsThePasswordToAHostWithoutIt() throws Exception {
    try (Pop3Server plain = new Pop3Server().user("alice", "secret").start()) {
      ReplicationGroup g = ReplicationGroup.builder("tls", StoreHostList.of(plain.address()))
          .tls(TlsPolicy.starttls()).build();

      assertThatThrownBy(() -> client.connect(g, PopFailoverClientTest.ALICE))
          .isInstanceOfSatisfying(PopGroupUnavailableException.class,
              e -> assertThat(e.trace().attempts().get(0).detail()).startsWith("TLS required: STLS required"));
      assertThat(plain.sawCommand("CAPA")).isTrue();
      assertThat(plain.sawCredentials()).isFalse();
    }
  }

  @Test
  void implicitTlsGroupLogsInOverPop3s() throws Exception {
    try (Pop3Server server = new Pop3Server().user("alice", "secret").start();
         TlsRelay pop3s = new TlsRelay(TestCertificates.get().serverContext(), server.address())) {
      ReplicationGroup g = ReplicationGroup.builder("pop3s", StoreHostList.of(pop3s.address()))
          .tls(trusting(TlsPolicy.implicit())).build();

      try (POP3Store store = client.connect(g, PopFailoverClientTest.ALICE)) {
        assertThat(store.isConnected()).isTrue();
      }
      assertThat(pop3s.handshakes()).isPositive();
      assertThat(server.sawCommand("PASS")).isTrue();
    }
  }

  @Test
  void implicitTlsToAPlainHostSendsNoCredentials() throws Exception {
    try (Pop3Server plain = new Pop3Server().user("alice", "secret").start()) {
      ReplicationGroup g = ReplicationGroup.builder("pop3s", StoreHostList.of(plain.address()))
          .tls(trusting(TlsPolicy.implicit())).build();

      assertThatThrownBy(() -> client.connect(g, PopFailoverClientTest.ALICE))
          .isInstanceOf(PopGroupUnavailableException.class);
      assertThat(plain.sawCredentials()).isFalse();
    }
  }
}
