package org.repgroup.core.time;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.PriorityQueue;

/**
 * A {@link Ticker} and {@link Scheduler} that move only when told, for tests:
 * {@link #advance(Duration)} moves time forward and runs every task that falls
 * due, in order, on the calling thread. Thread-safe.
 */
public final class ManualClock implements Ticker, Scheduler {

  private final PriorityQueue<Task> tasks = new PriorityQueue<>();
  private long nanos;
  private long sequence;

  /** A clock at an arbitrary non-zero origin. */
  public ManualClock() {
    this.nanos = 1_000_000_000L;
  }

  @Override
  public synchronized long read() {
    return nanos;
  }

  @Override
  public synchronized Cancellable schedule(Duration delay, Runnable task) {
    Objects.requireNonNull(task, "task");
    long d = Math.max(0, delay.toNanos());
    Task t = new Task(nanos + d, sequence++, task);
    tasks.add(t);
    return () -> {
      synchronized (ManualClock.this) {
        tasks.remove(t);
      }
    };
  }

  /** Moves time forward by {@code amount}, running the tasks that fall due on the way. */
  public void advance(Duration amount) {
    if (amount.isNegative()) {
      throw new IllegalArgumentException("cannot move a clock backwards: " + amount);
    }
    long target;
    synchronized (this) {
      target = nanos + amount.toNanos();
    }
    while (true) {
      Task due;
      synchronized (this) {
        Task head = tasks.peek();
        if (head == null || head.at > target) {
          nanos = Math.max(nanos, target);
          return;
        }
        due = tasks.poll();
        nanos = Math.max(nanos, due.at);
      }
      due.task.run();
    }
  }

  /** Runs the tasks that are due now, without moving time. */
  public void runDueTasks() {
    advance(Duration.ZERO);
  }

  /** The number of tasks waiting to run. */
  public synchronized int pendingTasks() {
    return tasks.size();
  }

  /** The delays, from now, of the waiting tasks, soonest first. */
  public synchronized List<Duration> pendingDelays() {
    List<Task> copy = new ArrayList<>(tasks);
    copy.sort(null);
    List<Duration> out = new ArrayList<>();
    for (Task t : copy) {
      out.add(Duration.ofNanos(t.at - nanos));
    }
    return out;
  }

  private record Task(long at, long seq, Runnable task) implements Comparable<Task> {
    @Override
    public int compareTo(Task o) {
      int c = Long.compare(at, o.at);
      return c != 0 ? c : Long.compare(seq, o.seq);
    }
  }
}
