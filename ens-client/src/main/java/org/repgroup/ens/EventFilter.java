package org.repgroup.ens;

import java.util.Map;
import java.util.Objects;
import org.repgroup.ens.internal.EventReference;

/**
 * What a subscription matches, written as an event reference the way ENS does:
 * {@code enp://127.0.0.1/store} matches every store event,
 * {@code enp://127.0.0.1/store?evtType=NewMsg} one type, and every further
 * parameter narrows it ({@code &mailboxName=alice}).
 */
public final class EventFilter {

  private final EventReference reference;

  private EventFilter(EventReference reference) {
    this.reference = reference;
  }

  /** Every store event. */
  public static EventFilter all() {
    return new EventFilter(new EventReference(EnsEvent.DEFAULT_HOST, "store", Map.of()));
  }

  /** Events of {@code type}. */
  public static EventFilter of(EventType type) {
    return all().and("evtType", type.name());
  }

  /** Parses a filter reference. */
  public static EventFilter parse(String reference) throws MalformedEventException {
    return new EventFilter(EventReference.parse(reference));
  }

  /** This filter narrowed by one more parameter. */
  public EventFilter and(String name, String value) {
    Map<String, String> p = new java.util.LinkedHashMap<>(reference.params());
    p.put(Objects.requireNonNull(name, "name"), Objects.requireNonNull(value, "value"));
    return new EventFilter(new EventReference(reference.host(), reference.path(), p));
  }

  /** True when every parameter of the filter has the same value in {@code event}. */
  public boolean matches(EnsEvent event) {
    for (Map.Entry<String, String> p : reference.params().entrySet()) {
      if (!p.getValue().equals(event.parameters().get(p.getKey()))) {
        return false;
      }
    }
    return true;
  }

  /** The filter as an event reference (the {@code match} query parameter). */
  public String toReference() {
    return reference.format();
  }

  @Override
  public String toString() {
    return toReference();
  }
}
