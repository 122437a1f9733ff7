package org.repgroup.pop;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import jakarta.mail.AuthenticationFailedException;
import jakarta.mail.Folder;
import jakarta.mail.Message;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.eclipse.angus.mail.pop3.POP3Store;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.repgroup.core.Credentials;
import org.repgroup.core.Protocol;
import org.repgroup.core.ReplicationGroup;
import org.repgroup.core.RepgroupResources;
import org.repgroup.core.StoreHostList;
import org.repgroup.core.FailoverPolicy;
import org.repgroup.core.FailoverResult;
import org.repgroup.core.FailureKind;
import org.repgroup.testkit.Fault;
import org.repgroup.testkit.SimulatedReplicationGroup;
import org.repgroup.testkit.junit.ReplicationGroupExtension;

@Timeout(60)
class PopFailoverClientTest {

  static final FailoverPolicy POLICY = FailoverPolicy.builder().stagger(Duration.ofMillis(100))
      .connectTimeout(Duration.ofMillis(500)).responseTimeout(Duration.ofSeconds(1)).deadline(Duration.ofSeconds(5))
      .build();
  static final Credentials ALICE = new Credentials("alice", "secret");
  static final byte[] MESSAGE = "Subject: hi\r\n\r\n.dot first\r\nbody\r\n".getBytes(StandardCharsets.US_ASCII);

  final RepgroupResources resources = RepgroupResources.create();
  final PopFailoverClient client = PopFailoverClient.builder(resources).policy(POLICY).build();
  /** No stagger: for tests that assert which hosts were (not) contacted, or in what order, on a busy machine. */
  final PopFailoverClient sequential = PopFailoverClient.builder(resources)
      .policy(POLICY.toBuilder().stagger(Duration.ZERO).build()).build();

  @AfterEach
  void tearDown() {
    resources.close();
  }

  /** A new group for each test: node1 master, node2 and node3 replicas referring to it; tests switch over as they need. */
  @RegisterExtension
  final ReplicationGroupExtension<SimulatedReplicationGroup> group = ReplicationGroupExtension.simulated(b -> b
      .user("alice", "secret").admin("mmpadmin", "adminpass").startAsMaster(0));

  @Test
  void clientStartingOnAReplicaFollowsSysReferToTheMasterAndCanStatRetrDele(SimulatedReplicationGroup g) throws Exception {
    g.switchover(2);
    g.deliver("alice", MESSAGE);

    FailoverResult.Served<POP3Store> s = client.connectTraced(g.replicationGroup(Protocol.POP), ALICE);

    assertThat(s.host()).isEqualTo(g.node(2).address(Protocol.POP));
    assertThat(s.trace().referralsFollowed()).isEqualTo(1);
    assertThat(g.node(0).pop().sawCommand("PASS")).as("the replica never saw the password").isFalse();
    try (POP3Store store = s.value()) {
      Folder inbox = store.getFolder("INBOX");
      inbox.open(Folder.READ_WRITE);
      assertThat(inbox.getMessageCount()).isEqualTo(1);
      Message m = inbox.getMessage(1);
      ByteArrayOutputStream raw = new ByteArrayOutputStream();
      m.writeTo(raw);
      assertThat(raw.toByteArray()).isEqualTo(MESSAGE);
      m.setFlag(jakarta.mail.Flags.Flag.DELETED, true);
      inbox.close(true);
    }
    assertThat(g.mailbox("alice")).isEmpty();
  }

  @Test
  void sysTempMovesToTheNextHost(SimulatedReplicationGroup g) throws Exception {
    g.switchover(1);
    g.node(0).pop().onCommand("USER", c -> "-ERR [SYS/TEMP] maintenance");

    FailoverResult.Served<POP3Store> s = client.connectTraced(g.replicationGroup(Protocol.POP), ALICE);

    assertThat(s.host()).isEqualTo(g.node(1).address(Protocol.POP));
    s.value().close();
  }

  @Test
  void inUseMovesOnWithoutMarkingTheHostDown(SimulatedReplicationGroup g) throws Exception {
    g.switchover(1);
    ReplicationGroup rg = ReplicationGroup.builder(g.name(), StoreHostList.of(g.node(0).address(Protocol.POP),
        g.node(1).address(Protocol.POP))).build();
    g.node(0).pop().onCommand("USER", c -> "-ERR [IN-USE] mailbox locked by another session");

    client.connect(rg, ALICE).close();

    assertThat(resources.affinityCache().health(g.node(0).address(Protocol.POP)))
        .isEqualTo(org.repgroup.core.AffinityCache.HostHealth.UP);
  }

  @Test
  void authCodeStopsAtOnceAndNoOtherNodeSeesThePassword(SimulatedReplicationGroup g) throws Exception {
    Credentials wrong = new Credentials("alice", "wrong");

    assertThatThrownBy(() -> sequential.connect(g.replicationGroup(Protocol.POP), wrong))
        .isInstanceOf(AuthenticationFailedException.class).hasMessageContaining("[AUTH]");
    assertThat(g.node(1).pop().sawCommand("PASS")).isFalse();
    assertThat(g.node(2).pop().sawCommand("PASS")).isFalse();
  }

  @Test
  void plainErrWithoutCodeIsFatal(SimulatedReplicationGroup g) throws Exception {
    g.node(0).pop().onCommand("PASS", c -> "-ERR Try this server instead.");

    assertThatThrownBy(() -> sequential.connect(g.replicationGroup(Protocol.POP), ALICE))
        .isInstanceOf(AuthenticationFailedException.class).hasMessage("Try this server instead.");
    assertThat(g.node(1).pop().connectionCount()).isZero();
  }

  @Test
  void sysPermIsFatal(SimulatedReplicationGroup g) throws Exception {
    g.node(0).pop().onCommand("PASS", c -> "-ERR [SYS/PERM] account disabled");

    assertThatThrownBy(() -> sequential.connect(g.replicationGroup(Protocol.POP), ALICE))
        .isInstanceOf(AuthenticationFailedException.class);
    assertThat(g.node(1).pop().connectionCount()).isZero();
  }

  @Test
  void unknownSysCodeIsASystemProblemAndMovesOn(SimulatedReplicationGroup g) throws Exception {
    g.switchover(1);
    g.node(0).pop().onCommand("USER", c -> "-ERR [SYS/FROBNICATED] odd");

    assertThat(client.connectTraced(g.replicationGroup(Protocol.POP), ALICE).host())
        .isEqualTo(g.node(1).address(Protocol.POP));
  }

  @Test
  void referralLoopIsStopped(SimulatedReplicationGroup g) throws Exception {
    g.switchover(2);
    g.node(0).pop().onCommand("USER", c -> "-ERR [SYS/REFER/" + g.node(1).address(Protocol.POP) + "] go");
    g.node(1).pop().onCommand("USER", c -> "-ERR [SYS/REFER/" + g.node(0).address(Protocol.POP) + "] go");

    assertThatThrownBy(() -> client.connect(g.replicationGroup(Protocol.POP), ALICE))
        .isInstanceOfSatisfying(PopGroupUnavailableException.class,
            e -> assertThat(e.kind()).isEqualTo(FailureKind.REFERRAL_LOOP));
  }

  @Test
  void portlessReferralUsesTheGroupsPopPort(SimulatedReplicationGroup g) throws Exception {
    g.switchover(1);
    g.nodes().forEach(n -> n.setPortlessReferrals(true));
    ReplicationGroup rg = g.replicationGroup(Protocol.POP).toBuilder()
        .port(Protocol.POP, g.node(1).address(Protocol.POP).port().orElseThrow()).build();

    assertThat(client.connectTraced(rg, ALICE).host()).isEqualTo(g.node(1).address(Protocol.POP));
  }

  @Test
  void masterKilledTheNextLoginLandsOnTheNewMaster(SimulatedReplicationGroup g) throws Exception {
    client.connect(g.replicationGroup(Protocol.POP), ALICE).close();

    g.node(0).kill();

    assertThat(client.connectTraced(g.replicationGroup(Protocol.POP), ALICE).host())
        .isEqualTo(g.node(1).address(Protocol.POP));
  }

  @Test
  void blackHoledHostCostsAboutTheStagger(SimulatedReplicationGroup g) throws Exception {
    g.switchover(1);
    g.node(0).setFault(Fault.blackHole());

    long start = System.nanoTime();
    FailoverResult.Served<POP3Store> s = client.connectTraced(g.replicationGroup(Protocol.POP), ALICE);
    Duration callerWaited = Duration.ofNanos(System.nanoTime() - start);

    assertThat(s.host()).isEqualTo(g.node(1).address(Protocol.POP));
    assertThat(s.trace().elapsed()).isLessThan(POLICY.responseTimeout());
    assertThat(callerWaited).as("the caller does not wait for the abandoned attempt").isLessThan(POLICY.responseTimeout());
    s.value().close();
  }

  @Test
  void timeoutDuringLoginIsTheHostsProblemNotABadPassword(SimulatedReplicationGroup g) throws Exception {
    ReplicationGroup rg = ReplicationGroup.builder(g.name(), StoreHostList.of(g.node(0).address(Protocol.POP),
        g.node(1).address(Protocol.POP))).build();
    g.node(0).pop().setFault(Fault.stallAtCommand("PASS"));
    g.node(1).pop().onCommand("USER", c -> "-ERR [SYS/TEMP] later");

    assertThatThrownBy(() -> client.connect(rg, ALICE))
        .isInstanceOfSatisfying(PopGroupUnavailableException.class, e -> {
          assertThat(e.kind()).isNotEqualTo(FailureKind.FATAL);
          // The stalled login re-arms the stagger, so node 2 may be recorded first: find node 1's attempt.
          assertThat(e.trace().attempts()).filteredOn(a -> a.host().equals(g.node(0).address(Protocol.POP)))
              .first().extracting(org.repgroup.core.AttemptRecord::detail).isEqualTo("timed out during login");
        });
  }

  @Test
  void droppedConnectionDuringLoginIsTheHostsProblem(SimulatedReplicationGroup g) throws Exception {
    ReplicationGroup rg = ReplicationGroup.builder(g.name(), StoreHostList.of(g.node(0).address(Protocol.POP),
        g.node(1).address(Protocol.POP))).build();
    g.node(0).pop().setFault(Fault.resetAtCommand("PASS"));
    g.node(1).pop().onCommand("USER", c -> "-ERR [SYS/REFER/" + g.node(0).address(Protocol.POP) + "] master");

    assertThatThrownBy(() -> sequential.connect(rg, ALICE))
        .isInstanceOfSatisfying(PopGroupUnavailableException.class,
            e -> assertThat(e.trace().attempts().get(0).kind())
                .isEqualTo(org.repgroup.core.AttemptRecord.Kind.UNAVAILABLE));
  }

  @Test
  void errGreetingIsUnavailableWithItsText(SimulatedReplicationGroup g) throws Exception {
    g.switchover(1);
    g.node(0).pop().setGreeting("-ERR [SYS/TEMP] shutting down");

    // Sequential: the first record is node 0's own greeting, not an attempt cancelled by a staggered winner.
    FailoverResult.Served<POP3Store> s = sequential.connectTraced(g.replicationGroup(Protocol.POP), ALICE);

    assertThat(s.host()).isEqualTo(g.node(1).address(Protocol.POP));
    assertThat(s.trace().attempts().get(0).detail()).isEqualTo("greeting: -ERR [SYS/TEMP] shutting down");
    s.value().close();
  }

  @Test
  void adminProxyLoginSendsSaslPlainWithTheUserAsAuthorizationId(SimulatedReplicationGroup g) throws Exception {
    try (POP3Store store = client.connectAsAdminFor(g.replicationGroup(Protocol.POP), "alice")) {
      assertThat(store.isConnected()).isTrue();
    }
    assertThat(g.node(0).pop().lastAuthorizationId()).isEqualTo("alice");
    assertThat(g.node(0).pop().sawCommand("AUTH")).isTrue();
    assertThat(g.node(0).pop().sawCommand("APOP")).isFalse();
  }

  @Test
  void saslPlainLoginModeUsesAuth(SimulatedReplicationGroup g) throws Exception {
    PopFailoverClient sasl = PopFailoverClient.builder(resources).policy(POLICY).loginMode(PopLoginMode.SASL_PLAIN).build();
    sasl.connect(g.replicationGroup(Protocol.POP), ALICE).close();

    assertThat(g.node(0).pop().sawCommand("AUTH")).isTrue();
    assertThat(g.node(0).pop().sawCommand("PASS")).isFalse();
  }

  /** A group of two nodes, unlike the extension's: built here. */
  @Test
  void groupWithoutMasterIsReportedAsNoMaster() throws Exception {
    try (SimulatedReplicationGroup g = SimulatedReplicationGroup.builder().nodes(2).user("alice", "secret")
        .startAsMaster(0).build()) {
      g.node(0).kill();

      assertThatThrownBy(() -> client.connect(g.replicationGroup(Protocol.POP), ALICE))
          .isInstanceOfSatisfying(PopGroupUnavailableException.class,
              e -> assertThat(e.kind()).isEqualTo(FailureKind.NO_MASTER));
    }
  }

  @Test
  void responseCodeParserFollowsTheHierarchyAndNeverCrashes() {
    assertThat(PopResponseCode.parse("[SYS/REFER/m.example.com:1110] go").orElseThrow().referral())
        .contains(org.repgroup.core.HostAddress.of("m.example.com", 1110));
    assertThat(PopResponseCode.parse("[SYS/REFER/[2001:db8::1]:110] go").orElseThrow().referral())
        .contains(org.repgroup.core.HostAddress.of("2001:db8::1", 110));
    assertThat(PopResponseCode.parse("[sys/foo] x").orElseThrow().is("SYS")).isTrue();
    assertThat(PopResponseCode.parse("[AUTH] bad").orElseThrow().is("AUTH")).isTrue();
    for (String junk : new String[] {"", "[", "[]", "[/]", "no code", "[SYS/", "[a//b] x", "\0\1[\2"}) {
      assertThat(PopResponseCode.parse(junk)).as(junk).isEmpty();
    }
  }
}
