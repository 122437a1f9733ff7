package org.repgroup.core.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.repgroup.core.time.Scheduler;

class TimerQueueTest {

  private final TimerQueue timers = new TimerQueue(r -> {
    Thread t = new Thread(r, "timer-queue-test");
    t.setDaemon(true);
    return t;
  });

  @AfterEach
  void close() {
    timers.close();
  }

  @Test
  void tasksRunInDueOrderWhateverTheOrderTheyWereScheduledIn() throws Exception {
    List<String> ran = new CopyOnWriteArrayList<>();
    CountDownLatch done = new CountDownLatch(3);
    CountDownLatch hold = new CountDownLatch(1);
    // Hold the timer thread so all three are queued before any is due-checked.
    timers.schedule(Duration.ZERO, () -> await(hold));
    timers.schedule(Duration.ofMillis(30), () -> { ran.add("c"); done.countDown(); });
    timers.schedule(Duration.ofMillis(10), () -> { ran.add("a"); done.countDown(); });
    timers.schedule(Duration.ofMillis(20), () -> { ran.add("b"); done.countDown(); });
    hold.countDown();

    assertThat(done.await(10, TimeUnit.SECONDS)).isTrue();
    assertThat(ran).containsExactly("a", "b", "c");
  }

  @Test
  void aTaskDueBeforeTheOneTheThreadSleepsOnWakesIt() throws Exception {
    timers.schedule(Duration.ofHours(1), () -> { });
    CountDownLatch ran = new CountDownLatch(1);
    timers.schedule(Duration.ofMillis(1), ran::countDown);

    assertThat(ran.await(10, TimeUnit.SECONDS)).as("the earlier task ran, not after the hour").isTrue();
  }

  @Test
  void aCancelledTaskNeverRunsAndKeepsNothingAlive() throws Exception {
    AtomicBoolean cancelledRan = new AtomicBoolean();
    Scheduler.Cancellable c = timers.schedule(Duration.ofMillis(5), () -> cancelledRan.set(true));
    c.cancel();
    c.cancel();
    CountDownLatch later = new CountDownLatch(1);
    timers.schedule(Duration.ofMillis(20), later::countDown);

    assertThat(later.await(10, TimeUnit.SECONDS)).isTrue();
    assertThat(cancelledRan).isFalse();
    assertThat(timers.liveTasks()).isZero();
  }

  @Test
  void cancelledTasksAreSweptLongBeforeTheyFallDue() {
    timers.schedule(Duration.ofHours(1), () -> { });
    for (int i = 0; i < 10 * TimerQueue.PURGE_MIN; i++) {
      timers.schedule(Duration.ofHours(1), () -> { }).cancel();
    }

    assertThat(timers.liveTasks()).isEqualTo(1);
    assertThat(timers.heldTasks()).as("cancelled tasks held, bounded by the sweep")
        .isLessThanOrEqualTo(TimerQueue.PURGE_MIN + 1);
  }

  @Test
  void aTaskThatThrowsDoesNotStopTheTimer() throws Exception {
    timers.schedule(Duration.ZERO, () -> {
      throw new IllegalStateException("boom");
    });
    CountDownLatch ran = new CountDownLatch(1);
    timers.schedule(Duration.ofMillis(1), ran::countDown);

    assertThat(ran.await(10, TimeUnit.SECONDS)).isTrue();
  }

  @Test
  void aClosedQueueRefusesNewTasks() {
    timers.close();

    assertThatThrownBy(() -> timers.schedule(Duration.ZERO, () -> { }))
        .isInstanceOf(RejectedExecutionException.class);
  }

  private static void await(CountDownLatch l) {
    try {
      l.await(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
