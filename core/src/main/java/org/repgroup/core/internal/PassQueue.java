package org.repgroup.core.internal;

import java.util.ArrayDeque;
import java.util.Collection;
import java.util.Deque;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
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

  // The pass is the deque (referral targets and next addresses, put in front) followed by the rest of
  // the planned candidates from `next` on; a candidate becomes a Target only when it is reached. What
  // the pass has seen is kept in small arrays: a pass touches a handful of hosts, and the usual one
  // (the cached master answers) touches one, and never needs the deque: it is made at the first addFirst.
  private Deque<Target> queue;
  private List<HostOrder.Entry> candidates = List.of();
  private int next;
  private HostAddress[] stateHosts;
  private TargetState[] stateValues;
  private int states;
  private HostAddress[] triedHosts;
  private int[] triedIndexes;
  private int tried;
  private Set<HostAddress> claimWhenReached = Set.of();

  /** A new pass over {@code candidates}. */
  void reset(List<HostOrder.Entry> candidates, Set<HostAddress> claims) {
    if (queue != null) {
      queue.clear();
    }
    states = 0;
    tried = 0;
    if (stateHosts != null) {
      Arrays.fill(stateHosts, null);
      Arrays.fill(stateValues, null);
      Arrays.fill(triedHosts, null);
    }
    claimWhenReached = claims.isEmpty() ? Set.of() : new HashSet<>(claims);
    this.candidates = candidates;
    this.next = 0;
  }

  /** Goes next: a referral target, or a host's next address. */
  void addFirst(Target t) {
    front().addFirst(t);
  }

  private Deque<Target> front() {
    if (queue == null) {
      queue = new ArrayDeque<>(2);
    }
    return queue;
  }

  /** The next host to try, or {@code null}; {@code claimRecheck} claims a due host's recheck. */
  Target poll(Predicate<HostAddress> claimRecheck) {
    Target t;
    while ((t = pollFirst()) != null) {
      if (alreadyTried(t)) {
        continue;
      }
      if (!claimWhenReached.isEmpty() && claimWhenReached.remove(t.resolved())
          && !claimRecheck.test(t.resolved())) {
        continue;
      }
      return t;
    }
    return null;
  }

  private Target pollFirst() {
    Target t = queue == null ? null : queue.pollFirst();
    if (t != null || next >= candidates.size()) {
      return t;
    }
    HostOrder.Entry e = candidates.get(next++);
    return new Target(e.listed(), e.resolved(), 0, List.of());
  }

  /** True when a host is left to try. */
  boolean hasNext() {
    if (queue != null) {
      for (Target t : queue) {
        if (!alreadyTried(t)) {
          return true;
        }
      }
    }
    for (int i = next; i < candidates.size(); i++) {
      if (!wasTried(candidates.get(i).resolved(), 0)) {
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
    return t.chain().isEmpty() && wasTried(t.resolved(), t.addressIndex());
  }

  private boolean wasTried(HostAddress host, int index) {
    for (int i = 0; i < tried; i++) {
      if (triedIndexes[i] == index && triedHosts[i].equals(host)) {
        return true;
      }
    }
    return false;
  }

  void started(Target t) {
    if (!wasTried(t.resolved(), t.addressIndex())) {
      ensureRoom();
      triedHosts[tried] = t.resolved();
      triedIndexes[tried++] = t.addressIndex();
    }
    ended(t.resolved(), TargetState.RUNNING);
  }

  void ended(HostAddress host, TargetState state) {
    for (int i = 0; i < states; i++) {
      if (stateHosts[i].equals(host)) {
        stateValues[i] = state;
        return;
      }
    }
    ensureRoom();
    stateHosts[states] = host;
    stateValues[states++] = state;
  }

  /** Room for one more entry in both the tried and the state arrays. */
  private void ensureRoom() {
    if (stateHosts == null) {
      stateHosts = new HostAddress[2];
      stateValues = new TargetState[2];
      triedHosts = new HostAddress[2];
      triedIndexes = new int[2];
    } else if (states == stateHosts.length || tried == triedHosts.length) {
      int size = stateHosts.length * 2;
      stateHosts = Arrays.copyOf(stateHosts, size);
      stateValues = Arrays.copyOf(stateValues, size);
      triedHosts = Arrays.copyOf(triedHosts, size);
      triedIndexes = Arrays.copyOf(triedIndexes, size);
    }
  }

  TargetState state(HostAddress host) {
    for (int i = 0; i < states; i++) {
      if (stateHosts[i].equals(host)) {
        return stateValues[i];
      }
    }
    return TargetState.NOT_TRIED;
  }

  /**
   * Queues the next address of {@code run}'s host name, if it has one not yet
   * queued or tried, in front of the next host.
   *
   * @return true when an address was queued
   */
  boolean offerNextAddress(Target current, int addresses) {
    Target next = current.nextAddress();
    if (next.addressIndex() >= addresses || queued(next) || wasTried(next.resolved(), next.addressIndex())) {
      return false;
    }
    front().addFirst(next);
    return true;
  }

  /** True when {@code t} is in the pass still to come (a next address is never a planned candidate). */
  private boolean queued(Target t) {
    if (queue != null && queue.contains(t)) {
      return true;
    }
    if (t.addressIndex() != 0 || !t.chain().isEmpty()) {
      return false;
    }
    for (int i = next; i < candidates.size(); i++) {
      HostOrder.Entry e = candidates.get(i);
      if (e.resolved().equals(t.resolved()) && java.util.Objects.equals(e.listed(), t.listed())) {
        return true;
      }
    }
    return false;
  }

  /** True while another address of {@code host} is queued or {@code running}: not down yet. */
  boolean anotherAddressPending(HostAddress host, Collection<AttemptRun> running) {
    if (queue != null) {
      for (Target t : queue) {
        if (t.resolved().equals(host) && !wasTried(host, t.addressIndex())) {
          return true;
        }
      }
    }
    for (int i = next; i < candidates.size(); i++) {
      if (candidates.get(i).resolved().equals(host) && !wasTried(host, 0)) {
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
