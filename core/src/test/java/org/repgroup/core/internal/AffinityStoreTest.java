package org.repgroup.core.internal;

import org.repgroup.core.AffinityCache;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.repgroup.core.HostAddress;
import org.repgroup.core.time.ManualClock;

@Timeout(10)
class AffinityStoreTest {

  static final HostAddress H1 = HostAddress.of("h1", 143);
  static final HostAddress H2 = HostAddress.of("h2", 143);

  final ManualClock clock = new ManualClock();
  final AffinityStore cache = AffinityStore.of(AffinityCache.builder().ticker(clock)
      .recheckInterval(Duration.ofSeconds(30)).entryTtl(Duration.ofMinutes(10)).build());

  @Test
  void lateAnswerFromAnOlderAttemptCannotFlipTheMasterBack() {
    long olderAttempt = cache.nextSequence();
    long newerAttempt = cache.nextSequence();

    cache.recordMaster("g", H2, newerAttempt, true);
    boolean changed = cache.recordMaster("g", H1, olderAttempt, true);

    assertThat(changed).isFalse();
    assertThat(cache.master("g")).hasValueSatisfying(m -> assertThat(m.host()).isEqualTo(H2));
  }

  @Test
  void failureSeenByAnOlderAttemptDoesNotDropANewerConfirmation() {
    long older = cache.nextSequence();
    cache.recordMaster("g", H1, cache.nextSequence(), true);

    assertThat(cache.dropMaster("g", H1, older)).isFalse();
    assertThat(cache.master("g")).isPresent();
  }

  @Test
  void referralHintIsUnconfirmedUntilASuccess() {
    cache.recordMaster("g", H2, cache.nextSequence(), false);
    assertThat(cache.master("g").orElseThrow().confirmed()).isFalse();

    cache.recordMaster("g", H2, cache.nextSequence(), true);
    assertThat(cache.master("g").orElseThrow().confirmed()).isTrue();
  }

  @Test
  void cachedMasterExpiresAfterItsTtl() {
    cache.recordMaster("g", H1, cache.nextSequence(), true);

    clock.advance(Duration.ofMinutes(10));

    assertThat(cache.master("g")).isEmpty();
  }

  @Test
  void cachedMasterReadOftenStillExpiresItsTtlAfterItsLastWrite() {
    cache.recordMaster("g", H1, cache.nextSequence(), false);
    for (int minute = 1; minute < 10; minute++) {
      clock.advance(Duration.ofMinutes(1));
      assertThat(cache.master("g")).isPresent();
    }

    clock.advance(Duration.ofMinutes(1));

    assertThat(cache.master("g")).isEmpty();
  }

  @Test
  void everyWriteRenewsTheCachedMastersTtl() {
    cache.recordMaster("g", H1, cache.nextSequence(), true);
    clock.advance(Duration.ofMinutes(9));
    cache.recordMaster("g", H1, cache.nextSequence(), true);

    clock.advance(Duration.ofMinutes(9));

    assertThat(cache.master("g")).hasValueSatisfying(m -> assertThat(m.host()).isEqualTo(H1));
  }

  @Test
  void anExpiredMastersSequenceNoLongerBlocksAnOlderObservation() {
    long older = cache.nextSequence();
    cache.recordMaster("g", H2, cache.nextSequence(), true);
    clock.advance(Duration.ofMinutes(10));

    assertThat(cache.recordMaster("g", H1, older, true)).isTrue();
    assertThat(cache.master("g")).hasValueSatisfying(m -> assertThat(m.host()).isEqualTo(H1));
  }

  @Test
  void dropRemovesOnlyTheHostItSaw() {
    cache.recordMaster("g", H1, cache.nextSequence(), true);

    assertThat(cache.dropMaster("g", H2, cache.nextSequence())).isFalse();
    assertThat(cache.dropMaster("g", H1, cache.nextSequence())).isTrue();
    assertThat(cache.master("g")).isEmpty();
    assertThat(cache.dropMaster("g", H1, cache.nextSequence())).isFalse();
  }

  @Test
  void concurrentWritersLeaveTheNewestObservation() throws Exception {
    int writers = 4;
    int each = 2_000;
    Thread[] threads = new Thread[writers];
    long[] last = new long[writers];
    for (int w = 0; w < writers; w++) {
      int me = w;
      threads[w] = new Thread(() -> {
        for (int i = 0; i < each; i++) {
          long seq = cache.nextSequence();
          cache.recordMaster("g", me % 2 == 0 ? H1 : H2, seq, true);
          last[me] = seq;
        }
      });
      threads[w].start();
    }
    for (Thread t : threads) {
      t.join();
    }
    long newest = java.util.Arrays.stream(last).max().orElseThrow();

    assertThat(cache.master("g").orElseThrow().sequence()).isEqualTo(newest);
  }

  @Test
  void anAnswerIsRememberedWhileTheHostIsAskedAbout() {
    long beforeAnswer = cache.nextSequence();
    cache.markUp(H1);
    // Past the answer cache's time to live (10 recheck intervals plus the entry TTL), asked about meanwhile.
    for (int minute = 0; minute < 20; minute++) {
      clock.advance(Duration.ofMinutes(1));
      assertThat(cache.answeredSince(H1, beforeAnswer)).isTrue();
    }
    assertThat(cache.answeredSince(H1, cache.nextSequence())).isFalse();
  }

  @Test
  void downMarkLastsTheRecheckInterval() {
    assertThat(cache.markDown(H1, "refused")).isTrue();
    clock.advance(Duration.ofSeconds(29));
    assertThat(cache.health(H1)).isEqualTo(AffinityCache.HostHealth.DOWN);
    assertThat(cache.tryAcquireRecheck(H1)).isFalse();

    clock.advance(Duration.ofSeconds(1));

    assertThat(cache.health(H1)).isEqualTo(AffinityCache.HostHealth.RECHECK_DUE);
  }

  @Test
  void failedRecheckRenewsTheMarkAndSuccessClearsIt() {
    cache.markDown(H1, "refused");
    clock.advance(Duration.ofSeconds(30));
    assertThat(cache.tryAcquireRecheck(H1)).isTrue();

    assertThat(cache.markDown(H1, "still refused")).isFalse();
    assertThat(cache.health(H1)).isEqualTo(AffinityCache.HostHealth.DOWN);
    clock.advance(Duration.ofSeconds(30));
    assertThat(cache.tryAcquireRecheck(H1)).isTrue();
    assertThat(cache.markUp(H1)).isTrue();
    assertThat(cache.health(H1)).isEqualTo(AffinityCache.HostHealth.UP);
  }

  @Test
  void recheckHolderThatNeverReportsLosesTheRecheck() {
    cache.markDown(H1, "refused");
    clock.advance(Duration.ofSeconds(30));
    assertThat(cache.tryAcquireRecheck(H1)).isTrue();

    clock.advance(Duration.ofSeconds(30));

    assertThat(cache.tryAcquireRecheck(H1)).isTrue();
  }

  @Test
  void mastersAreKeptPerGroupCaseInsensitively() {
    cache.recordMaster("Store1.Example.com", H1, cache.nextSequence(), true);

    assertThat(cache.master("store1.example.com")).isPresent();
    assertThat(cache.master("store2.example.com")).isEmpty();
  }

  @Test
  void connectionRateCapAllowsTheBurstThenSpacesConnections() {
    AffinityStore capped = AffinityStore.of(AffinityCache.builder().ticker(clock).connectionRateLimit(10, 2).build());

    assertThat(capped.reserveConnection(H1)).isEqualTo(Duration.ZERO);
    assertThat(capped.reserveConnection(H1)).isEqualTo(Duration.ZERO);
    assertThat(capped.reserveConnection(H1)).isEqualTo(Duration.ofMillis(100));
    assertThat(capped.reserveConnection(H1)).isEqualTo(Duration.ofMillis(200));
    assertThat(capped.reserveConnection(H2)).as("the cap is per host").isEqualTo(Duration.ZERO);

    clock.advance(Duration.ofSeconds(1));
    assertThat(capped.reserveConnection(H1)).isEqualTo(Duration.ZERO);
  }

  @Test
  void noCapByDefault() {
    for (int i = 0; i < 1000; i++) {
      assertThat(cache.reserveConnection(H1)).isEqualTo(Duration.ZERO);
    }
  }
}
