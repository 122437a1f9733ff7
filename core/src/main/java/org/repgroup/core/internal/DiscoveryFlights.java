package org.repgroup.core.internal;

import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import org.repgroup.core.FailoverResult;
import org.repgroup.core.HostAddress;
import org.repgroup.core.Protocol;

/**
 * Single flight of discovery: the first write that finds no trusted master (or,
 * in a flight of its own, the first read that knows no good host) leads;
 * concurrent operations of the same group, protocol and role join and wait for
 * its finding instead of probing the same, possibly dead, hosts themselves.
 *
 * <p>Flights are per protocol: an LMTP write never joins (nor inherits the
 * failure of) an IMAP discovery, because one protocol's service on a host can
 * be down while another's is up.
 */
public final class DiscoveryFlights {

  private final ConcurrentMap<Key, CompletableFuture<Finding>> inFlight = new ConcurrentHashMap<>();

  /** Leads the discovery of {@code key}, or joins the one under way. */
  public Flight leadOrJoin(Key key) {
    Objects.requireNonNull(key, "key");
    CompletableFuture<Finding> mine = new CompletableFuture<>();
    CompletableFuture<Finding> existing = inFlight.putIfAbsent(key, mine);
    return existing != null ? new Join(existing) : new Lead(key, mine);
  }

  /** True while a discovery of {@code key} is under way. */
  public boolean inFlight(Key key) {
    return inFlight.containsKey(key);
  }

  /** Publishes what the leader found and ends the discovery. */
  public void complete(Lead lead, Finding finding) {
    inFlight.remove(lead.key(), lead.future());
    lead.future().complete(finding);
  }

  /**
   * What a flight is keyed by.
   *
   * @param group the group's name
   * @param protocol the protocol
   * @param write true for writers' discovery of the master, false for readers' of a good host
   */
  public record Key(String group, Protocol protocol, boolean write) {
    /** All required. */
    public Key {
      Objects.requireNonNull(group, "group");
      Objects.requireNonNull(protocol, "protocol");
    }
  }

  /** The answer to {@link #leadOrJoin}: lead the discovery, or join one. */
  public sealed interface Flight permits Lead, Join {}

  /** The right to run a discovery; complete it exactly once with {@link #complete}. */
  public record Lead(Key key, CompletableFuture<Finding> future) implements Flight {}

  /** A discovery under way; its future completes with the leader's finding. */
  public record Join(CompletableFuture<Finding> finding) implements Flight {}

  /**
   * What the leader found.
   *
   * @param master the listed entry of the host that served (the master for a write), or {@code null}
   * @param sharedFailure a failure every joiner shares (all hosts unavailable, no master), or {@code null}
   */
  public record Finding(HostAddress master, FailoverResult.Failed<?> sharedFailure) {
    /** Nothing to share: joiners run their own pass. */
    public static final Finding INCONCLUSIVE = new Finding(null, null);
  }
}
