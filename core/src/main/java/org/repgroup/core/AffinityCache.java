package org.repgroup.core;

import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import org.repgroup.core.internal.AffinityStore;
import org.repgroup.core.time.Ticker;

/**
 * What every client in the JVM has learned about the groups: the last good
 * master per group (write intents), the last good host per group (read-only
 * intents), a down mark and a latency average per host. One instance is meant
 * to be shared by all adapters (through {@link RepgroupResources}), so what the
 * LMTP client learned the IMAP client uses.
 *
 * <p>Users read it (status pages, tests); only the failover engine writes it.
 * Down marks expire after the {@linkplain Builder#recheckInterval recheck
 * interval}; then exactly one operation rechecks the host while the others
 * still treat it as down.
 */
public final class AffinityCache {

  /** Default recheck interval of a down mark: 30 s. */
  public static final Duration DEFAULT_RECHECK_INTERVAL = Duration.ofSeconds(30);
  /** Default lifetime of a cached master or last good host without a new observation: 10 min. */
  public static final Duration DEFAULT_ENTRY_TTL = Duration.ofMinutes(10);
  /** Default time a host that came back stays behind stable hosts in the order: 30 s. */
  public static final Duration DEFAULT_STABILITY_WINDOW = Duration.ofSeconds(30);
  /** Default number of groups and hosts remembered: 100,000 each. */
  public static final long DEFAULT_MAXIMUM_SIZE = 100_000;

  static {
    AffinityStore.installAccess(cache -> cache.store);
  }

  private final AffinityStore store;

  private AffinityCache(Builder b) {
    this.store = new AffinityStore(b.ticker, b.recheckInterval, b.entryTtl, b.maximumSize, b.connectionsPerSecond,
        b.connectionBurst, b.stabilityWindow);
  }

  /** A cache with every default and the system clock. */
  public static AffinityCache create() {
    return builder().build();
  }

  /** A builder holding every default. */
  public static Builder builder() {
    return new Builder();
  }

  /** The cached master of {@code group}, if any. */
  public Optional<CachedHost> master(String group) {
    return store.master(group);
  }

  /** The last host that served a read-only intent for {@code group}, if any. */
  public Optional<CachedHost> lastGoodHost(String group) {
    return store.lastGoodHost(group);
  }

  /** Whether {@code host} may be tried now: no mark, marked down, or marked with its recheck due. */
  public HostHealth health(HostAddress host) {
    return store.health(host);
  }

  /** True while the single recheck of {@code host} is under way: the host counts as down until it reports. */
  public boolean recheckInFlight(HostAddress host) {
    return store.recheckInFlight(host);
  }

  /** The reason of {@code host}'s down mark, if it has one. */
  public Optional<String> downReason(HostAddress host) {
    return store.downReason(host);
  }

  /**
   * True while {@code host} is within the stability window after its down mark
   * was cleared: it is usable, but ordered after hosts that stayed up, so a
   * flapping host does not pull traffic back and forth.
   */
  public boolean isRecovering(HostAddress host) {
    return store.isRecovering(host);
  }

  /** The average latency of answered attempts on {@code host}, if any were recorded recently. */
  public Optional<Duration> latency(HostAddress host) {
    return store.latency(host);
  }

  /**
   * What the cache knows now, per group and host address, for a status page
   * (see {@link HealthSnapshot}).
   */
  public HealthSnapshot health() {
    return store.snapshot();
  }

  /** The recheck interval of down marks. */
  public Duration recheckInterval() {
    return store.recheckInterval();
  }

  /** Forgets everything (masters, last good hosts, down marks, latencies). */
  public void clear() {
    store.clear();
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
     * burst of {@code burst}. Callers over the cap wait their turn (with jitter)
     * inside their deadline. Defaults to no cap. {@code perSecond} &gt; 0,
     * {@code burst} &ge; 1.
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
