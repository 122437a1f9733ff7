package org.repgroup.core.internal;

import java.util.List;
import org.repgroup.core.FailureKind;
import org.repgroup.core.HostAddress;

/**
 * Whether to follow one referral (the failover contract's rule 4), as a pure
 * function of the referral and what the pass has seen so far:
 *
 * <ul>
 *   <li>only intents that follow referrals follow them; the others move on;</li>
 *   <li>only to members of the group or allow-listed hosts, so a referral never
 *       carries credentials to an arbitrary host;</li>
 *   <li>a <em>loop</em> is a cycle of referrals each followed in one chain (A
 *       says B, B says A, or a host naming itself). Among hosts that all answer it
 *       is a misconfiguration and ends the operation. Once a host has failed in
 *       this operation the group is in a transition (an election, a restart: a
 *       restarted replica names the new master while the new master still names
 *       the old one), so the loop is not followed and the pass goes on; the
 *       passes that follow wait the transition out like any other;</li>
 *   <li>a referral to a host that already <em>failed</em> in this pass is a stale
 *       pointer (a replica still naming a dead master): not followed, next host.
 *       Revisiting a host that referred elsewhere earlier in the pass, in another
 *       chain, is not a loop: its pointer may have changed;</li>
 *   <li>a referral to a host being tried right now (staggered) waits for its answer;</li>
 *   <li>at most {@code maxHops} referrals in one chain.</li>
 * </ul>
 */
public final class ReferralRules {

  private ReferralRules() {}

  /** Where a referral's target stands in the current pass. */
  public enum TargetState {
    /** Not tried in this pass. */
    NOT_TRIED,
    /** Being tried right now (a staggered attempt). */
    RUNNING,
    /** Tried in this pass and answered with a referral of its own. */
    REFERRED,
    /** Tried in this pass and failed (unavailable, read-only, declined). */
    FAILED
  }

  /**
   * One referral to judge.
   *
   * @param group the group's name, for messages
   * @param follows whether the operation's intent follows referrals
   * @param allowed whether the target is a member of the group or allow-listed
   * @param chain the hosts of this chain so far, the referring host last
   * @param target the referral's target, port filled in
   * @param targetState where the target stands in this pass
   * @param maxHops the hop limit of one chain
   * @param inTransition whether a host has failed (unavailable) earlier in this operation
   */
  public record Referral(String group, boolean follows, boolean allowed, List<HostAddress> chain, HostAddress target,
      TargetState targetState, int maxHops, boolean inTransition) {
    /** Copies the chain. */
    public Referral {
      chain = List.copyOf(chain);
      if (chain.isEmpty()) {
        throw new IllegalArgumentException("a referral chain starts with the referring host");
      }
    }

    /** Referrals followed so far in this chain. */
    int hops() {
      return chain.size() - 1;
    }
  }

  /** What to do with a referral. */
  public sealed interface Decision permits Follow, AwaitRunning, NotFollowed, Stop {}

  /** Go to the target next. */
  public record Follow() implements Decision {}

  /** The target is being tried right now: its answer settles it. */
  public record AwaitRunning() implements Decision {}

  /** Move on to the next host; {@code reason} says why the pointer was not followed. */
  public record NotFollowed(String reason) implements Decision {}

  /** End the operation with {@code kind}. */
  public record Stop(FailureKind kind, String reason) implements Decision {}

  private static final Follow FOLLOW = new Follow();
  private static final AwaitRunning AWAIT = new AwaitRunning();

  /** The decision for {@code r}. */
  public static Decision decide(Referral r) {
    if (!r.follows()) {
      return new NotFollowed("not followed: this client never follows referrals");
    }
    if (!r.allowed()) {
      return new NotFollowed("referral to " + r.target() + " refused: not in group " + r.group() + " and not allowed");
    }
    if (r.chain().contains(r.target())) {
      if (r.inTransition()) {
        return new NotFollowed("not followed: referral loop (" + r.target() + " already referred in this chain)"
            + " while a host is failing: a transition, next host");
      }
      return new Stop(FailureKind.REFERRAL_LOOP, "referral loop: " + r.target() + " already referred in this chain");
    }
    if (r.targetState() == TargetState.FAILED) {
      return new NotFollowed("not followed: " + r.target() + " already failed in this pass");
    }
    if (r.targetState() == TargetState.RUNNING) {
      return AWAIT;
    }
    if (r.hops() >= r.maxHops()) {
      return new Stop(FailureKind.REFERRAL_HOP_LIMIT, "hop limit " + r.maxHops() + " reached");
    }
    return FOLLOW;
  }
}
