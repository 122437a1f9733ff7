package org.repgroup.core;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.repgroup.core.AffinityCache;
import org.repgroup.core.FailoverCounters;
import org.repgroup.core.FailoverListener;
import org.repgroup.core.internal.TimerQueue;
import org.repgroup.core.time.Scheduler;
import org.repgroup.core.time.Ticker;

/**
 * The heavy things clients share: clock, scheduler, attempt threads, the
 * {@link AffinityCache}, the listener and the counters. Create one per JVM (or
 * per tenant) and hand it to every client, so what one adapter learns about a
 * group the others use. Closing it stops the threads it created (not ones the
 * user passed in).
 *
 * <pre>{@code
 * try (RepgroupResources resources = RepgroupResources.create()) {
 *   ImapFailoverClient imap = ImapFailoverClient.builder(resources).build();
 *   LmtpFailoverClient lmtp = LmtpFailoverClient.builder(resources).build();
 * }
 * }</pre>
 */
public final class RepgroupResources implements AutoCloseable {

  private final Ticker ticker;
  private final HostResolver resolver;
  private final Scheduler scheduler;
  private final ExecutorService attemptExecutor;
  private final AffinityCache affinityCache;
  private final FailoverCounters counters = new FailoverCounters();
  private final FailoverListener listener;
  private final List<ExecutorService> owned = new ArrayList<>();
  private final TimerQueue ownedTimers;

  private RepgroupResources(Builder b) {
    this.ticker = b.ticker;
    this.resolver = b.resolver;
    if (b.scheduler != null) {
      this.scheduler = b.scheduler;
      this.ownedTimers = null;
    } else {
      // Most timers (deadline, stagger) are cancelled long before they are due: a queue built for that.
      TimerQueue timers = new TimerQueue(daemonThreads("repgroup-timer"));
      this.ownedTimers = timers;
      this.scheduler = timers;
    }
    if (b.attemptExecutor != null) {
      this.attemptExecutor = b.attemptExecutor;
    } else {
      ExecutorService pool = Executors.newCachedThreadPool(daemonThreads("repgroup-attempt"));
      owned.add(pool);
      this.attemptExecutor = pool;
    }
    this.affinityCache = b.affinityCache != null ? b.affinityCache : AffinityCache.builder().ticker(ticker).build();
    this.listener = FailoverListener.composite(counters, b.listener);
  }

  /** Resources with every default: system clock, own threads, a fresh cache, no listener. */
  public static RepgroupResources create() {
    return builder().build();
  }

  /** A builder holding every default. */
  public static Builder builder() {
    return new Builder();
  }

  /** The clock. */
  public Ticker ticker() {
    return ticker;
  }

  /** Resolves host names for every attempt. */
  public HostResolver resolver() {
    return resolver;
  }

  /** Timers for stagger, deadline and retry back-off. */
  public Scheduler scheduler() {
    return scheduler;
  }

  /** Threads that run attempts (blocking I/O). */
  public ExecutorService attemptExecutor() {
    return attemptExecutor;
  }

  /** The shared cache of masters, last good hosts and down marks. */
  public AffinityCache affinityCache() {
    return affinityCache;
  }

  /** The listener every engine on these resources reports to: the counters, then the user's listener. */
  public FailoverListener listener() {
    return listener;
  }

  /**
   * What these resources' clients have learned about the groups, now: cached
   * masters, last good hosts, hosts marked down and their rechecks, stability
   * windows, latency averages. Immutable and cheap; safe to show on a status page.
   * Same as {@code affinityCache().health()}.
   */
  public HealthSnapshot health() {
    return affinityCache.health();
  }

  /** Counters of operations, attempts, referrals, down marks and master changes. */
  public FailoverCounters counters() {
    return counters;
  }

  /** Stops the threads these resources created; waits up to a second for running attempts. */
  @Override
  public void close() {
    if (ownedTimers != null) {
      ownedTimers.close();
    }
    for (ExecutorService e : owned) {
      e.shutdownNow();
    }
    for (ExecutorService e : owned) {
      try {
        e.awaitTermination(Duration.ofSeconds(1).toMillis(), TimeUnit.MILLISECONDS);
      } catch (InterruptedException ie) {
        Thread.currentThread().interrupt();
        return;
      }
    }
    if (ownedTimers != null) {
      try {
        ownedTimers.awaitTermination(Duration.ofSeconds(1));
      } catch (InterruptedException ie) {
        Thread.currentThread().interrupt();
      }
    }
  }

  private static ThreadFactory daemonThreads(String prefix) {
    AtomicInteger n = new AtomicInteger();
    return r -> {
      Thread t = new Thread(r, prefix + "-" + n.incrementAndGet());
      t.setDaemon(true);
      return t;
    };
  }

  /** Builds {@link RepgroupResources}. */
  public static final class Builder {
    private Ticker ticker = Ticker.SYSTEM;
    private HostResolver resolver = HostResolver.SYSTEM;
    private Scheduler scheduler;
    private ExecutorService attemptExecutor;
    private AffinityCache affinityCache;
    private FailoverListener listener = FailoverListener.NONE;

    private Builder() {}

    /**
     * The clock. Defaults to {@link Ticker#SYSTEM}. When a custom ticker is set,
     * also set a matching {@link #scheduler} (e.g. one {@link org.repgroup.core.time.ManualClock} for both).
     */
    public Builder ticker(Ticker ticker) {
      this.ticker = Objects.requireNonNull(ticker, "ticker");
      return this;
    }

    /** Name resolution for attempts. Defaults to {@link HostResolver#SYSTEM}. */
    public Builder resolver(HostResolver resolver) {
      this.resolver = Objects.requireNonNull(resolver, "resolver");
      return this;
    }

    /** Timers. Defaults to a daemon single-thread scheduler owned by the resources. */
    public Builder scheduler(Scheduler scheduler) {
      this.scheduler = Objects.requireNonNull(scheduler, "scheduler");
      return this;
    }

    /** Threads for attempts. Defaults to a daemon cached thread pool owned by the resources. */
    public Builder attemptExecutor(ExecutorService executor) {
      this.attemptExecutor = Objects.requireNonNull(executor, "executor");
      return this;
    }

    /**
     * The cache to share. Defaults to a new {@link AffinityCache} on this builder's
     * ticker. Pass the same cache to several resources to share it across them.
     */
    public Builder affinityCache(AffinityCache cache) {
      this.affinityCache = Objects.requireNonNull(cache, "cache");
      return this;
    }

    /** The user's listener; must be fast and must not throw. Defaults to {@link FailoverListener#NONE}. */
    public Builder listener(FailoverListener listener) {
      this.listener = Objects.requireNonNull(listener, "listener");
      return this;
    }

    /** The resources. */
    public RepgroupResources build() {
      return new RepgroupResources(this);
    }
  }
}
