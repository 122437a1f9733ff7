package org.repgroup.core.internal;

import java.util.ArrayDeque;
import java.util.Collection;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;
import org.repgroup.core.HostAddress;
import org.repgroup.core.internal.AttemptRun.Target;
import org.repgroup.core.internal.ReferralRules.TargetState;

/**
 * The hosts still to try in the current pass and what the pass has seen of each:
 * a host from the list is tried once per pass (each of its addresses), a
 * referral target goes to the front, a host's due recheck is claimed when it is
 * reached. Not thread-safe: used under its operation's lock.
 */
final class PassQueue {

  private record AddressKey(HostAddress host, int index) {}

  private final Deque<Target> queue = new ArrayDeque<>();
  private final Map<HostAddress, TargetState> states = new HashMap<>();
  private final Set<AddressKey> tried = new HashSet<>();
  private Set<HostAddress> claimWhenReached = Set.of();

  /** A new pass over {@code candidates}. */
  void reset(List<HostOrder.Entry> candidates, Set<HostAddress> claims) {
    queue.clear();
    states.clear();
    tried.clear();
    claimWhenReached = new HashSet<>(claims);
    for (HostOrder.Entry e : candidates) {
      queue.add(new Target(e.listed(), e.resolved(), 0, List.of()));
    }
  }

  /** Goes next: a referral target, or a host's next address. */
  void addFirst(Target t) {
    queue.addFirst(t);
  }

  /** The next host to try, or {@code null}; {@code claimRecheck} claims a due host's recheck. */
  Target poll(Predicate<HostAddress> claimRecheck) {
    Target t;
    while ((t = queue.pollFirst()) != null) {
      if (alreadyTried(t)) {
        continue;
      }
      if (claimWhenReached.remove(t.resolved()) && !claimRecheck.test(t.resolved())) {
        continue;
      }
      return t;
    }
    return null;
  }

  /** True when a host is left to try. */
  boolean hasNext() {
    for (Target t : queue) {
      if (!alreadyTried(t)) {
        return true;
      }
    }
    return false;
  }

  /**
   * A host from the list is tried once per pass; a referral target was vetted by
   * the referral rules, which allow revisiting a host that referred elsewhere.
   */
  private boolean alreadyTried(Target t) {
    return t.chain().isEmpty() && tried.contains(new AddressKey(t.resolved(), t.addressIndex()));
  }

  void started(Target t) {
    tried.add(new AddressKey(t.resolved(), t.addressIndex()));
    states.put(t.resolved(), TargetState.RUNNING);
  }

  void ended(HostAddress host, TargetState state) {
    states.put(host, state);
  }

  TargetState state(HostAddress host) {
    return states.getOrDefault(host, TargetState.NOT_TRIED);
  }

  /**
   * Queues the next address of {@code run}'s host name, if it has one not yet
   * queued or tried, in front of the next host.
   *
   * @return true when an address was queued
   */
  boolean offerNextAddress(Target current, int addresses) {
    Target next = current.nextAddress();
    if (next.addressIndex() >= addresses || queue.contains(next)
        || tried.contains(new AddressKey(next.resolved(), next.addressIndex()))) {
      return false;
    }
    queue.addFirst(next);
    return true;
  }

  /** True while another address of {@code host} is queued or {@code running}: not down yet. */
  boolean anotherAddressPending(HostAddress host, Collection<AttemptRun> running) {
    for (Target t : queue) {
      if (t.resolved().equals(host) && !tried.contains(new AddressKey(host, t.addressIndex()))) {
        return true;
      }
    }
    for (AttemptRun other : running) {
      if (other.target.resolved().equals(host)) {
        return true;
      }
    }
    return false;
  }
}
