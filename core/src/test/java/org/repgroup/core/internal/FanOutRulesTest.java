package org.repgroup.core.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import org.repgroup.core.AffinityCache.HostHealth;
import org.repgroup.core.FatalReason;
import org.repgroup.core.HostAddress;
import org.repgroup.core.internal.HostOrder.Entry;
import org.repgroup.core.internal.HostOrder.HostView;
import org.repgroup.core.spi.AttemptOutcome;
import org.repgroup.core.spi.FanOutResult;
import org.repgroup.core.spi.FanOutResult.Kind;

/** The fan-out's rules as tables: which hosts, what a referral means, what an answer does to health. */
class FanOutRulesTest {

  static final Entry A = entry("a");
  static final Entry B = entry("b");
  static final Entry C = entry("c");
  static final List<Entry> LIST = List.of(A, B, C);
  static final Function<HostAddress, HostAddress> RESOLVE = h -> h.port().isPresent() ? h : HostAddress.of(h.host(), 7997);

  final Map<HostAddress, HostView> views = new HashMap<>();

  static Entry entry(String name) {
    return new Entry(HostAddress.of(name), HostAddress.of(name, 7997));
  }

  FanOutRulesTest mark(Entry e, HostHealth health) {
    views.put(e.resolved(), new HostView(health, false, Optional.empty()));
    return this;
  }

  FanOutRules.Targets targets(Set<HostAddress> claimable) {
    HostOrder.Plan plan = HostOrder.plan(new HostOrder.Inputs(LIST, Optional.empty(), false, false, 0, false),
        h -> views.getOrDefault(h, HostView.UP));
    return FanOutRules.targets(plan, LIST, claimable::contains);
  }

  static FanOutResult<String> result(Kind... kinds) {
    List<FanOutResult.HostOutcome<String>> hosts = new java.util.ArrayList<>();
    int i = 0;
    for (Kind k : kinds) {
      hosts.add(new FanOutResult.HostOutcome<>(HostAddress.of("h" + i++ + ".example.com", 7997), k, Optional.empty(),
          Optional.empty(), Optional.empty(), "r", java.time.Duration.ZERO));
    }
    return new FanOutResult<>(hosts);
  }

  @Test
  void anotherPassOnlyWhenEveryHostFailedAsATransitionExplains() {
    assertThat(FanOutRules.anotherPass(result(Kind.FAILED, Kind.REFERRAL_TARGET_FAILED, Kind.REFERRAL_TARGET_FAILED)))
        .as("election: the master down, the replicas redirecting to it").isTrue();
    assertThat(FanOutRules.anotherPass(result(Kind.SKIPPED, Kind.FAILED, Kind.NOT_SENT))).isTrue();
    assertThat(FanOutRules.anotherPass(result(Kind.SKIPPED, Kind.SKIPPED))).as("nothing failed outright").isFalse();
    assertThat(FanOutRules.anotherPass(result(Kind.FAILED, Kind.SERVED))).as("served").isFalse();
    assertThat(FanOutRules.anotherPass(result(Kind.FAILED, Kind.REFUSED))).as("a refusal is final").isFalse();
    for (Kind wrongReferral : List.of(Kind.SELF_REFERRAL, Kind.REFERRAL_REFUSED, Kind.REFERRAL_LOOP,
        Kind.REFERRAL_CHAIN, Kind.REFERRED_AGAIN)) {
      assertThat(FanOutRules.anotherPass(result(Kind.FAILED, wrongReferral))).as(wrongReferral.name()).isFalse();
    }
  }

  @Test
  void everyHostUpIsTriedInListOrder() {
    FanOutRules.Targets t = targets(Set.of());

    assertThat(t.tried()).containsExactly(A, B, C);
    assertThat(t.skipped()).isEmpty();
  }

  @Test
  void hostMarkedDownIsSkippedWhileOthersAreUp() {
    mark(B, HostHealth.DOWN);

    FanOutRules.Targets t = targets(Set.of());

    assertThat(t.tried()).containsExactly(A, C);
    assertThat(t.skipped()).containsExactly(B);
  }

  @Test
  void everyHostIsTriedWhenAllAreMarkedDown() {
    mark(A, HostHealth.DOWN).mark(B, HostHealth.DOWN).mark(C, HostHealth.DOWN);

    FanOutRules.Targets t = targets(Set.of());

    assertThat(t.tried()).containsExactly(A, B, C);
    assertThat(t.skipped()).isEmpty();
  }

  @Test
  void dueRecheckIsTriedOnlyByTheFanOutThatClaimsIt() {
    mark(C, HostHealth.RECHECK_DUE);

    assertThat(targets(Set.of(C.resolved())).tried()).containsExactly(A, B, C);
    FanOutRules.Targets other = targets(Set.of());
    assertThat(other.tried()).containsExactly(A, B);
    assertThat(other.skipped()).containsExactly(C);
  }

  @Test
  void everyHostIsTriedWhenTheOnlyDueRecheckIsAnotherOperations() {
    mark(A, HostHealth.DOWN).mark(B, HostHealth.DOWN).mark(C, HostHealth.RECHECK_DUE);

    FanOutRules.Targets t = targets(Set.of());

    assertThat(t.tried()).containsExactly(A, B, C);
  }

  @Test
  void referralRulesInOrder() {
    HostAddress a = A.resolved();
    HostAddress b = B.resolved();
    record Row(HostAddress to, boolean follows, boolean allowed, boolean direct, Class<?> expected, Kind kind) {}
    List<Row> rows = List.of(
        new Row(b, false, true, false, FanOutRules.End.class, Kind.REFERRAL_REFUSED),
        new Row(a, true, true, true, FanOutRules.End.class, Kind.SELF_REFERRAL),
        new Row(b, true, false, false, FanOutRules.End.class, Kind.REFERRAL_REFUSED),
        new Row(b, true, true, true, FanOutRules.AwaitDirect.class, null),
        new Row(b, true, true, false, FanOutRules.Follow.class, null));
    for (Row r : rows) {
      FanOutRules.OnReferral d = FanOutRules.onReferral("g", a, r.to(), r.follows(), r.allowed(), r.direct());
      assertThat(d).as(r.toString()).isInstanceOf(r.expected());
      if (d instanceof FanOutRules.End e) {
        assertThat(e.kind()).as(r.toString()).isEqualTo(r.kind());
      }
    }
    assertThat(((FanOutRules.End) FanOutRules.onReferral("g", a, b, true, false, false)).reason())
        .isEqualTo("referral to b:7997 refused: not in group g and not allowed");
  }

  @Test
  void referringHostIsSettledByTheDirectTargetsOwnAnswer() {
    HostAddress a = A.resolved();
    HostAddress b = B.resolved();

    assertThat(FanOutRules.byDirectTarget(a, b, AttemptOutcome.success("id"), RESOLVE))
        .isEqualTo(new FanOutRules.Settlement<>(Kind.REFERRED, Optional.of("id"), Optional.empty(),
            "referred to b:7997, which was served directly"));
    FanOutRules.Settlement<String> loop = FanOutRules.byDirectTarget(a, b,
        AttemptOutcome.referral(HostAddress.of("a"), "307"), RESOLVE);
    assertThat(loop.kind()).isEqualTo(Kind.REFERRAL_LOOP);
    assertThat(loop.reason()).isEqualTo("referral loop: a:7997 -> b:7997 -> a:7997 (a referral is followed once)");
    FanOutRules.Settlement<String> chain = FanOutRules.byDirectTarget(a, b,
        AttemptOutcome.referral(C.resolved(), "307"), RESOLVE);
    assertThat(chain.kind()).isEqualTo(Kind.REFERRAL_CHAIN);
    assertThat(chain.referredOnTo()).contains(C.resolved());
    FanOutRules.Settlement<String> failed = FanOutRules.byDirectTarget(a, b,
        AttemptOutcome.unavailable("HTTP 503", null), RESOLVE);
    assertThat(failed.kind()).isEqualTo(Kind.REFERRAL_TARGET_FAILED);
    assertThat(failed.reason()).isEqualTo("HTTP 503");
  }

  @Test
  void followedTargetServesOrFailsButIsNeverFollowedFurther() {
    HostAddress b = B.resolved();

    assertThat(FanOutRules.afterFollow(b, AttemptOutcome.success("id"), RESOLVE).kind()).isEqualTo(Kind.REFERRED);
    FanOutRules.Settlement<String> again = FanOutRules.afterFollow(b, AttemptOutcome.referral(C.listed(), "307"),
        RESOLVE);
    assertThat(again.kind()).isEqualTo(Kind.REFERRED_AGAIN);
    assertThat(again.referredOnTo()).contains(C.resolved());
    assertThat(FanOutRules.afterFollow(b, AttemptOutcome.fatal(FatalReason.REQUEST_REFUSED, "HTTP 400", null),
        RESOLVE)).isEqualTo(new FanOutRules.Settlement<>(Kind.REFERRAL_TARGET_FAILED, Optional.empty(),
            Optional.empty(), "HTTP 400"));
  }

  @Test
  void onlyUnavailableMarksAHostDown() {
    assertThat(FanOutRules.marksDown(AttemptOutcome.unavailable("reset", null))).isTrue();
    assertThat(FanOutRules.marksDown(AttemptOutcome.declined("busy", null))).isFalse();
    assertThat(FanOutRules.marksDown(AttemptOutcome.fatal(FatalReason.REQUEST_REFUSED, "HTTP 400", null))).isFalse();
    assertThat(FanOutRules.marksDown(AttemptOutcome.referral(B.resolved(), "307"))).isFalse();
    assertThat(FanOutRules.marksDown(AttemptOutcome.success("id"))).isFalse();
    assertThat(FanOutRules.own(AttemptOutcome.<String>unavailable("reset", null)))
        .isEqualTo(FanOutRules.Settlement.of(Kind.FAILED, "reset"));
  }
}
