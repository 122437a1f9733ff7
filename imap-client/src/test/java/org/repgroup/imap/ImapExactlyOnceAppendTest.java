package org.repgroup.imap;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import jakarta.mail.Flags;
import jakarta.mail.MessagingException;
import jakarta.mail.Session;
import jakarta.mail.internet.InternetAddress;
import jakarta.mail.internet.MimeMessage;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Properties;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.repgroup.core.Credentials;
import org.repgroup.core.FailoverPolicy;
import org.repgroup.core.Protocol;
import org.repgroup.core.ReplicationGroup;
import org.repgroup.core.RepgroupResources;
import org.repgroup.core.StoreHostList;
import org.repgroup.imap.AppendResult.Outcome;
import org.repgroup.testkit.ElectionWindow;
import org.repgroup.testkit.Fault;
import org.repgroup.testkit.ImapServer;
import org.repgroup.testkit.SimulatedReplicationGroup;
import org.repgroup.testkit.StoredMessage;

/** {@link ImapFailoverClient#append}: exactly once across a dropped connection, on real sockets. */
@Timeout(60)
class ImapExactlyOnceAppendTest {

  static final Credentials ALICE = new Credentials("alice", "secret");
  static final FailoverPolicy POLICY = FailoverPolicy.builder().stagger(Duration.ZERO)
      .connectTimeout(Duration.ofMillis(500)).responseTimeout(Duration.ofSeconds(2)).deadline(Duration.ofSeconds(10))
      .build();

  final RepgroupResources resources = RepgroupResources.create();
  final ImapFailoverClient client = ImapFailoverClient.builder(resources).policy(POLICY).build();

  @AfterEach
  void tearDown() {
    resources.close();
  }

  static SimulatedReplicationGroup group() {
    return SimulatedReplicationGroup.builder().user("alice", "secret").electionWindow(ElectionWindow.none())
        .startAsMaster(0).build();
  }

  static MimeMessage message(String headers) throws MessagingException {
    return new MimeMessage(Session.getInstance(new Properties()), new ByteArrayInputStream(
        (headers + "Subject: exactly once\r\n\r\nbody\r\n").getBytes(StandardCharsets.ISO_8859_1)));
  }

  static List<StoredMessage> copiesOf(SimulatedReplicationGroup g, String messageId) {
    return g.mailbox("alice").stream().filter(m -> m.text().contains("Message-ID: " + messageId)).toList();
  }

  AppendResult append(SimulatedReplicationGroup g, MimeMessage m) throws MessagingException {
    return client.append(g.replicationGroup(Protocol.IMAP), ALICE, "INBOX", m);
  }

  @Test
  void appendServedNormallyIsAppendedWithItsUidFromUidplus() throws Exception {
    try (SimulatedReplicationGroup g = group()) {
      AppendResult r = append(g, message("Message-ID: <one@example.com>\r\n"));

      assertThat(r.outcome()).isEqualTo(Outcome.APPENDED);
      assertThat(r.uid()).hasValue(1);
      assertThat(r.mailbox()).isEqualTo("INBOX");
      assertThat(r.messageId()).contains("<one@example.com>");
      assertThat(r.host()).isEqualTo(g.node(0).address(Protocol.IMAP));
      assertThat(r.traces()).hasSize(1);
      assertThat(r.detail()).isEmpty();
      assertThat(copiesOf(g, "<one@example.com>")).singleElement().extracting(StoredMessage::uid).isEqualTo(1L);
    }
  }

  @Test
  void masterStoppedAfterStoringTheAppendIsFoundOnTheNewMasterAndNotAppendedAgain() throws Exception {
    try (SimulatedReplicationGroup g = group()) {
      g.node(0).imap().setFault(Fault.stopDuringAppend(Fault.Commit.STORED, Fault.Farewell.SHUTTING_DOWN));

      AppendResult r = append(g, message("Message-ID: <stored@example.com>\r\n"));

      assertThat(r.outcome()).isEqualTo(Outcome.ALREADY_PRESENT);
      assertThat(r.host()).isEqualTo(g.master().orElseThrow().address(Protocol.IMAP))
          .isNotEqualTo(g.node(0).address(Protocol.IMAP));
      assertThat(r.traces()).as("the first connect and the reconnect").hasSize(2);
      List<StoredMessage> copies = copiesOf(g, "<stored@example.com>");
      assertThat(copies).as("exactly one copy").hasSize(1);
      assertThat(r.uid()).hasValue(copies.get(0).uid());
    }
  }

  @Test
  void masterStoppedBeforeStoringTheAppendGetsItAppendedOnceOnTheNewMaster() throws Exception {
    try (SimulatedReplicationGroup g = group()) {
      g.node(0).imap().setFault(Fault.stopDuringAppend(Fault.Commit.NOT_STORED, Fault.Farewell.CLOSE));

      AppendResult r = append(g, message("Message-ID: <lost@example.com>\r\n"));

      assertThat(r.outcome()).isEqualTo(Outcome.APPENDED);
      assertThat(r.host()).isEqualTo(g.master().orElseThrow().address(Protocol.IMAP))
          .isNotEqualTo(g.node(0).address(Protocol.IMAP));
      List<StoredMessage> copies = copiesOf(g, "<lost@example.com>");
      assertThat(copies).as("exactly one copy").hasSize(1);
      assertThat(r.uid()).hasValue(copies.get(0).uid());
    }
  }

  @Test
  void anOlderCopyWithTheSameMessageIdBelowUidNextIsNotTakenForTheDroppedAppend() throws Exception {
    try (SimulatedReplicationGroup g = group()) {
      // The older copy is the newest message: "UID 2:*" matches it on the server (RFC 3501 6.4.8).
      g.deliver("alice", "Message-ID: <again@example.com>\r\nSubject: yesterday\r\n\r\nold\r\n"
          .getBytes(StandardCharsets.US_ASCII));
      g.node(0).imap().setFault(Fault.stopDuringAppend(Fault.Commit.NOT_STORED, Fault.Farewell.CLOSE));

      AppendResult r = append(g, message("Message-ID: <again@example.com>\r\n"));

      assertThat(r.outcome()).isEqualTo(Outcome.APPENDED);
      assertThat(r.uid()).hasValue(2);
      assertThat(copiesOf(g, "<again@example.com>")).extracting(StoredMessage::uid).containsExactly(1L, 2L);
    }
  }

  @Test
  void aMessageWithoutMessageIdThatDroppedAfterTheAppendIsUnknownAndNeverSentTwice() throws Exception {
    try (SimulatedReplicationGroup g = group()) {
      g.node(0).imap().setFault(Fault.stopDuringAppend(Fault.Commit.STORED, Fault.Farewell.CLOSE));

      AppendResult r = append(g, message(""));

      assertThat(r.outcome()).isEqualTo(Outcome.UNKNOWN);
      assertThat(r.isStored()).isFalse();
      assertThat(r.uid()).isEmpty();
      assertThat(r.messageId()).isEmpty();
      assertThat(r.host()).isEqualTo(g.node(0).address(Protocol.IMAP));
      assertThat(r.detail()).contains("lost after the APPEND was sent").contains("no Message-ID");
      assertThat(r.traces()).as("no reconnect").hasSize(1);
      assertThat(g.mailbox("alice")).hasSize(1);
    }
  }

  @Test
  void aMessageWithoutMessageIdThatWasNotStoredIsUnknownAndNotAppendedAgain() throws Exception {
    try (SimulatedReplicationGroup g = group()) {
      g.node(0).imap().setFault(Fault.stopDuringAppend(Fault.Commit.NOT_STORED, Fault.Farewell.CLOSE));

      AppendResult r = append(g, message(""));

      assertThat(r.outcome()).isEqualTo(Outcome.UNKNOWN);
      assertThat(g.mailbox("alice")).as("appended at most once: here, not at all").isEmpty();
    }
  }

  @Test
  void aMessageIdWithQuotesAndBackslashesIsSearchedForEscaped() throws Exception {
    try (SimulatedReplicationGroup g = group()) {
      g.node(0).imap().setFault(Fault.stopDuringAppend(Fault.Commit.STORED, Fault.Farewell.CLOSE));
      String id = "<\"odd\\\"one\\\\\"@example.com>";

      AppendResult r = append(g, message("Message-ID: " + id + "\r\n"));

      assertThat(r.outcome()).isEqualTo(Outcome.ALREADY_PRESENT);
      assertThat(r.messageId()).contains(id);
      assertThat(copiesOf(g, id)).hasSize(1);
    }
  }

  @Test
  void aFoldedMessageIdIsUnfoldedBeforeTheSearch() throws Exception {
    try (SimulatedReplicationGroup g = group()) {
      g.node(0).imap().setFault(Fault.stopDuringAppend(Fault.Commit.STORED, Fault.Farewell.CLOSE));

      AppendResult r = append(g, message("Message-ID:\r\n <folded@example.com>\r\n"));

      assertThat(r.outcome()).isEqualTo(Outcome.ALREADY_PRESENT);
      assertThat(r.messageId()).contains("<folded@example.com>");
      assertThat(g.mailbox("alice")).hasSize(1);
    }
  }

  @Test
  void aMessageIdWithAControlOrNonAsciiCharacterIsRefusedBeforeAnythingIsSent() throws Exception {
    try (SimulatedReplicationGroup g = group()) {
      assertThatThrownBy(() -> append(g, message("Message-ID: <a\u0007b@example.com>\r\n")))
          .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("U+0007 at index 2");
      assertThatThrownBy(() -> append(g, message("Message-ID: <caf\u00e9@example.com>\r\n")))
          .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("U+00E9");
      assertThatThrownBy(() -> append(g, message("Message-ID: <" + "x".repeat(1000) + "@example.com>\r\n")))
          .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("more than 998");
      assertThatThrownBy(() -> client.append(g.replicationGroup(Protocol.IMAP), ALICE, "IN\r\nBOX",
          message("Message-ID: <m@example.com>\r\n")))
          .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("control characters");
      assertThat(g.mailbox("alice")).isEmpty();
    }
  }

  @Test
  void aDropBeforeTheAppendWasSentReconnectsAndAppendsOnce() throws Exception {
    try (SimulatedReplicationGroup g = group()) {
      g.node(0).imap().enqueue(Fault.resetAtCommand("STATUS"));

      AppendResult r = append(g, message("Message-ID: <status@example.com>\r\n"));

      assertThat(r.outcome()).isEqualTo(Outcome.APPENDED);
      assertThat(r.traces()).hasSize(2);
      assertThat(copiesOf(g, "<status@example.com>")).hasSize(1);
    }
  }

  @Test
  void anAppendLeftUnansweredTimesOutAndIsLookedForThenAppendedOnce() throws Exception {
    try (SimulatedReplicationGroup g = group()) {
      // The first connection goes silent when the APPEND arrives; the master itself stays up.
      g.node(0).imap().enqueue(Fault.stallAtCommand("APPEND"));

      AppendResult r = append(g, message("Message-ID: <silent@example.com>\r\n"));

      assertThat(r.outcome()).isEqualTo(Outcome.APPENDED);
      assertThat(r.host()).isEqualTo(g.node(0).address(Protocol.IMAP));
      assertThat(r.traces()).hasSize(2);
      assertThat(copiesOf(g, "<silent@example.com>")).hasSize(1);
    }
  }

  @Test
  void aSecondDropIsUnknownAndTheMessageIsNotSentAThirdTime() throws Exception {
    try (SimulatedReplicationGroup g = group()) {
      for (int i = 0; i < 3; i++) {
        g.node(i).imap().setFault(Fault.stopDuringAppend(Fault.Commit.NOT_STORED, Fault.Farewell.CLOSE));
      }

      AppendResult r = append(g, message("Message-ID: <twice@example.com>\r\n"));

      assertThat(r.outcome()).isEqualTo(Outcome.UNKNOWN);
      assertThat(r.detail()).contains("dropped too");
      assertThat(r.traces()).hasSize(2);
      assertThat(g.nodes().stream().filter(n -> n.isRunning()).count()).as("two APPENDs, one node left").isEqualTo(1);
    }
  }

  @Test
  void reconnectFailingAfterTheAppendWasSentIsUnknownWithTheFailedTrace() throws Exception {
    try (ImapServer only = new ImapServer().user("alice", "secret").start()) {
      only.setFault(Fault.stopDuringAppend(Fault.Commit.STORED, Fault.Farewell.SHUTTING_DOWN));
      ReplicationGroup one = ReplicationGroup.builder("one", new StoreHostList(List.of(only.address()))).build();
      ImapFailoverClient quick = ImapFailoverClient.builder(resources)
          .policy(POLICY.toBuilder().deadline(Duration.ofSeconds(1)).build()).build();

      AppendResult r = quick.append(one, ALICE, "INBOX", message("Message-ID: <nowhere@example.com>\r\n"));

      assertThat(r.outcome()).isEqualTo(Outcome.UNKNOWN);
      assertThat(r.detail()).contains("reconnecting to look for it failed");
      assertThat(r.traces()).hasSize(2);
      assertThat(r.traces().get(1).attempts()).isNotEmpty();
      assertThat(only.store().messages("alice")).hasSize(1);
    }
  }

  @Test
  void aChangedUidValidityAfterTheDropIsUnknownAndNotAppendedAgain() throws Exception {
    try (ImapServer first = new ImapServer().user("alice", "secret").start();
         ImapServer second = new ImapServer().user("alice", "secret").start()) {
      first.setFault(Fault.stopDuringAppend(Fault.Commit.NOT_STORED, Fault.Farewell.CLOSE));
      second.store().setUidValidity(7);
      ReplicationGroup two = ReplicationGroup.builder("two",
          new StoreHostList(List.of(first.address(), second.address()))).build();

      AppendResult r = client.append(two, ALICE, "INBOX", message("Message-ID: <renumbered@example.com>\r\n"));

      assertThat(r.outcome()).isEqualTo(Outcome.UNKNOWN);
      assertThat(r.host()).isEqualTo(second.address());
      assertThat(r.detail()).contains("UIDVALIDITY changed from 1700000000 to 7");
      assertThat(second.store().messages("alice")).isEmpty();
    }
  }

  @Test
  void aRefusedAppendIsAnExceptionAndNothingIsStored() throws Exception {
    try (SimulatedReplicationGroup g = group()) {
      // The master steps down between the STATUS and the APPEND, which it then refuses as a replica.
      g.node(0).imap().onCommand("STATUS", c -> {
        g.switchover(1);
        return null;
      });

      assertThatThrownBy(() -> append(g, message("Message-ID: <refused@example.com>\r\n")))
          .isInstanceOf(MessagingException.class).hasMessageContaining("APPEND to INBOX refused")
          .hasMessageContaining("READ-ONLY");
      assertThat(g.mailbox("alice")).isEmpty();
    }
  }

  @Test
  void aRefusedStatusIsAnExceptionAndNoAppendIsSent() throws Exception {
    try (SimulatedReplicationGroup g = group()) {
      g.node(0).imap().onCommand("STATUS", c -> c.tag() + " NO [NONEXISTENT] no such mailbox");

      assertThatThrownBy(() -> client.append(g.replicationGroup(Protocol.IMAP), ALICE, "Archive",
          message("Message-ID: <nowhere@example.com>\r\n")))
          .isInstanceOf(MessagingException.class).hasMessageContaining("STATUS Archive refused")
          .hasMessageContaining("NONEXISTENT");
      assertThat(g.mailbox("alice")).isEmpty();
    }
  }

  @Test
  void aMessageBuiltInCodeKeepsTheMessageIdJakartaMailGivesItOnItsFirstWrite() throws Exception {
    try (SimulatedReplicationGroup g = group()) {
      g.node(0).imap().setFault(Fault.stopDuringAppend(Fault.Commit.STORED, Fault.Farewell.CLOSE));
      MimeMessage built = new MimeMessage(Session.getInstance(new Properties()));
      built.setFrom(new InternetAddress("bob@example.com"));
      built.setSubject("built");
      built.setText("hello");
      built.setFlags(new Flags(Flags.Flag.SEEN), true);

      AppendResult r = append(g, built);

      assertThat(r.outcome()).isEqualTo(Outcome.ALREADY_PRESENT);
      assertThat(r.messageId()).isPresent();
      assertThat(copiesOf(g, r.messageId().get())).hasSize(1);
    }
  }
}
