package org.repgroup.lmtp;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.repgroup.core.FailoverPolicy;
import org.repgroup.core.ReplicationGroup;
import org.repgroup.core.RepgroupResources;

/**
 * Once the final dot is sent the message may be in the store: only a
 * per-recipient reply is definite. A stopping node's {@code 421}, a close or a
 * reply that does not arrive in time leaves every recipient still waiting
 * UNKNOWN_MAYBE_DELIVERED, and no second copy goes to another host.
 */
@Timeout(60)
class LmtpAfterTheDotTest {

  /** Stagger 0: the tests assert that the first host took the message and the second was never asked. */
  static final FailoverPolicy POLICY = FailoverPolicy.builder().stagger(Duration.ZERO)
      .connectTimeout(Duration.ofMillis(500)).responseTimeout(Duration.ofSeconds(1)).deadline(Duration.ofSeconds(8))
      .build();
  static final byte[] MESSAGE = "Subject: last words\r\n\r\nbody\r\n".getBytes(StandardCharsets.US_ASCII);
  static final List<String> TWO = List.of("a@example.com", "b@example.com");

  final RepgroupResources resources = RepgroupResources.create();
  final List<AutoCloseable> closeables = new ArrayList<>();
  final LmtpFailoverClient client = LmtpFailoverClient.builder(resources).policy(POLICY).build();

  @AfterEach
  void tearDown() throws Exception {
    client.close();
    for (AutoCloseable c : closeables) {
      c.close();
    }
    resources.close();
  }

  ScriptedLmtpHost host() throws Exception {
    ScriptedLmtpHost h = ScriptedLmtpHost.start();
    closeables.add(h);
    return h;
  }

  DeliveryResult deliver(ReplicationGroup g, List<String> recipients) throws Exception {
    return client.deliver(g, "sender@example.com", recipients, MessageSource.of(MESSAGE));
  }

  @Test
  void shuttingDownAfterTheDotLeavesTheWaitingRecipientUnknownNotATemporaryFailure() throws Exception {
    ScriptedLmtpHost stopping = host().afterDot(ScriptedLmtpHost.End.CLOSE,
        "250 2.0.0 <a@example.com> Ok: delivered", "421 4.3.2 Shutting down");
    ScriptedLmtpHost other = host();

    DeliveryResult r = deliver(ScriptedLmtpHost.group(stopping, other), TWO);

    assertThat(r.recipient("a@example.com").status()).isEqualTo(RecipientStatus.DELIVERED);
    RecipientResult b = r.recipient("b@example.com");
    assertThat(b.status()).isEqualTo(RecipientStatus.UNKNOWN_MAYBE_DELIVERED);
    assertThat(b.code()).as("no reply of its own: no 4xx an MTA could requeue on").isZero();
    assertThat(b.text()).contains("421 4.3.2 Shutting down").contains("may have been delivered");
    assertThat(r.host()).isEqualTo(stopping.address());
    assertThat(stopping.messagesStored()).isEqualTo(1);
    assertThat(other.connectionCount()).as("never a second copy through another host").isZero();
  }

  @Test
  void shuttingDownBeforeAnyReplyLeavesEveryRecipientUnknown() throws Exception {
    ScriptedLmtpHost stopping = host().afterDot(ScriptedLmtpHost.End.CLOSE, "421 4.3.2 Shutting down");
    ScriptedLmtpHost other = host();

    DeliveryResult r = deliver(ScriptedLmtpHost.group(stopping, other), TWO);

    assertThat(r.recipients()).extracting(RecipientResult::status)
        .containsExactly(RecipientStatus.UNKNOWN_MAYBE_DELIVERED, RecipientStatus.UNKNOWN_MAYBE_DELIVERED);
    assertThat(other.connectionCount()).isZero();
  }

  @Test
  void perRecipientTemporaryFailureAfterTheDotStaysDefinite() throws Exception {
    ScriptedLmtpHost h = host().afterDot(ScriptedLmtpHost.End.HOLD,
        "250 2.0.0 <a@example.com> Ok: delivered", "452 4.2.2 <b@example.com> Mailbox full");

    DeliveryResult r = deliver(ScriptedLmtpHost.group(h), TWO);

    assertThat(r.recipient("b@example.com")).isEqualTo(new RecipientResult("b@example.com",
        RecipientStatus.TEMPORARY_FAILURE, 452, "4.2.2", "<b@example.com> Mailbox full"));
  }

  @Test
  void connectionClosedAfterTheDotLeavesTheWaitingRecipientUnknown() throws Exception {
    ScriptedLmtpHost closing = host().afterDot(ScriptedLmtpHost.End.CLOSE, "250 2.0.0 <a@example.com> Ok: delivered");
    ScriptedLmtpHost other = host();

    DeliveryResult r = deliver(ScriptedLmtpHost.group(closing, other), TWO);

    assertThat(r.recipients()).extracting(RecipientResult::status)
        .containsExactly(RecipientStatus.DELIVERED, RecipientStatus.UNKNOWN_MAYBE_DELIVERED);
    assertThat(r.recipient("b@example.com").text()).contains("closed the connection");
    assertThat(other.connectionCount()).isZero();
  }

  @Test
  void silenceAfterTheDotEndsAtTheResponseTimeoutWithTheWaitingRecipientUnknown() throws Exception {
    ScriptedLmtpHost silent = host().afterDot(ScriptedLmtpHost.End.HOLD, "250 2.0.0 <a@example.com> Ok: delivered");
    ScriptedLmtpHost other = host();

    DeliveryResult r = deliver(ScriptedLmtpHost.group(silent, other), TWO);

    assertThat(r.recipients()).extracting(RecipientResult::status)
        .containsExactly(RecipientStatus.DELIVERED, RecipientStatus.UNKNOWN_MAYBE_DELIVERED);
    assertThat(r.recipient("b@example.com").text()).contains("no complete reply in 1000 ms");
    assertThat(r.trace().elapsed()).as("the response timeout, not the 8 s deadline").isLessThan(Duration.ofSeconds(4));
    assertThat(other.connectionCount()).isZero();
  }

  @Test
  void replyTrickledAfterTheDotEndsAtItsTotalTimeBoundAsUnknown() throws Exception {
    // 25 bytes, one per 300 ms: 7.5 s for the reply, each byte well within a per-read timeout of 1 s.
    ScriptedLmtpHost trickling = host().trickle(ScriptedLmtpHost.DOT, Duration.ofMillis(300));
    ScriptedLmtpHost other = host();

    DeliveryResult r = deliver(ScriptedLmtpHost.group(trickling, other), List.of("a@example.com"));

    assertThat(r.recipient("a@example.com").status()).isEqualTo(RecipientStatus.UNKNOWN_MAYBE_DELIVERED);
    assertThat(r.recipient("a@example.com").text()).contains("no complete reply in 1000 ms");
    assertThat(r.trace().elapsed()).as("the reply's 1 s budget, not 7.5 s of trickle").isLessThan(Duration.ofSeconds(4));
    assertThat(trickling.messagesStored()).isEqualTo(1);
    assertThat(other.connectionCount()).as("after the dot, never another host").isZero();
  }
}
