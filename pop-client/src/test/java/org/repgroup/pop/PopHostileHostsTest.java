package org.repgroup.pop;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.eclipse.angus.mail.pop3.POP3Store;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.repgroup.core.AffinityCache;
import org.repgroup.core.AttemptRecord;
import org.repgroup.core.Credentials;
import org.repgroup.core.FailoverPolicy;
import org.repgroup.core.FailoverResult;
import org.repgroup.core.HostAddress;
import org.repgroup.core.Protocol;
import org.repgroup.core.ReplicationGroup;
import org.repgroup.core.RepgroupResources;
import org.repgroup.core.StoreHostList;
import org.repgroup.testkit.Fault;
import org.repgroup.testkit.SimulatedReplicationGroup;
import org.repgroup.testkit.ClientAllocations;

/** POP hosts that trickle, flood, send junk or malformed referrals: left for the next host, at little cost. */
@Timeout(60)
class PopHostileHostsTest {

  static final FailoverPolicy POLICY = PopFailoverClientTest.POLICY;
  static final Credentials ALICE = PopFailoverClientTest.ALICE;
  static final Duration PER_BYTE = Duration.ofMillis(60);
  static final long FEW_MEGABYTES = 8L * 1024 * 1024;

  final RepgroupResources resources = RepgroupResources.create();
  final PopFailoverClient client = PopFailoverClient.builder(resources).policy(POLICY).build();
  /**
   * For a host that greets and then trickles a reply: a stagger (1 s) longer than a busy machine
   * takes to deliver a greeting, so the stagger that leaves the host is the one armed for the
   * trickled reply, and the host has been silent that long when the next host serves (so it is
   * marked down); a response timeout (4 s) the trickle outlasts.
   */
  static final FailoverPolicy PATIENT = POLICY.toBuilder().stagger(Duration.ofSeconds(1))
      .responseTimeout(Duration.ofSeconds(4)).build();
  final PopFailoverClient patient = PopFailoverClient.builder(resources).policy(PATIENT).build();
  /** Stagger off, one host at a time, roomy response timeout: for tests that read the first host's own outcome. */
  final PopFailoverClient sequential = PopFailoverClient.builder(resources)
      .policy(POLICY.toBuilder().stagger(Duration.ZERO).responseTimeout(Duration.ofSeconds(3)).build()).build();

  @AfterEach
  void tearDown() {
    resources.close();
  }

  /** One login to the master alone, so the timed one does not pay the JVM's first-use costs. */
  void warmUp(SimulatedReplicationGroup g) throws Exception {
    client.connect(ReplicationGroup.builder("warm", StoreHostList.of(g.node(1).address(Protocol.POP))).build(), ALICE)
        .close();
  }

  static ReplicationGroup group(HostAddress... hosts) {
    return ReplicationGroup.builder("hostile", StoreHostList.of(hosts)).build();
  }

  static AttemptRecord attemptOn(FailoverResult.Served<?> s, HostAddress host) {
    return s.trace().attempts().stream().filter(a -> a.host().equals(host)).findFirst().orElseThrow();
  }

  static SimulatedReplicationGroup group(int master) {
    return SimulatedReplicationGroup.builder().user("alice", "secret").admin("mmpadmin", "adminpass")
        .startAsMaster(master).build();
  }

  @Test
  void tricklingGreetingIsLeftForTheNextHostWithinStaggerAndOneLogin() throws Exception {
    try (SimulatedReplicationGroup g = group(1)) {
      warmUp(g);
      g.node(0).setFault(Fault.trickleGreeting(PER_BYTE));

      FailoverResult.Served<POP3Store> s = client.connectTraced(g.replicationGroup(Protocol.POP), ALICE);

      assertThat(s.host()).isEqualTo(g.node(1).address(Protocol.POP));
      assertThat(s.trace().elapsed()).isLessThan(POLICY.responseTimeout());
      assertThat(resources.affinityCache().health(g.node(0).address(Protocol.POP)))
          .isEqualTo(AffinityCache.HostHealth.DOWN);
      s.value().close();
    }
  }

  @Test
  void tricklingUserReplyIsLeftForTheNextHostWithinStaggerAndOneLogin() throws Exception {
    try (SimulatedReplicationGroup g = group(1)) {
      warmUp(g);
      g.node(0).setFault(Fault.trickleReply("USER", Duration.ofMillis(200)));

      FailoverResult.Served<POP3Store> s = patient.connectTraced(g.replicationGroup(Protocol.POP), ALICE);

      assertThat(s.host()).isEqualTo(g.node(1).address(Protocol.POP));
      assertThat(g.node(0).pop().sawCommand("USER")).isTrue();
      assertThat(g.node(0).pop().sawCommand("PASS")).as("the password never follows a trickled USER").isFalse();
      assertThat(s.trace().elapsed()).isLessThan(PATIENT.responseTimeout());
      assertThat(resources.affinityCache().health(g.node(0).address(Protocol.POP)))
          .isEqualTo(AffinityCache.HostHealth.DOWN);
      s.value().close();
    }
  }

  @Test
  void tricklingHostAloneTimesOutAtTheResponseTimeoutThoughEveryReadGetsAByte() throws Exception {
    PopFailoverClient impatient = PopFailoverClient.builder(resources)
        .policy(POLICY.toBuilder().responseTimeout(Duration.ofMillis(250)).maxPasses(1).build()).build();
    try (SimulatedReplicationGroup g = group(0)) {
      g.node(0).setFault(Fault.trickleGreeting(Duration.ofMillis(40)));

      long start = System.nanoTime();
      assertThatThrownBy(() -> impatient.connect(group(g.node(0).address(Protocol.POP)), ALICE))
          .isInstanceOfSatisfying(PopGroupUnavailableException.class,
              e -> assertThat(e.trace().attempts().get(0).detail()).isEqualTo("no complete greeting in 250 ms"));
      assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(2));
    }
  }

  @Test
  void endlessGreetingIsLineTooLongAndCostsTheClientLittle() throws Exception {
    try (SimulatedReplicationGroup g = group(1)) {
      g.node(0).setFault(Fault.endlessGreeting());

      ClientAllocations allocated = ClientAllocations.start();
      FailoverResult.Served<POP3Store> s = sequential.connectTraced(g.replicationGroup(Protocol.POP), ALICE);
      long bytes = allocated.sinceStart();

      assertThat(s.host()).isEqualTo(g.node(1).address(Protocol.POP));
      assertThat(attemptOn(s, g.node(0).address(Protocol.POP)).detail())
          .isEqualTo("line too long: more than 16384 bytes without a line end");
      assertThat(bytes).as("allocated while a host sent an endless line").isLessThan(FEW_MEGABYTES);
      s.value().close();
    }
  }

  @Test
  void referralWithoutAHostIsMalformedAndTheNextHostServes() throws Exception {
    try (SimulatedReplicationGroup g = group(1)) {
      g.node(0).pop().onCommand("USER", c -> "-ERR [SYS/REFER/] go elsewhere");

      FailoverResult.Served<POP3Store> s = sequential.connectTraced(g.replicationGroup(Protocol.POP), ALICE);

      assertThat(s.host()).isEqualTo(g.node(1).address(Protocol.POP));
      assertThat(attemptOn(s, g.node(0).address(Protocol.POP)).detail())
          .isEqualTo("malformed referral from this host: [SYS/REFER] without a host");
      s.value().close();
    }
  }

  @Test
  void referralToAnAbsurdlyLongHostIsMalformedAndNeverEchoedWhole() throws Exception {
    try (SimulatedReplicationGroup g = group(1)) {
      String host = "h".repeat(12_000);
      g.node(0).pop().onCommand("USER", c -> "-ERR [SYS/REFER/" + host + "] go");

      FailoverResult.Served<POP3Store> s = sequential.connectTraced(g.replicationGroup(Protocol.POP), ALICE);

      assertThat(s.host()).isEqualTo(g.node(1).address(Protocol.POP));
      String detail = attemptOn(s, g.node(0).address(Protocol.POP)).detail();
      assertThat(detail).startsWith("malformed referral from this host: [SYS/REFER] target of 12000 characters");
      assertThat(detail.length()).isLessThan(400);
      s.value().close();
    }
  }

  @Test
  void escapeSequencesInAnErrGreetingNeverReachTheReport() throws Exception {
    try (SimulatedReplicationGroup g = group(1)) {
      g.node(0).pop().setGreeting("-ERR \u001b[2J\u001b]0;owned\u0007 down");

      FailoverResult.Served<POP3Store> s = sequential.connectTraced(g.replicationGroup(Protocol.POP), ALICE);

      String detail = attemptOn(s, g.node(0).address(Protocol.POP)).detail();
      assertThat(detail).isEqualTo("greeting: -ERR \\x1b[2J\\x1b]0;owned\\x07 down");
      s.value().close();
    }
  }

  @Test
  void emptyReferralTargetParsesAsAMalformedReferralNotAsNoCode() {
    PopResponseCode code = PopResponseCode.parse("-ERR [SYS/REFER/] text").orElseThrow();
    assertThat(code.is("SYS", "REFER")).isTrue();
    assertThatThrownBy(code::referral).hasMessage("[SYS/REFER] without a host");
    assertThatThrownBy(() -> PopResponseCode.parse("[SYS/REFER/" + "x".repeat(1 << 20) + "] x").orElseThrow().referral())
        .hasMessageStartingWith("[SYS/REFER] target of 1048576 characters")
        .satisfies(e -> assertThat(e.getMessage().length()).isLessThan(200));
  }
}
