package org.repgroup.core.internal;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import org.repgroup.core.AffinityCache;
import org.repgroup.core.AffinityCache.CachedHost;
import org.repgroup.core.AffinityCache.HostHealth;
import org.repgroup.core.HealthSnapshot;
import org.repgroup.core.HostAddress;
import org.repgroup.core.spi.ServerText;
import org.repgroup.core.time.Ticker;

/**
 * The write side of the {@link AffinityCache}, on Caffeine: last good master and
 * last good host per group, a down mark, a latency average and a connection
 * schedule per host, and the discovery flights. Written only by the engine
 * (through {@link GroupState}, which also fires the listener events); users
 * read through {@link AffinityCache}.
 *
 * <p>Every write carries an observation sequence number, taken from
 * {@link #nextSequence()} when the observing attempt <em>started</em>: an older
 * observation never overwrites a newer one, so a late answer from an attempt
 * that began before a switchover cannot flip the master back.
 *
 * <p>Down marks expire after the recheck interval; then exactly one caller gets
 * the recheck ({@link #tryAcquireRecheck}) while the others still treat the host
 * as down until that probe reports.
 *
 * <p>The store also remembers which groups and host addresses the engine asked
 * about recently (bounded and expiring like the other entries), so that
 * {@link #snapshot()} can list them for a status page.
 */
public final class AffinityStore {

  /** Weight of the newest sample in a host's latency average: 0.3. */
  static final double LATENCY_WEIGHT = 0.3;

  private static volatile Function<AffinityCache, AffinityStore> access;

  private final Ticker ticker;
  private final long recheckNanos;
  private final SequencedHostCache masters;
  private final SequencedHostCache lastGoodHosts;
  private final Cache<HostAddress, DownMark> downMarks;
  private final AtomicLong sequence = new AtomicLong();
  private final double connectionsPerSecond;
  private final long burstNanos;
  private final Cache<HostAddress, long[]> connectionSchedule;
  private final Cache<HostAddress, Boolean> recovering;
  private final Cache<HostAddress, double[]> latency;
  private final Cache<String, AtomicLong> reads;
  /** Per host, a sequence number taken when it last answered ({@link #markUp}). */
  private final Cache<HostAddress, AtomicLong> lastAnswer;
  private final DiscoveryFlights flights = new DiscoveryFlights();
  private final Duration stabilityWindow;
  /** Groups the engine asked about, by key: the name as the engine gave it. */
  private final Cache<String, String> groupsSeen;
  private final Cache<HostAddress, Boolean> hostsSeen;

  /** The settings of {@link AffinityCache.Builder}, checked there. */
  public AffinityStore(Ticker ticker, Duration recheckInterval, Duration entryTtl, long maximumSize,
      double connectionsPerSecond, int connectionBurst, Duration stabilityWindow) {
    this.ticker = ticker;
    this.recheckNanos = recheckInterval.toNanos();
    this.masters = new SequencedHostCache(ticker, entryTtl, maximumSize);
    this.lastGoodHosts = new SequencedHostCache(ticker, entryTtl, maximumSize);
    // A down mark is kept well past its recheck time so the single recheck can be handed out.
    this.downMarks = newCache(ticker, recheckInterval.multipliedBy(10).plus(entryTtl), maximumSize);
    // Kept while the host is asked about: updated in place on every answer, no write to the map.
    this.lastAnswer = seenCache(ticker, recheckInterval.multipliedBy(10).plus(entryTtl), maximumSize);
    this.connectionsPerSecond = connectionsPerSecond;
    this.burstNanos = connectionsPerSecond == 0 ? 0 : (long) (connectionBurst * 1e9 / connectionsPerSecond);
    this.connectionSchedule = newCache(ticker, Duration.ofMinutes(1), maximumSize);
    this.recovering = stabilityWindow.isZero() ? null : newCache(ticker, stabilityWindow, maximumSize);
    this.latency = newCache(ticker, entryTtl, maximumSize);
    this.reads = newCache(ticker, entryTtl, maximumSize);
    this.stabilityWindow = stabilityWindow;
    this.groupsSeen = seenCache(ticker, entryTtl, maximumSize);
    this.hostsSeen = seenCache(ticker, entryTtl, maximumSize);
  }

  private static <K, V> Cache<K, V> seenCache(Ticker ticker, Duration ttl, long maximumSize) {
    return Caffeine.newBuilder()
        .ticker(ticker::read)
        .executor(Runnable::run)
        .expireAfterAccess(ttl)
        .maximumSize(maximumSize)
        .build();
  }

  private void seeGroup(String group) {
    String k = SequencedHostCache.key(group);
    if (groupsSeen.getIfPresent(k) == null) {
      groupsSeen.put(k, group);
    }
  }

  private void seeHost(HostAddress host) {
    if (hostsSeen.getIfPresent(host) == null) {
      hostsSeen.put(host, Boolean.TRUE);
    }
  }

  /** The store behind {@code cache}. */
  public static AffinityStore of(AffinityCache cache) {
    Objects.requireNonNull(cache, "cache");
    Function<AffinityCache, AffinityStore> a = access;
    if (a == null) {
      // The hook is installed by AffinityCache's class initialiser, which has run for any instance.
      throw new IllegalStateException("AffinityCache is not initialised");
    }
    return a.apply(cache);
  }

  /** Installed once by {@link AffinityCache}: the only way from the public cache to its store. */
  public static synchronized void installAccess(Function<AffinityCache, AffinityStore> hook) {
    if (access != null) {
      throw new IllegalStateException("access already installed");
    }
    access = Objects.requireNonNull(hook, "hook");
  }

  private static <K, V> Cache<K, V> newCache(Ticker ticker, Duration ttl, long maximumSize) {
    return Caffeine.newBuilder()
        .ticker(ticker::read)
        .executor(Runnable::run)
        .expireAfterWrite(ttl)
        .maximumSize(maximumSize)
        .build();
  }

  /** A new observation sequence number; take one when an attempt starts. */
  public long nextSequence() {
    return sequence.incrementAndGet();
  }

  /** The single-flight discoveries of every group sharing this store. */
  public DiscoveryFlights flights() {
    return flights;
  }

  /** The cached master of {@code group}, if any. */
  public Optional<CachedHost> master(String group) {
    return Optional.ofNullable(masterOrNull(group));
  }

  /** {@link #master}, or {@code null}: the engine's read on every operation, without an Optional. */
  CachedHost masterOrNull(String group) {
    seeGroup(group);
    return masters.getOrNull(group);
  }

  /**
   * Records {@code host} as {@code group}'s master, observed at {@code sequence}.
   * {@code confirmed} is true for a success on the host, false for a referral
   * hint. Ignored when the cache holds a newer observation.
   *
   * @return true when the cached master changed (none before, or another host)
   */
  public boolean recordMaster(String group, HostAddress host, long sequence, boolean confirmed) {
    seeGroup(group);
    return masters.record(group, host, sequence, confirmed);
  }

  /**
   * Forgets {@code group}'s master if it is {@code host} and was observed no later
   * than {@code sequence}.
   *
   * @return true when the entry was dropped
   */
  public boolean dropMaster(String group, HostAddress host, long sequence) {
    return masters.drop(group, host, sequence);
  }

  /** The last host that served a read-only intent for {@code group}, if any. */
  public Optional<CachedHost> lastGoodHost(String group) {
    return Optional.ofNullable(lastGoodHostOrNull(group));
  }

  /** {@link #lastGoodHost}, or {@code null}. */
  CachedHost lastGoodHostOrNull(String group) {
    seeGroup(group);
    return lastGoodHosts.getOrNull(group);
  }

  /** Records the last good host for read-only intents; same sequence rule as {@link #recordMaster}. */
  public boolean recordLastGoodHost(String group, HostAddress host, long sequence) {
    seeGroup(group);
    return lastGoodHosts.record(group, host, sequence, true);
  }

  /** Forgets the last good host if it is {@code host}; same rule as {@link #dropMaster}. */
  public boolean dropLastGoodHost(String group, HostAddress host, long sequence) {
    return lastGoodHosts.drop(group, host, sequence);
  }

  /** Whether {@code host} may be tried now. */
  public HostHealth health(HostAddress host) {
    seeHost(host);
    DownMark mark = downMarks.getIfPresent(host);
    if (mark == null) {
      return HostHealth.UP;
    }
    return ticker.read() - mark.markedAt >= recheckNanos && !mark.probing.get()
        ? HostHealth.RECHECK_DUE
        : HostHealth.DOWN;
  }

  /** True while the single recheck of {@code host} has been handed out and its holder has not reported. */
  public boolean recheckInFlight(HostAddress host) {
    DownMark mark = downMarks.getIfPresent(host);
    return mark != null && mark.probing.get() && ticker.read() - mark.probeStartedAt < recheckNanos;
  }

  /** The reason of {@code host}'s down mark, if it has one. */
  public Optional<String> downReason(HostAddress host) {
    DownMark mark = downMarks.getIfPresent(host);
    return mark == null ? Optional.empty() : Optional.of(mark.reason);
  }

  /** When {@code host}'s recheck is due, on this store's ticker, if it has a down mark. */
  public Optional<Long> recheckDueAtNanos(HostAddress host) {
    DownMark mark = downMarks.getIfPresent(host);
    return mark == null ? Optional.empty() : Optional.of(mark.markedAt + recheckNanos);
  }

  /**
   * Marks {@code host} down for the recheck interval (a new mark, or a renewed
   * one after a failed recheck).
   *
   * @return true when the host was not marked before
   */
  public boolean markDown(HostAddress host, String reason) {
    Objects.requireNonNull(reason, "reason");
    seeHost(host);
    DownMark previous = downMarks.asMap().put(host, new DownMark(reason, ticker.read()));
    return previous == null;
  }

  /**
   * True when {@code host} answered ({@link #markUp}) after {@code sequence} was
   * taken: a failure seen by an attempt that started at {@code sequence} is older
   * news than that answer (a login that timed out on a busy host that served
   * others meanwhile), not a sign the host is down.
   */
  public boolean answeredSince(HostAddress host, long sequence) {
    AtomicLong answered = lastAnswer.getIfPresent(host);
    return answered != null && answered.get() > sequence;
  }

  /**
   * Records that {@code host} answered like a live server (a success, a referral,
   * any reply) and clears its down mark.
   *
   * @return true when the host had a mark
   */
  public boolean markUp(HostAddress host) {
    lastAnswer.get(host, h -> new AtomicLong()).accumulateAndGet(nextSequence(), Math::max);
    if (downMarks.getIfPresent(host) == null) {
      return false;
    }
    // The stability window starts before the mark goes: an operation ordering hosts in between
    // must never see the host up and steady.
    if (recovering != null) {
      recovering.put(host, Boolean.TRUE);
    }
    return downMarks.asMap().remove(host) != null;
  }

  /** True while {@code host} is within the stability window after its down mark was cleared. */
  public boolean isRecovering(HostAddress host) {
    return recovering != null && recovering.getIfPresent(host) != null;
  }

  /**
   * Hands out the single recheck of a host whose down mark is due: true for
   * exactly one caller until that caller reports with {@link #markUp} or
   * {@link #markDown}. A recheck holder that never reports loses the recheck
   * after another recheck interval.
   */
  public boolean tryAcquireRecheck(HostAddress host) {
    DownMark mark = downMarks.getIfPresent(host);
    if (mark == null) {
      return true;
    }
    long now = ticker.read();
    if (now - mark.markedAt < recheckNanos) {
      return false;
    }
    if (mark.probing.compareAndSet(false, true)) {
      mark.probeStartedAt = now;
      return true;
    }
    if (now - mark.probeStartedAt >= recheckNanos) {
      // The previous recheck holder never reported; hand the recheck out again.
      mark.probeStartedAt = now;
      return true;
    }
    return false;
  }

  /**
   * Reserves one new connection to {@code host} under the connection rate cap
   * (a token bucket shared by every client on this store) and returns how long
   * the caller must wait before connecting; without a cap, always zero.
   */
  public Duration reserveConnection(HostAddress host) {
    if (connectionsPerSecond == 0) {
      return Duration.ZERO;
    }
    long interval = (long) (1e9 / connectionsPerSecond);
    long now = ticker.read();
    // A host idle for a while has "burst" connections in hand, no more.
    long refilled = now - burstNanos + interval;
    long[] next = connectionSchedule.get(host, h -> new long[] {refilled});
    synchronized (next) {
      long earliest = Math.max(next[0], refilled);
      long wait = Math.max(0, earliest - now);
      next[0] = earliest + interval;
      return Duration.ofNanos(wait);
    }
  }

  /** Records how long an answered attempt on {@code host} took (an exponentially weighted average). */
  public void recordLatency(HostAddress host, Duration elapsed) {
    seeHost(host);
    double sample = elapsed.toNanos();
    double[] avg = latency.get(host, h -> new double[] {sample});
    synchronized (avg) {
      avg[0] = avg[0] + LATENCY_WEIGHT * (sample - avg[0]);
    }
  }

  /** The average latency of answered attempts on {@code host}, if any were recorded recently. */
  public Optional<Duration> latency(HostAddress host) {
    double[] avg = latency.getIfPresent(host);
    if (avg == null) {
      return Optional.empty();
    }
    synchronized (avg) {
      return Optional.of(Duration.ofNanos((long) avg[0]));
    }
  }

  /**
   * Counts one more read operation of {@code group} and returns the count: the
   * group's own cadence for probe reads, independent of every other group.
   */
  public long readCount(String group) {
    seeGroup(group);
    return reads.get(SequencedHostCache.key(group), g -> new AtomicLong()).incrementAndGet();
  }

  /** Forgets everything. */
  public void clear() {
    masters.clear();
    lastGoodHosts.clear();
    latency.invalidateAll();
    downMarks.invalidateAll();
    reads.invalidateAll();
    groupsSeen.invalidateAll();
    hostsSeen.invalidateAll();
  }

  /** The names of the groups the engine asked about recently (at most the cache's maximum size), sorted. */
  public List<String> groupsSeen() {
    List<String> names = new ArrayList<>(groupsSeen.asMap().values());
    names.sort(Comparator.naturalOrder());
    return names;
  }

  /** The host addresses the engine asked about recently (at most the cache's maximum size). */
  public List<HostAddress> hostsSeen() {
    return new ArrayList<>(hostsSeen.asMap().keySet());
  }

  /** How long {@code host} stays within its stability window, if it is within it. */
  public Optional<Duration> stabilityWindowLeft(HostAddress host) {
    if (recovering == null || recovering.getIfPresent(host) == null) {
      return Optional.empty();
    }
    Optional<Duration> age = recovering.policy().expireAfterWrite().flatMap(p -> p.ageOf(host));
    return age.map(a -> {
      Duration left = stabilityWindow.minus(a);
      return left.isNegative() ? Duration.ZERO : left;
    });
  }

  /**
   * What the store knows now, for a status page: every group and host address
   * seen recently with its cached master, last good host, down mark, recheck
   * time, stability window and latency. Server text in down reasons is printable
   * and capped; nothing in it is a credential.
   */
  public HealthSnapshot snapshot() {
    long now = ticker.read();
    List<HealthSnapshot.GroupHealth> groups = new ArrayList<>();
    for (String g : groupsSeen()) {
      Optional<CachedHost> m = masters.get(g);
      Optional<CachedHost> good = lastGoodHosts.get(g);
      groups.add(new HealthSnapshot.GroupHealth(g,
          m.map(CachedHost::host),
          m.map(CachedHost::confirmed).orElse(false),
          m.filter(CachedHost::confirmed).map(c -> age(now, c.confirmedAtNanos())),
          good.map(CachedHost::host),
          good.map(c -> age(now, c.confirmedAtNanos()))));
    }
    List<HealthSnapshot.HostStatus> hosts = new ArrayList<>();
    for (HostAddress h : hostsSeen()) {
      DownMark mark = downMarks.getIfPresent(h);
      HostHealth health = mark == null ? HostHealth.UP
          : now - mark.markedAt >= recheckNanos && !mark.probing.get() ? HostHealth.RECHECK_DUE : HostHealth.DOWN;
      hosts.add(new HealthSnapshot.HostStatus(h, health,
          mark == null ? Optional.empty() : Optional.of(ServerText.printable(mark.reason, 200)),
          mark == null ? Optional.empty() : Optional.of(Duration.ofNanos(Math.max(0, mark.markedAt + recheckNanos - now))),
          mark != null && recheckInFlight(h),
          stabilityWindowLeft(h),
          latency(h)));
    }
    hosts.sort(Comparator.comparing(status -> status.host().toString()));
    return new HealthSnapshot(groups, hosts);
  }

  /** {@code now - then} on the ticker, never negative. */
  private static Duration age(long now, long then) {
    return Duration.ofNanos(Math.max(0, now - then));
  }

  /** The clock this store's entries are stamped with. */
  public Ticker ticker() {
    return ticker;
  }

  /** The recheck interval of down marks. */
  public Duration recheckInterval() {
    return Duration.ofNanos(recheckNanos);
  }

  private static final class DownMark {
    final String reason;
    final long markedAt;
    final AtomicBoolean probing = new AtomicBoolean();
    volatile long probeStartedAt;

    DownMark(String reason, long markedAt) {
      this.reason = reason;
      this.markedAt = markedAt;
    }
  }
}
