package org.repgroup.ens;

import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import org.repgroup.core.HostAddress;

/**
 * What one host did with a published event.
 *
 * @param host the host of the group
 * @param outcome taken, taken through a redirect, failed or skipped
 * @param status the HTTP status this host answered with (a {@code 307} for a redirect), 0 when none arrived
 * @param eventId the id the host gave the event, when it took it
 * @param redirectedTo the host a {@code 307} led to, if any
 * @param detail what happened, in words (server text made printable)
 * @param elapsed the host's time: from when its request was sent (not queued) to its answer; zero when never sent
 */
public record HostPublish(HostAddress host, Outcome outcome, int status, Optional<String> eventId,
    Optional<HostAddress> redirectedTo, String detail, Duration elapsed) {

  /** Validates. */
  public HostPublish {
    Objects.requireNonNull(host, "host");
    Objects.requireNonNull(outcome, "outcome");
    Objects.requireNonNull(eventId, "eventId");
    Objects.requireNonNull(redirectedTo, "redirectedTo");
    Objects.requireNonNull(detail, "detail");
    Objects.requireNonNull(elapsed, "elapsed");
  }

  /** An entry with no time measured. */
  public HostPublish(HostAddress host, Outcome outcome, int status, Optional<String> eventId,
      Optional<HostAddress> redirectedTo, String detail) {
    this(host, outcome, status, eventId, redirectedTo, detail, Duration.ZERO);
  }

  /** The outcomes. */
  public enum Outcome {
    /** The host took the event (2xx). */
    ACCEPTED,
    /** The host redirected ({@code 307}) and the target took it (or already gets it directly in this publish). */
    REDIRECTED,
    /**
     * The host did not take it: unreachable, timed out or 5xx (the host is marked down), a
     * 4xx or a refused redirect (not marked down), or never sent before the deadline because
     * this client's per-host limit was reached (not marked down).
     */
    FAILED,
    /**
     * The host is marked down in the shared cache (or another client holds its recheck) and was
     * not tried; when every host is marked down, every host is tried instead.
     */
    SKIPPED
  }

  /** True when the event reached the store through this host. */
  public boolean taken() {
    return outcome == Outcome.ACCEPTED || outcome == Outcome.REDIRECTED;
  }
}
