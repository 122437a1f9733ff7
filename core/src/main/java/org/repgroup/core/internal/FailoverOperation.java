package org.repgroup.core.internal;

import org.repgroup.core.AffinityCache;
import org.repgroup.core.AttemptRecord;
import org.repgroup.core.FailoverListener;
import org.repgroup.core.FailoverPolicy;
import org.repgroup.core.FailoverResult;
import org.repgroup.core.FailoverTrace;
import org.repgroup.core.FailureKind;
import org.repgroup.core.Intent;
import org.repgroup.core.OperationInfo;
import org.repgroup.core.spi.Attempt;
import org.repgroup.core.spi.AttemptContext;
import org.repgroup.core.spi.AttemptOutcome;
import org.repgroup.core.spi.HostProbe;

import io.github.resilience4j.retry.Retry;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import org.repgroup.core.HostAddress;
import org.repgroup.core.HostResolver;
import org.repgroup.core.Protocol;
import org.repgroup.core.ReplicationGroup;
import org.repgroup.core.RepgroupResources;
import org.repgroup.core.time.Scheduler;
import org.repgroup.core.time.Ticker;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One operation through the engine: the failover contract in code. Event driven
 * under one lock: attempt completions (attempt threads) and timers (stagger,
 * retry, deadline on the scheduler) move it forward; the caller waits on
 * {@link #result}.
 *
 * <p>A host is visited at most once per pass: a referral back to a host already
 * tried in the pass is a loop and ends the operation, as does the hop limit.
 *
 * <p>Order of a pass: the preferred host (discovered master, else the cached
 * master for writes or last good host for reads), then the store host list,
 * skipping hosts marked down; a host whose recheck is due is included for one
 * caller only; hosts within their stability window after coming back go last;
 * when that leaves nothing, every listed host is tried anyway.
 */
public final class FailoverOperation<T> {

  private static final Logger LOG = LoggerFactory.getLogger(FailoverOperation.class);
  private static final AtomicLong IDS = new AtomicLong();
  /** Counts read operations, so one in {@code slowHostProbeEvery} keeps the plain order. */
  private static final AtomicLong READS = new AtomicLong();
  private static final Exception PASS_FAILED = new Exception("every host of the pass failed", null, false, false) {
    private static final long serialVersionUID = 1L;
  };

  private final ReplicationGroup group;
  private final Protocol protocol;
  private final Intent intent;
  private final Attempt<T> attempt;
  private final FailoverPolicy policy;
  private final AffinityStore cache;
  private final FailoverListener listener;
  private final Ticker ticker;
  private final HostResolver resolver;
  private final Scheduler scheduler;
  private final Executor executor;
  private final Retry.AsyncContext<Object> retry;
  private final OperationInfo info;
  private final long startNanos;
  private final long deadlineNanos;

  public final CompletableFuture<FailoverResult<T>> result = new CompletableFuture<>();

  // Guarded by this.
  private boolean done;
  private int pass;
  private int hopsFollowed;
  private int hopsThisPass;
  private boolean referralSeen;
  private boolean readOnlySeen;
  private HostAddress discoveredMaster;
  private DiscoveryFlights.Lead lead;
  /** The trusted cached master this write went straight to (no discovery), or null. */
  private HostAddress trustedMaster;
  /** True while waiting for another operation's discovery after the trusted master referred elsewhere. */
  private boolean awaitingDiscovery;
  private final Deque<Candidate> queue = new ArrayDeque<>();
  private final Set<HostAddress> triedThisPass = new HashSet<>();
  /** Hosts whose recheck is due and is claimed only when this operation actually gets to them. */
  private final Set<HostAddress> deferredRechecks = new HashSet<>();
  /** Hosts of this pass that answered with a referral: going back to one of them is a loop. */
  private final Set<HostAddress> referredThisPass = new HashSet<>();
  private final Map<Long, Running> running = new LinkedHashMap<>();
  private final List<AttemptRecord> records = new ArrayList<>();
  private final List<HostAddress> referralPath = new ArrayList<>();
  private long nextAttemptId;
  private Scheduler.Cancellable staggerTimer;
  /** The attempt the stagger timer is waiting on. */
  private Running staggerFor;
  private Scheduler.Cancellable retryTimer;
  private Scheduler.Cancellable deadlineTimer;

  public FailoverOperation(RepgroupResources resources, FailoverPolicy policy, Retry retry,
      ReplicationGroup group, Protocol protocol, Intent intent, Attempt<T> attempt) {
    this.group = group;
    this.protocol = protocol;
    this.intent = intent;
    this.attempt = attempt;
    this.policy = policy;
    this.cache = AffinityStore.of(resources.affinityCache());
    this.listener = resources.listener();
    this.ticker = resources.ticker();
    this.resolver = resources.resolver();
    this.scheduler = resources.scheduler();
    this.executor = resources.attemptExecutor();
    this.retry = retry.asyncContext();
    this.info = new OperationInfo(IDS.incrementAndGet(), group.name(), protocol, intent);
    this.startNanos = ticker.read();
    this.deadlineNanos = startNanos + policy.deadline().toNanos();
  }

  public void start() {
    listener.operationStart(info);
    DiscoveryFlights.Flight discovery = null;
    synchronized (this) {
      deadlineTimer = scheduler.schedule(policy.deadline(), this::onDeadline);
      trustedMaster = intent.needsMaster() && masterTrusted()
          ? cache.master(group.name()).map(c -> group.resolve(c.host(), protocol)).orElse(null) : null;
      if (intent.needsMaster() ? trustedMaster == null : !goodHostKnown()) {
        // Writes with no trusted master, and reads with no good host known, run one discovery per
        // group: concurrent operations join it instead of all paying for the same dead first host.
        discovery = cache.flights().leadOrJoin(flightKey());
        if (discovery instanceof DiscoveryFlights.Lead l) {
          lead = l;
        }
      }
      if (!(discovery instanceof DiscoveryFlights.Join)) {
        beginPass();
        return;
      }
    }
    listener.discoveryJoined(info);
    ((DiscoveryFlights.Join) discovery).finding().whenComplete((finding, error) -> onDiscoveryFinding(finding));
  }

  private DiscoveryFlights.Key flightKey() {
    return new DiscoveryFlights.Key(group.name(), protocol, intent.needsMaster());
  }

  /** True when reads have a last good host of this group that is not marked down. */
  private boolean goodHostKnown() {
    Optional<AffinityCache.CachedHost> cached = cache.lastGoodHost(group.name());
    return cached.isPresent() && group.listedEntry(cached.get().host(), protocol).isPresent()
        && cache.health(group.resolve(cached.get().host(), protocol)) == AffinityCache.HostHealth.UP;
  }

  /** True when the cached master was confirmed recently enough to go straight to it. */
  private boolean masterTrusted() {
    Optional<AffinityCache.CachedHost> cached = cache.master(group.name());
    if (cached.isEmpty() || !cached.get().confirmed()) {
      return false;
    }
    AffinityCache.CachedHost c = cached.get();
    if (group.listedEntry(c.host(), protocol).isEmpty()) {
      return false;
    }
    // Confirmation times are on the cache's clock, which may differ from the resources' clock.
    boolean fresh = cache.ticker().read() - c.confirmedAtNanos() < policy.masterTrust().toNanos();
    return fresh && cache.health(group.resolve(c.host(), protocol)) == AffinityCache.HostHealth.UP;
  }

  private synchronized void onDiscoveryFinding(DiscoveryFlights.Finding finding) {
    if (done) {
      return;
    }
    if (finishedWithSharedFailure(finding)) {
      return;
    }
    if (finding != null && finding.master() != null) {
      discoveredMaster = finding.master();
    }
    beginPass();
  }

  // ---- passes and order ---------------------------------------------------------------------

  private void beginPass() {
    pass++;
    triedThisPass.clear();
    referredThisPass.clear();
    hopsThisPass = 0;
    readOnlySeen = false;
    deferredRechecks.clear();
    queue.clear();
    queue.addAll(order());
    launchNext();
  }

  private List<Candidate> order() {
    Set<HostAddress> entries = new LinkedHashSet<>();
    HostAddress first = preferred().orElse(null);
    if (first != null) {
      entries.add(first);
    }
    entries.addAll(group.hosts().hosts());
    List<Candidate> usable = new ArrayList<>();
    List<Candidate> recovering = new ArrayList<>();
    List<Candidate> dueWithProbe = new ArrayList<>();
    boolean probes = attempt.prober().isPresent();
    for (HostAddress entry : entries) {
      HostAddress resolved = group.resolve(entry, protocol);
      AffinityCache.HostHealth health = cache.health(resolved);
      Candidate c = new Candidate(entry, resolved, 0, null);
      if (health == AffinityCache.HostHealth.RECHECK_DUE && probes) {
        dueWithProbe.add(c);
      } else if (health == AffinityCache.HostHealth.RECHECK_DUE && !(usable.isEmpty() && recovering.isEmpty())) {
        // No prober: the recheck is this operation's attempt, if it gets that far; it is
        // claimed only then, so an operation served by a healthier host does not sit on it.
        deferredRechecks.add(resolved);
        recovering.add(c);
      } else if (health == AffinityCache.HostHealth.UP
          || (health == AffinityCache.HostHealth.RECHECK_DUE && cache.tryAcquireRecheck(resolved))) {
        // A host back within its stability window goes after the steady ones (the
        // preferred host keeps its place: a success already vouched for it).
        (entry != first && cache.isRecovering(resolved) ? recovering : usable).add(c);
      }
    }
    boolean othersUsable = !usable.isEmpty() || !recovering.isEmpty();
    for (Candidate c : dueWithProbe) {
      if (othersUsable) {
        // Other hosts serve: recheck this one on the side, wherever it is listed, without making
        // the operation wait for it.
        if (cache.tryAcquireRecheck(c.resolved)) {
          recheckInBackground(c);
        }
      } else {
        // Nothing else to try: the operation's own attempt is the recheck, claimed when reached.
        deferredRechecks.add(c.resolved);
        usable.add(c);
      }
    }
    if (usable.isEmpty() && recovering.isEmpty()) {
      // Every host is marked down: try them all anyway, never fail without trying.
      for (HostAddress entry : entries) {
        usable.add(new Candidate(entry, group.resolve(entry, protocol), 0, null));
      }
    }
    if (!intent.needsMaster() && policy.slowHostFactor() > 0) {
      // One read in slowHostProbeEvery goes to the slow (or never measured) hosts first, so they
      // can show they recovered. Hosts within their stability window stay last all the same.
      boolean probeSlow = READS.incrementAndGet() % policy.slowHostProbeEvery() == 0;
      usable = bySpeed(usable, probeSlow);
    }
    usable.addAll(recovering);
    return usable;
  }

  /**
   * Reads: hosts much slower than the fastest known one (by average latency) go
   * after the others, order otherwise kept; on a probe read they go first instead,
   * so a recovered host's average comes down and it gets its traffic back. Hosts
   * with no latency yet count as fast, and go first on a probe read, so each gets
   * measured.
   */
  private List<Candidate> bySpeed(List<Candidate> candidates, boolean slowFirst) {
    long fastest = Long.MAX_VALUE;
    for (Candidate c : candidates) {
      fastest = Math.min(fastest, cache.latency(c.resolved).map(Duration::toNanos).orElse(Long.MAX_VALUE));
    }
    if (fastest == Long.MAX_VALUE) {
      return candidates;
    }
    double limit = Math.max(fastest, 1) * policy.slowHostFactor();
    List<Candidate> fast = new ArrayList<>();
    List<Candidate> slow = new ArrayList<>();
    for (Candidate c : candidates) {
      boolean isSlow = cache.latency(c.resolved).map(l -> l.toNanos() > limit).orElse(false);
      (isSlow ? slow : fast).add(c);
    }
    if (slowFirst) {
      List<Candidate> unmeasured = fast.stream().filter(c -> cache.latency(c.resolved).isEmpty()).toList();
      if (!unmeasured.isEmpty()) {
        // Hosts never measured go first on a probe read: otherwise a slow host that serves every
        // read would be the only one measured, the fastest known, and never look slow.
        List<Candidate> out = new ArrayList<>(unmeasured);
        fast.stream().filter(c -> !unmeasured.contains(c)).forEach(out::add);
        out.addAll(slow);
        return out;
      }
      slow.addAll(fast);
      return slow;
    }
    fast.addAll(slow);
    return fast;
  }

  /**
   * The single recheck of a host whose down mark expired, by the attempt's
   * probe. Its result only updates the host's health; the operation neither
   * waits for it nor uses it.
   */
  private void recheckInBackground(Candidate c) {
    HostProbe probe = attempt.prober().orElseThrow();
    Running r = new Running(-1, c, cache.nextSequence(), ticker.read());
    try {
      executor.execute(() -> {
        AttemptOutcome<Void> outcome;
        try {
          outcome = probe.probe(r);
        } catch (Exception e) {
          outcome = AttemptOutcome.unavailable(describe(e), e);
        }
        if (outcome instanceof AttemptOutcome.Unavailable<Void> u) {
          cache.markDown(c.resolved, "recheck: " + u.reason());
        } else if (cache.markUp(c.resolved)) {
          listener.hostMarkedUp(c.resolved);
        }
      });
    } catch (RejectedExecutionException e) {
      LOG.debug("no thread for the recheck of {}", c.resolved);
    }
  }

  private Optional<HostAddress> preferred() {
    if (discoveredMaster != null) {
      return group.listedEntry(discoveredMaster, protocol);
    }
    Optional<AffinityCache.CachedHost> cached =
        intent.needsMaster() ? cache.master(group.name()) : cache.lastGoodHost(group.name());
    return cached.flatMap(c -> group.listedEntry(c.host(), protocol));
  }

  private void launchNext() {
    if (done || awaitingDiscovery) {
      return;
    }
    cancel(staggerTimer);
    staggerTimer = null;
    staggerFor = null;
    Candidate next = pollCandidate();
    if (next == null) {
      if (running.isEmpty()) {
        passExhausted();
      }
      return;
    }
    Running started = startAttempt(next);
    if (started != null && !policy.stagger().isZero() && hasCandidate()) {
      staggerFor = started;
      staggerTimer = scheduler.schedule(policy.stagger(), this::onStagger);
    }
  }

  private Candidate pollCandidate() {
    Candidate c;
    while ((c = queue.pollFirst()) != null) {
      if (triedThisPass.contains(c.resolved)) {
        continue;
      }
      if (deferredRechecks.remove(c.resolved) && !cache.tryAcquireRecheck(c.resolved)) {
        continue;
      }
      return c;
    }
    return null;
  }

  private boolean hasCandidate() {
    for (Candidate c : queue) {
      if (!triedThisPass.contains(c.resolved)) {
        return true;
      }
    }
    return false;
  }

  private synchronized void onStagger() {
    if (!done) {
      staggerTimer = null;
      staggerFor = null;
      launchNext();
    }
  }

  private void passExhausted() {
    if (readOnlySeen && intent.needsMaster()) {
      finish(failed(FailureKind.NO_MASTER, null));
      return;
    }
    long delayMillis = retry.onError(PASS_FAILED);
    long leftMillis = Duration.ofNanos(deadlineNanos - ticker.read()).toMillis();
    if (delayMillis < 0 || delayMillis >= leftMillis) {
      finish(failed(FailureKind.ALL_UNAVAILABLE, null));
      return;
    }
    Duration delay = Duration.ofMillis(delayMillis);
    listener.retryScheduled(info, pass + 1, delay);
    retryTimer = scheduler.schedule(delay, this::onRetryTimer);
  }

  private synchronized void onRetryTimer() {
    if (!done) {
      retryTimer = null;
      beginPass();
    }
  }

  private synchronized void onDeadline() {
    if (!done) {
      finish(failed(FailureKind.DEADLINE_EXCEEDED, null));
    }
  }

  // ---- attempts -----------------------------------------------------------------------------

  private Running startAttempt(Candidate c) {
    triedThisPass.add(c.resolved);
    Running r = new Running(nextAttemptId++, c, cache.nextSequence(), ticker.read());
    running.put(r.id, r);
    listener.attemptStart(info, c.resolved, c.hop);
    Duration wait = cache.reserveConnection(c.resolved);
    if (wait.isZero()) {
      return submit(r) ? r : null;
    }
    // Over the host's connection rate cap: wait for our turn, spread by jitter so
    // thousands of callers do not come back in one wave.
    Duration jittered = wait.plusNanos((long) (ThreadLocalRandom.current().nextDouble() * wait.toNanos() * 0.5));
    if (jittered.toNanos() >= deadlineNanos - ticker.read()) {
      running.remove(r.id);
      record(r, AttemptRecord.Kind.UNAVAILABLE, "connection rate cap: no turn before the deadline", null);
      launchNext();
      return null;
    }
    r.rateWait = scheduler.schedule(jittered, () -> {
      synchronized (this) {
        if (done || !running.containsKey(r.id)) {
          return;
        }
        submit(r);
      }
    });
    return r;
  }

  /** Hands the attempt to a thread; false (and the next host started) when none is available. */
  private boolean submit(Running r) {
    try {
      executor.execute(() -> run(r));
      return true;
    } catch (RejectedExecutionException e) {
      running.remove(r.id);
      record(r, AttemptRecord.Kind.UNAVAILABLE, "no thread to run the attempt: " + e.getMessage(), e);
      launchNext();
      return false;
    }
  }

  private synchronized void onResponded(Running r) {
    r.responded = true;
    if (!done && staggerFor == r && staggerTimer != null) {
      staggerTimer.cancel();
      staggerTimer = null;
      staggerFor = null;
    }
  }

  private synchronized void onAwaitingReply(Running r) {
    if (done || !running.containsKey(r.id)) {
      return;
    }
    r.responded = false;
    if (staggerTimer == null && !policy.stagger().isZero() && hasCandidate()) {
      staggerFor = r;
      staggerTimer = scheduler.schedule(policy.stagger(), this::onStagger);
    }
  }

  private void run(Running r) {
    AttemptOutcome<T> outcome;
    try {
      outcome = attempt.attempt(r);
      if (outcome == null) {
        outcome = AttemptOutcome.unavailable("the attempt returned no outcome", null);
      }
    } catch (Exception | LinkageError | AssertionError e) {
      outcome = AttemptOutcome.unavailable(describe(e), e);
    }
    onAttemptDone(r, outcome);
  }

  private void onAttemptDone(Running r, AttemptOutcome<T> outcome) {
    T orphan = null;
    synchronized (this) {
      boolean live = running.remove(r.id) != null;
      if (done || !live) {
        if (outcome instanceof AttemptOutcome.Success<T> s) {
          orphan = s.value();
        }
      } else {
        handle(r, outcome);
      }
    }
    if (orphan != null) {
      discardQuietly(orphan);
    }
  }

  private void handle(Running r, AttemptOutcome<T> outcome) {
    Candidate c = r.candidate;
    if (outcome instanceof AttemptOutcome.Success<T> s) {
      record(r, AttemptRecord.Kind.SUCCESS, "served", null);
      cache.recordLatency(c.resolved, Duration.ofNanos(ticker.read() - r.startNanos));
      hostAnswered(c.resolved);
      HostAddress listed = group.listedEntry(c.resolved, protocol).orElse(null);
      if (listed != null) {
        if (intent.needsMaster()) {
          HostAddress previous = cache.master(group.name()).map(AffinityCache.CachedHost::host).orElse(null);
          if (cache.recordMaster(group.name(), listed, r.sequence, true)) {
            listener.masterChanged(group.name(), previous, listed);
          }
        } else {
          cache.recordLastGoodHost(group.name(), listed, r.sequence);
        }
      }
      finish(new FailoverResult.Served<>(s.value(), c.resolved, trace()));
    } else if (outcome instanceof AttemptOutcome.Referral<T> ref) {
      referralSeen = true;
      // A referral is a full answer (after the login): it measures the host as well as a success.
      cache.recordLatency(c.resolved, Duration.ofNanos(ticker.read() - r.startNanos));
      hostAnswered(c.resolved);
      onReferral(r, ref);
    } else if (outcome instanceof AttemptOutcome.Unavailable<T> u) {
      record(r, AttemptRecord.Kind.UNAVAILABLE, u.reason(), u.cause());
      if (u.marksHostDown()) {
        if (cache.markDown(c.resolved, u.reason())) {
          listener.hostMarkedDown(c.resolved, u.reason());
        }
        forgetAsPreferred(r);
      } else {
        hostAnswered(c.resolved);
      }
      launchNext();
    } else if (outcome instanceof AttemptOutcome.ReadOnly<T> ro) {
      readOnlySeen = true;
      cache.recordLatency(c.resolved, Duration.ofNanos(ticker.read() - r.startNanos));
      record(r, AttemptRecord.Kind.READ_ONLY, ro.reason(), null);
      hostAnswered(c.resolved);
      if (intent.needsMaster()) {
        forgetAsPreferred(r);
      }
      launchNext();
    } else if (outcome instanceof AttemptOutcome.Fatal<T> f) {
      record(r, AttemptRecord.Kind.FATAL, f.reason(), f.cause());
      hostAnswered(c.resolved);
      finish(failed(FailureKind.FATAL, f.cause()));
    }
  }

  private void onReferral(Running r, AttemptOutcome.Referral<T> ref) {
    HostAddress from = r.candidate.resolved;
    HostAddress target = group.resolve(ref.target(), protocol);
    String refusal = null;
    FailureKind stop = null;
    if (intent.followsReferrals() && group.mayReferTo(target, protocol) && isRunning(target)) {
      // The target is being tried right now (staggered attempts): wait for its answer.
      record(r, AttemptRecord.Kind.REFERRAL, "referral to " + target + ", already being tried", null);
      listener.referralFollowed(info, from, target);
      extendPath(from, target);
      return;
    }
    if (!intent.followsReferrals()) {
      refusal = "not followed: this client never follows referrals";
    } else if (!group.mayReferTo(target, protocol)) {
      refusal = "referral to " + target + " refused: not in group " + group.name() + " and not allowed";
    } else if (referredThisPass.contains(target) || target.equals(from)) {
      stop = FailureKind.REFERRAL_LOOP;
      refusal = "referral loop: " + target + " was already visited";
    } else if (triedThisPass.contains(target)) {
      // It failed already in this pass: the referring host points at a dead master. Not a loop: next host.
      refusal = "not followed: " + target + " already failed in this pass";
    } else if (hopsThisPass >= policy.maxReferralHops()) {
      stop = FailureKind.REFERRAL_HOP_LIMIT;
      refusal = "hop limit " + policy.maxReferralHops() + " reached";
    }
    referredThisPass.add(from);
    String detail = "referral to " + target + (ref.detail().isEmpty() ? "" : ": " + ref.detail());
    record(r, AttemptRecord.Kind.REFERRAL, refusal == null ? detail : detail + "; " + refusal, null);
    if (refusal != null) {
      // The referring host is not the master, and its pointer is not followed: forget it as preferred.
      forgetAsPreferred(r);
      listener.referralRefused(info, from, target, refusal);
      if (stop != null) {
        extendPath(from, target);
        finish(failed(stop, null));
      } else {
        launchNext();
      }
      return;
    }
    hopsFollowed++;
    hopsThisPass++;
    extendPath(from, target);
    listener.referralFollowed(info, from, target);
    Optional<HostAddress> listed = group.listedEntry(target, protocol);
    if (intent.needsMaster() && listed.isPresent()) {
      // The target replaces the referring host as the hint in one step: one change, not a drop and a set.
      HostAddress previous = cache.master(group.name()).map(AffinityCache.CachedHost::host).orElse(null);
      if (cache.recordMaster(group.name(), listed.get(), r.sequence, false)) {
        listener.masterChanged(group.name(), previous, listed.get());
      }
    } else {
      forgetAsPreferred(r);
    }
    Candidate next = new Candidate(listed.orElse(null), target, r.candidate.hop + 1, from);
    if (trustedMaster != null && from.equals(trustedMaster) && r.candidate.hop == 0 && lead == null) {
      // The trusted master was demoted: one operation (the first to hear it) confirms the new
      // master; the others that were already in flight on the old one wait for its finding.
      trustedMaster = null;
      DiscoveryFlights.Flight d = cache.flights().leadOrJoin(flightKey());
      if (d instanceof DiscoveryFlights.Lead l) {
        lead = l;
      } else {
        awaitingDiscovery = true;
        listener.discoveryJoined(info);
        ((DiscoveryFlights.Join) d).finding().whenComplete((finding, error) -> afterDemotedMasterDiscovery(finding, next));
        return;
      }
    }
    queue.addFirst(next);
    launchNext();
  }

  /** Ends this operation with the leader's failure when every joiner shares it (the whole group down, no master). */
  private boolean finishedWithSharedFailure(DiscoveryFlights.Finding finding) {
    if (finding == null || finding.sharedFailure() == null) {
      return false;
    }
    finish(new FailoverResult.Failed<>(finding.sharedFailure().kind(), null, finding.sharedFailure().trace()));
    return true;
  }

  /** Goes to the master the leader confirmed, or follows this operation's own referral when it found none. */
  private synchronized void afterDemotedMasterDiscovery(DiscoveryFlights.Finding finding, Candidate ownReferral) {
    awaitingDiscovery = false;
    if (done) {
      return;
    }
    if (finishedWithSharedFailure(finding)) {
      return;
    }
    Candidate next = ownReferral;
    if (finding != null && finding.master() != null) {
      HostAddress resolved = group.resolve(finding.master(), protocol);
      if (!resolved.equals(ownReferral.resolved) && !triedThisPass.contains(resolved)) {
        next = new Candidate(finding.master(), resolved, ownReferral.hop, ownReferral.referredBy);
      }
    }
    queue.addFirst(next);
    launchNext();
  }

  private boolean isRunning(HostAddress resolved) {
    for (Running r : running.values()) {
      if (r.candidate.resolved.equals(resolved)) {
        return true;
      }
    }
    return false;
  }

  private void extendPath(HostAddress from, HostAddress to) {
    if (referralPath.isEmpty() || !referralPath.get(referralPath.size() - 1).equals(from)) {
      referralPath.add(from);
    }
    referralPath.add(to);
  }

  /** The host answered like a live server: clear its down mark if it had one. */
  private void hostAnswered(HostAddress resolved) {
    if (cache.markUp(resolved)) {
      listener.hostMarkedUp(resolved);
    }
  }

  /** The host cannot be the preferred one any more: drop it from the cache (if the cache still says so). */
  private void forgetAsPreferred(Running r) {
    group.listedEntry(r.candidate.resolved, protocol).ifPresent(listed -> {
      if (intent.needsMaster()) {
        if (cache.dropMaster(group.name(), listed, r.sequence)) {
          listener.masterChanged(group.name(), listed, null);
        }
      } else {
        cache.dropLastGoodHost(group.name(), listed, r.sequence);
      }
    });
  }

  // ---- the end ------------------------------------------------------------------------------

  private FailoverResult.Failed<T> failed(FailureKind kind, Throwable cause) {
    return new FailoverResult.Failed<>(kind, cause, traceAfterCancelling(kind));
  }

  /** Records the attempts still running as cancelled, so the trace names every host. */
  private FailoverTrace traceAfterCancelling(FailureKind kind) {
    String why = kind == FailureKind.DEADLINE_EXCEEDED
        ? "no answer before the deadline (" + policy.deadline().toMillis() + " ms)"
        : "abandoned: the operation ended";
    for (Running r : running.values()) {
      record(r, AttemptRecord.Kind.CANCELLED, why, null);
    }
    return trace();
  }

  private void finish(FailoverResult<T> outcome) {
    done = true;
    cancel(staggerTimer);
    cancel(retryTimer);
    cancel(deadlineTimer);
    if (outcome instanceof FailoverResult.Served<T> s) {
      if (!running.isEmpty()) {
        for (Running r : running.values()) {
          record(r, AttemptRecord.Kind.CANCELLED, "another host answered first", null);
        }
        outcome = new FailoverResult.Served<>(s.value(), s.host(), trace());
      }
      retry.onResult(null);
    }
    markSilentHostsDown(outcome);
    // Closing a loser's resources can block (a library's close() waiting for its connect()):
    // never on this lock, never before the caller has its result.
    List<Running> losers = new ArrayList<>(running.values());
    running.clear();
    if (lead != null) {
      cache.flights().complete(lead, finding(outcome));
      lead = null;
    }
    if (outcome instanceof FailoverResult.Failed<T> f) {
      LOG.debug("group {} {} {}: {}", group.name(), protocol, intent, f.kind());
    }
    listener.operationEnd(info, outcome);
    result.complete(outcome);
    for (Running r : losers) {
      try {
        executor.execute(r::cancel);
      } catch (RejectedExecutionException e) {
        r.cancel();
      }
    }
  }

  /**
   * A host still silent when the operation ends, after at least the stagger
   * (another host answered first) or at the deadline, is treated as black-holed:
   * it gets a down mark, so the next operations do not wait for it again.
   */
  private void markSilentHostsDown(FailoverResult<T> outcome) {
    boolean deadline = outcome instanceof FailoverResult.Failed<T> f && f.kind() == FailureKind.DEADLINE_EXCEEDED;
    boolean served = outcome instanceof FailoverResult.Served<T>;
    if (!deadline && !served) {
      return;
    }
    long now = ticker.read();
    long stagger = policy.stagger().toNanos();
    for (Running r : running.values()) {
      long silentFor = now - r.startNanos;
      if (r.responded) {
        continue;
      }
      if (deadline || (stagger > 0 && silentFor >= stagger)) {
        String reason = "no answer in " + Duration.ofNanos(silentFor).toMillis() + " ms"
            + (served ? " while another host answered" : " before the deadline");
        if (cache.markDown(r.candidate.resolved, reason)) {
          listener.hostMarkedDown(r.candidate.resolved, reason);
        }
        forgetAsPreferred(r);
      }
    }
  }

  private DiscoveryFlights.Finding finding(FailoverResult<T> outcome) {
    if (outcome instanceof FailoverResult.Served<T> s) {
      return new DiscoveryFlights.Finding(group.listedEntry(s.host(), protocol).orElse(null), null);
    }
    FailoverResult.Failed<T> f = (FailoverResult.Failed<T>) outcome;
    boolean shared = f.kind() == FailureKind.ALL_UNAVAILABLE || f.kind() == FailureKind.NO_MASTER;
    return shared ? new DiscoveryFlights.Finding(null, f) : DiscoveryFlights.Finding.INCONCLUSIVE;
  }

  /** Cancels the operation from outside (the caller was interrupted). */
  public synchronized void abandon() {
    if (!done) {
      finish(failed(FailureKind.DEADLINE_EXCEEDED, null));
    }
  }

  private void record(Running r, AttemptRecord.Kind kind, String detail, Throwable cause) {
    if (r.recorded) {
      return;
    }
    r.recorded = true;
    Duration elapsed = Duration.ofNanos(ticker.read() - r.startNanos);
    AttemptRecord rec = new AttemptRecord(r.candidate.resolved, r.candidate.hop, kind, elapsed, detail, cause);
    records.add(rec);
    listener.attemptEnd(info, rec);
    LOG.debug("group {} {}: {}", group.name(), protocol, rec);
  }

  private FailoverTrace trace() {
    return new FailoverTrace(group.name(), intent, records, referralPath, hopsFollowed, referralSeen, pass,
        Duration.ofNanos(ticker.read() - startNanos));
  }

  private void discardQuietly(T value) {
    try {
      executor.execute(() -> discardNow(value));
    } catch (RejectedExecutionException e) {
      discardNow(value);
    }
  }

  private void discardNow(T value) {
    try {
      attempt.discard(value);
    } catch (RuntimeException e) {
      LOG.debug("discarding a late success failed", e);
    }
  }

  private static void cancel(Scheduler.Cancellable c) {
    if (c != null) {
      c.cancel();
    }
  }

  static String describe(Throwable t) {
    String m = t.getMessage();
    String name = t.getClass().getSimpleName();
    return m == null || m.isBlank() ? name : name + ": " + m;
  }

  private record Candidate(HostAddress listed, HostAddress resolved, int hop, HostAddress referredBy) {}

  /** A running attempt; also its {@link AttemptContext}. */
  private final class Running implements AttemptContext {
    final long id;
    final Candidate candidate;
    final long sequence;
    final long startNanos;
    boolean recorded;
    volatile boolean responded;
    Scheduler.Cancellable rateWait;
    private final List<AutoCloseable> resources = new ArrayList<>();
    private volatile boolean cancelled;

    Running(long id, Candidate candidate, long sequence, long startNanos) {
      this.id = id;
      this.candidate = candidate;
      this.sequence = sequence;
      this.startNanos = startNanos;
    }

    void cancel() {
      if (rateWait != null) {
        rateWait.cancel();
      }
      List<AutoCloseable> toClose;
      synchronized (resources) {
        cancelled = true;
        toClose = new ArrayList<>(resources);
        resources.clear();
      }
      toClose.forEach(FailoverOperation::closeQuietly);
    }

    @Override
    public HostAddress host() {
      return candidate.resolved;
    }

    @Override
    public InetSocketAddress socketAddress() throws UnknownHostException {
      HostAddress h = candidate.resolved;
      java.util.List<java.net.InetAddress> addresses = resolver.resolve(h.host());
      if (addresses.isEmpty()) {
        throw new UnknownHostException(h.host() + ": resolver returned no address");
      }
      return new InetSocketAddress(addresses.get(0), h.port().orElseThrow());
    }

    @Override
    public ReplicationGroup group() {
      return group;
    }

    @Override
    public Protocol protocol() {
      return protocol;
    }

    @Override
    public Intent intent() {
      return intent;
    }

    @Override
    public Optional<HostAddress> referredBy() {
      return Optional.ofNullable(candidate.referredBy);
    }

    @Override
    public int hop() {
      return candidate.hop;
    }

    @Override
    public Duration connectTimeout() {
      return min(policy.connectTimeout(), timeLeft());
    }

    @Override
    public Duration responseTimeout() {
      return min(policy.responseTimeout(), timeLeft());
    }

    @Override
    public Duration timeLeft() {
      long left = deadlineNanos - ticker.read();
      return Duration.ofNanos(Math.max(0, left));
    }

    @Override
    public void hostResponded() {
      if (!responded) {
        onResponded(this);
      }
    }

    @Override
    public void awaitingReply() {
      onAwaitingReply(this);
    }

    @Override
    public boolean isCancelled() {
      return cancelled;
    }

    @Override
    public void onCancel(AutoCloseable resource) {
      synchronized (resources) {
        if (!cancelled) {
          resources.add(resource);
          return;
        }
      }
      closeQuietly(resource);
    }

    private Duration min(Duration a, Duration left) {
      Duration m = a.compareTo(left) <= 0 ? a : left;
      // Socket APIs read 0 as "infinite": never hand out less than a millisecond.
      return m.compareTo(Duration.ofMillis(1)) < 0 ? Duration.ofMillis(1) : m;
    }
  }

  private static void closeQuietly(AutoCloseable c) {
    try {
      c.close();
    } catch (Exception e) {
      LOG.trace("closing an abandoned attempt's resource failed", e);
    }
  }
}
