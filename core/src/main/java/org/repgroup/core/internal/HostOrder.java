package org.repgroup.core.internal;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.repgroup.core.AffinityCache.HostHealth;
import org.repgroup.core.HostAddress;

/**
 * The order of one pass over a group, as a pure function of what the cache
 * says about each host (the failover contract's rule 1, "Order"):
 *
 * <ol>
 *   <li>the preferred host (discovered or cached master for writes, last good
 *       host for reads), then the store host list in order;</li>
 *   <li>hosts marked down are skipped; a host whose recheck is due is tried by
 *       one operation only: with a prober it is rechecked on the side while the
 *       others serve, without one it is claimed when the operation reaches it;</li>
 *   <li>hosts within their stability window go after the steady ones (the
 *       preferred host keeps its place: a success vouched for it);</li>
 *   <li>reads put hosts much slower than the fastest after the others, except on
 *       a probe read, which puts never-measured (then slow) hosts first;</li>
 *   <li>if that leaves nothing, every host is tried anyway.</li>
 * </ol>
 *
 * <p>Hosts are given as {@link Entry} values (listed form and resolved form);
 * nothing here touches the cache, so the rule is tested by tables.
 */
public final class HostOrder {

  private HostOrder() {}

  /**
   * What the cache says about one host at the start of the pass.
   *
   * @param health its down mark
   * @param recovering within its stability window after coming back
   * @param latency its average answer time, if measured
   */
  public record HostView(HostHealth health, boolean recovering, Optional<Duration> latency) {
    /** A host with no mark and no measurement. */
    public static final HostView UP = new HostView(HostHealth.UP, false, Optional.empty());
  }

  /** What the order reads about hosts. */
  @FunctionalInterface
  public interface HostViews {
    /** The view of {@code resolved} now. */
    HostView view(HostAddress resolved);
  }

  /**
   * A host of the group for this protocol.
   *
   * @param listed as written in the store host list
   * @param resolved with the group's port filled in
   */
  public record Entry(HostAddress listed, HostAddress resolved) {}

  /**
   * The inputs of one pass.
   *
   * @param hosts the store host list, resolved, in order
   * @param preferred the preferred host, listed in {@code hosts}, or empty
   * @param read true for read intents (latency ordering applies)
   * @param hasProber true when the attempt can recheck a host on the side
   * @param slowHostFactor reads: hosts slower than this many times the fastest go last; 0 disables
   * @param probeRead reads: this is the one read in N that tries slow and unmeasured hosts first
   */
  public record Inputs(List<Entry> hosts, Optional<Entry> preferred, boolean read, boolean hasProber,
      double slowHostFactor, boolean probeRead) {}

  /**
   * A pass.
   *
   * @param candidates the hosts to try, in order
   * @param claimWhenReached hosts whose due recheck the operation claims only when it gets to them
   *     (skipped if another operation holds it)
   * @param sideRechecks hosts to recheck on the side with the prober, if the recheck can be claimed
   */
  public record Plan(List<Entry> candidates, Set<HostAddress> claimWhenReached, List<Entry> sideRechecks) {}

  /** The plan of one pass. */
  public static Plan plan(Inputs in, HostViews views) {
    Plan steady = steadyPlan(in, views);
    if (steady != null) {
      return steady;
    }
    Set<Entry> entries = new LinkedHashSet<>();
    in.preferred().ifPresent(entries::add);
    entries.addAll(in.hosts());
    Entry first = in.preferred().orElse(null);
    List<Entry> usable = new ArrayList<>();
    List<Entry> recovering = new ArrayList<>();
    List<Entry> dueWithProbe = new ArrayList<>();
    Set<HostAddress> claimWhenReached = new LinkedHashSet<>();
    for (Entry e : entries) {
      HostView v = views.view(e.resolved());
      switch (v.health()) {
        case UP -> (e != first && v.recovering() ? recovering : usable).add(e);
        case DOWN -> { }
        case RECHECK_DUE -> {
          if (in.hasProber()) {
            dueWithProbe.add(e);
          } else {
            // The recheck is this operation's own attempt, claimed when it gets that far, so an
            // operation served by a healthier host does not sit on it. Behind usable hosts it goes last.
            claimWhenReached.add(e.resolved());
            (usable.isEmpty() && recovering.isEmpty() ? usable : recovering).add(e);
          }
        }
      }
    }
    List<Entry> side = new ArrayList<>();
    boolean othersUsable = !usable.isEmpty() || !recovering.isEmpty();
    for (Entry e : dueWithProbe) {
      if (othersUsable) {
        side.add(e);
      } else {
        // Nothing else to try: the operation's own attempt is the recheck.
        claimWhenReached.add(e.resolved());
        usable.add(e);
      }
    }
    if (usable.isEmpty() && recovering.isEmpty()) {
      // Every host is marked down: try them all anyway, never fail without trying.
      usable.addAll(entries);
      claimWhenReached.clear();
    }
    if (in.read() && in.slowHostFactor() > 0) {
      usable = bySpeed(usable, views, in.slowHostFactor(), in.probeRead());
    }
    usable.addAll(recovering);
    return new Plan(List.copyOf(usable), Set.copyOf(claimWhenReached), List.copyOf(side));
  }

  /**
   * The plan when nothing about the hosts changes the order — every host up and
   * steady (the preferred one may be recovering) and no ordering by speed: the
   * preferred host, then the list, each once. Exactly what the full rule gives
   * then, without its sets and lists; {@code null} when the full rule must run.
   */
  private static Plan steadyPlan(Inputs in, HostViews views) {
    if (in.read() && in.slowHostFactor() > 0) {
      return null;
    }
    List<Entry> hosts = in.hosts();
    Entry first = in.preferred().orElse(null);
    Entry[] order = new Entry[hosts.size() + 1];
    int n = 0;
    if (first != null) {
      order[n++] = first;
    }
    for (Entry e : hosts) {
      if (!contains(order, n, e)) {
        order[n++] = e;
      }
    }
    for (int i = 0; i < n; i++) {
      HostView v = views.view(order[i].resolved());
      if (v.health() != HostHealth.UP || (order[i] != first && v.recovering())) {
        return null;
      }
    }
    return new Plan(List.of(n == order.length ? order : java.util.Arrays.copyOf(order, n)), Set.of(), List.of());
  }

  private static boolean contains(Entry[] order, int n, Entry e) {
    for (int i = 0; i < n; i++) {
      if (order[i].equals(e)) {
        return true;
      }
    }
    return false;
  }

  /**
   * Reads: hosts much slower than the fastest known one (more than {@code factor} times
   * and more than {@link #SLOW_HOST_MIN_GAP_NANOS} slower) go after the others,
   * order otherwise kept; on a probe read, never-measured hosts go first, then
   * the slow ones, so each gets measured and a recovered host gets traffic back.
   */
  /**
   * How much slower than the fastest a host must also be to count as slow: 15 ms (MongoDB's
   * {@code localThresholdMS} makes the same call). Ratios of small numbers are noise: on loopback
   * or a LAN, 1 ms against 5 ms is a busy scheduler, not a sick host.
   */
  static final long SLOW_HOST_MIN_GAP_NANOS = 15_000_000L;

  static List<Entry> bySpeed(List<Entry> candidates, HostViews views, double factor, boolean probeRead) {
    long fastest = Long.MAX_VALUE;
    for (Entry e : candidates) {
      fastest = Math.min(fastest, latencyNanos(views, e));
    }
    if (fastest == Long.MAX_VALUE) {
      return candidates;
    }
    double limit = Math.max(fastest, 1) * factor;
    List<Entry> unmeasured = new ArrayList<>();
    List<Entry> fast = new ArrayList<>();
    List<Entry> slow = new ArrayList<>();
    for (Entry e : candidates) {
      long l = latencyNanos(views, e);
      if (l == Long.MAX_VALUE) {
        (probeRead ? unmeasured : fast).add(e);
      } else {
        (l > limit && l - fastest > SLOW_HOST_MIN_GAP_NANOS ? slow : fast).add(e);
      }
    }
    List<Entry> out = new ArrayList<>(candidates.size());
    if (probeRead) {
      out.addAll(unmeasured);
      if (unmeasured.isEmpty()) {
        out.addAll(slow);
        out.addAll(fast);
        return out;
      }
      out.addAll(fast);
      out.addAll(slow);
      return out;
    }
    out.addAll(fast);
    out.addAll(slow);
    return out;
  }

  private static long latencyNanos(HostViews views, Entry e) {
    return views.view(e.resolved()).latency().map(Duration::toNanos).orElse(Long.MAX_VALUE);
  }
}
