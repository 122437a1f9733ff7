package org.repgroup.core.internal;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import org.repgroup.core.HostAddress;
import org.repgroup.core.HostResolver;
import org.repgroup.core.Intent;
import org.repgroup.core.Protocol;
import org.repgroup.core.ReplicationGroup;
import org.repgroup.core.spi.AttemptContext;
import org.repgroup.core.time.Scheduler;
import org.repgroup.core.time.Ticker;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One attempt on one host (one address of it) as the engine runs it, and the
 * {@link AttemptContext} the adapter's attempt sees: its timeouts cut to the
 * operation's time left, its cancellation (closing what the attempt
 * registered), and its signals back to the operation.
 */
final class AttemptRun implements AttemptContext {

  private static final Logger LOG = LoggerFactory.getLogger("org.repgroup.attempts");

  /** What an attempt reports to the operation that runs it. */
  interface Owner {
    void responded(AttemptRun run);

    void awaitingReply(AttemptRun run);

    void resolved(AttemptRun run, int addresses);
  }

  /**
   * Where an attempt goes.
   *
   * @param listed the host as listed in the group, or {@code null} for an allow-listed stranger
   * @param resolved the host with its port filled in
   * @param addressIndex which of the name's addresses (0 for the first)
   * @param chain the hosts of this referral chain before this one (empty for a host from the list)
   */
  record Target(HostAddress listed, HostAddress resolved, int addressIndex, List<HostAddress> chain) {
    Target {
      chain = List.copyOf(chain);
    }

    int hop() {
      return chain.size();
    }

    Optional<HostAddress> referredBy() {
      return chain.isEmpty() ? Optional.empty() : Optional.of(chain.get(chain.size() - 1));
    }

    /** The chain a referral from this host extends. */
    List<HostAddress> chainThroughHere() {
      List<HostAddress> c = new ArrayList<>(chain);
      c.add(resolved);
      return c;
    }

    /** The same host's next address. */
    Target nextAddress() {
      return new Target(listed, resolved, addressIndex + 1, chain);
    }
  }

  /** The settings an attempt needs, shared by every attempt of one operation. */
  record Settings(ReplicationGroup group, Protocol protocol, Intent intent, HostResolver resolver, Ticker ticker,
      Duration connectTimeout, Duration responseTimeout, long deadlineNanos) {}

  final long id;
  final Target target;
  final long sequence;
  final long startNanos;
  private final Settings settings;
  private final Owner owner;
  boolean recorded;
  volatile boolean responded;
  /** Handed to a thread (past any wait under the connection rate cap); guarded by the operation's lock. */
  boolean submitted;
  /** Since when the host owes an awaited reply (submission, then each awaitingReply); guarded likewise. */
  long silentSinceNanos;
  Scheduler.Cancellable rateWait;
  /** What the attempt registered for cancellation; made at the first registration. Guarded by this run's monitor. */
  private List<AutoCloseable> resources;
  private volatile boolean cancelled;

  AttemptRun(long id, Target target, long sequence, long startNanos, Settings settings, Owner owner) {
    this.id = id;
    this.target = target;
    this.sequence = sequence;
    this.startNanos = startNanos;
    this.settings = settings;
    this.owner = owner;
  }

  /** Closes what the attempt registered, so a blocked connect or read returns at once. */
  void cancel() {
    if (rateWait != null) {
      rateWait.cancel();
    }
    List<AutoCloseable> toClose;
    synchronized (this) {
      cancelled = true;
      toClose = resources == null ? List.of() : new ArrayList<>(resources);
      resources = null;
    }
    toClose.forEach(AttemptRun::closeQuietly);
  }

  /**
   * Cancels attempts that lost, off the caller's path: closing a loser's
   * resources can block (a library's close() waiting for its connect()).
   */
  static void cancelAll(List<AttemptRun> losers, Executor executor) {
    for (AttemptRun r : losers) {
      try {
        executor.execute(r::cancel);
      } catch (RejectedExecutionException e) {
        r.cancel();
      }
    }
  }

  /** The attempt goes to its host now: silence is measured from here. */
  void submitted() {
    submitted = true;
    silentSinceNanos = settings.ticker().read();
  }

  /** A command was sent whose reply the attempt now waits for. */
  void awaiting() {
    responded = false;
    silentSinceNanos = settings.ticker().read();
  }

  /** How long the host has owed its awaited reply. */
  Duration silentFor() {
    return Duration.ofNanos(settings.ticker().read() - silentSinceNanos);
  }

  Duration elapsed() {
    return Duration.ofNanos(settings.ticker().read() - startNanos);
  }

  @Override
  public HostAddress host() {
    return target.resolved();
  }

  @Override
  public InetSocketAddress socketAddress() throws UnknownHostException {
    HostAddress h = target.resolved();
    List<InetAddress> addresses = settings.resolver().resolve(h.host());
    if (addresses.isEmpty()) {
      throw new UnknownHostException(h.host() + ": resolver returned no address");
    }
    owner.resolved(this, addresses.size());
    if (target.addressIndex() >= addresses.size()) {
      throw new UnknownHostException(h.host() + ": address " + (target.addressIndex() + 1) + " is gone");
    }
    return new InetSocketAddress(addresses.get(target.addressIndex()), h.port().orElseThrow());
  }

  @Override
  public ReplicationGroup group() {
    return settings.group();
  }

  @Override
  public Protocol protocol() {
    return settings.protocol();
  }

  @Override
  public Intent intent() {
    return settings.intent();
  }

  @Override
  public Optional<HostAddress> referredBy() {
    return target.referredBy();
  }

  @Override
  public int hop() {
    return target.hop();
  }

  @Override
  public Duration connectTimeout() {
    return cutToTimeLeft(settings.connectTimeout());
  }

  @Override
  public Duration responseTimeout() {
    return cutToTimeLeft(settings.responseTimeout());
  }

  @Override
  public Duration timeLeft() {
    return Duration.ofNanos(Math.max(0, settings.deadlineNanos() - settings.ticker().read()));
  }

  @Override
  public void hostResponded() {
    if (!responded) {
      owner.responded(this);
    }
  }

  @Override
  public void awaitingReply() {
    owner.awaitingReply(this);
  }

  @Override
  public boolean isCancelled() {
    return cancelled;
  }

  @Override
  public void onCancel(AutoCloseable resource) {
    synchronized (this) {
      if (!cancelled) {
        if (resources == null) {
          resources = new ArrayList<>(2);
        }
        resources.add(resource);
        return;
      }
    }
    closeQuietly(resource);
  }

  private Duration cutToTimeLeft(Duration d) {
    Duration left = timeLeft();
    Duration m = d.compareTo(left) <= 0 ? d : left;
    // Socket APIs read 0 as "infinite": never hand out less than a millisecond.
    return m.compareTo(Duration.ofMillis(1)) < 0 ? Duration.ofMillis(1) : m;
  }

  private static void closeQuietly(AutoCloseable c) {
    try {
      c.close();
    } catch (Exception e) {
      LOG.trace("closing an abandoned attempt's resource failed", e);
    }
  }
}
