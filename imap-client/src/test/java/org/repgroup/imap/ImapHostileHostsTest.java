package org.repgroup.imap;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.eclipse.angus.mail.imap.IMAPStore;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.repgroup.core.AffinityCache;
import org.repgroup.core.AttemptRecord;
import org.repgroup.core.Credentials;
import org.repgroup.core.FailoverPolicy;
import org.repgroup.core.FailoverResult;
import org.repgroup.core.HostAddress;
import org.repgroup.core.Intent;
import org.repgroup.core.Protocol;
import org.repgroup.core.ReplicationGroup;
import org.repgroup.core.RepgroupResources;
import org.repgroup.core.StoreHostList;
import org.repgroup.testkit.Fault;
import org.repgroup.testkit.ImapReferralStyle;
import org.repgroup.testkit.SimulatedReplicationGroup;
import org.repgroup.testkit.ClientAllocations;

/** Hosts that trickle, flood, announce huge literals or send junk: left for the next host, at little cost. */
@Timeout(60)
class ImapHostileHostsTest {

  static final FailoverPolicy POLICY = ImapFailoverClientTest.POLICY;
  static final Credentials ALICE = new Credentials("alice", "secret");
  static final Duration PER_BYTE = Duration.ofMillis(60);
  /** Most the client may allocate while a host floods it (a login allocates a few hundred KB). */
  static final long FEW_MEGABYTES = 8L * 1024 * 1024;

  final RepgroupResources resources = RepgroupResources.create();
  final ImapFailoverClient client = ImapFailoverClient.builder(resources).policy(POLICY).build();
  /**
   * For a host that greets and then trickles a reply: a stagger (1 s) longer than a busy machine
   * takes to deliver a greeting, so the stagger that leaves the host is the one armed for the
   * trickled reply, and the host has been silent that long when the next host serves (so it is
   * marked down); a response timeout (4 s) the trickle outlasts.
   */
  static final FailoverPolicy PATIENT = POLICY.toBuilder().stagger(Duration.ofSeconds(1))
      .responseTimeout(Duration.ofSeconds(4)).build();
  final ImapFailoverClient patient = ImapFailoverClient.builder(resources).policy(PATIENT).build();
  /**
   * Stagger off, one host at a time, for tests that read the first host's own outcome; a roomy
   * response timeout, since a flood arrives at once and must end by its cap, not by the clock.
   */
  final ImapFailoverClient sequential = ImapFailoverClient.builder(resources)
      .policy(POLICY.toBuilder().stagger(Duration.ZERO).responseTimeout(Duration.ofSeconds(3)).build()).build();

  @AfterEach
  void tearDown() {
    resources.close();
  }

  /** One login to the master alone, so the timed one does not pay the JVM's first-use costs. */
  void warmUp(SimulatedReplicationGroup g) throws Exception {
    client.connect(ReplicationGroup.builder("warm", StoreHostList.of(g.node(1).address(Protocol.IMAP))).build(),
        ALICE, Intent.WRITE).close();
  }

  static ReplicationGroup group(HostAddress... hosts) {
    return ReplicationGroup.builder("hostile", StoreHostList.of(hosts)).build();
  }

  static AttemptRecord attemptOn(FailoverResult.Served<?> s, HostAddress host) {
    return s.trace().attempts().stream().filter(a -> a.host().equals(host)).findFirst().orElseThrow();
  }

  static void assertPrintable(String text) {
    assertThat(text.chars().allMatch(c -> c >= 0x20 && c < 0x7f)).as("printable: %s", text).isTrue();
  }

  @Test
  void tricklingGreetingIsLeftForTheNextHostWithinStaggerAndOneLogin() throws Exception {
    try (SimulatedReplicationGroup g = ImapFailoverClientTest.group(ImapReferralStyle.NO, 1)) {
      warmUp(g);
      g.node(0).setFault(Fault.trickleGreeting(PER_BYTE));

      FailoverResult.Served<IMAPStore> s = client.connectTraced(g.replicationGroup(Protocol.IMAP), ALICE, Intent.WRITE);

      assertThat(s.host()).isEqualTo(g.node(1).address(Protocol.IMAP));
      assertThat(s.trace().elapsed()).as("stagger + one login, not the trickle").isLessThan(POLICY.responseTimeout());
      assertThat(resources.affinityCache().health(g.node(0).address(Protocol.IMAP)))
          .isEqualTo(AffinityCache.HostHealth.DOWN);
      s.value().close();
    }
  }

  @Test
  void tricklingLoginReplyIsLeftForTheNextHostWithinStaggerAndOneLogin() throws Exception {
    try (SimulatedReplicationGroup g = ImapFailoverClientTest.group(ImapReferralStyle.NO, 1)) {
      warmUp(g);
      g.node(0).setFault(Fault.trickleReply("AUTHENTICATE", Duration.ofMillis(200)));

      FailoverResult.Served<IMAPStore> s = patient.connectTraced(g.replicationGroup(Protocol.IMAP), ALICE, Intent.WRITE);

      assertThat(s.host()).isEqualTo(g.node(1).address(Protocol.IMAP));
      assertThat(g.node(0).imap().sawCommand("AUTHENTICATE")).isTrue();
      assertThat(s.trace().elapsed()).isLessThan(PATIENT.responseTimeout());
      assertThat(resources.affinityCache().health(g.node(0).address(Protocol.IMAP)))
          .isEqualTo(AffinityCache.HostHealth.DOWN);
      s.value().close();
    }
  }

  @Test
  void tricklingHostAloneTimesOutAtTheResponseTimeoutThoughEveryReadGetsAByte() throws Exception {
    FailoverPolicy quick = POLICY.toBuilder().responseTimeout(Duration.ofMillis(250)).maxPasses(1).build();
    ImapFailoverClient impatient = ImapFailoverClient.builder(resources).policy(quick).build();
    try (SimulatedReplicationGroup g = ImapFailoverClientTest.group(ImapReferralStyle.NO, 0)) {
      g.node(0).setFault(Fault.trickleGreeting(Duration.ofMillis(40)));

      long start = System.nanoTime();
      assertThatThrownBy(() -> impatient.connect(group(g.node(0).address(Protocol.IMAP)), ALICE, Intent.WRITE))
          .isInstanceOfSatisfying(ImapGroupUnavailableException.class,
              e -> assertThat(e.trace().attempts().get(0).detail()).isEqualTo("no complete greeting in 250 ms"));
      assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(2));
    }
  }

  @Test
  void endlessGreetingIsLineTooLongAndCostsTheClientLittle() throws Exception {
    try (SimulatedReplicationGroup g = ImapFailoverClientTest.group(ImapReferralStyle.NO, 1)) {
      g.node(0).setFault(Fault.endlessGreeting());

      ClientAllocations allocated = ClientAllocations.start();
      FailoverResult.Served<IMAPStore> s = sequential.connectTraced(g.replicationGroup(Protocol.IMAP), ALICE, Intent.WRITE);
      long bytes = allocated.sinceStart();

      assertThat(s.host()).isEqualTo(g.node(1).address(Protocol.IMAP));
      assertThat(attemptOn(s, g.node(0).address(Protocol.IMAP)).detail())
          .isEqualTo("line too long: more than 16384 bytes without a line end");
      assertThat(bytes).as("allocated while a host sent an endless line").isLessThan(FEW_MEGABYTES);
      s.value().close();
    }
  }

  @Test
  void hugeLiteralInTheGreetingIsRefusedBeforeAngusAllocatesIt() throws Exception {
    try (SimulatedReplicationGroup g = ImapFailoverClientTest.group(ImapReferralStyle.NO, 1)) {
      g.node(0).setFault(Fault.literalGreeting(1_500_000_000L));

      ClientAllocations allocated = ClientAllocations.start();
      FailoverResult.Served<IMAPStore> s = sequential.connectTraced(g.replicationGroup(Protocol.IMAP), ALICE, Intent.WRITE);
      long bytes = allocated.sinceStart();

      assertThat(s.host()).isEqualTo(g.node(1).address(Protocol.IMAP));
      assertThat(attemptOn(s, g.node(0).address(Protocol.IMAP)).detail()).startsWith("literal too large: {1500000000}");
      assertThat(bytes).as("allocated for a 1.5 GB literal").isLessThan(FEW_MEGABYTES);
      s.value().close();
    }
  }

  @Test
  void garbageGreetingIsTheNextHostAndReportedPrintable() throws Exception {
    try (SimulatedReplicationGroup g = ImapFailoverClientTest.group(ImapReferralStyle.NO, 1)) {
      g.node(0).setFault(Fault.garbageGreeting());

      FailoverResult.Served<IMAPStore> s = sequential.connectTraced(g.replicationGroup(Protocol.IMAP), ALICE, Intent.WRITE);

      assertThat(s.host()).isEqualTo(g.node(1).address(Protocol.IMAP));
      assertPrintable(attemptOn(s, g.node(0).address(Protocol.IMAP)).detail());
      s.value().close();
    }
  }

  @Test
  void escapeSequencesInAGreetingNeverReachTheReport() throws Exception {
    try (SimulatedReplicationGroup g = ImapFailoverClientTest.group(ImapReferralStyle.NO, 1)) {
      g.node(0).imap().setGreeting("* BYE \u001b]0;owned\u0007\u001b[2J going away");

      FailoverResult.Served<IMAPStore> s = sequential.connectTraced(g.replicationGroup(Protocol.IMAP), ALICE, Intent.WRITE);

      String detail = attemptOn(s, g.node(0).address(Protocol.IMAP)).detail();
      assertPrintable(detail);
      assertThat(detail).startsWith("greeting: * BYE \\x1b]0;owned\\x07\\x1b[2J going away");
      s.value().close();
    }
  }

  @Test
  void referralToAnAbsurdlyLongHostIsMalformedAndNeverEchoedWhole() throws Exception {
    try (SimulatedReplicationGroup g = ImapFailoverClientTest.group(ImapReferralStyle.NO, 1)) {
      String host = "a".repeat(12_000);
      ImapFailoverClientTest.onLogin(g.node(0).imap(), c -> c.tag() + " NO [REFERRAL imap://" + host + "/] go");

      FailoverResult.Served<IMAPStore> s = sequential.connectTraced(g.replicationGroup(Protocol.IMAP), ALICE, Intent.WRITE);

      assertThat(s.host()).isEqualTo(g.node(1).address(Protocol.IMAP));
      String detail = attemptOn(s, g.node(0).address(Protocol.IMAP)).detail();
      assertThat(detail).startsWith("malformed referral:").contains("longer than 1024 characters");
      assertThat(detail.length()).isLessThan(400);
      s.value().close();
    }
  }

  @Test
  void referralParserRefusesAMegabyteHostNameWithoutEchoingIt() {
    String response = "a1 NO [REFERRAL imap://" + "h".repeat(1 << 20) + "/] go";
    assertThatThrownBy(() -> LoginReferral.fromResponse(response))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("longer than 1024 characters")
        .satisfies(e -> assertThat(e.getMessage().length()).isLessThan(300));
    assertThatThrownBy(() -> LoginReferral.fromResponse("a1 NO [REFERRAL imap://h/ " + "x".repeat(1 << 20)))
        .satisfies(e -> assertThat(e.getMessage().length()).isLessThan(300));
  }

  @Test
  void literalParserReadsTheAnnouncedSize() {
    var lit = org.repgroup.imap.internal.ImapLiterals.INSTANCE;
    assertThat(lit.literalAfter(bytes("* 1 FETCH (BODY[] {42}"), 22)).isEqualTo(42);
    assertThat(lit.literalAfter(bytes("* OK {1500000000}"), 17)).isEqualTo(1_500_000_000L);
    assertThat(lit.literalAfter(bytes("a1 APPEND x ~{7+}"), 17)).isEqualTo(7);
    assertThat(lit.literalAfter(bytes("* OK {99999999999999999999999}"), 30)).isEqualTo(Long.MAX_VALUE);
    for (String none : new String[] {"* OK hi", "* OK {}", "* OK {12a}", "* OK }", "{1}x", "}"}) {
      assertThat(lit.literalAfter(bytes(none), none.length())).as(none).isZero();
    }
  }

  static byte[] bytes(String s) {
    return s.getBytes(java.nio.charset.StandardCharsets.ISO_8859_1);
  }
}
