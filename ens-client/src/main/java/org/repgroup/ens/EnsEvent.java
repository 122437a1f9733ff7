package org.repgroup.ens;

import java.time.Instant;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;
import org.repgroup.ens.internal.EventReference;

/**
 * An ENS event: an event reference as the store publishes it,
 * {@code enp://127.0.0.1/store?evtType=NewMsg&timestamp=...&mailboxName=...&imapUid=...},
 * plus an optional payload (headers and body for NewMsg). Every parameter is kept
 * in order, known or not; typed accessors read the common ones. Immutable.
 *
 * <pre>{@code
 * EnsEvent e = EnsEvent.builder(EventType.NEW_MSG).mailbox("alice").uid(62).uidValidity(1046993605)
 *     .parameter("size", "877").build();
 * EnsEvent back = EnsEvent.parse(e.toReference());
 * }</pre>
 */
public final class EnsEvent {

  /** The default host part of references: {@code 127.0.0.1}. */
  public static final String DEFAULT_HOST = "127.0.0.1";

  private final String host;
  private final String path;
  private final Map<String, String> parameters;
  private final byte[] payload;

  private EnsEvent(String host, String path, Map<String, String> parameters, byte[] payload) {
    this.host = host;
    this.path = path;
    this.parameters = Collections.unmodifiableMap(new LinkedHashMap<>(parameters));
    this.payload = payload == null ? null : payload.clone();
  }

  /**
   * Parses an event reference.
   *
   * @throws MalformedEventException for a reference that is not {@code enp://host/path?...}, has no
   *     {@code evtType}, or a non-numeric timestamp, uid, uidValidity, numMsgs or size
   */
  public static EnsEvent parse(String reference) throws MalformedEventException {
    return parse(reference, null);
  }

  /** Parses an event reference with its payload ({@code null} for none). */
  public static EnsEvent parse(String reference, byte[] payload) throws MalformedEventException {
    EventReference r = EventReference.parse(reference);
    String type = r.params().get("evtType");
    if (type == null) {
      throw new MalformedEventException("event reference \"" + reference + "\": no evtType");
    }
    try {
      EventType.of(type);
    } catch (IllegalArgumentException e) {
      throw new MalformedEventException("event reference \"" + reference + "\": " + e.getMessage(), e);
    }
    for (String numeric : new String[] {"timestamp", "imapUid", "uidValidity", "numMsgs", "size", "hdrLen", "pid"}) {
      String v = r.params().get(numeric);
      if (v != null && !v.matches("-?\\d{1,19}")) {
        throw new MalformedEventException("event reference \"" + reference + "\": " + numeric + "=\"" + v
            + "\" is not a number");
      }
    }
    return new EnsEvent(r.host(), r.path(), r.params(), payload);
  }

  /** A builder for an event of {@code type} on {@code enp://127.0.0.1/store}. */
  public static Builder builder(EventType type) {
    return new Builder(type);
  }

  /** The event type. */
  public EventType type() {
    return EventType.of(parameters.get("evtType"));
  }

  /** {@code timestamp} (milliseconds since the epoch), if present. */
  public Optional<Instant> timestamp() {
    return longParam("timestamp").stream().mapToObj(Instant::ofEpochMilli).findFirst();
  }

  /** {@code mailboxName}, if present. */
  public Optional<String> mailbox() {
    return parameter("mailboxName");
  }

  /** {@code uidValidity}, if present. */
  public OptionalLong uidValidity() {
    return longParam("uidValidity");
  }

  /** {@code imapUid}, if present. */
  public OptionalLong uid() {
    return longParam("imapUid");
  }

  /** {@code numMsgs}, if present. */
  public OptionalLong messageCount() {
    return longParam("numMsgs");
  }

  /** {@code size}, if present. */
  public OptionalLong size() {
    return longParam("size");
  }

  /** {@code hostname}: the publishing host, or the replication group's name with store failover. */
  public Optional<String> hostname() {
    return parameter("hostname");
  }

  /** One parameter, decoded. */
  public Optional<String> parameter(String name) {
    return Optional.ofNullable(parameters.get(name));
  }

  /** Every parameter, decoded, in order (unknown ones included). */
  public Map<String, String> parameters() {
    return parameters;
  }

  /** The payload (a copy), if any. */
  public Optional<byte[]> payload() {
    return payload == null ? Optional.empty() : Optional.of(payload.clone());
  }

  /** The reference's host part ({@code 127.0.0.1}). */
  public String host() {
    return host;
  }

  /** This event with parameter {@code name} set to {@code value} (replaced in place, or appended). */
  public EnsEvent withParameter(String name, String value) {
    Map<String, String> p = new LinkedHashMap<>(parameters);
    p.put(Objects.requireNonNull(name, "name"), Objects.requireNonNull(value, "value"));
    return new EnsEvent(host, path, p, payload);
  }

  /** The event reference, percent-encoded, parameters in order. */
  public String toReference() {
    return new EventReference(host, path, parameters).format();
  }

  private OptionalLong longParam(String name) {
    String v = parameters.get(name);
    return v == null ? OptionalLong.empty() : OptionalLong.of(Long.parseLong(v));
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof EnsEvent e && host.equals(e.host) && path.equals(e.path) && parameters.equals(e.parameters)
        && Arrays.equals(payload, e.payload);
  }

  @Override
  public int hashCode() {
    return Objects.hash(host, path, parameters, Arrays.hashCode(payload));
  }

  /** The reference, and the payload's size (never its content). */
  @Override
  public String toString() {
    return toReference() + (payload == null ? "" : " (payload " + payload.length + " bytes)");
  }

  /** Builds an {@link EnsEvent}. */
  public static final class Builder {
    private String host = DEFAULT_HOST;
    private final Map<String, String> parameters = new LinkedHashMap<>();
    private byte[] payload;

    private Builder(EventType type) {
      parameters.put("evtType", Objects.requireNonNull(type, "type").name());
    }

    /** The reference's host part. Defaults to {@code 127.0.0.1}. */
    public Builder host(String host) {
      this.host = Objects.requireNonNull(host, "host");
      return this;
    }

    /** {@code timestamp}. */
    public Builder timestamp(Instant t) {
      return parameter("timestamp", Long.toString(t.toEpochMilli()));
    }

    /** {@code mailboxName}. */
    public Builder mailbox(String mailbox) {
      return parameter("mailboxName", mailbox);
    }

    /** {@code uidValidity}. */
    public Builder uidValidity(long v) {
      return parameter("uidValidity", Long.toString(v));
    }

    /** {@code imapUid}. */
    public Builder uid(long uid) {
      return parameter("imapUid", Long.toString(uid));
    }

    /** {@code numMsgs}. */
    public Builder messageCount(long n) {
      return parameter("numMsgs", Long.toString(n));
    }

    /** Any parameter. */
    public Builder parameter(String name, String value) {
      Objects.requireNonNull(name, "name");
      Objects.requireNonNull(value, "value");
      if (name.isEmpty()) {
        throw new IllegalArgumentException("parameter name must not be empty");
      }
      parameters.put(name, value);
      return this;
    }

    /** The payload. Defaults to none. */
    public Builder payload(byte[] payload) {
      this.payload = payload == null ? null : payload.clone();
      return this;
    }

    /** The event. */
    public EnsEvent build() {
      return new EnsEvent(host, "store", parameters, payload);
    }
  }
}
