package org.repgroup.ens;

import java.util.Objects;
import java.util.Optional;
import org.repgroup.core.HostAddress;

/**
 * Where a subscription stands.
 *
 * @param state the state
 * @param host the host streaming events, when connected
 * @param detail why (the last failure while reconnecting or down), never credentials
 */
public record SubscriptionStatus(State state, Optional<HostAddress> host, String detail) {

  /** Validates. */
  public SubscriptionStatus {
    Objects.requireNonNull(state, "state");
    Objects.requireNonNull(host, "host");
    Objects.requireNonNull(detail, "detail");
  }

  /** The states, in the order a subscription usually passes through them. */
  public enum State {
    /** Looking for a host. */
    CONNECTING,
    /** Streaming from {@link SubscriptionStatus#host()}. */
    CONNECTED,
    /** The stream broke; resuming on another host. */
    RECONNECTING,
    /** No host answered; retrying after a back-off. */
    ALL_HOSTS_DOWN,
    /**
     * A host rejected the subscription request itself (an HTTP 4xx such as {@code 400} for a bad
     * filter): every host would, so it is not retried and no host is marked down. Terminal.
     */
    REJECTED,
    /** Closed by the caller. */
    CLOSED
  }
}
