package org.repgroup.samples;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import jakarta.mail.Folder;
import jakarta.mail.Message;
import jakarta.mail.Session;
import jakarta.mail.internet.MimeMessage;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Properties;
import org.eclipse.angus.mail.imap.IMAPStore;
import org.eclipse.angus.mail.pop3.POP3Store;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.repgroup.core.Credentials;
import org.repgroup.core.HostAddress;
import org.repgroup.core.Protocol;
import org.repgroup.core.RepgroupResources;
import org.repgroup.core.FailoverPolicy;
import org.repgroup.core.FailoverResult;
import org.repgroup.core.FailureKind;
import org.repgroup.core.Intent;
import org.repgroup.core.NoMasterException;
import org.repgroup.imap.ImapFailoverClient;
import org.repgroup.imap.ImapGroupUnavailableException;
import org.repgroup.lmtp.DeliveryResult;
import org.repgroup.lmtp.LmtpFailoverClient;
import org.repgroup.lmtp.MessageSource;
import org.repgroup.pop.PopFailoverClient;
import org.repgroup.testkit.AckPolicy;
import org.repgroup.testkit.ImapReferralStyle;
import org.repgroup.testkit.SimulatedReplicationGroup;

/** What IMAP, POP and LMTP clients observe in each of the store's deployment modes (docs/MODES.md). */
@Timeout(120)
class DeploymentModesClientTest {

  /**
   * Stagger off: these tests assert which host served, and every awaited reply before login re-arms the
   * stagger, so a login slower than a short stagger (a cold JVM's first) would start the next host too.
   */
  static final FailoverPolicy POLICY = FailoverPolicy.builder().stagger(Duration.ZERO)
      .connectTimeout(Duration.ofMillis(500)).responseTimeout(Duration.ofSeconds(1)).deadline(Duration.ofSeconds(5)).build();
  static final Credentials ALICE = new Credentials("alice", "secret");

  final RepgroupResources resources = RepgroupResources.create();
  final ImapFailoverClient imap = ImapFailoverClient.builder(resources).policy(POLICY).build();
  final PopFailoverClient pop = PopFailoverClient.builder(resources).policy(POLICY).build();
  final LmtpFailoverClient lmtp = LmtpFailoverClient.builder(resources).policy(POLICY).build();

  @AfterEach
  void tearDown() {
    lmtp.close();
    resources.close();
  }

  DeliveryResult deliver(SimulatedReplicationGroup g, String text) throws Exception {
    return lmtp.deliver(g.replicationGroup(Protocol.LMTP), "s@example.com", List.of("alice@example.com"),
        MessageSource.of(("Subject: " + text + "\r\n\r\n" + text + "\r\n").getBytes(StandardCharsets.US_ASCII)));
  }

  int count(SimulatedReplicationGroup g, Intent intent) throws Exception {
    try (IMAPStore store = imap.connect(g.replicationGroup(Protocol.IMAP), ALICE, intent)) {
      Folder inbox = store.getFolder("INBOX");
      inbox.open(Folder.READ_ONLY);
      return inbox.getMessageCount();
    }
  }

  HostAddress append(SimulatedReplicationGroup g, String text) throws Exception {
    FailoverResult.Served<IMAPStore> s = imap.connectTraced(g.replicationGroup(Protocol.IMAP), ALICE, Intent.WRITE);
    try (IMAPStore store = s.value()) {
      store.getFolder("INBOX").appendMessages(new Message[] {new MimeMessage(Session.getInstance(new Properties()),
          new ByteArrayInputStream(("Subject: " + text + "\r\n\r\nx\r\n").getBytes(StandardCharsets.US_ASCII)))});
    }
    return s.host();
  }

  HostAddress stat(SimulatedReplicationGroup g) throws Exception {
    FailoverResult.Served<POP3Store> s = pop.connectTraced(g.replicationGroup(Protocol.POP), ALICE);
    try (POP3Store store = s.value()) {
      Folder inbox = store.getFolder("INBOX");
      inbox.open(Folder.READ_ONLY);
      inbox.getMessageCount();
      inbox.close(false);
    }
    return s.host();
  }

  @Test
  void underQuorumAnAcknowledgedDeliverySurvivesTheMastersDeath() throws Exception {
    try (SimulatedReplicationGroup g = SimulatedReplicationGroup.builder().user("alice", "secret")
        .ackPolicy(AckPolicy.QUORUM).ackTimeout(Duration.ofMillis(100)).startAsMaster(0).build()) {
      g.node(2).setReplicationPaused(true);
      assertThat(deliver(g, "kept").allDelivered()).isTrue();

      g.node(0).kill();

      assertThat(count(g, Intent.WRITE)).isEqualTo(1);
      assertThat(g.lostWrites()).isEmpty();
    }
  }

  @Test
  void underAckPolicyNoneAnAcknowledgedDeliveryCanBeLost() throws Exception {
    try (SimulatedReplicationGroup g = SimulatedReplicationGroup.builder().user("alice", "secret")
        .ackPolicy(AckPolicy.NONE).startAsMaster(0).build()) {
      g.node(1).setReplicationPaused(true);
      g.node(2).setReplicationPaused(true);
      assertThat(deliver(g, "lost").allDelivered()).as("the client was told DELIVERED").isTrue();

      g.node(0).kill();

      assertThat(count(g, Intent.WRITE)).isZero();
      assertThat(g.lostWrites()).hasSize(1);
    }
  }

  @Test
  void readerOnALaggingReplicaSeesStaleDataUntilItCatchesUp() throws Exception {
    try (SimulatedReplicationGroup g = SimulatedReplicationGroup.builder().user("alice", "secret")
        .imapReferral(ImapReferralStyle.OK).ackTimeout(Duration.ZERO).startAsMaster(1).build()) {
      g.node(0).setReplicationPaused(true);
      deliver(g, "fresh");

      assertThat(count(g, Intent.READ)).as("the reader stays on node1, which lags").isZero();
      assertThat(count(g, Intent.WRITE)).as("the writer is on the master").isEqualTo(1);
      g.node(0).setReplicationPaused(false);
      assertThat(count(g, Intent.READ)).isEqualTo(1);
    }
  }

  @Test
  void twoSiteGroupWithoutMasterFailsWritesAfterOnePassAndKeepsServingReads() throws Exception {
    try (SimulatedReplicationGroup g = SimulatedReplicationGroup.builder().nodes(2).user("alice", "secret")
        .startAsMaster(0).build()) {
      deliver(g, "before");
      g.node(0).kill();

      assertThatThrownBy(() -> imap.connect(g.replicationGroup(Protocol.IMAP), ALICE, Intent.WRITE))
          .isInstanceOfSatisfying(ImapGroupUnavailableException.class, e -> {
            assertThat(e.kind()).isEqualTo(FailureKind.NO_MASTER);
            assertThat(e.trace().passes()).isEqualTo(1);
          });
      assertThatThrownBy(() -> deliver(g, "refused")).isInstanceOf(NoMasterException.class);
      assertThat(count(g, Intent.READ)).isEqualTo(1);
    }
  }

  @Test
  void classicFailoverClientsMoveToTheStartedStandbyWithoutARestart() throws Exception {
    try (SimulatedReplicationGroup g = SimulatedReplicationGroup.builder().user("alice", "secret")
        .classicFailover(true).build()) {
      assertThat(deliver(g, "one").host()).isEqualTo(g.node(0).address(Protocol.LMTP));
      assertThat(append(g, "one")).isEqualTo(g.node(0).address(Protocol.IMAP));

      g.node(0).stop();
      g.node(1).start();

      assertThat(deliver(g, "two").host()).isEqualTo(g.node(1).address(Protocol.LMTP));
      assertThat(append(g, "two")).isEqualTo(g.node(1).address(Protocol.IMAP));
      assertThat(stat(g)).isEqualTo(g.node(1).address(Protocol.POP));
      assertThat(g.mailbox("alice")).hasSize(4);
    }
  }

  @Test
  void rollingUpgradeUnderSteadyLoadFailsNoOperationAndLosesNothing() throws Exception {
    try (SimulatedReplicationGroup g = SimulatedReplicationGroup.builder().user("alice", "secret").startAsMaster(0).build()) {
      int writes = 0;
      for (int node = 0; node < 3; node++) {
        for (int i = 0; i < 3; i++) {
          assertThat(deliver(g, "roll" + node + i).allDelivered()).isTrue();
          append(g, "roll" + node + i);
          stat(g);
          writes += 2;
          if (i == 0) {
            g.node(node).stop();
          }
        }
        g.node(node).start();
        assertThat(g.master()).isPresent();
      }

      assertThat(g.mailbox("alice")).hasSize(writes);
      assertThat(g.lostWrites()).isEmpty();
      assertThat(g.elections()).isGreaterThanOrEqualTo(1);
    }
  }
}
