package org.repgroup.core.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.repgroup.core.FailureKind;
import org.repgroup.core.HostAddress;
import org.repgroup.core.internal.ReferralRules.Decision;
import org.repgroup.core.internal.ReferralRules.TargetState;

/** The referral rules as a table: one row per situation, the decision it must give. */
class ReferralRulesTest {

  static final HostAddress A = HostAddress.of("a", 143);
  static final HostAddress B = HostAddress.of("b", 143);
  static final HostAddress C = HostAddress.of("c", 143);
  static final HostAddress D = HostAddress.of("d", 143);

  static Stream<Arguments> table() {
    return Stream.of(
        // what, follows, allowed, chain (referrer last), target, target's state, expected (no host failed yet)
        row("a writer follows a replica to the master", true, true, List.of(A), B, TargetState.NOT_TRIED, "follow"),
        row("a client that never follows moves on", false, true, List.of(A), B, TargetState.NOT_TRIED, "next"),
        row("a stranger is refused, next host", true, false, List.of(A), B, TargetState.NOT_TRIED, "next"),
        row("A says B, B says A: a loop", true, true, List.of(A, B), A, TargetState.REFERRED, "stop:REFERRAL_LOOP"),
        row("a host naming itself: a loop", true, true, List.of(A), A, TargetState.REFERRED, "stop:REFERRAL_LOOP"),
        row("pointer to a host that failed in the pass: stale, next host", true, true, List.of(A), C,
            TargetState.FAILED, "next"),
        row("revisiting a host that referred in another chain is not a loop", true, true, List.of(B), A,
            TargetState.REFERRED, "follow"),
        row("target being tried right now: wait for it", true, true, List.of(A), B, TargetState.RUNNING, "await"),
        row("third hop with a limit of 2 stops", true, true, List.of(A, B, C), D, TargetState.NOT_TRIED,
            "stop:REFERRAL_HOP_LIMIT"),
        row("second hop with a limit of 2 is followed", true, true, List.of(A, B), C, TargetState.NOT_TRIED,
            "follow"),
        row("a loop is a loop even past the hop limit", true, true, List.of(A, B, C), A, TargetState.REFERRED,
            "stop:REFERRAL_LOOP"),
        // once a host has failed in the operation (an election, a restart), pointers cross for a while
        inTransition(row("a loop while a host is failing: not followed, next host", true, true, List.of(A, B), A,
            TargetState.REFERRED, "next")),
        inTransition(row("a host naming itself while a host is failing: next host", true, true, List.of(A), A,
            TargetState.REFERRED, "next")),
        inTransition(row("a plain referral while a host is failing is followed", true, true, List.of(A), B,
            TargetState.NOT_TRIED, "follow")),
        inTransition(row("the hop limit holds while a host is failing", true, true, List.of(A, B, C), D,
            TargetState.NOT_TRIED, "stop:REFERRAL_HOP_LIMIT")));
  }

  static Arguments row(String what, boolean follows, boolean allowed, List<HostAddress> chain, HostAddress target,
      TargetState state, String expected) {
    return Arguments.of(what, follows, allowed, chain, target, state, expected, false);
  }

  static Arguments inTransition(Arguments row) {
    Object[] a = row.get().clone();
    a[a.length - 1] = true;
    return Arguments.of(a);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("table")
  void decides(String what, boolean follows, boolean allowed, List<HostAddress> chain, HostAddress target,
      TargetState state, String expected, boolean transition) {
    Decision d = ReferralRules.decide(new ReferralRules.Referral("store1", follows, allowed, chain, target, state, 2,
        transition));

    assertThat(label(d)).isEqualTo(expected);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("table")
  void everyRefusalSaysWhy(String what, boolean follows, boolean allowed, List<HostAddress> chain,
      HostAddress target, TargetState state, String expected, boolean transition) {
    Decision d = ReferralRules.decide(new ReferralRules.Referral("store1", follows, allowed, chain, target, state, 2,
        transition));

    if (d instanceof ReferralRules.NotFollowed n) {
      assertThat(n.reason()).isNotBlank();
    } else if (d instanceof ReferralRules.Stop s) {
      assertThat(s.reason()).contains(s.kind() == FailureKind.REFERRAL_LOOP ? "loop" : "hop limit");
    }
  }

  @org.junit.jupiter.api.Test
  void strangerRefusalNamesTheGroup() {
    Decision d = ReferralRules.decide(new ReferralRules.Referral("store1", true, false, List.of(A),
        HostAddress.of("x.example.com", 143), TargetState.NOT_TRIED, 3, false));

    assertThat(((ReferralRules.NotFollowed) d).reason())
        .isEqualTo("referral to x.example.com:143 refused: not in group store1 and not allowed");
  }

  static String label(Decision d) {
    if (d instanceof ReferralRules.Follow) {
      return "follow";
    }
    if (d instanceof ReferralRules.AwaitRunning) {
      return "await";
    }
    if (d instanceof ReferralRules.NotFollowed) {
      return "next";
    }
    return "stop:" + ((ReferralRules.Stop) d).kind();
  }
}
