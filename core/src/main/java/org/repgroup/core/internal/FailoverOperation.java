package org.repgroup.core.internal;

import io.github.resilience4j.retry.Retry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicLong;
import org.repgroup.core.AttemptRecord;
import org.repgroup.core.FailoverListener;
import org.repgroup.core.FailoverPolicy;
import org.repgroup.core.FailoverResult;
import org.repgroup.core.FailureKind;
import org.repgroup.core.HostAddress;
import org.repgroup.core.Intent;
import org.repgroup.core.OperationInfo;
import org.repgroup.core.Protocol;
import org.repgroup.core.ReplicationGroup;
import org.repgroup.core.RepgroupResources;
import org.repgroup.core.internal.AttemptRun.Target;
import org.repgroup.core.internal.ReferralRules.TargetState;
import org.repgroup.core.spi.Attempt;
import org.repgroup.core.spi.AttemptOutcome;
import org.repgroup.core.time.Scheduler;
import org.repgroup.core.time.Ticker;

/**
 * One operation through the engine: the loop and its state. Every decision
 * comes from a pure rule beside it — {@link HostOrder} (which host next),
 * {@link ReferralRules} (follow a referral?), {@link PassDecision} (another
 * pass?) — and every write to the shared cache goes through {@link GroupState}.
 *
 * <p>Event driven under one lock: attempt completions (attempt threads, or the
 * caller's thread for the first attempt of a blocking call) and timers
 * (stagger, retry, deadline) move it through its {@link OperationPhase}s; the caller
 * waits on {@link #result}. Listener events fire under that lock.
 */
public final class FailoverOperation<T> implements AttemptRun.Owner, AttemptLauncher.Owner<T> {

  private static final AtomicLong IDS = new AtomicLong();
  private static final Exception PASS_FAILED = new Exception("every host of the pass failed", null, false, false) {
    private static final long serialVersionUID = 1L;
  };


  private final ReplicationGroup group;
  private final Protocol protocol;
  private final Intent intent;
  private final Attempt<T> attempt;
  private final FailoverPolicy policy;
  private final GroupState state;
  private final FailoverListener listener;
  private final Ticker ticker;
  private final Scheduler scheduler;
  private final Executor executor;
  private final Retry retryPolicy;
  private final OperationInfo info;
  private final OperationTrail trail;
  private final AttemptRun.Settings settings;
  private final long startNanos;
  private final AttemptLauncher<T> launcher;

  /** Completes exactly once, never exceptionally. */
  public final CompletableFuture<FailoverResult<T>> result = new CompletableFuture<>();

  // Guarded by this.
  private OperationPhase phase = OperationPhase.PASS;
  private int pass;
  private boolean hostAnswered;
  private boolean attemptFailed;
  private boolean deadlinePassed;
  private boolean readOnlySeen;
  private final PassQueue queue = new PassQueue();
  // Few at a time (the first host, maybe a staggered one): a list, no boxed keys.
  private final List<AttemptRun> running = new ArrayList<>(2);
  /** Made at the first failed pass: most operations never need one. */
  private Retry.AsyncContext<Object> retry;
  private long nextAttemptId;
  private final Stagger stagger;
  private final SingleFlight flight;
  private Scheduler.Cancellable retryTimer;
  private Scheduler.Cancellable deadlineTimer;

  /**
   * An operation on {@code resources}. With {@code callerRuns}, the first attempt
   * started by {@link #start()} is left for the caller to run with
   * {@link #runCallerAttempt()} instead of being handed to a thread.
   */
  public FailoverOperation(RepgroupResources resources, FailoverPolicy policy, Retry retry,
      ReplicationGroup group, Protocol protocol, Intent intent, Attempt<T> attempt, boolean callerRuns) {
    this.group = group;
    this.protocol = protocol;
    this.intent = intent;
    this.attempt = attempt;
    this.policy = policy;
    this.listener = resources.listener();
    this.state = new GroupState(AffinityStore.of(resources.affinityCache()), listener, group, protocol, intent);
    this.ticker = resources.ticker();
    this.scheduler = resources.scheduler();
    this.executor = resources.attemptExecutor();
    this.retryPolicy = retry;
    this.info = new OperationInfo(IDS.incrementAndGet(), group.name(), protocol, intent);
    this.trail = new OperationTrail(info, intent, listener);
    this.startNanos = ticker.read();
    this.settings = new AttemptRun.Settings(group, protocol, intent, resources.resolver(), ticker,
        policy.connectTimeout(), policy.responseTimeout(), startNanos + policy.deadline().toNanos());
    this.launcher = new AttemptLauncher<>(attempt, executor, scheduler, this, callerRuns);
    this.stagger = new Stagger(scheduler, policy.stagger(), this::onStagger);
    this.flight = new SingleFlight(state.store().flights(), group, protocol, intent.needsMaster());
  }

  /** Starts the operation: a pass at once, or a wait for the discovery another operation leads. */
  public void start() {
    listener.operationStart(info);
    synchronized (this) {
      launcher.starting(true);
      deadlineTimer = scheduler.schedule(policy.deadline(), this::onDeadline);
      HostAddress trusted = intent.needsMaster() ? state.trustedMaster(policy.masterTrust().toNanos()) : null;
      flight.trust(trusted);
      boolean discover = intent.needsMaster() ? trusted == null : !state.goodHostKnown();
      if (discover) {
        discover();
      } else {
        beginPass();
      }
      launcher.starting(false);
    }
  }

  /**
   * Runs the attempts left for the caller (blocking calls only): the one {@link #start()}
   * left, then each next host started as the caller's attempt ended, until none is left.
   */
  public void runCallerAttempt() {
    while (true) {
      AttemptRun r;
      synchronized (this) {
        r = launcher.takeCallerAttempt();
      }
      if (r == null) {
        return;
      }
      launcher.runOnCaller(r);
    }
  }

  /** Leads the group's discovery (then runs the pass) or joins the one under way. */
  private void discover() {
    CompletableFuture<DiscoveryFlights.Finding> joined = flight.leadOrJoin();
    if (joined == null) {
      beginPass();
    } else {
      join(joined, null);
    }
  }

  private void join(CompletableFuture<DiscoveryFlights.Finding> joined, Target ownReferral) {
    phase = OperationPhase.DISCOVERING;
    listener.discoveryJoined(info);
    joined.whenComplete((finding, error) -> onFinding(finding, ownReferral));
  }

  /**
   * What a discovery we waited for found. {@code ownReferral} is the referral this
   * operation heard from its demoted trusted master, followed when the leader
   * found nothing better.
   */
  private synchronized void onFinding(DiscoveryFlights.Finding finding, Target ownReferral) {
    if (phase == OperationPhase.DONE) {
      return;
    }
    flight.found(finding);
    switch (SingleFlight.afterFinding(finding, ownReferral != null, timeLeft(), policy.retryInitialBackoff())) {
      case FINISH_SHARED -> finish(SingleFlight.shared(finding));
      case REDISCOVER -> discover();
      case BEGIN_PASS -> beginPass();
      case RESUME -> {
        phase = OperationPhase.PASS;
        HostAddress found = flight.discoveredMaster();
        HostAddress resolved = found == null ? null : group.resolve(found, protocol);
        boolean better = resolved != null && !resolved.equals(ownReferral.resolved())
            && queue.state(resolved) == TargetState.NOT_TRIED;
        queue.addFirst(better ? new Target(found, resolved, 0, ownReferral.chain()) : ownReferral);
        launchNext();
      }
    }
  }


  private void beginPass() {
    phase = OperationPhase.PASS;
    pass++;
    readOnlySeen = false;
    HostOrder.Plan plan = state.planPass(flight.discoveredMaster(), attempt.prober().isPresent(), policy);
    queue.reset(plan.candidates(), plan.claimWhenReached());
    for (HostOrder.Entry e : plan.sideRechecks()) {
      if (state.tryAcquireRecheck(e.resolved())) {
        SideRecheck.run(attempt.prober().orElseThrow(), newRun(-1, new Target(e.listed(), e.resolved(), 0,
            List.of())), state, executor);
      }
    }
    launchNext();
  }

  private void launchNext() {
    if (phase != OperationPhase.PASS) {
      return;
    }
    stagger.cancel();
    Target next = queue.poll(state::tryAcquireRecheck);
    if (next == null) {
      if (running.isEmpty()) {
        passExhausted();
      }
      return;
    }
    AttemptRun started = startAttempt(next);
    if (started != null) {
      stagger.arm(started, queue.hasNext());
    }
  }

  /** The stagger fired (on the scheduler's thread): the next host starts beside the silent one. */
  private synchronized void onStagger(long token) {
    if (phase != OperationPhase.DONE && stagger.fired(token)) {
      launchNext();
    }
  }

  private void passExhausted() {
    if (retry == null) {
      retry = retryPolicy.asyncContext();
    }
    long delayMillis = retry.onError(PASS_FAILED);
    PassDecision.Next next = PassDecision.afterPass(new PassDecision.Evidence(intent.needsMaster(),
        group.deploymentMode().canElect(), readOnlySeen, hostAnswered, pass, policy.maxPasses(),
        delayMillis < 0 ? null : Duration.ofMillis(delayMillis), timeLeft()));
    if (next instanceof PassDecision.Fail f) {
      finish(failed(f.kind()));
    } else if (next instanceof PassDecision.Retry r) {
      phase = OperationPhase.WAITING_TO_RETRY;
      listener.retryScheduled(info, pass + 1, r.delay());
      retryTimer = scheduler.schedule(r.delay(), this::onRetryTimer);
    }
  }

  private synchronized void onRetryTimer() {
    if (phase == OperationPhase.WAITING_TO_RETRY) {
      retryTimer = null;
      beginPass();
    }
  }

  private synchronized void onDeadline() {
    if (phase != OperationPhase.DONE) {
      deadlinePassed = true;
      FailureKind kind = running.isEmpty() && phase != OperationPhase.DISCOVERING
          ? PassDecision.exhausted(intent.needsMaster(), hostAnswered)
          : PassDecision.atDeadline(intent.needsMaster(), hostAnswered, attemptFailed);
      finish(failed(kind));
    }
  }

  private Duration timeLeft() {
    return Duration.ofNanos(Math.max(0, settings.deadlineNanos() - ticker.read()));
  }


  private AttemptRun newRun(long id, Target t) {
    return new AttemptRun(id, t, state.nextSequence(), ticker.read(), settings, this);
  }

  private AttemptRun startAttempt(Target t) {
    queue.started(t);
    AttemptRun r = newRun(nextAttemptId++, t);
    running.add(r);
    listener.attemptStart(info, t.resolved(), t.hop());
    return launcher.launch(r, state.reserveConnection(t.resolved()), timeLeft()) ? r : null;
  }

  @Override
  public boolean stillWanted(AttemptRun r) {
    return phase != OperationPhase.DONE && running.contains(r);
  }

  @Override
  public void couldNotStart(AttemptRun r, String reason, Throwable cause) {
    running.remove(r);
    queue.ended(r.target.resolved(), TargetState.FAILED);
    trail.attemptEnded(r, AttemptRecord.Kind.UNAVAILABLE, reason, cause);
    launchNext();
  }

  @Override
  public synchronized boolean completed(AttemptRun r, AttemptOutcome<T> outcome) {
    boolean live = running.remove(r) && phase != OperationPhase.DONE;
    if (live) {
      handle(r, outcome);
    }
    return live;
  }

  @Override
  public synchronized void responded(AttemptRun r) {
    r.responded = true;
    if (phase != OperationPhase.DONE) {
      stagger.answered(r);
    }
  }

  @Override
  public synchronized void awaitingReply(AttemptRun r) {
    if (phase == OperationPhase.PASS && running.contains(r)) {
      r.awaiting();
      stagger.arm(r, queue.hasNext());
    }
  }

  @Override
  public synchronized void resolved(AttemptRun r, int addresses) {
    // The name has more addresses: the next one is tried before the next host, under the same stagger.
    if (phase == OperationPhase.PASS && running.contains(r) && queue.offerNextAddress(r.target, addresses)) {
      stagger.arm(r, true);
    }
  }

  private void handle(AttemptRun r, AttemptOutcome<T> outcome) {
    HostAddress host = r.target.resolved();
    queue.ended(host, outcome instanceof AttemptOutcome.Referral ? TargetState.REFERRED : TargetState.FAILED);
    if (outcome instanceof AttemptOutcome.Success<T> s) {
      trail.attemptEnded(r, AttemptRecord.Kind.SUCCESS, "served", null);
      state.answeredIn(r, true);
      state.served(host, r.sequence);
      finish(new FailoverResult.Served<>(s.value(), host, trace()));
    } else if (outcome instanceof AttemptOutcome.Referral<T> ref) {
      trail.referralSeen();
      hostAnswered = true;
      state.answeredIn(r, true);
      onReferral(r, ref);
    } else if (outcome instanceof AttemptOutcome.Unavailable<T> u) {
      trail.attemptEnded(r, AttemptRecord.Kind.UNAVAILABLE, u.reason(), u.cause());
      attemptFailed = true;
      if (!u.marksHostDown()) {
        hostAnswered = true;
        state.answeredIn(r, false);
      } else if (!queue.anotherAddressPending(host, running)) {
        state.down(host, u.reason(), r.sequence);
      }
      launchNext();
    } else if (outcome instanceof AttemptOutcome.ReadOnly<T> ro) {
      trail.attemptEnded(r, AttemptRecord.Kind.READ_ONLY, ro.reason(), null);
      readOnlySeen = true;
      hostAnswered = true;
      state.answeredIn(r, true);
      if (intent.needsMaster()) {
        state.forgetAsPreferred(host, r.sequence);
      }
      launchNext();
    } else if (outcome instanceof AttemptOutcome.Fatal<T> f) {
      trail.attemptEnded(r, AttemptRecord.Kind.FATAL, f.reason(), f.cause());
      state.answeredIn(r, false);
      finish(new FailoverResult.Failed<>(FailureKind.FATAL, f.why(), f.cause(), trace()));
    }
  }

  private void onReferral(AttemptRun r, AttemptOutcome.Referral<T> ref) {
    HostAddress from = r.target.resolved();
    HostAddress to = group.resolve(ref.target(), protocol);
    ReferralRules.Decision d = ReferralRules.decide(new ReferralRules.Referral(group.name(),
        intent.followsReferrals(), group.mayReferTo(to, protocol), r.target.chainThroughHere(), to,
        queue.state(to), policy.maxReferralHops(), attemptFailed));
    String detail = "referral to " + to + (ref.detail().isEmpty() ? "" : ": " + ref.detail());
    if (d instanceof ReferralRules.AwaitRunning) {
      trail.attemptEnded(r, AttemptRecord.Kind.REFERRAL, "referral to " + to + ", already being tried", null);
      listener.referralFollowed(info, from, to);
      trail.extendPath(from, to);
      return;
    }
    String refusal = d instanceof ReferralRules.NotFollowed n ? n.reason()
        : d instanceof ReferralRules.Stop st ? st.reason() : null;
    if (refusal != null) {
      trail.attemptEnded(r, AttemptRecord.Kind.REFERRAL, detail + "; " + refusal, null);
      // The referring host is not the master and its pointer is not followed: forget it as preferred.
      state.forgetAsPreferred(from, r.sequence);
      listener.referralRefused(info, from, to, refusal);
      if (d instanceof ReferralRules.Stop st) {
        trail.extendPath(from, to);
        finish(failed(st.kind()));
      } else {
        launchNext();
      }
      return;
    }
    trail.attemptEnded(r, AttemptRecord.Kind.REFERRAL, detail, null);
    trail.referralFollowed(from, to);
    listener.referralFollowed(info, from, to);
    Target next = new Target(state.followed(from, to, r.sequence), to, 0, r.target.chainThroughHere());
    if (flight.demoted(from, r.target.hop())) {
      // The trusted master was demoted: one operation (the first to hear it) confirms the new master;
      // the others already in flight on the old one wait for its finding.
      CompletableFuture<DiscoveryFlights.Finding> joined = flight.leadOrJoin();
      if (joined != null) {
        join(joined, next);
        return;
      }
    }
    queue.addFirst(next);
    launchNext();
  }


  private FailoverResult.Failed<T> failed(FailureKind kind) {
    String why = deadlinePassed ? "no answer before the deadline (" + policy.deadline().toMillis() + " ms)"
        : "abandoned: the operation ended";
    trail.cancelled(running, why);
    return new FailoverResult.Failed<>(kind, trace());
  }

  private void finish(FailoverResult<T> outcome) {
    phase = OperationPhase.DONE;
    stagger.cancel();
    Stagger.cancel(retryTimer);
    Stagger.cancel(deadlineTimer);
    if (outcome instanceof FailoverResult.Served<T> s && !running.isEmpty()) {
      trail.cancelled(running, "another host answered first");
      outcome = new FailoverResult.Served<>(s.value(), s.host(), trace());
    }
    state.markSilentHostsDown(running, outcome instanceof FailoverResult.Served<T>, deadlinePassed,
        policy.stagger());
    // Closing a loser's resources can block (a library's close() waiting for its connect()):
    // never on this lock, never before the caller has its result.
    List<AttemptRun> losers = running.isEmpty() ? List.of() : new ArrayList<>(running);
    running.clear();
    flight.complete(outcome, group, protocol, policy.maxPasses() > 0 && pass >= policy.maxPasses());
    trail.logEnd(outcome);
    listener.operationEnd(info, outcome);
    result.complete(outcome);
    AttemptRun.cancelAll(losers, executor);
  }

  /** Cancels the operation from outside (the caller was interrupted). */
  public synchronized void abandon() {
    if (phase != OperationPhase.DONE) {
      finish(failed(FailureKind.DEADLINE_EXCEEDED));
    }
  }

  private org.repgroup.core.FailoverTrace trace() {
    return trail.trace(pass, Duration.ofNanos(ticker.read() - startNanos));
  }
}
