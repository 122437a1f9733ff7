package org.repgroup.ens;

/**
 * Receives a subscription's events, in order, each exactly once, on one thread
 * at a time. Must not block for long; must not throw (a throwing listener is
 * reported to {@link #onError} and the stream goes on).
 */
@FunctionalInterface
public interface EnsListener {

  /** An event matching the subscription; {@code id} is its group-wide id. */
  void onEvent(EnsEvent event, String id);

  /** Data the subscriber could not read (a malformed event); the stream goes on. */
  default void onError(MalformedEventException error) {}

  /** The subscription connected, lost its host, found every host down, or closed. */
  default void onStatus(SubscriptionStatus status) {}
}
