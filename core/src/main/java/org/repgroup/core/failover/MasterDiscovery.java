package org.repgroup.core.failover;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import org.repgroup.core.HostAddress;

/**
 * Single flight of discovery per group: the first write operation that finds no
 * trusted master (or, in a separate flight, the first read that knows no good
 * host) leads; concurrent ones join and wait for its answer instead of probing
 * the same (possibly dead) hosts themselves.
 */
final class MasterDiscovery {

  private final ConcurrentMap<String, CompletableFuture<Finding>> inFlight = new ConcurrentHashMap<>();

  /**
   * Leads a discovery for {@code group} (returns a {@link Lead}) or joins the one
   * under way (returns its future).
   */
  Object leadOrJoin(String group) {
    CompletableFuture<Finding> mine = new CompletableFuture<>();
    CompletableFuture<Finding> existing = inFlight.putIfAbsent(group, mine);
    return existing != null ? existing : new Lead(group, mine);
  }

  /** Publishes what the leader found and ends the discovery. */
  void complete(Lead lead, Finding finding) {
    inFlight.remove(lead.group, lead.future);
    lead.future.complete(finding);
  }

  /** The right to run a discovery; complete it exactly once. */
  record Lead(String group, CompletableFuture<Finding> future) {}

  /**
   * What the leader found.
   *
   * @param master the listed entry of the host that served (the master for a write), or {@code null}
   * @param sharedFailure a failure every joiner shares (all hosts unavailable, no master), or {@code null}
   */
  record Finding(HostAddress master, FailoverResult.Failed<?> sharedFailure) {
    static final Finding INCONCLUSIVE = new Finding(null, null);
  }
}
