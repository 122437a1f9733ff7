package org.repgroup.testkit.dovecot;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.ConnectException;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.repgroup.core.HostAddress;
import org.repgroup.testkit.LineClient;
import org.repgroup.testkit.junit.DovecotAssumptions;

@Timeout(120)
class DovecotElectionIT {

  @BeforeAll
  static void dovecot() {
    DovecotAssumptions.assumeInstalled();
  }

  static String login(DovecotInstance d) throws Exception {
    try (LineClient c = new LineClient(d.imapAddress())) {
      c.readLine();
      return c.command("a LOGIN alice secret");
    }
  }

  static String referralTo(HostAddress master) {
    return "a NO [REFERRAL imap://alice;AUTH=PLAIN@" + master + "/]";
  }

  @Test
  void replicasReferToTheDeadMasterDuringTheWindowThenToTheNewOneAndTheOldMasterComesBackAsReplica(@TempDir Path work)
      throws Exception {
    try (DovecotGroup g = DovecotGroup.builder(work.resolve("group")).instances(3).user("alice", "secret")
        .replicaOf(0, 2).replicaOf(1, 2).start();
        LineClient connected = new LineClient(g.instance(0).imapAddress())) {
      connected.readLine();
      HostAddress dead = g.instance(2).imapAddress();
      assertThat(g.master()).hasValue(2);

      DovecotGroup.Election e = g.beginElection(1, Duration.ofSeconds(3));

      assertThatThrownBy(() -> new LineClient(dead)).as("the master is down").isInstanceOf(ConnectException.class);
      assertThat(login(g.instance(0))).startsWith(referralTo(dead));
      assertThat(login(g.instance(1))).startsWith(referralTo(dead));
      assertThat(e.isCompleted()).as("3 s window").isFalse();

      e.awaitCompleted(Duration.ofSeconds(20));

      assertThat(g.master()).hasValue(1);
      assertThat(login(g.instance(1))).startsWith("a OK");
      assertThat(login(g.instance(0))).startsWith(referralTo(g.instance(1).imapAddress()));
      assertThat(connected.command("b CAPABILITY")).as("a client connected through the election").startsWith("* CAPABILITY");

      g.start(2);

      assertThat(g.refersTo(2)).hasValue(1);
      assertThat(login(g.instance(2))).as("the old master serves again, as a replica of the new one")
          .startsWith(referralTo(g.instance(1).imapAddress()));
    }
  }

  @Test
  void anElectionCanBeCompletedBeforeItsWindowAndTheRestartedNodeServesReads(@TempDir Path work) throws Exception {
    try (DovecotGroup g = DovecotGroup.builder(work.resolve("group")).instances(2).user("alice", "secret")
        .replicaOf(1, 0).start()) {
      DovecotGroup.Election e = g.beginElection(1, Duration.ofMinutes(10));

      e.completeNow();

      assertThat(e.isCompleted()).isTrue();
      assertThat(login(g.instance(1))).startsWith("a OK");
      g.start(0);
      assertThat(login(g.instance(0))).startsWith(referralTo(g.instance(1).imapAddress()));
      try (LineClient pop = new LineClient(g.instance(0).popAddress())) {
        assertThat(pop.readLine()).as("a restarted node greets").startsWith("+OK");
      }
      assertThatThrownBy(() -> g.beginElection(1, Duration.ZERO)).isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("is the master that stops");
    }
  }
}
