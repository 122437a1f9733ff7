package org.repgroup.core.internal;

import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import org.repgroup.core.FailoverResult;
import org.repgroup.core.FailureKind;
import org.repgroup.core.HostAddress;
import org.repgroup.core.Protocol;
import org.repgroup.core.ReplicationGroup;

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

  /**
   * What a leader that ended with {@code outcome} has for its joiners: the host
   * that served; a failure that is a fact about the group (no master in a group
   * that cannot elect, or the explicit cap on passes, {@code capped}); else
   * nothing, and joiners with time left run their own discovery.
   */
  public static Finding findingOf(FailoverResult<?> outcome, ReplicationGroup group, Protocol protocol,
      boolean capped) {
    if (outcome instanceof FailoverResult.Served<?> s) {
      return group.listedEntry(s.host(), protocol).<Finding>map(MasterFound::new)
          .orElse(new NothingFound(null));
    }
    FailoverResult.Failed<?> f = (FailoverResult.Failed<?>) outcome;
    boolean groupFact = f.kind() == FailureKind.NO_MASTER || capped
        && (f.kind() == FailureKind.ALL_UNAVAILABLE || f.kind() == FailureKind.MASTER_UNREACHABLE);
    return groupFact ? new GroupFailed(f) : new NothingFound(f);
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

  /** What the leader found. */
  public sealed interface Finding permits MasterFound, GroupFailed, NothingFound {}

  /**
   * The leader was served by {@code listed}: the master for writers, a good host for readers.
   *
   * @param listed the host as listed in the group
   */
  public record MasterFound(HostAddress listed) implements Finding {
    /** Required. */
    public MasterFound {
      Objects.requireNonNull(listed, "listed");
    }
  }

  /**
   * A failure every joiner shares because it is a fact about the group, not about
   * the leader's own time: no master in a group that cannot elect, or the
   * explicit cap on passes reached.
   *
   * @param failure the leader's failure
   */
  public record GroupFailed(FailoverResult.Failed<?> failure) implements Finding {
    /** Required. */
    public GroupFailed {
      Objects.requireNonNull(failure, "failure");
    }
  }

  /**
   * Nothing to share: the leader ran out of its own time, or failed for its own
   * reasons (its user's credentials). Joiners with time left run their own
   * discovery, in single flight again.
   *
   * @param leaderFailure how the leader ended, or {@code null}
   */
  public record NothingFound(FailoverResult.Failed<?> leaderFailure) implements Finding {}
}
