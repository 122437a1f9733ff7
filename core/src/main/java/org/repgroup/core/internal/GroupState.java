package org.repgroup.core.internal;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import org.repgroup.core.AffinityCache.CachedHost;
import org.repgroup.core.AffinityCache.HostHealth;
import org.repgroup.core.FailoverListener;
import org.repgroup.core.FailoverPolicy;
import org.repgroup.core.HostAddress;
import org.repgroup.core.Intent;
import org.repgroup.core.Protocol;
import org.repgroup.core.ReplicationGroup;

/**
 * One operation's window on the shared {@link AffinityStore}: what it reads
 * about its group (preferred host, trust, health) and the only way it writes
 * (master found, hint followed, host down or back), each write firing its
 * listener event. Writes carry the observing attempt's sequence number, so an
 * older observation never overwrites a newer one.
 */
final class GroupState {

  private final AffinityStore store;
  private final FailoverListener listener;
  private final ReplicationGroup group;
  private final Protocol protocol;
  private final boolean writer;

  GroupState(AffinityStore store, FailoverListener listener, ReplicationGroup group, Protocol protocol,
      Intent intent) {
    this.store = store;
    this.listener = listener;
    this.group = group;
    this.protocol = protocol;
    this.writer = intent.needsMaster();
  }

  AffinityStore store() {
    return store;
  }

  long nextSequence() {
    return store.nextSequence();
  }

  HostOrder.HostView view(HostAddress resolved) {
    HostHealth health = store.health(resolved);
    boolean recovering = store.isRecovering(resolved);
    // Writers never order by speed: their views skip the latency (an Optional and a Duration each).
    if (writer) {
      return health == HostHealth.UP && !recovering ? HostOrder.HostView.UP
          : new HostOrder.HostView(health, recovering, Optional.empty());
    }
    return new HostOrder.HostView(health, recovering, store.latency(resolved));
  }

  /**
   * The order of a new pass: {@code discovered} (a master another operation
   * found), else the cached master or last good host first, then the list.
   */
  HostOrder.Plan planPass(HostAddress discovered, boolean hasProber, FailoverPolicy policy) {
    List<HostOrder.Entry> hosts = entries();
    HostAddress preferred = discovered != null ? group.listedEntry(discovered, protocol).orElse(null) : preferred();
    boolean probeRead = !writer && policy.slowHostFactor() > 0 && probeRead(policy.slowHostProbeEvery());
    Optional<HostOrder.Entry> preferredEntry = preferred == null ? Optional.empty()
        : Optional.of(new HostOrder.Entry(preferred, group.resolve(preferred, protocol)));
    return HostOrder.plan(new HostOrder.Inputs(hosts, preferredEntry, !writer, hasProber,
        policy.slowHostFactor(), probeRead), this::view);
  }

  /** The group's hosts for this protocol, in list order. */
  List<HostOrder.Entry> entries() {
    List<HostOrder.Entry> hosts = new ArrayList<>(group.hosts().size());
    List<HostAddress> listed = group.hosts().hosts();
    for (int i = 0; i < listed.size(); i++) {
      hosts.add(new HostOrder.Entry(listed.get(i), group.resolve(listed.get(i), protocol)));
    }
    return hosts;
  }

  /**
   * The plan of a fan-out: the list order, skipping hosts marked down (every host
   * when all are), with no preferred host, no speed ordering and no side recheck
   * (a due recheck is the fan-out's own try on that host, for the one operation
   * that claims it).
   */
  HostOrder.Plan planFanOut() {
    return HostOrder.plan(new HostOrder.Inputs(entries(), Optional.empty(), false, false, 0, false), this::view);
  }

  /** Why {@code resolved} is marked down, if it is. */
  Optional<String> downReason(HostAddress resolved) {
    return store.downReason(resolved);
  }

  /**
   * Attempts still silent (no complete awaited reply) when their operation
   * ends, after at least the stagger while another host answered or at the
   * deadline, are treated as black-holed: a down mark, so the next operations
   * do not wait for them again.
   */
  void markSilentHostsDown(Collection<AttemptRun> stillRunning, boolean served, boolean deadline,
      Duration stagger) {
    if (!deadline && !served) {
      return;
    }
    for (AttemptRun r : stillRunning) {
      if (r.responded || !r.submitted) {
        // Answered, or still waiting for its turn under the connection rate cap: it never reached the host.
        continue;
      }
      Duration silent = r.silentFor();
      if (deadline || (!stagger.isZero() && silent.compareTo(stagger) >= 0)) {
        down(r.target.resolved(), "no answer in " + silent.toMillis() + " ms"
            + (served ? " while another host answered" : " before the deadline"), r.sequence);
      }
    }
  }

  // The reads below run on every operation: nullable values rather than an Optional per call.

  /** The cached master (writers) or last good host (readers), as listed in the group, or {@code null}. */
  HostAddress preferred() {
    CachedHost cached = writer ? store.masterOrNull(group.name()) : store.lastGoodHostOrNull(group.name());
    return cached == null ? null : group.listedEntry(cached.host(), protocol).orElse(null);
  }

  /**
   * The cached master, resolved, when a success confirmed it less than {@code trustNanos} ago and it is
   * up; else {@code null}.
   */
  HostAddress trustedMaster(long trustNanos) {
    CachedHost cached = store.masterOrNull(group.name());
    if (cached == null || !cached.confirmed() || !group.isMember(cached.host(), protocol)) {
      return null;
    }
    HostAddress resolved = group.resolve(cached.host(), protocol);
    // Confirmation times are on the store's clock, which may differ from the resources' clock.
    boolean fresh = store.ticker().read() - cached.confirmedAtNanos() < trustNanos;
    return fresh && store.health(resolved) == HostHealth.UP ? resolved : null;
  }

  /** True when readers have a last good host of this group that is listed and not marked down. */
  boolean goodHostKnown() {
    CachedHost cached = store.lastGoodHostOrNull(group.name());
    return cached != null && group.isMember(cached.host(), protocol)
        && store.health(group.resolve(cached.host(), protocol)) == HostHealth.UP;
  }

  /** {@code resolved} served the operation (an attempt that started at {@code sequence}). */
  void served(HostAddress resolved, long sequence) {
    answered(resolved);
    Optional<HostAddress> entry = group.listedEntry(resolved, protocol);
    if (entry.isEmpty()) {
      return;
    }
    HostAddress listed = entry.get();
    if (writer) {
      CachedHost before = store.masterOrNull(group.name());
      HostAddress previous = before == null ? null : before.host();
      if (store.recordMaster(group.name(), listed, sequence, true)) {
        listener.masterChanged(group.name(), previous, listed);
      }
    } else {
      store.recordLastGoodHost(group.name(), listed, sequence);
    }
  }

  /** A followed referral names {@code target}: it replaces the cached master as a hint, in one step. */
  void masterHint(HostAddress listedTarget, long sequence) {
    CachedHost before = store.masterOrNull(group.name());
    HostAddress previous = before == null ? null : before.host();
    if (store.recordMaster(group.name(), listedTarget, sequence, false)) {
      listener.masterChanged(group.name(), previous, listedTarget);
    }
  }

  /**
   * A referral from {@code from} to {@code to} is followed: for writers a listed
   * target replaces the cached master as a hint; otherwise the referring host is
   * forgotten as preferred.
   *
   * @return the target as listed in the group, or {@code null} for an allow-listed stranger
   */
  HostAddress followed(HostAddress from, HostAddress to, long sequence) {
    Optional<HostAddress> listed = group.listedEntry(to, protocol);
    if (writer && listed.isPresent()) {
      masterHint(listed.get(), sequence);
    } else {
      forgetAsPreferred(from, sequence);
    }
    return listed.orElse(null);
  }

  /** {@code resolved} cannot be the preferred host any more: drop it if the cache still says so. */
  void forgetAsPreferred(HostAddress resolved, long sequence) {
    group.listedEntry(resolved, protocol).ifPresent(listed -> {
      if (writer) {
        if (store.dropMaster(group.name(), listed, sequence)) {
          listener.masterChanged(group.name(), listed, null);
        }
      } else {
        store.dropLastGoodHost(group.name(), listed, sequence);
      }
    });
  }

  /** The host answered like a live server: clear its down mark if it had one. */
  void answered(HostAddress resolved) {
    if (store.markUp(resolved)) {
      listener.hostMarkedUp(resolved);
    }
  }

  /**
   * The host could not serve an attempt that started at {@code sequence}: mark it
   * down and forget it as preferred, unless it answered another attempt since
   * (it is alive, this attempt was only slow or unlucky: under load a new master
   * would otherwise be marked down by its own slow logins).
   */
  void down(HostAddress resolved, String reason, long sequence) {
    if (store.answeredSince(resolved, sequence)) {
      return;
    }
    if (store.markDown(resolved, reason)) {
      listener.hostMarkedDown(resolved, reason);
    }
    forgetAsPreferred(resolved, sequence);
  }

  /**
   * The host could not serve a fan-out's try that started at {@code sequence}: mark it
   * down (same rule as {@link #down}), but a fan-out has no preferred host to forget.
   */
  void downOnly(HostAddress resolved, String reason, long sequence) {
    if (store.answeredSince(resolved, sequence)) {
      return;
    }
    if (store.markDown(resolved, reason)) {
      listener.hostMarkedDown(resolved, reason);
    }
  }

  /**
   * {@code run}'s host answered like a live server: its down mark goes and, for a
   * full answer ({@code measured}: served, referred, read-only), its latency counts.
   */
  void answeredIn(AttemptRun run, boolean measured) {
    if (measured) {
      store.recordLatency(run.target.resolved(), run.elapsed());
    }
    answered(run.target.resolved());
  }

  /** True when this read is the group's one in {@code every} that probes slow and unmeasured hosts first. */
  private boolean probeRead(int every) {
    return store.readCount(group.name()) % every == 0;
  }

  boolean tryAcquireRecheck(HostAddress resolved) {
    return store.tryAcquireRecheck(resolved);
  }

  /** The result of a recheck on the side that started at {@code sequence}. */
  void rechecked(HostAddress resolved, String failure, long sequence) {
    if (failure != null) {
      if (!store.answeredSince(resolved, sequence)) {
        store.markDown(resolved, "recheck: " + failure);
      }
    } else {
      answered(resolved);
    }
  }

  Duration reserveConnection(HostAddress resolved) {
    return store.reserveConnection(resolved);
  }
}
