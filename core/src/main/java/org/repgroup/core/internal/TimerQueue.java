package org.repgroup.core.internal;

import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import org.repgroup.core.time.Scheduler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The default {@link Scheduler}: one daemon thread over a binary heap of tasks,
 * built for timers that are almost always cancelled (every operation arms a
 * deadline and a stagger, and nearly every operation ends long before them).
 *
 * <p>What makes it cheaper than a {@code ScheduledThreadPoolExecutor} on that
 * path: a cancelled task stays in the heap (its task reference dropped, so it
 * keeps nothing alive) until it reaches the head or until cancelled tasks are
 * most of the heap, when they are purged in one sweep; so a new timer that is
 * due after the head never wakes the timer thread, and a cancel is a flag. The
 * heap stays bounded by the purge (at most about twice the live timers, plus
 * {@value #PURGE_MIN}).
 */
public final class TimerQueue implements Scheduler, AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(TimerQueue.class);
  /** Cancelled tasks below this count are never swept: they leave at the head. */
  static final int PURGE_MIN = 1024;

  /** One timer: its own cancellation handle. */
  private final class Task implements Cancellable {
    final long at;
    final long seq;
    Runnable task;

    Task(long at, long seq, Runnable task) {
      this.at = at;
      this.seq = seq;
      this.task = task;
    }

    @Override
    public void cancel() {
      cancelTask(this);
    }

    boolean before(Task o) {
      return at != o.at ? at - o.at < 0 : seq < o.seq;
    }
  }

  private final ReentrantLock lock = new ReentrantLock();
  private final Condition changed = lock.newCondition();
  private final Thread thread;
  // Guarded by lock.
  private Task[] heap = new Task[64];
  private int size;
  private int cancelledInHeap;
  private long sequence;
  /** When the thread will look next without being woken (while it waits with work, see idle). */
  private long wakeAt = Long.MAX_VALUE;
  private boolean waiting;
  /** Waiting with nothing to run: any new task wakes the thread. */
  private boolean idle;
  private boolean closed;

  /** A queue whose thread comes from {@code threads}; started at once. */
  public TimerQueue(ThreadFactory threads) {
    this.thread = threads.newThread(this::loop);
    thread.start();
  }

  @Override
  public Cancellable schedule(Duration delay, Runnable task) {
    if (task == null) {
      throw new NullPointerException("task");
    }
    long at = System.nanoTime() + Math.max(0, delay.toNanos());
    lock.lock();
    try {
      if (closed) {
        throw new java.util.concurrent.RejectedExecutionException("timer queue closed");
      }
      Task t = new Task(at, sequence++, task);
      add(t);
      // Wake the thread only when this task is due before the moment it will look anyway.
      if (waiting && heap[0] == t && (idle || at - wakeAt < 0)) {
        changed.signal();
      }
      return t;
    } finally {
      lock.unlock();
    }
  }

  private void cancelTask(Task t) {
    lock.lock();
    try {
      if (t.task == null) {
        return;
      }
      t.task = null;
      cancelledInHeap++;
      if (cancelledInHeap >= PURGE_MIN && cancelledInHeap > size / 2) {
        purge();
      }
    } finally {
      lock.unlock();
    }
  }

  /** Stops the thread; tasks not yet run are dropped. */
  @Override
  public void close() {
    lock.lock();
    try {
      closed = true;
      Arrays.fill(heap, 0, size, null);
      size = 0;
      cancelledInHeap = 0;
      changed.signal();
    } finally {
      lock.unlock();
    }
    thread.interrupt();
  }

  /** Waits up to {@code timeout} for the thread to end after {@link #close()}. */
  public void awaitTermination(Duration timeout) throws InterruptedException {
    thread.join(Math.max(1, timeout.toMillis()));
  }

  /** Live (not cancelled, not yet run) tasks; for tests. */
  int liveTasks() {
    lock.lock();
    try {
      return size - cancelledInHeap;
    } finally {
      lock.unlock();
    }
  }

  /** Tasks held in the heap, cancelled ones included; for tests. */
  int heldTasks() {
    lock.lock();
    try {
      return size;
    } finally {
      lock.unlock();
    }
  }

  private void loop() {
    while (true) {
      Runnable due = null;
      lock.lock();
      try {
        while (due == null) {
          if (closed) {
            return;
          }
          if (size == 0) {
            idle = true;
            waiting = true;
            changed.awaitUninterruptibly();
            waiting = false;
            idle = false;
            continue;
          }
          Task head = heap[0];
          if (head.task == null) {
            removeHead();
            cancelledInHeap--;
            continue;
          }
          long wait = head.at - System.nanoTime();
          if (wait > 0) {
            wakeAt = head.at;
            waiting = true;
            try {
              changed.awaitNanos(wait);
            } catch (InterruptedException e) {
              // close() interrupts; the loop checks closed.
            } finally {
              waiting = false;
            }
            continue;
          }
          removeHead();
          due = head.task;
          head.task = null;
        }
      } finally {
        lock.unlock();
      }
      try {
        due.run();
      } catch (Throwable t) {
        LOG.warn("a timer task threw; the timer goes on", t);
      }
    }
  }

  private void add(Task t) {
    if (size == heap.length) {
      heap = Arrays.copyOf(heap, size * 2);
    }
    int i = size++;
    while (i > 0) {
      int parent = (i - 1) >>> 1;
      Task p = heap[parent];
      if (!t.before(p)) {
        break;
      }
      heap[i] = p;
      i = parent;
    }
    heap[i] = t;
  }

  private void removeHead() {
    Task last = heap[--size];
    heap[size] = null;
    if (size > 0) {
      siftDown(0, last);
    }
  }

  private void siftDown(int i, Task t) {
    int half = size >>> 1;
    while (i < half) {
      int child = 2 * i + 1;
      int right = child + 1;
      if (right < size && heap[right].before(heap[child])) {
        child = right;
      }
      if (!heap[child].before(t)) {
        break;
      }
      heap[i] = heap[child];
      i = child;
    }
    heap[i] = t;
  }

  /** Drops every cancelled task and rebuilds the heap: O(n), once per {@value #PURGE_MIN}+ cancels. */
  private void purge() {
    int n = 0;
    for (int i = 0; i < size; i++) {
      if (heap[i].task != null) {
        heap[n++] = heap[i];
      }
    }
    Arrays.fill(heap, n, size, null);
    size = n;
    cancelledInHeap = 0;
    for (int i = (size >>> 1) - 1; i >= 0; i--) {
      siftDown(i, heap[i]);
    }
    if (heap.length > 256 && size < heap.length / 4) {
      heap = Arrays.copyOf(heap, Math.max(64, size * 2));
    }
    // The head may have moved later: the thread then wakes early once and sleeps again.
  }
}
