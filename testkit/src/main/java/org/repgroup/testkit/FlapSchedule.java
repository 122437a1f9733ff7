package org.repgroup.testkit;

import java.time.Duration;
import java.util.Objects;

/**
 * A host that flaps on a schedule: down for {@code period}, up for {@code period},
 * and so on, until {@code stableFrom}, after which it stays up. Time is whatever
 * the test says it is (typically a {@code ManualClock}'s reading since the start),
 * so a schedule of minutes runs in milliseconds and the same way every time.
 *
 * <pre>{@code
 * FlapSchedule flap = FlapSchedule.every(Duration.ofSeconds(5)).stableFrom(Duration.ofSeconds(60));
 * for (int t = 0; t < 100; t++) {
 *   flap.applyTo(node.imap(), Duration.ofSeconds(t));   // refuse or clear, as the schedule says
 *   ... one operation ...
 *   clock.advance(Duration.ofSeconds(1));
 * }
 * }</pre>
 */
public final class FlapSchedule {

  private final Duration period;
  private final Duration stableFrom;
  private final boolean startsDown;

  private FlapSchedule(Duration period, Duration stableFrom, boolean startsDown) {
    this.period = period;
    this.stableFrom = stableFrom;
    this.startsDown = startsDown;
  }

  /** Down for {@code period}, then up for {@code period}, for ever (until {@link #stableFrom}). */
  public static FlapSchedule every(Duration period) {
    Objects.requireNonNull(period, "period");
    if (period.isNegative() || period.isZero()) {
      throw new IllegalArgumentException("flap period must be > 0, was " + period);
    }
    return new FlapSchedule(period, null, true);
  }

  /** The same schedule, staying up from {@code time} on. */
  public FlapSchedule stableFrom(Duration time) {
    Objects.requireNonNull(time, "time");
    if (time.isNegative()) {
      throw new IllegalArgumentException("stableFrom must be >= 0, was " + time);
    }
    return new FlapSchedule(period, time, startsDown);
  }

  /** The same schedule, starting with an up phase instead of a down one. */
  public FlapSchedule startingUp() {
    return new FlapSchedule(period, stableFrom, false);
  }

  /** Whether the host is up {@code sinceStart} after the schedule began. */
  public boolean isUpAt(Duration sinceStart) {
    Objects.requireNonNull(sinceStart, "sinceStart");
    if (sinceStart.isNegative()) {
      throw new IllegalArgumentException("time before the schedule began: " + sinceStart);
    }
    if (stableFrom != null && sinceStart.compareTo(stableFrom) >= 0) {
      return true;
    }
    boolean oddPhase = (sinceStart.toNanos() / period.toNanos()) % 2 == 1;
    return startsDown == oddPhase;
  }

  /**
   * Makes {@code server} (any testkit server, the ENS gateway included) refuse connections
   * or accept them again, as the schedule says at {@code sinceStart}; returns whether it is up.
   */
  public boolean applyTo(MockServer server, Duration sinceStart) {
    boolean up = isUpAt(sinceStart);
    boolean refusing = server.fault().filter(f -> f instanceof Fault.Refuse).isPresent();
    if (up && refusing) {
      server.clearFault();
    } else if (!up && !refusing) {
      server.setFault(Fault.refuse());
    }
    return up;
  }

  @Override
  public String toString() {
    return "FlapSchedule[" + (startsDown ? "down" : "up") + " first, every " + period
        + (stableFrom == null ? "" : ", up from " + stableFrom) + "]";
  }
}
