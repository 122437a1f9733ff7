package org.repgroup.core.time;

/**
 * A source of monotonic nanoseconds. Injected through
 * {@link org.repgroup.core.RepgroupResources} so tests can control time; also
 * handed to Caffeine as its ticker.
 */
@FunctionalInterface
public interface Ticker {

  /** The system's monotonic clock. */
  Ticker SYSTEM = System::nanoTime;

  /** Nanoseconds from an arbitrary origin; only differences are meaningful. */
  long read();
}
