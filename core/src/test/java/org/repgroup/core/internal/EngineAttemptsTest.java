package org.repgroup.core.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.repgroup.core.AffinityCache;
import org.repgroup.core.AttemptRecord;
import org.repgroup.core.FailoverPolicy;
import org.repgroup.core.FailoverResult;
import org.repgroup.core.HostAddress;
import org.repgroup.core.Intent;
import org.repgroup.core.Protocol;
import org.repgroup.core.ReplicationGroup;
import org.repgroup.core.RepgroupResources;
import org.repgroup.core.StoreHostList;
import org.repgroup.core.spi.Attempt;
import org.repgroup.core.spi.AttemptContext;
import org.repgroup.core.spi.AttemptOutcome;
import org.repgroup.core.spi.FailoverEngine;
import org.repgroup.core.time.ManualClock;

/** How the engine runs attempts: every address of a name, the caller's thread, whatever an attempt throws. */
@Timeout(20)
class EngineAttemptsTest {

  static final HostAddress H1 = HostAddress.of("h1.example.com", 143);
  static final HostAddress H2 = HostAddress.of("h2.example.com", 143);
  static final Duration STAGGER = Duration.ofMillis(250);

  final ManualClock clock = new ManualClock();
  final AffinityCache cache = AffinityCache.builder().ticker(clock).build();
  final ReplicationGroup group = ReplicationGroup.builder("store1", StoreHostList.of(H1, H2)).build();
  final List<InetSocketAddress> tried = new CopyOnWriteArrayList<>();
  InetAddress first;
  InetAddress second;
  RepgroupResources resources;
  FailoverPolicy policy = FailoverPolicy.builder().stagger(STAGGER).retryJitter(0).maxPasses(1).build();

  @BeforeEach
  void setUp() throws Exception {
    first = InetAddress.getByAddress("h1.example.com", new byte[] {127, 0, 0, 11});
    second = InetAddress.getByAddress("h1.example.com", new byte[] {127, 0, 0, 12});
    InetAddress h2 = InetAddress.getByAddress("h2.example.com", new byte[] {127, 0, 0, 21});
    resources = RepgroupResources.builder().ticker(clock).scheduler(clock).affinityCache(cache)
        .resolver(name -> name.equals("h1.example.com") ? List.of(first, second) : List.of(h2)).build();
  }

  @AfterEach
  void tearDown() {
    resources.close();
  }

  /** Resolves, records the address, and answers per address with {@code behaviour}. */
  Attempt<String> byAddress(java.util.function.BiFunction<InetSocketAddress, AttemptContext, AttemptOutcome<String>>
      behaviour) {
    return ctx -> {
      InetSocketAddress a;
      try {
        a = ctx.socketAddress();
      } catch (UnknownHostException e) {
        return AttemptOutcome.unavailable("unknown host", e);
      }
      tried.add(a);
      return behaviour.apply(a, ctx);
    };
  }

  static AttemptOutcome<String> hangUntilCancelled(AttemptContext ctx) {
    CountDownLatch cancelled = new CountDownLatch(1);
    ctx.onCancel(cancelled::countDown);
    try {
      cancelled.await(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    return AttemptOutcome.unavailable("cancelled", null);
  }

  static void await(java.util.function.BooleanSupplier condition, String what) {
    FailoverEngineTest.await(condition, what);
  }

  @Test
  void refusedFirstAddressOfANameIsFollowedByItsSecondBeforeTheNextHost() throws Exception {
    Attempt<String> a = byAddress((addr, ctx) -> addr.getAddress().equals(first)
        ? AttemptOutcome.unavailable("connection refused", null) : AttemptOutcome.success("on " + addr));

    FailoverResult<String> r = new FailoverEngine(resources, policy).execute(group, Protocol.IMAP, Intent.WRITE, a);

    assertThat(r).isInstanceOfSatisfying(FailoverResult.Served.class, s -> assertThat(s.host()).isEqualTo(H1));
    assertThat(tried).extracting(InetSocketAddress::getAddress).containsExactly(first, second);
    assertThat(cache.health(H1)).as("one address answered: the host is up").isEqualTo(AffinityCache.HostHealth.UP);
  }

  @Test
  void blackHoledFirstAddressLetsTheSecondStartAfterTheStagger() throws Exception {
    Attempt<String> a = byAddress((addr, ctx) -> addr.getAddress().equals(first) ? hangUntilCancelled(ctx)
        : AttemptOutcome.success("on " + addr));
    CompletableFuture<FailoverResult<String>> f = new FailoverEngine(resources, policy)
        .executeAsync(group, Protocol.IMAP, Intent.WRITE, a);
    await(() -> tried.size() == 1, "the first address tried");

    clock.advance(STAGGER);

    assertThat(f.get(5, TimeUnit.SECONDS)).isInstanceOfSatisfying(FailoverResult.Served.class, s -> {
      assertThat(s.host()).isEqualTo(H1);
      assertThat(s.trace().elapsed()).isEqualTo(STAGGER);
    });
    assertThat(tried).extracting(InetSocketAddress::getAddress).containsExactly(first, second);
  }

  @Test
  void hostIsMarkedDownOnlyWhenEveryAddressFailed() throws Exception {
    Attempt<String> a = byAddress((addr, ctx) -> addr.getAddress().equals(first) || addr.getAddress().equals(second)
        ? AttemptOutcome.unavailable("connection refused", null) : AttemptOutcome.success("on h2"));

    FailoverResult<String> r = new FailoverEngine(resources, policy).execute(group, Protocol.IMAP, Intent.WRITE, a);

    assertThat(r).isInstanceOfSatisfying(FailoverResult.Served.class, s -> {
      assertThat(s.host()).isEqualTo(H2);
      assertThat(s.trace().attempts()).extracting(AttemptRecord::host).containsExactly(H1, H1, H2);
    });
    assertThat(tried).hasSize(3);
    assertThat(cache.health(H1)).isEqualTo(AffinityCache.HostHealth.DOWN);
  }

  @Test
  void attemptThatThrowsAnErrorEndsOnlyThatAttempt() throws Exception {
    // A hostile host can make a protocol library allocate until the heap is gone: the error ends
    // that attempt as unavailable, and the next host serves.
    policy = policy.toBuilder().stagger(Duration.ZERO).build();
    Attempt<String> a = ctx -> {
      if (ctx.host().equals(H1)) {
        throw new OutOfMemoryError("Java heap space (a 1.5 GB literal)");
      }
      return AttemptOutcome.success("on h2");
    };

    FailoverResult<String> r = new FailoverEngine(resources, policy).execute(group, Protocol.IMAP, Intent.WRITE, a);

    assertThat(r).isInstanceOfSatisfying(FailoverResult.Served.class, s -> {
      assertThat(s.host()).isEqualTo(H2);
      assertThat(s.trace().attempts().get(0).detail()).contains("OutOfMemoryError");
    });
  }

  @Test
  void blockingCallRunsItsFirstAttemptOnTheCallersThread() throws Exception {
    AtomicReference<Thread> ranOn = new AtomicReference<>();
    Attempt<String> a = ctx -> {
      ranOn.set(Thread.currentThread());
      return AttemptOutcome.success("here");
    };

    new FailoverEngine(resources, policy).execute(group, Protocol.IMAP, Intent.WRITE, a);

    assertThat(ranOn.get()).isSameAs(Thread.currentThread());
  }

  @Test
  void callerStuckInASilentFirstHostIsFreedWhenAStaggeredAttemptWins() throws Exception {
    // The first attempt blocks the caller's thread; the stagger starts H2 on an attempt thread; when H2
    // wins, the caller's attempt is cancelled (its resources closed) and the caller returns H2's result.
    Attempt<String> a = ctx -> ctx.host().equals(H1) ? hangUntilCancelled(ctx) : AttemptOutcome.success("on h2");
    CompletableFuture<FailoverResult<String>> caller = CompletableFuture.supplyAsync(() -> {
      try {
        return new FailoverEngine(resources, policy).execute(group, Protocol.IMAP, Intent.WRITE, a);
      } catch (InterruptedException e) {
        throw new IllegalStateException(e);
      }
    });
    await(() -> clock.pendingTasks() >= 2, "the stagger armed");

    clock.advance(STAGGER);

    assertThat(caller.get(5, TimeUnit.SECONDS)).isInstanceOfSatisfying(FailoverResult.Served.class,
        s -> assertThat(s.host()).isEqualTo(H2));
  }

  // Three hosts of one address each, for the tests of which thread runs what.
  static final HostAddress A = HostAddress.of("a.example.com", 143);
  static final HostAddress B = HostAddress.of("b.example.com", 143);
  static final HostAddress C = HostAddress.of("c.example.com", 143);
  final ReplicationGroup abc = ReplicationGroup.builder("store2", StoreHostList.of(A, B, C)).build();

  @Test
  void failoverToTheNextHostRunsOnTheCallersThread() throws Exception {
    java.util.Map<HostAddress, Thread> ranOn = new java.util.concurrent.ConcurrentHashMap<>();
    Attempt<String> a = ctx -> {
      ranOn.put(ctx.host(), Thread.currentThread());
      return ctx.host().equals(A) ? AttemptOutcome.unavailable("refused", null) : AttemptOutcome.success("on b");
    };

    FailoverResult<String> r = new FailoverEngine(resources, policy).execute(abc, Protocol.IMAP, Intent.WRITE, a);

    assertThat(r).isInstanceOfSatisfying(FailoverResult.Served.class, s -> assertThat(s.host()).isEqualTo(B));
    assertThat(ranOn).containsOnlyKeys(A, B);
    assertThat(ranOn.values()).allSatisfy(t -> assertThat(t).isSameAs(Thread.currentThread()));
  }

  @Test
  void followedReferralRunsOnTheCallersThread() throws Exception {
    java.util.Map<HostAddress, Thread> ranOn = new java.util.concurrent.ConcurrentHashMap<>();
    Attempt<String> a = ctx -> {
      ranOn.put(ctx.host(), Thread.currentThread());
      return ctx.host().equals(A) ? AttemptOutcome.referral(C, "the master") : AttemptOutcome.success("on c");
    };

    FailoverResult<String> r = new FailoverEngine(resources, policy).execute(abc, Protocol.IMAP, Intent.WRITE, a);

    assertThat(r).isInstanceOfSatisfying(FailoverResult.Served.class, s -> assertThat(s.host()).isEqualTo(C));
    assertThat(ranOn).containsOnlyKeys(A, C);
    assertThat(ranOn.values()).allSatisfy(t -> assertThat(t).isSameAs(Thread.currentThread()));
  }

  @Test
  void callerStuckInItsSecondHostIsFreedWhenAStaggeredAttemptWins() throws Exception {
    // A refuses at once; B, run on the caller's thread, stays silent; the stagger starts C on an
    // attempt thread (never the stuck caller's); C wins and the caller returns C's result.
    java.util.Map<HostAddress, Thread> ranOn = new java.util.concurrent.ConcurrentHashMap<>();
    AtomicReference<Thread> callerThread = new AtomicReference<>();
    Attempt<String> a = ctx -> {
      ranOn.put(ctx.host(), Thread.currentThread());
      if (ctx.host().equals(A)) {
        return AttemptOutcome.unavailable("refused", null);
      }
      return ctx.host().equals(B) ? hangUntilCancelled(ctx) : AttemptOutcome.success("on c");
    };
    CompletableFuture<FailoverResult<String>> caller = CompletableFuture.supplyAsync(() -> {
      callerThread.set(Thread.currentThread());
      try {
        return new FailoverEngine(resources, policy).execute(abc, Protocol.IMAP, Intent.WRITE, a);
      } catch (InterruptedException e) {
        throw new IllegalStateException(e);
      }
    });
    await(() -> ranOn.containsKey(B) && clock.pendingTasks() >= 2, "B started and the stagger armed");

    clock.advance(STAGGER);

    assertThat(caller.get(5, TimeUnit.SECONDS)).isInstanceOfSatisfying(FailoverResult.Served.class,
        s -> assertThat(s.host()).isEqualTo(C));
    assertThat(ranOn.get(B)).isSameAs(callerThread.get());
    assertThat(ranOn.get(C)).isNotSameAs(callerThread.get());
  }
}
