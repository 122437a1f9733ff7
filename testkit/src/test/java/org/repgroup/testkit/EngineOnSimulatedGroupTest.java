package org.repgroup.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.repgroup.core.FatalReason;
import org.repgroup.core.HostAddress;
import org.repgroup.core.Protocol;
import org.repgroup.core.ReplicationGroup;
import org.repgroup.core.RepgroupResources;
import org.repgroup.core.StoreHostList;
import org.repgroup.core.spi.Attempt;
import org.repgroup.core.spi.AttemptOutcome;
import org.repgroup.core.spi.FailoverEngine;
import org.repgroup.core.FailoverPolicy;
import org.repgroup.core.FailoverResult;
import org.repgroup.core.FailureKind;
import org.repgroup.core.Intent;

/**
 * The core engine against a simulated group on real sockets, with a minimal POP
 * login as the attempt (the pop-client module has the real classifier).
 */
@Timeout(30)
class EngineOnSimulatedGroupTest {

  final RepgroupResources resources = RepgroupResources.create();
  final FailoverPolicy policy = FailoverPolicy.builder().stagger(Duration.ofMillis(100))
      .connectTimeout(Duration.ofSeconds(2)).responseTimeout(Duration.ofSeconds(2)).deadline(Duration.ofSeconds(5)).build();

  @AfterEach
  void tearDown() {
    resources.close();
  }

  /** USER/PASS; {@code [SYS/REFER/host:port]} is a referral, {@code [AUTH]} fatal, silence unavailable. */
  static final Attempt<String> POP_LOGIN = ctx -> {
    Socket s = new Socket();
    ctx.onCancel(s);
    try (s) {
      s.connect(ctx.socketAddress(), (int) ctx.connectTimeout().toMillis());
      s.setSoTimeout((int) ctx.responseTimeout().toMillis());
      var in = new java.io.BufferedReader(new java.io.InputStreamReader(s.getInputStream(), "ISO-8859-1"));
      var out = s.getOutputStream();
      String greeting = in.readLine();
      if (greeting == null || !greeting.startsWith("+OK")) {
        return AttemptOutcome.unavailable("bad greeting: " + greeting, null);
      }
      for (String cmd : new String[] {"USER alice", "PASS secret"}) {
        out.write((cmd + "\r\n").getBytes("ISO-8859-1"));
        String reply = in.readLine();
        if (reply == null) {
          return AttemptOutcome.unavailable("EOF", null);
        }
        if (reply.startsWith("-ERR [SYS/REFER/")) {
          String target = reply.substring("-ERR [SYS/REFER/".length(), reply.indexOf(']'));
          return AttemptOutcome.referral(HostAddress.parse(target), reply);
        }
        if (reply.startsWith("-ERR [SYS/TEMP]")) {
          return AttemptOutcome.readOnly(reply);
        }
        if (reply.startsWith("-ERR")) {
          return AttemptOutcome.fatal(FatalReason.CREDENTIALS_REFUSED, reply, null);
        }
      }
      return AttemptOutcome.success(ctx.host().toString());
    } catch (SocketTimeoutException e) {
      return AttemptOutcome.unavailable("timed out", e);
    } catch (IOException e) {
      return AttemptOutcome.unavailable(e.toString(), e);
    }
  };

  FailoverResult<String> login(ReplicationGroup group) throws InterruptedException {
    return new FailoverEngine(resources, policy).execute(group, Protocol.POP, Intent.WRITE, POP_LOGIN);
  }

  @Test
  void writerStartingOnAReplicaFollowsTheReferralToTheMaster() throws Exception {
    try (SimulatedReplicationGroup g = SimulatedReplicationGroup.builder().user("alice", "secret").startAsMaster(2).build()) {
      FailoverResult<String> r = login(g.replicationGroup(Protocol.POP));

      assertThat(r).isInstanceOfSatisfying(FailoverResult.Served.class, s -> {
        assertThat(s.host()).isEqualTo(g.node(2).address(Protocol.POP));
        assertThat(s.trace().referralsFollowed()).isEqualTo(1);
      });
      assertThat(g.node(1).pop().connectionCount()).as("the referral skipped node2").isZero();
      assertThat(resources.affinityCache().master(g.name()).orElseThrow().host()).isEqualTo(g.node(2).address(Protocol.POP));
    }
  }

  @Test
  void referralToAStrangerIsRefusedAndTheStrangerSawNoCredentials() throws Exception {
    try (SimulatedReplicationGroup g = SimulatedReplicationGroup.builder().user("alice", "secret").startAsMaster(2).build();
         SimulatedReplicationGroup other = SimulatedReplicationGroup.builder().user("alice", "secret").startAsMaster(0).build()) {
      HostAddress stranger = other.node(0).address(Protocol.POP);
      g.node(0).pop().onCommand("USER", c -> "-ERR [SYS/REFER/" + stranger + "] go elsewhere");
      ReplicationGroup group = ReplicationGroup.builder(g.name(),
          StoreHostList.of(g.node(0).address(Protocol.POP), g.node(2).address(Protocol.POP))).build();

      FailoverResult<String> r = login(group);

      assertThat(r).isInstanceOfSatisfying(FailoverResult.Served.class,
          s -> assertThat(s.host()).isEqualTo(g.node(2).address(Protocol.POP)));
      assertThat(other.node(0).pop().connectionCount()).isZero();
      assertThat(other.node(0).sawCredentials()).isFalse();
    }
  }

  @Test
  void blackHoledFirstHostCostsTheStaggerNotTheTimeout() throws Exception {
    try (SimulatedReplicationGroup g = SimulatedReplicationGroup.builder().user("alice", "secret").startAsMaster(1).build()) {
      g.node(0).setFault(Fault.blackHole());

      FailoverResult<String> r = login(g.replicationGroup(Protocol.POP));

      assertThat(r).isInstanceOfSatisfying(FailoverResult.Served.class, s -> {
        assertThat(s.host()).isEqualTo(g.node(1).address(Protocol.POP));
        assertThat(s.trace().elapsed()).isLessThan(policy.responseTimeout());
      });
    }
  }

  @Test
  void masterKilledTheNextLoginLandsOnTheNewMaster() throws Exception {
    try (SimulatedReplicationGroup g = SimulatedReplicationGroup.builder().user("alice", "secret").startAsMaster(0).build()) {
      ReplicationGroup group = g.replicationGroup(Protocol.POP);
      assertThat(((FailoverResult.Served<String>) login(group)).host()).isEqualTo(g.node(0).address(Protocol.POP));

      g.node(0).kill();
      FailoverResult<String> r = login(group);

      assertThat(g.master()).contains(g.node(1));
      assertThat(r).isInstanceOfSatisfying(FailoverResult.Served.class,
          s -> assertThat(s.host()).isEqualTo(g.node(1).address(Protocol.POP)));
    }
  }

  @Test
  void badPasswordOnTheMasterIsNeverTriedOnOtherHosts() throws Exception {
    try (SimulatedReplicationGroup g = SimulatedReplicationGroup.builder().user("alice", "other-password")
        .startAsMaster(0).build()) {
      FailoverResult<String> r = login(g.replicationGroup(Protocol.POP));

      assertThat(r).isInstanceOfSatisfying(FailoverResult.Failed.class, f -> assertThat(f.kind()).isEqualTo(FailureKind.FATAL));
      assertThat(g.node(1).pop().sawCommand("PASS")).isFalse();
      assertThat(g.node(2).pop().sawCommand("PASS")).isFalse();
    }
  }

  @Test
  void twoNodeGroupWithoutMasterFailsWritesAfterOnePass() throws Exception {
    try (SimulatedReplicationGroup g = SimulatedReplicationGroup.builder().nodes(2).user("alice", "secret")
        .startAsMaster(0).build()) {
      g.node(0).kill();

      FailoverResult<String> r = login(g.replicationGroup(Protocol.POP));

      assertThat(r).isInstanceOfSatisfying(FailoverResult.Failed.class, f -> {
        assertThat(f.kind()).isEqualTo(FailureKind.NO_MASTER);
        assertThat(f.trace().passes()).isEqualTo(1);
      });
    }
  }
}
