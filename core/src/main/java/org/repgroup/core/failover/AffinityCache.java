package org.repgroup.core.failover;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.repgroup.core.HostAddress;
import org.repgroup.core.time.Ticker;

/**
 * What every client in the JVM has learned about the groups, on Caffeine: the
 * last good master per group (write intents), the last good host per group
 * (read-only intents) and a down mark per host. One instance is meant to be
 * shared by all adapters (through {@link org.repgroup.core.RepgroupResources}),
 * so what the LMTP client learned the IMAP client uses.
 *
 * <p>Every write carries an observation sequence number, taken from
 * {@link #nextSequence()} when the observing attempt <em>started</em>: an older
 * observation never overwrites a newer one, so a late answer from an attempt
 * that began before a switchover cannot flip the master back.
 *
 * <p>Down marks expire after the {@linkplain Builder#recheckInterval recheck
 * interval}; then exactly one caller gets the recheck ({@link #tryAcquireRecheck})
 * while the others still treat the host as down until that probe reports.
 */
public final class AffinityCache {

  /** Default recheck interval of a down mark: 30 s. */
  public static final Duration DEFAULT_RECHECK_INTERVAL = Duration.ofSeconds(30);
  /** Default lifetime of a cached master or last good host without a new observation: 10 min. */
  public static final Duration DEFAULT_ENTRY_TTL = Duration.ofMinutes(10);
  /** Default time a host that came back stays behind stable hosts in the order: 30 s. */
  public static final Duration DEFAULT_STABILITY_WINDOW = Duration.ofSeconds(30);
  /** Weight of the newest sample in a host's latency average: 0.3. */
  static final double LATENCY_WEIGHT = 0.3;
  /** Default number of groups and hosts remembered: 100,000 each. */
  public static final long DEFAULT_MAXIMUM_SIZE = 100_000;

  private final Ticker ticker;
  private final long recheckNanos;
  private final Cache<String, CachedHost> masters;
  private final Cache<String, CachedHost> lastGoodHosts;
  private final Cache<HostAddress, DownMark> downMarks;
  private final AtomicLong sequence = new AtomicLong();
  private final double connectionsPerSecond;
  private final long burstNanos;
  private final Cache<HostAddress, long[]> connectionSchedule;
  private final Cache<HostAddress, Boolean> recovering;
  private final Cache<HostAddress, double[]> latency;
  /** Single-flight master discovery; shared with the cache because it has the same sharing scope. */
  final MasterDiscovery discovery = new MasterDiscovery();

  private AffinityCache(Builder b) {
    this.ticker = b.ticker;
    this.recheckNanos = b.recheckInterval.toNanos();
    this.masters = newCache(b, b.entryTtl);
    this.lastGoodHosts = newCache(b, b.entryTtl);
    // A down mark is kept well past its recheck time so the single recheck can be handed out.
    this.downMarks = newCache(b, b.recheckInterval.multipliedBy(10).plus(b.entryTtl));
    this.connectionsPerSecond = b.connectionsPerSecond;
    this.burstNanos = b.connectionsPerSecond == 0 ? 0 : (long) (b.connectionBurst * 1e9 / b.connectionsPerSecond);
    this.connectionSchedule = newCache(b, Duration.ofMinutes(1));
    this.recovering = b.stabilityWindow.isZero() ? null : newCache(b, b.stabilityWindow);
    this.latency = newCache(b, b.entryTtl);
  }

  private static <K, V> Cache<K, V> newCache(Builder b, Duration ttl) {
    return Caffeine.newBuilder()
        .ticker(b.ticker::read)
        .executor(Runnable::run)
        .expireAfterWrite(ttl)
        .maximumSize(b.maximumSize)
        .build();
  }

  /** A cache with every default and the system clock. */
  public static AffinityCache create() {
    return builder().build();
  }

  /** A builder holding every default. */
  public static Builder builder() {
    return new Builder();
  }

  /** A new observation sequence number; take one when an attempt starts. */
  public long nextSequence() {
    return sequence.incrementAndGet();
  }

  /** The cached master of {@code group}, if any. */
  public Optional<CachedHost> master(String group) {
    return Optional.ofNullable(masters.getIfPresent(key(group)));
  }

  /**
   * Records {@code host} as {@code group}'s master, observed at {@code sequence}.
   * {@code confirmed} is true for a success on the host, false for a referral
   * hint. Ignored when the cache holds a newer observation.
   *
   * @return true when the cached master changed (none before, or another host)
   */
  public boolean recordMaster(String group, HostAddress host, long sequence, boolean confirmed) {
    return record(masters, group, host, sequence, confirmed);
  }

  /**
   * Forgets {@code group}'s master if it is {@code host} and was observed no later
   * than {@code sequence} (a failure seen by an attempt that started after the
   * last confirmation).
   *
   * @return true when the entry was dropped
   */
  public boolean dropMaster(String group, HostAddress host, long sequence) {
    return drop(masters, group, host, sequence);
  }

  /** The last host that served a read-only intent for {@code group}, if any. */
  public Optional<CachedHost> lastGoodHost(String group) {
    return Optional.ofNullable(lastGoodHosts.getIfPresent(key(group)));
  }

  /** Records the last good host for read-only intents; same sequence rule as {@link #recordMaster}. */
  public boolean recordLastGoodHost(String group, HostAddress host, long sequence) {
    return record(lastGoodHosts, group, host, sequence, true);
  }

  /** Forgets the last good host if it is {@code host}; same rule as {@link #dropMaster}. */
  public boolean dropLastGoodHost(String group, HostAddress host, long sequence) {
    return drop(lastGoodHosts, group, host, sequence);
  }

  /** Whether {@code host} may be tried now: no mark, marked down, or marked with its recheck due. */
  public HostHealth health(HostAddress host) {
    DownMark mark = downMarks.getIfPresent(host);
    if (mark == null) {
      return HostHealth.UP;
    }
    return ticker.read() - mark.markedAt >= recheckNanos && !mark.probing.get()
        ? HostHealth.RECHECK_DUE
        : HostHealth.DOWN;
  }

  /**
   * True while the single recheck of {@code host} has been handed out
   * ({@link #tryAcquireRecheck}) and its holder has not reported yet: the host
   * counts as down until then.
   */
  public boolean recheckInFlight(HostAddress host) {
    DownMark mark = downMarks.getIfPresent(host);
    return mark != null && mark.probing.get() && ticker.read() - mark.probeStartedAt < recheckNanos;
  }

  /** The reason of {@code host}'s down mark, if it has one. */
  public Optional<String> downReason(HostAddress host) {
    DownMark mark = downMarks.getIfPresent(host);
    return mark == null ? Optional.empty() : Optional.of(mark.reason);
  }

  /**
   * Marks {@code host} down for the recheck interval (a new mark, or a renewed
   * one after a failed recheck).
   *
   * @return true when the host was not marked before
   */
  public boolean markDown(HostAddress host, String reason) {
    Objects.requireNonNull(reason, "reason");
    DownMark previous = downMarks.asMap().put(host, new DownMark(reason, ticker.read()));
    return previous == null;
  }

  /**
   * Clears {@code host}'s down mark after a success.
   *
   * @return true when the host had a mark
   */
  public boolean markUp(HostAddress host) {
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

  /**
   * True while {@code host} is within the stability window after its down mark
   * was cleared: it is usable, but ordered after hosts that stayed up, so a
   * flapping host does not pull traffic back and forth. A new down mark restarts
   * the window when the host comes back again.
   */
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
   * Reserves one new connection to {@code host} under the cache's connection
   * rate cap (a token bucket shared by every client on this cache) and returns
   * how long the caller must wait before connecting: zero while the host is
   * under its rate, else the time until its turn. Without a cap, always zero.
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

  /** Records how long a successful attempt on {@code host} took (an exponentially weighted average). */
  public void recordLatency(HostAddress host, java.time.Duration elapsed) {
    double sample = elapsed.toNanos();
    double[] avg = latency.get(host, h -> new double[] {sample});
    synchronized (avg) {
      avg[0] = avg[0] + LATENCY_WEIGHT * (sample - avg[0]);
    }
  }

  /** The average latency of successful attempts on {@code host}, if any were recorded recently. */
  public Optional<java.time.Duration> latency(HostAddress host) {
    double[] avg = latency.getIfPresent(host);
    if (avg == null) {
      return Optional.empty();
    }
    synchronized (avg) {
      return Optional.of(java.time.Duration.ofNanos((long) avg[0]));
    }
  }

  /** Forgets everything. */
  public void clear() {
    masters.invalidateAll();
    lastGoodHosts.invalidateAll();
    latency.invalidateAll();
    downMarks.invalidateAll();
  }

  /** The clock this cache's entries are stamped with. */
  Ticker ticker() {
    return ticker;
  }

  /** The recheck interval of down marks. */
  public Duration recheckInterval() {
    return Duration.ofNanos(recheckNanos);
  }

  private boolean record(
      Cache<String, CachedHost> cache, String group, HostAddress host, long seq, boolean confirmed) {
    Objects.requireNonNull(host, "host");
    boolean[] changed = new boolean[1];
    long now = ticker.read();
    cache.asMap().compute(key(group), (k, old) -> {
      if (old != null && old.sequence() > seq) {
        return old;
      }
      changed[0] = old == null || !old.host().equals(host);
      if (confirmed) {
        return new CachedHost(host, seq, true, now);
      }
      boolean sameHost = old != null && old.host().equals(host);
      return sameHost ? new CachedHost(host, seq, old.confirmed(), old.confirmedAtNanos())
          : new CachedHost(host, seq, false, Long.MIN_VALUE);
    });
    return changed[0];
  }

  private static boolean drop(Cache<String, CachedHost> cache, String group, HostAddress host, long seq) {
    boolean[] dropped = new boolean[1];
    cache.asMap().computeIfPresent(key(group), (k, old) -> {
      if (old.host().equals(host) && old.sequence() <= seq) {
        dropped[0] = true;
        return null;
      }
      return old;
    });
    return dropped[0];
  }

  private static String key(String group) {
    return group.toLowerCase(java.util.Locale.ROOT);
  }

  /** A host's standing in the cache. */
  public enum HostHealth {
    /** No down mark. */
    UP,
    /** Marked down; skip it (unless every host is). */
    DOWN,
    /** Marked down, but the recheck interval has passed: one caller may probe it. */
    RECHECK_DUE
  }

  /**
   * A cached master or last good host.
   *
   * @param host the host as listed in the group's store host list
   * @param sequence the observation sequence number of the write
   * @param confirmed true once a success on the host confirmed it; false for a referral hint
   * @param confirmedAtNanos ticker time of the last confirmation ({@link Long#MIN_VALUE} if never)
   */
  public record CachedHost(HostAddress host, long sequence, boolean confirmed, long confirmedAtNanos) {}

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

  /** Builds an {@link AffinityCache}. */
  public static final class Builder {
    private Ticker ticker = Ticker.SYSTEM;
    private Duration recheckInterval = DEFAULT_RECHECK_INTERVAL;
    private Duration entryTtl = DEFAULT_ENTRY_TTL;
    private long maximumSize = DEFAULT_MAXIMUM_SIZE;
    private double connectionsPerSecond;
    private int connectionBurst;
    private Duration stabilityWindow = DEFAULT_STABILITY_WINDOW;

    private Builder() {}

    /**
     * How long a host that came back (its down mark cleared) stays behind hosts
     * that stayed up, &ge; 0; zero disables. Defaults to 30 s. See
     * {@link #DEFAULT_STABILITY_WINDOW}.
     */
    public Builder stabilityWindow(Duration value) {
      Objects.requireNonNull(value, "stabilityWindow");
      if (value.isNegative()) {
        throw new IllegalArgumentException("stabilityWindow must be >= 0, was " + value);
      }
      this.stabilityWindow = value;
      return this;
    }

    /**
     * Caps the rate of new connections to any one host, across every client on
     * this cache, so a master that just took over is not flattened by a
     * reconnect storm: at most {@code perSecond} connections a second after a
     * burst of {@code burst}. Callers over the cap wait their turn (the engine
     * adds jitter so waits do not synchronise) inside their deadline. Defaults
     * to no cap. {@code perSecond} &gt; 0, {@code burst} &ge; 1.
     */
    public Builder connectionRateLimit(double perSecond, int burst) {
      if (!(perSecond > 0) || Double.isInfinite(perSecond)) {
        throw new IllegalArgumentException("connection rate must be > 0 per second, was " + perSecond);
      }
      if (burst < 1) {
        throw new IllegalArgumentException("connection burst must be >= 1, was " + burst);
      }
      this.connectionsPerSecond = perSecond;
      this.connectionBurst = burst;
      return this;
    }

    /** The clock for expiry and rechecks. Defaults to {@link Ticker#SYSTEM}. */
    public Builder ticker(Ticker ticker) {
      this.ticker = Objects.requireNonNull(ticker, "ticker");
      return this;
    }

    /**
     * How long a down mark keeps a host out of the order before one recheck, &gt; 0.
     * Defaults to 30 s. See {@link #DEFAULT_RECHECK_INTERVAL}.
     */
    public Builder recheckInterval(Duration value) {
      Objects.requireNonNull(value, "recheckInterval");
      if (value.isNegative() || value.isZero()) {
        throw new IllegalArgumentException("recheckInterval must be > 0, was " + value);
      }
      this.recheckInterval = value;
      return this;
    }

    /**
     * How long a cached master or last good host lives without a new observation,
     * &gt; 0. Defaults to 10 min. See {@link #DEFAULT_ENTRY_TTL}.
     */
    public Builder entryTtl(Duration value) {
      Objects.requireNonNull(value, "entryTtl");
      if (value.isNegative() || value.isZero()) {
        throw new IllegalArgumentException("entryTtl must be > 0, was " + value);
      }
      this.entryTtl = value;
      return this;
    }

    /** Most groups (and hosts) remembered, &ge; 1. Defaults to 100,000. See {@link #DEFAULT_MAXIMUM_SIZE}. */
    public Builder maximumSize(long value) {
      if (value < 1) {
        throw new IllegalArgumentException("maximumSize must be >= 1, was " + value);
      }
      this.maximumSize = value;
      return this;
    }

    /** The cache. */
    public AffinityCache build() {
      return new AffinityCache(this);
    }
  }
}
