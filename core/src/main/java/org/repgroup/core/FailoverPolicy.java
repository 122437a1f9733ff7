package org.repgroup.core;

import java.time.Duration;
import java.util.Objects;

/**
 * The cheap, per-client options of the failover engine: timeouts, stagger,
 * deadline, referral hops and retry pacing. Immutable; every default is a
 * {@code DEFAULT_*} constant. Heavy shared things (clock, threads, cache,
 * listener) live in {@link org.repgroup.core.RepgroupResources}.
 *
 * <pre>{@code
 * FailoverPolicy policy = FailoverPolicy.builder()
 *     .stagger(Duration.ofMillis(100))
 *     .deadline(Duration.ofSeconds(5))
 *     .build();
 * }</pre>
 */
public final class FailoverPolicy {

  /** Default TCP connect timeout: 2 s. */
  public static final Duration DEFAULT_CONNECT_TIMEOUT = Duration.ofSeconds(2);
  /** Default greeting/response read timeout: 5 s. */
  public static final Duration DEFAULT_RESPONSE_TIMEOUT = Duration.ofSeconds(5);
  /** Default overall deadline of one operation: 10 s. */
  public static final Duration DEFAULT_DEADLINE = Duration.ofSeconds(10);
  /** Default stagger before the next host starts in parallel: 250 ms. */
  public static final Duration DEFAULT_STAGGER = Duration.ofMillis(250);
  /** Default referral hop limit: 3. */
  public static final int DEFAULT_MAX_REFERRAL_HOPS = 3;
  /**
   * Default cap on passes over the host list: none (0). Passes go on, paced by
   * the retry back-off, until the deadline: the deadline is the user's bound.
   */
  public static final int DEFAULT_MAX_PASSES = 0;
  /** Default back-off before the second pass: 100 ms. */
  public static final Duration DEFAULT_RETRY_INITIAL_BACKOFF = Duration.ofMillis(100);
  /** Default back-off growth per pass: 2.0. */
  public static final double DEFAULT_RETRY_MULTIPLIER = 2.0;
  /** Default jitter of the back-off: ±50 %. */
  public static final double DEFAULT_RETRY_JITTER = 0.5;
  /**
   * Default longest back-off between passes: 1 s. It bounds how late a writer
   * waiting out an election notices the new master.
   */
  public static final Duration DEFAULT_RETRY_MAX_BACKOFF = Duration.ofSeconds(1);
  /**
   * Default time a success vouches for the cached master: 5 s. After that, the
   * first operation re-discovers the master and concurrent ones wait for it
   * (single flight) instead of all probing a host that may be dead.
   */
  public static final Duration DEFAULT_MASTER_TRUST = Duration.ofSeconds(5);

  /**
   * Default slow-host factor for reads: 4. A host whose average latency is more
   * than this many times the fastest host's goes after the fast ones for read
   * intents; writes always go to the master.
   */
  public static final double DEFAULT_SLOW_HOST_FACTOR = 4.0;
  /** Default share of reads that ignore latency so slow hosts can show they recovered: 1 in 8. */
  public static final int DEFAULT_SLOW_HOST_PROBE_EVERY = 8;

  private final Duration connectTimeout;
  private final Duration responseTimeout;
  private final Duration deadline;
  private final Duration stagger;
  private final int maxReferralHops;
  private final int maxPasses;
  private final Duration retryInitialBackoff;
  private final double retryMultiplier;
  private final double retryJitter;
  private final Duration retryMaxBackoff;
  private final Duration masterTrust;
  private final double slowHostFactor;
  private final int slowHostProbeEvery;

  private FailoverPolicy(Builder b) {
    this.connectTimeout = b.connectTimeout;
    this.responseTimeout = b.responseTimeout;
    this.deadline = b.deadline;
    this.stagger = b.stagger;
    this.maxReferralHops = b.maxReferralHops;
    this.maxPasses = b.maxPasses;
    this.retryInitialBackoff = b.retryInitialBackoff;
    this.retryMultiplier = b.retryMultiplier;
    this.retryJitter = b.retryJitter;
    this.retryMaxBackoff = b.retryMaxBackoff;
    this.masterTrust = b.masterTrust;
    this.slowHostFactor = b.slowHostFactor;
    this.slowHostProbeEvery = b.slowHostProbeEvery;
  }

  /** The policy with every default. */
  public static FailoverPolicy defaults() {
    return builder().build();
  }

  /** A builder holding every default. */
  public static Builder builder() {
    return new Builder();
  }

  /** A builder holding this policy's values. */
  public Builder toBuilder() {
    Builder b = new Builder();
    b.connectTimeout = connectTimeout;
    b.responseTimeout = responseTimeout;
    b.deadline = deadline;
    b.stagger = stagger;
    b.maxReferralHops = maxReferralHops;
    b.maxPasses = maxPasses;
    b.retryInitialBackoff = retryInitialBackoff;
    b.retryMultiplier = retryMultiplier;
    b.retryJitter = retryJitter;
    b.retryMaxBackoff = retryMaxBackoff;
    b.masterTrust = masterTrust;
    b.slowHostFactor = slowHostFactor;
    b.slowHostProbeEvery = slowHostProbeEvery;
    return b;
  }

  /** TCP connect timeout per attempt. */
  public Duration connectTimeout() {
    return connectTimeout;
  }

  /** Greeting/response read timeout per attempt. */
  public Duration responseTimeout() {
    return responseTimeout;
  }

  /** Overall deadline of one operation. */
  public Duration deadline() {
    return deadline;
  }

  /** Delay after which the next host starts in parallel; zero means strictly sequential. */
  public Duration stagger() {
    return stagger;
  }

  /** Most referrals one operation follows. */
  public int maxReferralHops() {
    return maxReferralHops;
  }

  /** The explicit cap on passes over the host list, or 0 for none (the deadline bounds them). */
  public int maxPasses() {
    return maxPasses;
  }

  /** Back-off before the second pass. */
  public Duration retryInitialBackoff() {
    return retryInitialBackoff;
  }

  /** Back-off growth factor per pass. */
  public double retryMultiplier() {
    return retryMultiplier;
  }

  /** Back-off jitter, a fraction in [0, 1). */
  public double retryJitter() {
    return retryJitter;
  }

  /** Longest back-off between passes. */
  public Duration retryMaxBackoff() {
    return retryMaxBackoff;
  }

  /** How long a success vouches for the cached master before it is re-discovered in single flight. */
  public Duration masterTrust() {
    return masterTrust;
  }

  /** Slow-host factor for reads; 0 disables latency-aware ordering. */
  public double slowHostFactor() {
    return slowHostFactor;
  }

  /** One read in this many ignores latency, so a recovered host gets traffic back gradually. */
  public int slowHostProbeEvery() {
    return slowHostProbeEvery;
  }

  @Override
  public String toString() {
    return "FailoverPolicy[connectTimeout=" + connectTimeout + ", responseTimeout=" + responseTimeout
        + ", deadline=" + deadline + ", stagger=" + stagger + ", maxReferralHops=" + maxReferralHops
        + ", maxPasses=" + maxPasses + ", retryInitialBackoff=" + retryInitialBackoff
        + ", retryMultiplier=" + retryMultiplier + ", retryJitter=" + retryJitter
        + ", retryMaxBackoff=" + retryMaxBackoff + ", masterTrust=" + masterTrust
        + ", slowHostFactor=" + slowHostFactor + ", slowHostProbeEvery=" + slowHostProbeEvery + "]";
  }

  /** Builds a {@link FailoverPolicy}; setters reject bad values at once. */
  public static final class Builder {
    private Duration connectTimeout = DEFAULT_CONNECT_TIMEOUT;
    private Duration responseTimeout = DEFAULT_RESPONSE_TIMEOUT;
    private Duration deadline = DEFAULT_DEADLINE;
    private Duration stagger = DEFAULT_STAGGER;
    private int maxReferralHops = DEFAULT_MAX_REFERRAL_HOPS;
    private int maxPasses = DEFAULT_MAX_PASSES;
    private Duration retryInitialBackoff = DEFAULT_RETRY_INITIAL_BACKOFF;
    private double retryMultiplier = DEFAULT_RETRY_MULTIPLIER;
    private double retryJitter = DEFAULT_RETRY_JITTER;
    private Duration retryMaxBackoff = DEFAULT_RETRY_MAX_BACKOFF;
    private Duration masterTrust = DEFAULT_MASTER_TRUST;
    private double slowHostFactor = DEFAULT_SLOW_HOST_FACTOR;
    private int slowHostProbeEvery = DEFAULT_SLOW_HOST_PROBE_EVERY;

    private Builder() {}

    /**
     * For read intents, a host whose average latency exceeds this many times the
     * fastest host's, and is also more than 15 ms slower than it (small numbers' ratios
     * are noise), is tried after the fast ones (not marked down); 0 disables,
     * else 1.5-100. Defaults to 4. See {@link #DEFAULT_SLOW_HOST_FACTOR}.
     */
    public Builder slowHostFactor(double factor) {
      if (!(factor == 0.0 || (factor >= 1.5 && factor <= 100.0))) {
        throw new IllegalArgumentException("slowHostFactor must be 0 or in 1.5-100, was " + factor);
      }
      this.slowHostFactor = factor;
      return this;
    }

    /**
     * One read in {@code every} (2-1000) keeps the plain list order so a slow host
     * that recovered gets traffic back gradually. Defaults to 8. See
     * {@link #DEFAULT_SLOW_HOST_PROBE_EVERY}.
     */
    public Builder slowHostProbeEvery(int every) {
      if (every < 2 || every > 1000) {
        throw new IllegalArgumentException("slowHostProbeEvery must be in 2-1000, was " + every);
      }
      this.slowHostProbeEvery = every;
      return this;
    }

    /** TCP connect timeout, &gt; 0. Defaults to 2 s. See {@link #DEFAULT_CONNECT_TIMEOUT}. */
    public Builder connectTimeout(Duration value) {
      this.connectTimeout = positive("connectTimeout", value);
      return this;
    }

    /** Greeting/response timeout, &gt; 0. Defaults to 5 s. See {@link #DEFAULT_RESPONSE_TIMEOUT}. */
    public Builder responseTimeout(Duration value) {
      this.responseTimeout = positive("responseTimeout", value);
      return this;
    }

    /** Overall deadline per operation, &gt; 0. Defaults to 10 s. See {@link #DEFAULT_DEADLINE}. */
    public Builder deadline(Duration value) {
      this.deadline = positive("deadline", value);
      return this;
    }

    /**
     * Delay after which an unanswered attempt lets the next host start in
     * parallel, &ge; 0; zero disables staggering (strictly one host at a time).
     * Defaults to 250 ms. See {@link #DEFAULT_STAGGER}.
     */
    public Builder stagger(Duration value) {
      Objects.requireNonNull(value, "stagger");
      if (value.isNegative()) {
        throw new IllegalArgumentException("stagger must be >= 0, was " + value);
      }
      this.stagger = value;
      return this;
    }

    /** Referral hop limit, 0-10. Defaults to 3. See {@link #DEFAULT_MAX_REFERRAL_HOPS}. */
    public Builder maxReferralHops(int value) {
      if (value < 0 || value > 10) {
        throw new IllegalArgumentException("maxReferralHops must be in 0-10, was " + value);
      }
      this.maxReferralHops = value;
      return this;
    }

    /**
     * An explicit cap on passes over the host list, 1-100, or 0 for none. Without
     * a cap (the default) an operation that finds no usable host starts pass after
     * pass, paced by the retry back-off, until its deadline, so a writer rides
     * through an election; with one, it gives up after that many passes even with
     * time left (and concurrent operations waiting for its discovery share that
     * failure). Defaults to 0. See {@link #DEFAULT_MAX_PASSES}.
     */
    public Builder maxPasses(int value) {
      if (value < 0 || value > 100) {
        throw new IllegalArgumentException("maxPasses must be 0 (no cap) or in 1-100, was " + value);
      }
      this.maxPasses = value;
      return this;
    }

    /** Back-off before the second pass, &gt; 0. Defaults to 100 ms. See {@link #DEFAULT_RETRY_INITIAL_BACKOFF}. */
    public Builder retryInitialBackoff(Duration value) {
      this.retryInitialBackoff = positive("retryInitialBackoff", value);
      return this;
    }

    /** Back-off growth per pass, 1.0-10.0. Defaults to 2.0. See {@link #DEFAULT_RETRY_MULTIPLIER}. */
    public Builder retryMultiplier(double value) {
      if (!(value >= 1.0 && value <= 10.0)) {
        throw new IllegalArgumentException("retryMultiplier must be in 1.0-10.0, was " + value);
      }
      this.retryMultiplier = value;
      return this;
    }

    /** Back-off jitter, a fraction in [0, 1); 0 disables jitter. Defaults to 0.5. See {@link #DEFAULT_RETRY_JITTER}. */
    public Builder retryJitter(double value) {
      if (!(value >= 0.0 && value < 1.0)) {
        throw new IllegalArgumentException("retryJitter must be in [0, 1), was " + value);
      }
      this.retryJitter = value;
      return this;
    }

    /** Longest back-off between passes, &gt; 0. Defaults to 1 s. See {@link #DEFAULT_RETRY_MAX_BACKOFF}. */
    public Builder retryMaxBackoff(Duration value) {
      this.retryMaxBackoff = positive("retryMaxBackoff", value);
      return this;
    }

    /**
     * How long a success vouches for the cached master, &ge; 0. Within it,
     * operations go straight to the cached master; after it, one operation
     * re-discovers and concurrent ones wait for its answer. Defaults to 5 s.
     * See {@link #DEFAULT_MASTER_TRUST}.
     */
    public Builder masterTrust(Duration value) {
      Objects.requireNonNull(value, "masterTrust");
      if (value.isNegative()) {
        throw new IllegalArgumentException("masterTrust must be >= 0, was " + value);
      }
      this.masterTrust = value;
      return this;
    }

    /** The policy. */
    public FailoverPolicy build() {
      if (retryMaxBackoff.compareTo(retryInitialBackoff) < 0) {
        throw new IllegalArgumentException("retryMaxBackoff " + retryMaxBackoff
            + " is shorter than retryInitialBackoff " + retryInitialBackoff);
      }
      return new FailoverPolicy(this);
    }

    private static Duration positive(String name, Duration value) {
      Objects.requireNonNull(value, name);
      if (value.isNegative() || value.isZero()) {
        throw new IllegalArgumentException(name + " must be > 0, was " + value);
      }
      return value;
    }
  }
}
