package org.repgroup.lmtp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.repgroup.core.Protocol;
import org.repgroup.core.ReplicationGroup;
import org.repgroup.core.RepgroupResources;
import org.repgroup.core.StoreHostList;
import org.repgroup.core.FailoverPolicy;
import org.repgroup.core.StoreUnavailableException;
import org.repgroup.testkit.Fault;
import org.repgroup.testkit.LmtpServer;
import org.repgroup.testkit.SimulatedReplicationGroup;

@Timeout(60)
class LmtpFailoverClientTest {

  static final FailoverPolicy POLICY = FailoverPolicy.builder().stagger(Duration.ofMillis(50))
      .connectTimeout(Duration.ofMillis(500)).responseTimeout(Duration.ofSeconds(1)).deadline(Duration.ofSeconds(5))
      .build();
  static final byte[] MESSAGE = "Subject: hello\r\n\r\nHello there.\r\n".getBytes(StandardCharsets.US_ASCII);

  final RepgroupResources resources = RepgroupResources.create();
  final List<AutoCloseable> closeables = new ArrayList<>();
  LmtpFailoverClient client = LmtpFailoverClient.builder(resources).policy(POLICY).build();

  @AfterEach
  void tearDown() throws Exception {
    client.close();
    for (AutoCloseable c : closeables) {
      c.close();
    }
    resources.close();
  }

  LmtpServer server() throws Exception {
    LmtpServer s = new LmtpServer().start();
    closeables.add(s);
    return s;
  }

  static ReplicationGroup classicGroup(LmtpServer... servers) {
    List<org.repgroup.core.HostAddress> hosts = new ArrayList<>();
    for (LmtpServer s : servers) {
      hosts.add(s.address());
    }
    return ReplicationGroup.builder("classic", new StoreHostList(hosts)).build();
  }

  DeliveryResult deliver(ReplicationGroup g, String... rcpts) throws Exception {
    return client.deliver(g, "sender@example.com", List.of(rcpts), MessageSource.of(MESSAGE));
  }

  @Test
  void replicaGreetingReferralIsFollowedAndTheMasterDelivers() throws Exception {
    // Stagger 0: the test asserts what the first replica saw, so a busy machine must not cut it short.
    client.close();
    client = LmtpFailoverClient.builder(resources).policy(POLICY.toBuilder().stagger(Duration.ZERO).build()).build();
    try (SimulatedReplicationGroup g = SimulatedReplicationGroup.builder().startAsMaster(2).build()) {
      DeliveryResult r = deliver(g.replicationGroup(Protocol.LMTP), "alice@example.com");

      assertThat(r.allDelivered()).isTrue();
      assertThat(r.host()).isEqualTo(g.node(2).address(Protocol.LMTP));
      assertThat(r.trace().referralsFollowed()).isEqualTo(1);
      assertThat(g.mailbox("alice")).singleElement().satisfies(m -> assertThat(m.bytes()).isEqualTo(MESSAGE));
      assertThat(g.node(0).lmtp().receivedLines()).containsExactly("QUIT");
    }
  }

  @Test
  void masterKilledTheNextDeliveryLandsOnTheNewMaster() throws Exception {
    try (SimulatedReplicationGroup g = SimulatedReplicationGroup.builder().startAsMaster(0).build()) {
      ReplicationGroup group = g.replicationGroup(Protocol.LMTP);
      assertThat(deliver(group, "alice@example.com").host()).isEqualTo(g.node(0).address(Protocol.LMTP));

      g.node(0).kill();
      DeliveryResult r = deliver(group, "alice@example.com");

      assertThat(r.allDelivered()).isTrue();
      assertThat(r.host()).isEqualTo(g.node(1).address(Protocol.LMTP));
      assertThat(g.mailbox("alice")).hasSize(2);
    }
  }

  @Test
  void resetBeforeDataRetriesTheWholeTransactionOnTheNextHost() throws Exception {
    LmtpServer a = server();
    LmtpServer b = server();
    a.setFault(Fault.resetAtCommand("DATA"));

    DeliveryResult r = deliver(classicGroup(a, b), "alice@example.com", "bob@example.com");

    assertThat(r.allDelivered()).isTrue();
    assertThat(r.host()).isEqualTo(b.address());
    assertThat(a.store().messages("alice")).isEmpty();
    assertThat(b.store().messages("alice")).hasSize(1);
    assertThat(b.store().messages("bob")).hasSize(1);
  }

  @Test
  void connectionCutAfterTwoOfThreeRepliesLeavesTheThirdUnknownAndSendsNoSecondCopy() throws Exception {
    LmtpServer a = server();
    LmtpServer b = server();
    a.setFault(Fault.resetAfterReplies("DATA", 2));

    DeliveryResult r = deliver(classicGroup(a, b), "a@example.com", "b@example.com", "c@example.com");

    assertThat(r.recipients()).extracting(RecipientResult::status).containsExactly(
        RecipientStatus.DELIVERED, RecipientStatus.DELIVERED, RecipientStatus.UNKNOWN_MAYBE_DELIVERED);
    assertThat(r.recipient("c@example.com").code()).isZero();
    assertThat(b.connectionCount()).as("nothing was sent to another host").isZero();
    for (String user : List.of("a", "b", "c")) {
      assertThat(a.store().messages(user)).as(user).hasSize(1);
    }
  }

  @Test
  void atLeastOnceRedeliversOnlyTheUnknownRecipient() throws Exception {
    client.close();
    client = LmtpFailoverClient.builder(resources).policy(POLICY).atLeastOnce(true).build();
    LmtpServer a = server();
    a.setFault(Fault.resetAfterReplies("DATA", 2));

    DeliveryResult r = deliver(classicGroup(a), "a@example.com", "b@example.com", "c@example.com");

    assertThat(r.allDelivered()).isTrue();
    assertThat(a.store().messages("a")).hasSize(1);
    assertThat(a.store().messages("b")).hasSize(1);
    assertThat(a.store().messages("c")).as("at-least-once: c may get two copies").hasSize(2);
  }

  @Test
  void rejectedRecipientIsReportedAndTheOthersAreDelivered() throws Exception {
    LmtpServer a = server();
    a.rejectRecipient("bob@example.com", "550 5.1.1 <bob@example.com> User unknown");
    a.replyAfterData("carol@example.com", "452 4.2.2 <carol@example.com> Mailbox full");

    DeliveryResult r = deliver(classicGroup(a), "alice@example.com", "bob@example.com", "carol@example.com");

    assertThat(r.recipient("alice@example.com").status()).isEqualTo(RecipientStatus.DELIVERED);
    assertThat(r.recipient("bob@example.com")).isEqualTo(new RecipientResult("bob@example.com",
        RecipientStatus.PERMANENT_FAILURE, 550, "5.1.1", "<bob@example.com> User unknown"));
    assertThat(r.recipient("carol@example.com")).isEqualTo(new RecipientResult("carol@example.com",
        RecipientStatus.TEMPORARY_FAILURE, 452, "4.2.2", "<carol@example.com> Mailbox full"));
  }

  @Test
  void blackHoledFirstHostCostsAboutTheStagger() throws Exception {
    LmtpServer a = server();
    LmtpServer b = server();
    a.setFault(Fault.blackHole());

    DeliveryResult r = deliver(classicGroup(a, b), "alice@example.com");

    assertThat(r.host()).isEqualTo(b.address());
    assertThat(r.trace().elapsed()).as("the stagger, not the 1 s response timeout").isLessThan(Duration.ofMillis(900));
  }

  @Test
  void slowFirstHostNeverGetsTheMessageWhenAnotherWins() throws Exception {
    LmtpServer a = server();
    LmtpServer b = server();
    a.setFault(Fault.slow(Duration.ofMillis(200)));

    DeliveryResult r = deliver(classicGroup(a, b), "alice@example.com");

    assertThat(r.host()).isEqualTo(b.address());
    assertThat(a.store().messages("alice").size() + b.store().messages("alice").size()).isEqualTo(1);
    assertThat(a.sawCommand("DATA")).isFalse();
  }

  @Test
  void dotStuffingRoundTripsByteForByte() throws Exception {
    LmtpServer a = server();
    byte[] tricky = ("Subject: dots\r\n\r\n.\r\n..\r\n.leading dot\r\nmiddle . dot\r\n. \r\n").getBytes(StandardCharsets.US_ASCII);

    client.deliver(classicGroup(a), "s@example.com", List.of("alice@example.com"), MessageSource.of(tricky));

    assertThat(a.store().messages("alice").get(0).bytes()).isEqualTo(tricky);
  }

  @Test
  void bareLineFeedsAreSentAsCrlf() throws Exception {
    LmtpServer a = server();

    client.deliver(classicGroup(a), "s@example.com", List.of("alice@example.com"),
        MessageSource.of("Subject: lf\n\nbody\nno final newline".getBytes(StandardCharsets.US_ASCII)));

    assertThat(a.store().messages("alice").get(0).text()).isEqualTo("Subject: lf\r\n\r\nbody\r\nno final newline\r\n");
  }

  @Test
  void fiveHundredConcurrentDeliveriesThroughThePoolAllSucceed() throws Exception {
    LmtpServer a = server();
    ReplicationGroup g = classicGroup(a);
    ExecutorService pool = Executors.newFixedThreadPool(32);
    try {
      List<Future<DeliveryResult>> results = new ArrayList<>();
      for (int i = 0; i < 500; i++) {
        results.add(pool.submit(() -> deliver(g, "alice@example.com")));
      }
      for (Future<DeliveryResult> f : results) {
        assertThat(f.get().allDelivered()).isTrue();
      }
    } finally {
      pool.shutdownNow();
    }
    assertThat(a.store().messages("alice")).hasSize(500);
    assertThat(a.connectionCount()).as("connections are reused").isLessThan(500);
  }

  @Test
  void pooledConnectionIsReusedWithRset() throws Exception {
    LmtpServer a = server();

    deliver(classicGroup(a), "alice@example.com");
    deliver(classicGroup(a), "alice@example.com");

    assertThat(a.connectionCount()).isEqualTo(1);
    assertThat(a.transcript().get(0)).contains("RSET");
  }

  @Test
  void garbageGreetingIsUnavailableAndTheNextHostDelivers() throws Exception {
    LmtpServer a = server();
    LmtpServer b = server();
    a.setFault(Fault.garbageGreeting());

    DeliveryResult r = deliver(classicGroup(a, b), "alice@example.com");

    assertThat(r.host()).isEqualTo(b.address());
    assertThat(r.trace().attempts().get(0).detail()).startsWith("greeting: garbage greeting: \"\\x00\\xff");
  }

  @Test
  void oversizedGreetingLineIsRefusedNotBuffered() throws Exception {
    LmtpServer a = server();
    LmtpServer b = server();
    a.setFault(Fault.oversizedLine(100_000));

    DeliveryResult r = deliver(classicGroup(a, b), "alice@example.com");

    assertThat(r.host()).isEqualTo(b.address());
    assertThat(r.trace().attempts()).anySatisfy(at -> assertThat(at.detail()).contains("longer than 4096 bytes"));
  }

  @Test
  void lineOver998OctetsIsRejectedBeforeAnyHostIsContacted() throws Exception {
    LmtpServer a = server();
    byte[] longLine = ("Subject: x\r\n\r\n" + "y".repeat(999) + "\r\n").getBytes(StandardCharsets.US_ASCII);

    assertThatThrownBy(() -> client.deliver(classicGroup(a), "s@example.com", List.of("alice@example.com"),
        MessageSource.of(longLine)))
        .isInstanceOf(MessageRejectedException.class)
        .hasMessage("message line 3 is longer than 998 octets (RFC 5321); wrap or encode it before delivery");
    assertThat(a.connectionCount()).isZero();
  }

  @Test
  void everyHostDownFailsNamingEachHostAndNothingIsDelivered() throws Exception {
    LmtpServer a = server();
    LmtpServer b = server();
    a.setFault(Fault.refuse());
    b.setFault(Fault.resetAtCommand("MAIL"));

    assertThatThrownBy(() -> deliver(classicGroup(a, b), "alice@example.com"))
        .isInstanceOf(StoreUnavailableException.class)
        .hasMessageContaining(a.address().toString()).hasMessageContaining(b.address().toString());
    assertThat(b.store().messages("alice")).isEmpty();
  }

  @Test
  void groupWithoutMasterIsReportedAsReadOnly() throws Exception {
    try (SimulatedReplicationGroup g = SimulatedReplicationGroup.builder().nodes(2).startAsMaster(0).build()) {
      g.node(0).kill();

      assertThatThrownBy(() -> deliver(g.replicationGroup(Protocol.LMTP), "alice@example.com"))
          .isInstanceOf(org.repgroup.core.NoMasterException.class);
    }
  }

  @Test
  void greetingReferralParserReadsHostPortAndIpv6() throws Exception {
    assertThat(LmtpGreeting.parse("220 r1 LMTP ready [REFERRAL lmtp://m.example.com:2424/]").referral())
        .contains(org.repgroup.core.HostAddress.of("m.example.com", 2424));
    assertThat(LmtpGreeting.parse("220 r1 LMTP ready [REFERRAL lmtp://m.example.com/]").referral())
        .contains(org.repgroup.core.HostAddress.of("m.example.com"));
    assertThat(LmtpGreeting.parse("220 r1 LMTP ready [REFERRAL lmtp://[2001:db8::1]:24/]").referral())
        .contains(org.repgroup.core.HostAddress.of("2001:db8::1", 24));
    assertThat(LmtpGreeting.parse("220 m LMTP ready").referral()).isEmpty();
    // Upper-cased, "Straße" is one character longer: the referral is still read where it is.
    assertThat(LmtpGreeting.parse("220 r1 Straße [referral lmtp://m.example.com:2424/]").referral())
        .contains(org.repgroup.core.HostAddress.of("m.example.com", 2424));
    assertThatThrownBy(() -> LmtpGreeting.parse("220 r LMTP [REFERRAL http://x/]"))
        .isInstanceOf(LmtpProtocolException.class).hasMessageContaining("expected lmtp://host[:port]/");
  }
}
