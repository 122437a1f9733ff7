package org.repgroup.testkit;

import java.io.IOException;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;

/**
 * The fault machinery every testkit server shares: the standing (sticky) fault, the
 * queue of per-connection scripts, and waiting on either. A connection (or an ENS
 * request) takes a {@link Plan} when it starts: the next script if one is queued,
 * else the standing settings, read live.
 */
final class FaultCore {

  /** How a server closes and reopens its port for {@link Fault.Refuse}. */
  interface Port {
    /** Stops listening: connections are refused. */
    void close();

    /** Listens again on the same port. */
    void reopen() throws IOException;
  }

  private final String server;
  private final Consumer<Fault> supported;
  private final Port port;
  private final Object lock = new Object();
  private final Queue<ConnectionScript> queue = new ConcurrentLinkedQueue<>();
  private volatile Fault standing;

  /**
   * A core for {@code server} whose faults are checked by {@code supported} (which throws for a
   * fault the server cannot show) and whose {@link Fault.Refuse} acts on {@code port}.
   */
  FaultCore(String server, Consumer<Fault> supported, Port port) {
    this.server = server;
    this.supported = supported;
    this.port = port;
  }

  /** Makes {@code fault} the standing fault; {@link Fault.Refuse} closes the port at once. */
  void set(Fault fault) {
    Objects.requireNonNull(fault, "fault");
    supported.accept(fault);
    synchronized (lock) {
      standing = fault;
      lock.notifyAll();
    }
    if (fault instanceof Fault.Refuse) {
      port.close();
    }
  }

  /** Clears the standing fault; after {@link Fault.Refuse} the port listens again. */
  void clear() {
    Fault previous;
    synchronized (lock) {
      previous = standing;
      standing = null;
      lock.notifyAll();
    }
    if (previous instanceof Fault.Refuse) {
      try {
        port.reopen();
      } catch (IOException e) {
        throw new IllegalStateException(server + ": cannot listen again: " + e.getMessage(), e);
      }
    }
  }

  /** Clears the standing fault if it is still {@code fault} (a one-shot fault that fired); true if it did. */
  boolean clearIf(Fault fault) {
    synchronized (lock) {
      if (standing != fault) {
        return false;
      }
      standing = null;
      lock.notifyAll();
      return true;
    }
  }

  Optional<Fault> standing() {
    return Optional.ofNullable(standing);
  }

  void enqueue(ConnectionScript script) {
    Objects.requireNonNull(script, "script");
    script.fault().ifPresent(supported);
    queue.add(script);
  }

  int queued() {
    return queue.size();
  }

  void clearQueue() {
    queue.clear();
  }

  /** The plan of a connection starting now: the next queued script, or the standing settings. */
  Plan next() {
    return new Plan(queue.poll());
  }

  /** Wakes everything waiting on a fault (the server is stopping). */
  void wake() {
    synchronized (lock) {
      lock.notifyAll();
    }
  }

  /** What one connection follows. */
  final class Plan {
    private final ConnectionScript script;

    private Plan(ConnectionScript script) {
      this.script = script;
    }

    /** The fault in force for this connection now: the script's, or the standing one (live). */
    Fault fault() {
      return script != null ? script.fault().orElse(null) : standing;
    }

    /** The script's greeting, if it sets one. */
    Optional<String> greeting() {
      return script == null ? Optional.empty() : script.greeting();
    }

    /** The script's handler for {@code verb}, or {@code null}. */
    CommandHandler handler(String verb) {
      return script == null ? null : script.handlers().get(verb);
    }

    /** A one-shot fault has fired: a standing one is cleared, a script's is spent with its connection. */
    void fired(Fault fault) {
      if (script == null) {
        clearIf(fault);
      }
    }

    /** Waits while {@code fault} is in force for this connection and {@code running} holds. */
    void holdWhile(Fault fault, BooleanSupplier running) throws InterruptedException {
      synchronized (lock) {
        while (fault() == fault && running.getAsBoolean()) {
          lock.wait();
        }
      }
    }

    /** Waits {@code delay}, less if {@code running} stops holding (checked when the core is woken). */
    void pause(Duration delay, BooleanSupplier running) throws InterruptedException {
      long end = System.nanoTime() + delay.toNanos();
      synchronized (lock) {
        for (long left = end - System.nanoTime(); left > 0 && running.getAsBoolean(); left = end - System.nanoTime()) {
          TimeUnit.NANOSECONDS.timedWait(lock, left);
        }
      }
    }
  }
}
