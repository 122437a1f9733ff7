package org.repgroup.imap;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import jakarta.mail.AuthenticationFailedException;
import jakarta.mail.Folder;
import jakarta.mail.Session;
import jakarta.mail.internet.MimeMessage;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.eclipse.angus.mail.imap.IMAPStore;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.repgroup.core.Credentials;
import org.repgroup.core.HostAddress;
import org.repgroup.core.Protocol;
import org.repgroup.core.ReplicationGroup;
import org.repgroup.core.RepgroupResources;
import org.repgroup.core.StoreHostList;
import org.repgroup.core.FailoverListener;
import org.repgroup.core.FailoverPolicy;
import org.repgroup.core.FailoverResult;
import org.repgroup.core.FailureKind;
import org.repgroup.core.Intent;
import org.repgroup.testkit.Fault;
import org.repgroup.testkit.ImapReferralStyle;
import org.repgroup.testkit.SimulatedReplicationGroup;

@Timeout(60)
class ImapFailoverClientTest {

  static final FailoverPolicy POLICY = FailoverPolicy.builder().stagger(Duration.ofMillis(100))
      .connectTimeout(Duration.ofMillis(500)).responseTimeout(Duration.ofSeconds(1)).deadline(Duration.ofSeconds(5))
      .build();
  static final Credentials ALICE = new Credentials("alice", "secret");

  final List<String> alerts = new CopyOnWriteArrayList<>();
  final RepgroupResources resources = RepgroupResources.builder().listener(new FailoverListener() {
    @Override
    public void serverAlert(HostAddress host, String text) {
      alerts.add(text);
    }
  }).build();
  final ImapFailoverClient client = ImapFailoverClient.builder(resources).policy(POLICY).build();
  /**
   * Stagger off: every awaited reply before login re-arms the stagger, so with one a slow refusal lets
   * the next host start in parallel. Tests asserting that no other host was contacted pin time with this.
   */
  final ImapFailoverClient oneAtATime = ImapFailoverClient.builder(resources)
      .policy(POLICY.toBuilder().stagger(Duration.ZERO).build()).build();

  @AfterEach
  void tearDown() {
    resources.close();
  }

  static SimulatedReplicationGroup group(ImapReferralStyle style, int master) {
    return SimulatedReplicationGroup.builder().user("alice", "secret").admin("mmpadmin", "adminpass")
        .imapReferral(style).startAsMaster(master).build();
  }

  /** Scripts the reply to a login, whichever way the client logs in (LOGIN or AUTHENTICATE). */
  static void onLogin(org.repgroup.testkit.ImapServer server, org.repgroup.testkit.CommandHandler reply) {
    server.onCommand("LOGIN", reply);
    server.onCommand("AUTHENTICATE", reply);
  }

  FailoverResult.Served<IMAPStore> connect(ReplicationGroup g, Intent intent) throws Exception {
    return client.connectTraced(g, ALICE, intent);
  }

  @Test
  void writerFollowsNoReferralToMaster() throws Exception {
    try (SimulatedReplicationGroup g = group(ImapReferralStyle.NO, 2)) {
      FailoverResult.Served<IMAPStore> s = connect(g.replicationGroup(Protocol.IMAP), Intent.WRITE);

      assertThat(s.host()).isEqualTo(g.node(2).address(Protocol.IMAP));
      assertThat(s.trace().referralsFollowed()).isEqualTo(1);
      s.value().close();
    }
  }

  @Test
  void writerFollowsOkReferralToMasterAndAppendsThere() throws Exception {
    try (SimulatedReplicationGroup g = group(ImapReferralStyle.OK, 1)) {
      FailoverResult.Served<IMAPStore> s = connect(g.replicationGroup(Protocol.IMAP), Intent.WRITE);

      assertThat(s.host()).isEqualTo(g.node(1).address(Protocol.IMAP));
      try (IMAPStore store = s.value()) {
        Folder inbox = store.getFolder("INBOX");
        MimeMessage m = new MimeMessage(Session.getInstance(new java.util.Properties()),
            new ByteArrayInputStream("Subject: hi\r\n\r\nhello\r\n".getBytes(StandardCharsets.US_ASCII)));
        inbox.appendMessages(new jakarta.mail.Message[] {m});
        inbox.open(Folder.READ_ONLY);
        assertThat(inbox.getMessageCount()).isEqualTo(1);
      }
      assertThat(g.mailbox("alice")).hasSize(1);
    }
  }

  @Test
  void readerStaysOnTheReplicaForOkReferral() throws Exception {
    try (SimulatedReplicationGroup g = group(ImapReferralStyle.OK, 1)) {
      g.deliver("alice", "Subject: x\r\n\r\nbody\r\n".getBytes(StandardCharsets.US_ASCII));

      FailoverResult.Served<IMAPStore> s = connect(g.replicationGroup(Protocol.IMAP), Intent.READ);

      assertThat(s.host()).isEqualTo(g.node(0).address(Protocol.IMAP));
      try (IMAPStore store = s.value()) {
        Folder inbox = store.getFolder("INBOX");
        inbox.open(Folder.READ_ONLY);
        assertThat(inbox.getMessageCount()).isEqualTo(1);
      }
    }
  }

  @Test
  void readerFollowsNoReferral() throws Exception {
    try (SimulatedReplicationGroup g = group(ImapReferralStyle.NO, 1)) {
      assertThat(connect(g.replicationGroup(Protocol.IMAP), Intent.READ).host())
          .isEqualTo(g.node(1).address(Protocol.IMAP));
    }
  }

  @Test
  void twoHopsReachTheMaster() throws Exception {
    try (SimulatedReplicationGroup g = group(ImapReferralStyle.NO, 2)) {
      HostAddress n1 = g.node(1).address(Protocol.IMAP);
      onLogin(g.node(0).imap(), c -> c.tag() + " NO [REFERRAL imap://alice@" + n1 + "/] try node2");

      FailoverResult.Served<IMAPStore> s = connect(g.replicationGroup(Protocol.IMAP), Intent.WRITE);

      assertThat(s.host()).isEqualTo(g.node(2).address(Protocol.IMAP));
      assertThat(s.trace().referralPath()).containsExactly(g.node(0).address(Protocol.IMAP), n1,
          g.node(2).address(Protocol.IMAP));
    }
  }

  @Test
  void referralLoopIsStopped() throws Exception {
    try (SimulatedReplicationGroup g = group(ImapReferralStyle.NO, 2)) {
      HostAddress n0 = g.node(0).address(Protocol.IMAP);
      HostAddress n1 = g.node(1).address(Protocol.IMAP);
      onLogin(g.node(0).imap(), c -> c.tag() + " NO [REFERRAL imap://" + n1 + "/] go");
      onLogin(g.node(1).imap(), c -> c.tag() + " NO [REFERRAL imap://" + n0 + "/] go");

      // One at a time: a staggered parallel login of node 1 would fail it in the pass before node 0's
      // referral reaches it, and a referral to a host that already failed is not followed (no loop).
      assertThatThrownBy(() -> oneAtATime.connectTraced(g.replicationGroup(Protocol.IMAP), ALICE, Intent.WRITE))
          .isInstanceOfSatisfying(ImapGroupUnavailableException.class,
              e -> assertThat(e.kind()).isEqualTo(FailureKind.REFERRAL_LOOP));
    }
  }

  @Test
  void strangerIsRefusedAndTheStrangerNodeRecordedNoCredentials() throws Exception {
    try (SimulatedReplicationGroup g = group(ImapReferralStyle.NO, 1);
         SimulatedReplicationGroup other = group(ImapReferralStyle.NO, 0)) {
      HostAddress stranger = other.node(0).address(Protocol.IMAP);
      onLogin(g.node(0).imap(), c -> c.tag() + " NO [REFERRAL imap://alice@" + stranger + "/] go");

      FailoverResult.Served<IMAPStore> s = connect(g.replicationGroup(Protocol.IMAP), Intent.WRITE);

      assertThat(s.host()).isEqualTo(g.node(1).address(Protocol.IMAP));
      assertThat(other.node(0).imap().connectionCount()).isZero();
      assertThat(other.node(0).sawCredentials()).isFalse();
    }
  }

  @Test
  void allowListedStrangerIsFollowedButNotCachedAsMaster() throws Exception {
    try (SimulatedReplicationGroup g = group(ImapReferralStyle.NO, 1);
         SimulatedReplicationGroup other = group(ImapReferralStyle.NO, 0)) {
      HostAddress stranger = other.node(0).address(Protocol.IMAP);
      onLogin(g.node(0).imap(), c -> c.tag() + " NO [REFERRAL imap://alice@" + stranger + "/] shared");
      ReplicationGroup shared = ReplicationGroup.builder(g.name(), StoreHostList.of(g.node(0).address(Protocol.IMAP)))
          .allowReferralsTo("127.0.0.1").build();

      assertThat(connect(shared, Intent.WRITE).host()).isEqualTo(stranger);
      assertThat(resources.affinityCache().master(g.name())).isEmpty();
    }
  }

  @Test
  void portlessReferralUsesTheGroupsImapPort() throws Exception {
    try (SimulatedReplicationGroup g = SimulatedReplicationGroup.builder().user("alice", "secret")
        .portlessReferrals(true).startAsMaster(2).build()) {
      ReplicationGroup rg = g.replicationGroup(Protocol.IMAP).toBuilder()
          .port(Protocol.IMAP, g.node(2).address(Protocol.IMAP).port().orElseThrow()).build();

      assertThat(connect(rg, Intent.WRITE).host()).isEqualTo(g.node(2).address(Protocol.IMAP));
    }
  }

  @Test
  void masterKilledTheNextLoginLandsOnTheNewlyElectedMaster() throws Exception {
    try (SimulatedReplicationGroup g = group(ImapReferralStyle.NO, 0)) {
      ReplicationGroup rg = g.replicationGroup(Protocol.IMAP);
      connect(rg, Intent.WRITE).value().close();

      g.node(0).kill();

      assertThat(connect(rg, Intent.WRITE).host()).isEqualTo(g.node(1).address(Protocol.IMAP));
    }
  }

  @Test
  void blackHoledFirstHostCostsAboutTheStaggerNotTheTimeout() throws Exception {
    try (SimulatedReplicationGroup g = group(ImapReferralStyle.NO, 1)) {
      g.node(0).setFault(Fault.blackHole());

      long start = System.nanoTime();
      FailoverResult.Served<IMAPStore> s = connect(g.replicationGroup(Protocol.IMAP), Intent.WRITE);
      Duration callerWaited = Duration.ofNanos(System.nanoTime() - start);

      assertThat(s.host()).isEqualTo(g.node(1).address(Protocol.IMAP));
      assertThat(s.trace().elapsed()).isLessThan(POLICY.responseTimeout());
      // The caller's view too: abandoning the silent attempt must not make the caller wait for it.
      assertThat(callerWaited).isLessThan(POLICY.responseTimeout());
      s.value().close();
    }
  }

  @Test
  void byeGreetingMovesToTheNextHost() throws Exception {
    try (SimulatedReplicationGroup g = group(ImapReferralStyle.NO, 1)) {
      g.node(0).imap().setGreeting("* BYE shutting down for maintenance");

      FailoverResult.Served<IMAPStore> s = connect(g.replicationGroup(Protocol.IMAP), Intent.WRITE);

      assertThat(s.host()).isEqualTo(g.node(1).address(Protocol.IMAP));
      assertThat(s.trace().attempts().get(0).detail()).startsWith("greeting: * BYE shutting down");
    }
  }

  @Test
  void byeReferralGreetingIsNextHostNotFollowed() throws Exception {
    try (SimulatedReplicationGroup g = group(ImapReferralStyle.NO, 1)) {
      g.node(0).imap().setGreeting("* BYE [REFERRAL imap://" + g.node(2).address(Protocol.IMAP) + "/] go away");

      FailoverResult.Served<IMAPStore> s = connect(g.replicationGroup(Protocol.IMAP), Intent.WRITE);

      assertThat(s.host()).isEqualTo(g.node(1).address(Protocol.IMAP));
    }
  }

  @Test
  void badCredentialsOnTheMasterStopAtOnce() throws Exception {
    try (SimulatedReplicationGroup g = group(ImapReferralStyle.NO, 0)) {
      assertThatThrownBy(() -> oneAtATime.connect(g.replicationGroup(Protocol.IMAP), new Credentials("alice", "wrong"),
          Intent.WRITE)).isInstanceOf(AuthenticationFailedException.class);
      assertThat(g.node(1).imap().connectionCount()).isZero();
      assertThat(g.node(2).imap().connectionCount()).isZero();
    }
  }

  @Test
  void unavailableResponseCodeMovesOn() throws Exception {
    try (SimulatedReplicationGroup g = group(ImapReferralStyle.NO, 1)) {
      onLogin(g.node(0).imap(), c -> c.tag() + " NO [UNAVAILABLE] backend down");

      assertThat(connect(g.replicationGroup(Protocol.IMAP), Intent.WRITE).host())
          .isEqualTo(g.node(1).address(Protocol.IMAP));
    }
  }

  @Test
  void expiredIsFatal() throws Exception {
    try (SimulatedReplicationGroup g = group(ImapReferralStyle.NO, 0)) {
      onLogin(g.node(0).imap(), c -> c.tag() + " NO [EXPIRED] password expired");

      assertThatThrownBy(() -> oneAtATime.connect(g.replicationGroup(Protocol.IMAP), ALICE, Intent.WRITE))
          .isInstanceOf(AuthenticationFailedException.class);
      assertThat(g.node(1).imap().connectionCount()).isZero();
    }
  }

  @Test
  void alertDuringLoginReachesTheListener() throws Exception {
    try (SimulatedReplicationGroup g = group(ImapReferralStyle.NO, 0)) {
      onLogin(g.node(0).imap(), c -> c.tag() + " OK [ALERT] quota at 95%");

      connect(g.replicationGroup(Protocol.IMAP), Intent.WRITE).value().close();

      assertThat(alerts).containsExactly("quota at 95%");
    }
  }

  @Test
  void malformedReferralIsUnavailableNotACrash() throws Exception {
    try (SimulatedReplicationGroup g = group(ImapReferralStyle.NO, 1)) {
      onLogin(g.node(0).imap(), c -> c.tag() + " NO [REFERRAL http://nonsense] go");

      FailoverResult.Served<IMAPStore> s = connect(g.replicationGroup(Protocol.IMAP), Intent.WRITE);

      assertThat(s.host()).isEqualTo(g.node(1).address(Protocol.IMAP));
      assertThat(s.trace().attempts().get(0).detail()).contains("not an imap:// URL");
    }
  }

  @Test
  void adminProxyLoginSendsTheUserAsSaslPlainAuthorizationId() throws Exception {
    try (SimulatedReplicationGroup g = group(ImapReferralStyle.NO, 0)) {
      try (IMAPStore store = client.connectAsAdminFor(g.replicationGroup(Protocol.IMAP), "alice", Intent.WRITE)) {
        assertThat(store.isConnected()).isTrue();
      }
      assertThat(g.node(0).imap().lastAuthorizationId()).isEqualTo("alice");
      assertThat(g.node(0).imap().sawCommand("AUTHENTICATE")).isTrue();
    }
  }

  @Test
  void groupWithoutMasterFailsWritesButServesReads() throws Exception {
    try (SimulatedReplicationGroup g = SimulatedReplicationGroup.builder().nodes(2).user("alice", "secret")
        .startAsMaster(0).build()) {
      g.node(0).kill();

      assertThat(connect(g.replicationGroup(Protocol.IMAP), Intent.READ).host()).isEqualTo(g.node(1).address(Protocol.IMAP));
    }
  }

  @Test
  void referralUrlFormsParse() {
    assertThat(LoginReferral.parse("imap://h.example.com/").host()).isEqualTo(HostAddress.of("h.example.com"));
    LoginReferral r = LoginReferral.parse("imap://al%40ice;AUTH=PLAIN@h.example.com:1143/");
    assertThat(r.user()).contains("al@ice");
    assertThat(r.authMechanism()).contains("PLAIN");
    assertThat(r.host()).isEqualTo(HostAddress.of("h.example.com", 1143));
    assertThat(LoginReferral.parse("imap://bob;AUTH=*@h/").authMechanism()).contains("*");
    assertThat(LoginReferral.fromResponse("a1 NO [REFERRAL imap://user@[2001:db8::1]:143/] go").orElseThrow().host())
        .isEqualTo(HostAddress.of("2001:db8::1", 143));
    assertThat(LoginReferral.fromResponse("a1 NO [AUTHENTICATIONFAILED] no")).isEmpty();
    // Upper-cased, "Straße" is one character longer: the referral is still read where it is.
    assertThat(LoginReferral.fromResponse("a1 NO Straße [referral imap://h2.example.com/] moved").orElseThrow()
        .host()).isEqualTo(HostAddress.of("h2.example.com"));
    assertThat(LoginReferral.parse("imap://ßob;auth=PLAIN@h.example.com/").authMechanism()).contains("PLAIN");
    assertThatThrownBy(() -> LoginReferral.parse("imap://[2001:db8::1/")).hasMessageContaining("referral URL");
  }

  @Test
  void usersStartTlsSessionPropertiesAreHonoured() throws Exception {
    try (SimulatedReplicationGroup g = group(ImapReferralStyle.NO, 0)) {
      g.node(0).imap().offerStartTls(org.repgroup.testkit.TestCertificates.get().serverContext());
      java.util.Properties tls = new java.util.Properties();
      tls.put("mail.imap.starttls.enable", "true");
      tls.put("mail.imap.starttls.required", "true");
      tls.put("mail.imap.ssl.socketFactory", org.repgroup.testkit.TestCertificates.get().clientSocketFactory());
      ImapFailoverClient secure = ImapFailoverClient.builder(resources).policy(POLICY).sessionProperties(tls).build();

      try (IMAPStore store = secure.connect(g.replicationGroup(Protocol.IMAP), ALICE, Intent.WRITE)) {
        assertThat(store.isConnected()).isTrue();
      }
      assertThat(g.node(0).imap().commandsAfterTls()).contains("AUTHENTICATE");
    }
  }
}
