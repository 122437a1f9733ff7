package org.repgroup.testkit.junit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.platform.engine.discovery.DiscoverySelectors.selectClass;
import static org.junit.platform.testkit.engine.EventConditions.event;
import static org.junit.platform.testkit.engine.EventConditions.finishedWithFailure;
import static org.junit.platform.testkit.engine.EventConditions.test;
import static org.junit.platform.testkit.engine.TestExecutionResultConditions.instanceOf;
import static org.junit.platform.testkit.engine.TestExecutionResultConditions.message;

import java.io.IOException;
import java.net.ConnectException;
import java.net.Socket;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.platform.testkit.engine.EngineTestKit;
import org.junit.platform.testkit.engine.Events;
import org.repgroup.core.HostAddress;
import org.repgroup.core.Protocol;
import org.repgroup.core.ReplicationGroup;
import org.repgroup.testkit.NodeRole;
import org.repgroup.testkit.SimulatedNode;
import org.repgroup.testkit.SimulatedReplicationGroup;
import org.repgroup.testkit.dovecot.Dovecot;
import org.repgroup.testkit.dovecot.DovecotGroup;

/** The extension runs test classes of its own here, through the JUnit Platform's test kit. */
@Timeout(60)
class ReplicationGroupExtensionTest {

  /** What the sample classes saw, per test, in order. */
  static final List<SimulatedReplicationGroup> SEEN = new CopyOnWriteArrayList<>();
  static final List<HostAddress> ADDRESSES = new CopyOnWriteArrayList<>();

  static Events run(Class<?> testClass) {
    SEEN.clear();
    ADDRESSES.clear();
    return EngineTestKit.engine("junit-jupiter").selectors(selectClass(testClass)).execute().testEvents();
  }

  static boolean refuses(HostAddress a) {
    try (Socket s = new Socket(a.host(), a.port().orElseThrow())) {
      return false;
    } catch (ConnectException e) {
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  @TestMethodOrder(MethodOrderer.MethodName.class)
  static class PerTest {
    @RegisterExtension
    final ReplicationGroupExtension<SimulatedReplicationGroup> group =
        ReplicationGroupExtension.simulated(b -> b.user("alice", "secret").startAsMaster(1));

    @Test
    void a(SimulatedReplicationGroup g) {
      SEEN.add(g);
      ADDRESSES.add(g.node(0).address(Protocol.IMAP));
      assertThat(group.group()).isSameAs(g);
    }

    @Test
    void b(SimulatedReplicationGroup g) {
      SEEN.add(g);
      assertThat(refuses(ADDRESSES.get(0))).as("the first test's group is closed").isTrue();
    }
  }

  @Test
  void anInstanceFieldStartsAGroupForEachTestAndClosesItAfterIt() {
    run(PerTest.class).assertStatistics(s -> s.started(2).succeeded(2));

    assertThat(SEEN).hasSize(2);
    assertThat(SEEN.get(0)).isNotSameAs(SEEN.get(1));
    assertThat(refuses(SEEN.get(1).node(0).address(Protocol.IMAP))).isTrue();
  }

  static class PerClass {
    @RegisterExtension
    static final ReplicationGroupExtension<SimulatedReplicationGroup> GROUP =
        ReplicationGroupExtension.simulated(b -> b.nodes(2).startAsMaster(0));

    @Test
    void one(SimulatedReplicationGroup g) {
      SEEN.add(g);
    }

    @Test
    void two(SimulatedReplicationGroup g) {
      SEEN.add(g);
    }
  }

  @Test
  void aStaticFieldSharesOneGroupAcrossTheClassAndClosesItAfterwards() {
    run(PerClass.class).assertStatistics(s -> s.started(2).succeeded(2));

    assertThat(SEEN).hasSize(2);
    assertThat(SEEN.get(0)).isSameAs(SEEN.get(1));
    assertThat(SEEN.get(0).nodes()).hasSize(2);
    assertThat(refuses(SEEN.get(0).node(0).address(Protocol.POP))).isTrue();
  }

  static class Injection {
    @RegisterExtension
    final ReplicationGroupExtension<SimulatedReplicationGroup> group =
        ReplicationGroupExtension.simulated(b -> b.startAsMaster(2));

    @Test
    void nodesAndClientGroups(SimulatedReplicationGroup g, @Node(2) SimulatedNode master,
        @GroupFor(Protocol.LMTP) ReplicationGroup lmtp) {
      assertThat(master).isSameAs(g.node(2));
      assertThat(master.role()).isEqualTo(NodeRole.MASTER);
      assertThat(lmtp).isEqualTo(g.replicationGroup(Protocol.LMTP));
    }

    @Test
    void nodeOutOfRange(@Node(3) SimulatedNode missing) {
    }

    @Test
    void nodeOfTheWrongType(@Node(0) String notANode) {
    }
  }

  @Test
  void theGroupItsNodesAndTheClientsGroupAreInjectedAndBadParametersAreNamed() {
    Events events = run(Injection.class);

    events.assertStatistics(s -> s.started(3).succeeded(1).failed(2));
    events.assertThatEvents().haveExactly(1, event(test("nodeOutOfRange"),
        finishedWithFailure(message(m -> m.contains("@Node(3), parameter 1 of nodeOutOfRange: the group has 3 nodes, 0-2")))));
    events.assertThatEvents().haveExactly(1, event(test("nodeOfTheWrongType"),
        finishedWithFailure(message(m -> m.contains("@Node(0) String, parameter 1 of nodeOfTheWrongType: a SimulatedReplicationGroup's nodes are SimulatedNode")))));
  }

  static class DovecotMissing {
    @RegisterExtension
    static final ReplicationGroupExtension<DovecotGroup> GROUP =
        ReplicationGroupExtension.dovecot(b -> b.instances(2), false, false);

    @Test
    void neverRuns(DovecotGroup g) {
      throw new AssertionError("ran without Dovecot");
    }
  }

  @Test
  void withoutDovecotItsTestsAreSkippedWithTheInstallHint() {
    Events events = EngineTestKit.engine("junit-jupiter").selectors(selectClass(DovecotMissing.class)).execute()
        .containerEvents();

    events.assertThatEvents().haveExactly(1, event(
        org.junit.platform.testkit.engine.EventConditions.abortedWithReason(
            message(m -> m.startsWith(Dovecot.INSTALL_HINT) && m.contains("REPGROUP_REQUIRE_DOVECOT=1")))));
  }

  static class DovecotRequired {
    @RegisterExtension
    static final ReplicationGroupExtension<DovecotGroup> GROUP =
        ReplicationGroupExtension.dovecot(b -> b.instances(2), false, true);

    @Test
    void neverRuns(DovecotGroup g) {
      throw new AssertionError("ran without Dovecot");
    }
  }

  @Test
  void withoutDovecotWhenRequiredTheClassFails() {
    Events events = EngineTestKit.engine("junit-jupiter").selectors(selectClass(DovecotRequired.class)).execute()
        .containerEvents();

    events.assertThatEvents().haveExactly(1, event(finishedWithFailure(instanceOf(AssertionError.class),
        message("REPGROUP_REQUIRE_DOVECOT=1, but " + Dovecot.INSTALL_HINT))));
  }

  @Test
  void outsideATestThereIsNoGroup() {
    ReplicationGroupExtension<SimulatedReplicationGroup> ext = ReplicationGroupExtension.simulated();

    org.assertj.core.api.Assertions.assertThatThrownBy(ext::group).isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("no SimulatedReplicationGroup is running");
  }
}
