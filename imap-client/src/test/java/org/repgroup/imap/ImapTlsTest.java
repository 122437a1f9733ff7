package org.repgroup.imap;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import jakarta.mail.Folder;
import jakarta.mail.MessagingException;
import java.net.InetAddress;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import org.eclipse.angus.mail.imap.IMAPStore;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.repgroup.core.Credentials;
import org.repgroup.core.FailoverPolicy;
import org.repgroup.core.HostAddress;
import org.repgroup.core.Intent;
import org.repgroup.core.Protocol;
import org.repgroup.core.ReplicationGroup;
import org.repgroup.core.RepgroupResources;
import org.repgroup.core.StoreHostList;
import org.repgroup.core.TlsPolicy;
import org.repgroup.testkit.ImapReferralStyle;
import org.repgroup.testkit.ImapServer;
import org.repgroup.testkit.SimulatedReplicationGroup;
import org.repgroup.testkit.TestCertificates;
import org.repgroup.testkit.TlsRelay;
import org.repgroup.testkit.TestTrustStore;

/** A group's TLS policy: STARTTLS required or TLS from the first byte, its trust store and host-name check. */
@Timeout(60)
class ImapTlsTest {

  static final Credentials ALICE = new Credentials("alice", "secret");
  static final FailoverPolicy POLICY = ImapFailoverClientTest.POLICY.toBuilder().maxPasses(1).build();
  /** A name the test resolver maps to 127.0.0.1; the test certificate names 127.0.0.1 and localhost only. */
  static final String OTHER_NAME = "imap.store.test";

  @TempDir
  Path dir;
  Path trustStore;
  final RepgroupResources resources = RepgroupResources.builder().resolver(host -> host.equals(OTHER_NAME)
      ? List.of(InetAddress.getLoopbackAddress()) : List.of(InetAddress.getAllByName(host))).build();
  final ImapFailoverClient client = ImapFailoverClient.builder(resources).policy(POLICY).build();

  @BeforeEach
  void trust() throws Exception {
    trustStore = TestTrustStore.of(TestCertificates.get().serverContext(), dir);
  }

  @AfterEach
  void tearDown() {
    resources.close();
  }

  TlsPolicy trusting(TlsPolicy policy) {
    return policy.withTrustStore(trustStore, TestTrustStore.PASSWORD, "PKCS12");
  }

  static boolean loginCommand(String line) {
    String upper = line.toUpperCase(Locale.ROOT);
    return upper.contains(" LOGIN ") || upper.contains(" AUTHENTICATE ");
  }

  @Test
  void starttlsGroupLogsInOnlyAfterTheUpgradeWithItsTrustStore() throws Exception {
    try (ImapServer server = new ImapServer().user("alice", "secret")) {
      server.offerStartTls(TestCertificates.get().serverContext());
      server.start();
      ReplicationGroup g = ReplicationGroup.builder("tls", StoreHostList.of(server.address()))
          .tls(trusting(TlsPolicy.starttls())).build();

      try (IMAPStore store = client.connect(g, ALICE, Intent.WRITE)) {
        assertThat(store.isConnected()).isTrue();
      }
      List<String> session = server.transcript().get(0);
      int upgrade = session.indexOf(session.stream().filter(l -> l.toUpperCase(Locale.ROOT).contains("STARTTLS"))
          .findFirst().orElseThrow());
      assertThat(session.subList(0, upgrade)).noneMatch(ImapTlsTest::loginCommand);
      assertThat(server.commandsAfterTls()).containsAnyOf("LOGIN", "AUTHENTICATE");
    }
  }

  @Test
  void starttlsGroupNeverGivesThePasswordToAReferralTargetWithoutStartTls() throws Exception {
    try (SimulatedReplicationGroup g = ImapFailoverClientTest.group(ImapReferralStyle.NO, 1)) {
      g.node(0).imap().offerStartTls(TestCertificates.get().serverContext());
      g.node(2).imap().offerStartTls(TestCertificates.get().serverContext());
      ReplicationGroup rg = g.replicationGroup(Protocol.IMAP).toBuilder().tls(trusting(TlsPolicy.starttls())).build();

      assertThatThrownBy(() -> client.connect(rg, ALICE, Intent.WRITE))
          .isInstanceOf(ImapGroupUnavailableException.class);
      assertThat(g.node(1).imap().connectionCount()).as("the referral was followed").isPositive();
      assertThat(g.node(1).imap().receivedLines()).noneMatch(ImapTlsTest::loginCommand);
      assertThat(g.node(1).sawCredentials()).isFalse();
    }
  }

  @Test
  void implicitTlsGroupSpeaksTlsFromTheFirstByteOnEveryConnection() throws Exception {
    try (ImapServer server = new ImapServer().user("alice", "secret").start();
         TlsRelay imaps = new TlsRelay(TestCertificates.get().serverContext(), server.address())) {
      ReplicationGroup g = ReplicationGroup.builder("imaps", StoreHostList.of(imaps.address()))
          .tls(trusting(TlsPolicy.implicit())).build();

      try (IMAPStore store = client.connect(g, ALICE, Intent.WRITE)) {
        Folder first = store.getFolder("INBOX");
        first.open(Folder.READ_ONLY);
        // A second open folder needs a connection of its own, made after login: TLS too.
        Folder second = store.getFolder("INBOX");
        second.open(Folder.READ_ONLY);
        assertThat(second.getMessageCount()).isZero();
        second.close(false);
        first.close(false);
      }
      assertThat(imaps.handshakes()).isEqualTo(2);
      assertThat(server.receivedLines()).anyMatch(ImapTlsTest::loginCommand);
    }
  }

  @Test
  void implicitTlsToAPlainHostSendsNoCredentials() throws Exception {
    try (ImapServer plain = new ImapServer().user("alice", "secret").start()) {
      ReplicationGroup g = ReplicationGroup.builder("imaps", StoreHostList.of(plain.address()))
          .tls(trusting(TlsPolicy.implicit())).build();

      assertThatThrownBy(() -> client.connect(g, ALICE, Intent.WRITE)).isInstanceOf(ImapGroupUnavailableException.class);
      assertThat(plain.sawCredentials()).isFalse();
    }
  }

  @Test
  void certificateNotInTheTrustStoreIsRefused() throws Exception {
    try (ImapServer server = new ImapServer().user("alice", "secret").start();
         TlsRelay imaps = new TlsRelay(TestCertificates.get().serverContext(), server.address())) {
      ReplicationGroup g = ReplicationGroup.builder("imaps", StoreHostList.of(imaps.address()))
          .tls(TlsPolicy.implicit()).build();

      assertThatThrownBy(() -> client.connect(g, ALICE, Intent.WRITE)).isInstanceOf(ImapGroupUnavailableException.class);
      assertThat(server.sawCredentials()).isFalse();
    }
  }

  @Test
  void hostNameCheckRefusesACertificateForAnotherNameUnlessTurnedOff() throws Exception {
    try (ImapServer server = new ImapServer().user("alice", "secret").start();
         TlsRelay imaps = new TlsRelay(TestCertificates.get().serverContext(), server.address())) {
      HostAddress byName = HostAddress.of(OTHER_NAME, imaps.address().port().orElseThrow());
      ReplicationGroup checked = ReplicationGroup.builder("imaps", StoreHostList.of(byName))
          .tls(trusting(TlsPolicy.implicit())).build();

      assertThatThrownBy(() -> client.connect(checked, ALICE, Intent.WRITE))
          .isInstanceOf(ImapGroupUnavailableException.class);
      assertThat(server.sawCredentials()).isFalse();

      ReplicationGroup unchecked = checked.toBuilder().tls(trusting(TlsPolicy.implicit()).withHostNameCheck(false))
          .build();
      try (IMAPStore store = client.connect(unchecked, ALICE, Intent.WRITE)) {
        assertThat(store.isConnected()).isTrue();
      }
    }
  }

  @Test
  void unreadableTrustStoreIsAConfigurationErrorNamingItNotItsPassword() throws Exception {
    try (ImapServer server = new ImapServer().user("alice", "secret").start()) {
      Path missing = dir.resolve("missing.p12");
      ReplicationGroup g = ReplicationGroup.builder("tls", StoreHostList.of(server.address()))
          .tls(TlsPolicy.starttls().withTrustStore(missing, "hunter2", "PKCS12")).build();

      assertThatThrownBy(() -> client.connect(g, ALICE, Intent.WRITE))
          .isInstanceOf(MessagingException.class)
          .hasMessageContaining(missing.toString()).hasMessageContaining("cannot be read")
          .hasMessageNotContaining("hunter2");
      assertThat(server.connectionCount()).isZero();
    }
  }

  @Test
  void withoutATlsPolicyTheUsersOpportunisticStartTlsStaysAsGiven() throws Exception {
    try (ImapServer plain = new ImapServer().user("alice", "secret").start()) {
      java.util.Properties opportunistic = new java.util.Properties();
      opportunistic.put("mail.imap.starttls.enable", "true");
      ImapFailoverClient asGiven = ImapFailoverClient.builder(resources).policy(POLICY)
          .sessionProperties(opportunistic).build();
      ReplicationGroup g = ReplicationGroup.builder("none", StoreHostList.of(plain.address())).build();

      try (IMAPStore store = asGiven.connect(g, ALICE, Intent.WRITE)) {
        assertThat(store.isConnected()).as("documented: NONE keeps the user's opportunistic STARTTLS").isTrue();
      }
    }
  }

}
