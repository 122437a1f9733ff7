package org.repgroup.lmtp;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.repgroup.core.AffinityCache;
import org.repgroup.core.AttemptRecord;
import org.repgroup.core.FailoverPolicy;
import org.repgroup.core.ReplicationGroup;
import org.repgroup.core.RepgroupResources;
import org.repgroup.core.StoreUnavailableException;

/**
 * Progress, not bytes, proves an LMTP host alive: every reply before DATA runs
 * under the stagger and has a total time budget, so a host that trickles one is
 * left for the next host like a silent one; every reply line is capped and every
 * server string that reaches a result is printable.
 */
@Timeout(60)
class LmtpTricklingHostTest {

  static final FailoverPolicy POLICY = FailoverPolicy.builder().stagger(Duration.ofMillis(100))
      .connectTimeout(Duration.ofMillis(500)).responseTimeout(Duration.ofSeconds(2)).deadline(Duration.ofSeconds(8))
      .build();
  static final byte[] MESSAGE = "Subject: trickle\r\n\r\nbody\r\n".getBytes(StandardCharsets.US_ASCII);
  /** One byte per 300 ms: a 14-byte reply takes 4.2 s, though no single read waits even 1 s. */
  static final Duration TRICKLE = Duration.ofMillis(300);

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

  ScriptedLmtpHost host() throws Exception {
    ScriptedLmtpHost h = ScriptedLmtpHost.start();
    closeables.add(h);
    return h;
  }

  DeliveryResult deliver(ReplicationGroup g) throws Exception {
    return client.deliver(g, "sender@example.com", List.of("alice@example.com"), MessageSource.of(MESSAGE));
  }

  @Test
  void hostTricklingItsMailReplyIsLeftForTheNextHostWithinTheStagger() throws Exception {
    ScriptedLmtpHost trickling = host().trickle("MAIL", TRICKLE);
    ScriptedLmtpHost healthy = host();
    // A stagger (1 s) longer than a busy machine takes to greet and answer LHLO, so the stagger that
    // leaves the host is the one armed for the trickled MAIL reply and the host has been silent that
    // long when the next host delivers (so it is marked down); a response timeout (4 s) the 4.2 s
    // trickle outlasts.
    FailoverPolicy patient = POLICY.toBuilder().stagger(Duration.ofSeconds(1)).responseTimeout(Duration.ofSeconds(4))
        .build();
    client.close();
    client = LmtpFailoverClient.builder(resources).policy(patient).build();

    DeliveryResult r = deliver(ScriptedLmtpHost.group(trickling, healthy));

    assertThat(r.allDelivered()).isTrue();
    assertThat(r.host()).isEqualTo(healthy.address());
    assertThat(r.trace().elapsed()).as("stagger + one delivery, not the response timeout")
        .isLessThan(patient.responseTimeout());
    assertThat(trickling.sawCommand("DATA")).isFalse();
    assertThat(resources.affinityCache().health(trickling.address()))
        .as("marked down like a silent host").isEqualTo(AffinityCache.HostHealth.DOWN);
  }

  @Test
  void hostTricklingItsLhloReplyIsLeftForTheNextHostWithinTheStagger() throws Exception {
    ScriptedLmtpHost trickling = host().trickle("LHLO", TRICKLE);
    ScriptedLmtpHost healthy = host();

    DeliveryResult r = deliver(ScriptedLmtpHost.group(trickling, healthy));

    assertThat(r.host()).isEqualTo(healthy.address());
    assertThat(r.trace().elapsed()).isLessThan(Duration.ofMillis(1500));
    assertThat(trickling.sawCommand("MAIL")).isFalse();
  }

  @Test
  void hostTricklingItsRecipientReplyIsLeftForTheNextHostWithinTheStagger() throws Exception {
    ScriptedLmtpHost trickling = host().trickle("RCPT", TRICKLE);
    ScriptedLmtpHost healthy = host();

    DeliveryResult r = deliver(ScriptedLmtpHost.group(trickling, healthy));

    assertThat(r.host()).isEqualTo(healthy.address());
    assertThat(r.trace().elapsed()).isLessThan(Duration.ofMillis(1500));
    assertThat(trickling.messagesStored()).isZero();
  }

  @Test
  void tricklingReplyEndsAtTheResponseTimeoutNotWhenItsLastByteComes() throws Exception {
    client.close();
    client = LmtpFailoverClient.builder(resources)
        .policy(POLICY.toBuilder().stagger(Duration.ZERO).responseTimeout(Duration.ofMillis(500)).build()).build();
    ScriptedLmtpHost trickling = host().trickle("MAIL", TRICKLE);
    ScriptedLmtpHost healthy = host();

    DeliveryResult r = deliver(ScriptedLmtpHost.group(trickling, healthy));

    assertThat(r.host()).isEqualTo(healthy.address());
    AttemptRecord first = r.trace().attempts().get(0);
    assertThat(first.host()).isEqualTo(trickling.address());
    assertThat(first.detail()).contains("sent no complete reply in 500 ms");
    assertThat(first.elapsed()).as("the reply's budget, not 4.2 s of trickle").isLessThan(Duration.ofMillis(2500));
  }

  @Test
  void tricklingGreetingOfTheOnlyHostFailsAtItsBudgetNotAtTheDeadline() throws Exception {
    client.close();
    client = LmtpFailoverClient.builder(resources)
        .policy(POLICY.toBuilder().responseTimeout(Duration.ofMillis(500)).maxPasses(1).build()).build();
    ScriptedLmtpHost trickling = host().trickle(ScriptedLmtpHost.GREETING, TRICKLE);

    StoreUnavailableException e = org.junit.jupiter.api.Assertions.assertThrows(StoreUnavailableException.class,
        () -> deliver(ScriptedLmtpHost.group(trickling)));

    assertThat(e.trace().attempts().get(0).detail()).contains("greeting").contains("sent no complete reply in 500 ms");
    assertThat(e.trace().elapsed()).as("the greeting's budget, not the 8 s deadline").isLessThan(Duration.ofSeconds(3));
  }

  @Test
  void oversizedReplyLineAfterTheGreetingIsRefusedAndTheNextHostDelivers() throws Exception {
    // Stagger 0: the flooding host's own answer is asserted, so the next host must not win first.
    client.close();
    client = LmtpFailoverClient.builder(resources).policy(POLICY.toBuilder().stagger(Duration.ZERO).build()).build();
    ScriptedLmtpHost flooding = host().reply("MAIL", "250 " + "x".repeat(5000));
    ScriptedLmtpHost healthy = host();

    DeliveryResult r = deliver(ScriptedLmtpHost.group(flooding, healthy));

    assertThat(r.host()).isEqualTo(healthy.address());
    assertThat(r.trace().attempts()).anySatisfy(a -> {
      assertThat(a.host()).isEqualTo(flooding.address());
      assertThat(a.detail()).contains("longer than 4096 bytes");
    });
  }

  @Test
  void serverTextInResultsIsPrintable() throws Exception {
    ScriptedLmtpHost h = host().reply("RCPT", "550 5.1.1 \u001b[31mno such user\u0007");

    DeliveryResult r = deliver(ScriptedLmtpHost.group(h));

    RecipientResult alice = r.recipient("alice@example.com");
    assertThat(alice.status()).isEqualTo(RecipientStatus.PERMANENT_FAILURE);
    assertThat(alice.text()).isEqualTo("\\x1b[31mno such user\\x07");
  }

  @Test
  void serverTextInFailureDetailsIsPrintable() throws Exception {
    ScriptedLmtpHost h = host().reply("LHLO", "554 5.0.0 \u001b]0;owned\u0007");

    StoreUnavailableException e = org.junit.jupiter.api.Assertions.assertThrows(StoreUnavailableException.class,
        () -> deliver(ScriptedLmtpHost.group(h)));

    assertThat(e.getMessage()).contains("LHLO refused: 554 5.0.0 \\x1b]0;owned\\x07").doesNotContain("\u001b");
  }
}
