package org.repgroup.testkit;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * A rolling upgrade of a {@link SimulatedReplicationGroup}: every running node stopped and
 * started again in turn, in list order, the master included (its stop is followed by
 * an election, through the group's {@link ElectionWindow}). Run it step by step from the
 * test ({@link #step()}, deterministic), or in the background in real time while the
 * test's own workers put load on the group, so that operations are in flight when nodes stop:
 *
 * <pre>{@code
 * try (RollingUpgrade roll = RollingUpgrade.of(g).downtime(Duration.ofMillis(300)).runInBackground()) {
 *   while (!roll.isDone()) {
 *     ... one IMAP APPEND, one LMTP delivery ...
 *   }
 *   roll.await(Duration.ofSeconds(30));
 * }
 * assertThat(g.mailbox("alice")).hasSize(writesReportedDone);
 * }</pre>
 *
 * A node is stopped with {@link SimulatedNode#stop()}: its ports refuse at once and the
 * sessions it had are cut, mid-command or not.
 */
public final class RollingUpgrade implements AutoCloseable {

  /** Default time a node stays down: 200 ms. */
  public static final Duration DEFAULT_DOWNTIME = Duration.ofMillis(200);

  /** Default pause after a node is back, before the next one stops: 200 ms. */
  public static final Duration DEFAULT_PAUSE = Duration.ofMillis(200);

  /** Default longest wait for a master after each restart, in the background: 30 s. */
  public static final Duration DEFAULT_MASTER_WAIT = Duration.ofSeconds(30);

  /**
   * One step of the upgrade.
   *
   * @param action stop or start
   * @param node the node
   * @param detail what happened, for logs ({@code "node1 (the master) stopped; electing"}, ...)
   */
  public record Step(Action action, SimulatedNode node, String detail) {
    /** What a step does. */
    public enum Action {
      /** The node stops. */
      STOP,
      /** The node starts again. */
      START
    }
  }

  private final SimulatedReplicationGroup group;
  private final List<SimulatedNode> order;
  private final List<Step> done = new CopyOnWriteArrayList<>();
  private final CountDownLatch finished = new CountDownLatch(1);
  private final CountDownLatch cancelled = new CountDownLatch(1);
  private Duration downtime = DEFAULT_DOWNTIME;
  private Duration pause = DEFAULT_PAUSE;
  private Duration masterWait = DEFAULT_MASTER_WAIT;
  private volatile Throwable failure;
  private Thread runner;
  private int next;

  private RollingUpgrade(SimulatedReplicationGroup group) {
    this.group = group;
    this.order = group.nodes().stream().filter(SimulatedNode::isRunning).toList();
  }

  /** A rolling upgrade of {@code group}, in node order. */
  public static RollingUpgrade of(SimulatedReplicationGroup group) {
    return new RollingUpgrade(Objects.requireNonNull(group, "group"));
  }

  /** How long each node stays down in the background. Defaults to {@link #DEFAULT_DOWNTIME}; &ge; 0. */
  public synchronized RollingUpgrade downtime(Duration downtime) {
    this.downtime = nonNegative(downtime, "downtime");
    return this;
  }

  /** The pause after each node is back, in the background. Defaults to {@link #DEFAULT_PAUSE}; &ge; 0. */
  public synchronized RollingUpgrade pauseBetweenNodes(Duration pause) {
    this.pause = nonNegative(pause, "pause");
    return this;
  }

  /**
   * In the background, after each restart, how long to wait for the group to have a master
   * before the next node stops (an upgrade never stops a second node while the group elects).
   * Defaults to {@link #DEFAULT_MASTER_WAIT}; &gt; 0.
   */
  public synchronized RollingUpgrade masterWait(Duration wait) {
    nonNegative(wait, "masterWait");
    if (wait.isZero()) {
      throw new IllegalArgumentException("masterWait must be > 0, was " + wait);
    }
    this.masterWait = wait;
    return this;
  }

  /** Takes the next step now, on this thread; empty once every node has been restarted. */
  public synchronized Optional<Step> step() {
    if (next >= order.size() * 2) {
      return Optional.empty();
    }
    SimulatedNode node = order.get(next / 2);
    Step step;
    if (next % 2 == 0) {
      boolean wasMaster = node.role() == NodeRole.MASTER;
      node.stop();
      step = new Step(Step.Action.STOP, node, node.name() + (wasMaster ? " (the master)" : "") + " stopped"
          + (wasMaster ? group.master().map(m -> "; " + m.name() + " is master").orElse("; electing") : ""));
    } else {
      node.start();
      step = new Step(Step.Action.START, node, node.name() + " started as " + node.role());
    }
    next++;
    done.add(step);
    if (next == order.size() * 2) {
      finished.countDown();
    }
    return Optional.of(step);
  }

  /** Runs the remaining steps on a background thread, in real time. */
  public synchronized RollingUpgrade runInBackground() {
    if (runner != null) {
      throw new IllegalStateException("already running");
    }
    Duration down = downtime;
    Duration between = pause;
    Duration wait = masterWait;
    runner = new Thread(() -> {
      try {
        for (Optional<Step> s = step(); s.isPresent(); s = step()) {
          if (s.get().action() == Step.Action.STOP) {
            rest(down);
          } else {
            group.awaitMaster(wait);
            rest(between);
          }
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      } catch (TimeoutException | RuntimeException e) {
        failure = e;
      } finally {
        finished.countDown();
      }
    }, "testkit-rolling-upgrade-" + group.name());
    runner.setDaemon(true);
    runner.start();
    return this;
  }

  /** The simulated time between steps; a cancelled upgrade ends it early. */
  private void rest(Duration d) throws InterruptedException {
    if (cancelled.await(d.toNanos(), TimeUnit.NANOSECONDS)) {
      throw new InterruptedException("rolling upgrade cancelled");
    }
  }

  /** True once every node has been stopped and started again (or the background run ended). */
  public boolean isDone() {
    return finished.getCount() == 0;
  }

  /**
   * Waits up to {@code timeout} for the upgrade to finish.
   *
   * @throws TimeoutException when it has not
   * @throws IllegalStateException when the background run failed (no master after a restart, ...)
   */
  public void await(Duration timeout) throws InterruptedException, TimeoutException {
    if (!finished.await(timeout.toNanos(), TimeUnit.NANOSECONDS)) {
      throw new TimeoutException("rolling upgrade of " + group.name() + " not done within " + timeout.toMillis()
          + " ms; steps so far: " + steps());
    }
    Throwable f = failure;
    if (f != null) {
      throw new IllegalStateException("rolling upgrade of " + group.name() + " failed after " + steps() + ": "
          + f.getMessage(), f);
    }
  }

  /** The steps taken so far, in order. */
  public List<Step> steps() {
    return new ArrayList<>(done);
  }

  /** Stops a background run and starts the node it left stopped, if any. */
  @Override
  public void close() {
    cancelled.countDown();
    Thread t;
    synchronized (this) {
      t = runner;
    }
    if (t != null) {
      try {
        t.join(TimeUnit.SECONDS.toMillis(10));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    synchronized (this) {
      if (next % 2 == 1) {
        step();
      }
    }
  }

  private static Duration nonNegative(Duration d, String name) {
    Objects.requireNonNull(d, name);
    if (d.isNegative()) {
      throw new IllegalArgumentException(name + " must be >= 0, was " + d);
    }
    return d;
  }
}
