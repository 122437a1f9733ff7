package org.repgroup.core.internal;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import java.util.function.Predicate;
import org.repgroup.core.HostAddress;
import org.repgroup.core.spi.AttemptOutcome;
import org.repgroup.core.spi.FanOutResult;
import org.repgroup.core.spi.FanOutResult.Kind;

/**
 * The rules of a fan-out, as pure functions (the loop is {@link FanOutOperation}):
 *
 * <ol>
 *   <li>which hosts are tried: the pass {@link HostOrder} plans (no preferred host,
 *       no side recheck: a host whose recheck is due is tried by the one operation
 *       that claims the recheck), the rest skipped; if that leaves nothing, every
 *       host is tried anyway, as for any operation;</li>
 *   <li>a referral is followed once: never to the referring host itself, never out
 *       of the group unless allowed, and not at all to a host the fan-out tries
 *       directly (it would get the request twice): then that host's own answer
 *       settles the referring host too, a referral back being a loop and one
 *       onwards a chain;</li>
 *   <li>what a host's answer does to its health: {@code unavailable} (and a per-host
 *       timeout) marks it down, any other answer is a live server's.</li>
 * </ol>
 */
final class FanOutRules {

  private FanOutRules() {}

  /**
   * The hosts of one fan-out.
   *
   * @param tried the hosts to try, in the plan's order
   * @param skipped the others, in list order
   */
  record Targets(List<HostOrder.Entry> tried, List<HostOrder.Entry> skipped) {}

  /**
   * Which hosts of {@code all} (the group's, in list order) are tried, given the
   * pass {@code plan} and {@code claimRecheck}, which claims a due recheck (false
   * when another operation holds it).
   */
  static Targets targets(HostOrder.Plan plan, List<HostOrder.Entry> all, Predicate<HostAddress> claimRecheck) {
    List<HostOrder.Entry> tried = new ArrayList<>();
    for (HostOrder.Entry e : plan.candidates()) {
      if (!plan.claimWhenReached().contains(e.resolved()) || claimRecheck.test(e.resolved())) {
        tried.add(e);
      }
    }
    if (tried.isEmpty()) {
      // Every host is marked down or being rechecked by another operation: try them all anyway.
      return new Targets(List.copyOf(all), List.of());
    }
    Set<HostOrder.Entry> in = new LinkedHashSet<>(tried);
    List<HostOrder.Entry> skipped = all.stream().filter(e -> !in.contains(e)).toList();
    return new Targets(List.copyOf(tried), skipped);
  }

  /** What to do with a referral. */
  sealed interface OnReferral permits Follow, AwaitDirect, End {}

  /** Try the target (hop 1). */
  record Follow() implements OnReferral {}

  /** The target is tried directly: its own answer settles the referring host. */
  record AwaitDirect() implements OnReferral {}

  /** The referring host is settled now. */
  record End(Kind kind, String reason) implements OnReferral {}

  /**
   * A host of the list, {@code from}, referred to {@code to} (resolved).
   *
   * @param followsReferrals whether the intent follows referrals at all
   * @param allowed whether the group lists {@code to} or allows referrals to it
   * @param direct whether this fan-out tries {@code to} directly
   */
  static OnReferral onReferral(String group, HostAddress from, HostAddress to, boolean followsReferrals,
      boolean allowed, boolean direct) {
    if (!followsReferrals) {
      return new End(Kind.REFERRAL_REFUSED, "referral to " + to + " not followed: the intent never follows referrals");
    }
    if (to.equals(from)) {
      return new End(Kind.SELF_REFERRAL, "referral loop: " + from + " refers to itself");
    }
    if (!allowed) {
      return new End(Kind.REFERRAL_REFUSED, "referral to " + to + " refused: not in group " + group
          + " and not allowed");
    }
    return direct ? new AwaitDirect() : new Follow();
  }

  /**
   * How a host stands once its outcome is known.
   *
   * @param kind the outcome's kind
   * @param value what served, for served kinds
   * @param referredOnTo where the target referred in turn, if it did
   * @param reason in words
   */
  record Settlement<T>(Kind kind, Optional<T> value, Optional<HostAddress> referredOnTo, String reason) {
    static <T> Settlement<T> of(Kind kind, String reason) {
      return new Settlement<>(kind, Optional.empty(), Optional.empty(), reason);
    }
  }

  /** A host's own answer (no referral: those go through {@link #onReferral}). */
  static <T> Settlement<T> own(AttemptOutcome<T> outcome) {
    if (outcome instanceof AttemptOutcome.Success<T> s) {
      return new Settlement<>(Kind.SERVED, Optional.ofNullable(s.value()), Optional.empty(), "served");
    }
    return Settlement.of(outcome instanceof AttemptOutcome.Fatal<?> ? Kind.REFUSED : Kind.FAILED, reason(outcome));
  }

  /**
   * Another pass of a fan-out that served no host? Only when every host failed in a way a
   * transition explains (unavailable, read-only, its referral's target failed, skipped as marked
   * down, or out of time) and at least one of them failed outright: replicas redirecting to a
   * dead master during an election, every host restarting. A host that refused the request, or a
   * referral that was wrong in itself (loop, chain, self, out of the group), ends it: another
   * pass would get the same answer.
   */
  static boolean anotherPass(FanOutResult<?> r) {
    boolean failedOutright = false;
    for (FanOutResult.HostOutcome<?> h : r.hosts()) {
      switch (h.kind()) {
        case FAILED, REFERRAL_TARGET_FAILED -> failedOutright = true;
        case SKIPPED, DEADLINE, NOT_SENT -> { }
        default -> {
          return false;
        }
      }
    }
    return failedOutright;
  }

  /**
   * {@code from} referred to {@code to}, which this fan-out tries directly and
   * which answered {@code targetsOwn} ({@code resolve} fills in a referral's port).
   */
  static <T> Settlement<T> byDirectTarget(HostAddress from, HostAddress to, AttemptOutcome<T> targetsOwn,
      Function<HostAddress, HostAddress> resolve) {
    if (targetsOwn instanceof AttemptOutcome.Success<T> s) {
      return new Settlement<>(Kind.REFERRED, Optional.ofNullable(s.value()), Optional.empty(),
          "referred to " + to + ", which was served directly");
    }
    if (targetsOwn instanceof AttemptOutcome.Referral<T> r) {
      HostAddress next = resolve.apply(r.target());
      boolean loop = next.equals(from);
      return new Settlement<>(loop ? Kind.REFERRAL_LOOP : Kind.REFERRAL_CHAIN, Optional.empty(), Optional.of(next),
          (loop ? "referral loop: " : "referral chain: ") + from + " -> " + to + " -> " + next
              + " (a referral is followed once)");
    }
    return Settlement.of(Kind.REFERRAL_TARGET_FAILED, reason(targetsOwn));
  }

  /** {@code from}'s referral to {@code to} was followed and {@code to} answered {@code outcome}. */
  static <T> Settlement<T> afterFollow(HostAddress to, AttemptOutcome<T> outcome,
      Function<HostAddress, HostAddress> resolve) {
    if (outcome instanceof AttemptOutcome.Success<T> s) {
      return new Settlement<>(Kind.REFERRED, Optional.ofNullable(s.value()), Optional.empty(),
          "served by " + to + " after a referral");
    }
    if (outcome instanceof AttemptOutcome.Referral<T> r) {
      HostAddress next = resolve.apply(r.target());
      return new Settlement<>(Kind.REFERRED_AGAIN, Optional.empty(), Optional.of(next),
          "referred again to " + next + ": a referral is followed once");
    }
    return Settlement.of(Kind.REFERRAL_TARGET_FAILED, reason(outcome));
  }

  /** True when {@code outcome} marks its host down; every other answer is a live server's. */
  static boolean marksDown(AttemptOutcome<?> outcome) {
    return outcome instanceof AttemptOutcome.Unavailable<?> u && u.marksHostDown();
  }

  /** The words of a failed outcome. */
  static String reason(AttemptOutcome<?> outcome) {
    if (outcome instanceof AttemptOutcome.Unavailable<?> u) {
      return u.reason();
    }
    if (outcome instanceof AttemptOutcome.Fatal<?> f) {
      return f.reason();
    }
    if (outcome instanceof AttemptOutcome.ReadOnly<?> ro) {
      return ro.reason();
    }
    if (outcome instanceof AttemptOutcome.Referral<?> r) {
      return "referral to " + r.target();
    }
    return "served";
  }
}
