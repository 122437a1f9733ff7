package org.repgroup.core.internal;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import org.repgroup.core.FailoverResult;
import org.repgroup.core.HostAddress;
import org.repgroup.core.Protocol;
import org.repgroup.core.ReplicationGroup;

/**
 * One operation's part in its group's single-flight discovery (the failover
 * contract's rule 6): whether it leads or joins, the trusted master it went
 * straight to, what a leader found for it, and — as a pure rule — what a joiner
 * does with a finding. Not thread-safe: used under its operation's lock.
 */
final class SingleFlight {

  /** What a joiner does next with a finding. */
  enum Next {
    /** End with the leader's failure: a fact about the group. */
    FINISH_SHARED,
    /** The leader ran out of its own time: lead or join a new discovery. */
    REDISCOVER,
    /** Run a pass (with the found host first, if any). */
    BEGIN_PASS,
    /** Go on with the referral heard from the demoted trusted master (or the found master instead). */
    RESUME
  }

  private final DiscoveryFlights flights;
  private final ReplicationGroup group;
  private final Protocol protocol;
  private final boolean writer;
  private DiscoveryFlights.Lead lead;
  private HostAddress trustedMaster;
  private HostAddress discoveredMaster;

  SingleFlight(DiscoveryFlights flights, ReplicationGroup group, Protocol protocol, boolean writer) {
    this.flights = flights;
    // The key is made when a discovery is led or joined: an operation on a trusted master needs none.
    this.group = group;
    this.protocol = protocol;
    this.writer = writer;
  }

  /**
   * What a joiner does with {@code finding}, given whether it holds a referral of
   * its own and how much time it has left.
   */
  static Next afterFinding(DiscoveryFlights.Finding finding, boolean ownReferral, Duration timeLeft,
      Duration minimumToGoOn) {
    if (finding instanceof DiscoveryFlights.GroupFailed) {
      return Next.FINISH_SHARED;
    }
    if (finding instanceof DiscoveryFlights.NothingFound n && !ownReferral) {
      return n.leaderFailure() != null && timeLeft.compareTo(minimumToGoOn) < 0 ? Next.FINISH_SHARED
          : Next.REDISCOVER;
    }
    return ownReferral ? Next.RESUME : Next.BEGIN_PASS;
  }

  /** The leader's failure a joiner ends with, retyped for it. */
  static <T> FailoverResult.Failed<T> shared(DiscoveryFlights.Finding finding) {
    FailoverResult.Failed<?> f = finding instanceof DiscoveryFlights.GroupFailed g ? g.failure()
        : ((DiscoveryFlights.NothingFound) finding).leaderFailure();
    return new FailoverResult.Failed<>(f.kind(), f.fatalReason(), f.fatalCause(), f.trace());
  }

  /** Leads the discovery (returns {@code null}) or joins the one under way (returns its finding). */
  CompletableFuture<DiscoveryFlights.Finding> leadOrJoin() {
    DiscoveryFlights.Flight f = flights.leadOrJoin(new DiscoveryFlights.Key(group.name(), protocol, writer));
    if (f instanceof DiscoveryFlights.Lead l) {
      lead = l;
      return null;
    }
    return ((DiscoveryFlights.Join) f).finding();
  }

  /** Takes a finding in: a found host goes first in the next pass. */
  void found(DiscoveryFlights.Finding finding) {
    if (finding instanceof DiscoveryFlights.MasterFound m) {
      discoveredMaster = m.listed();
    }
  }

  HostAddress discoveredMaster() {
    return discoveredMaster;
  }

  void trust(HostAddress master) {
    trustedMaster = master;
  }

  /**
   * True when {@code from}, answering with a referral on the first hop, is the
   * trusted master this write went straight to and this operation is not leading:
   * the master was demoted, and one discovery (led or joined) confirms the new one.
   */
  boolean demoted(HostAddress from, int hop) {
    if (trustedMaster == null || !from.equals(trustedMaster) || hop != 0 || lead != null) {
      return false;
    }
    trustedMaster = null;
    return true;
  }

  /** Publishes what a leader found, once. */
  void complete(FailoverResult<?> outcome, ReplicationGroup group, Protocol protocol, boolean capped) {
    if (lead != null) {
      flights.complete(lead, DiscoveryFlights.findingOf(outcome, group, protocol, capped));
      lead = null;
    }
  }
}
