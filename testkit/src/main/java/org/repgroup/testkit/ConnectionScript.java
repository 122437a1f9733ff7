package org.repgroup.testkit;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * How one connection is answered, queued with {@link MockServer#enqueue(ConnectionScript)}
 * beside the server's standing behaviour, as MockWebServer's {@code enqueue} sits
 * beside its {@code Dispatcher}. Each accepted connection (each request, for the ENS
 * gateway) takes the next script; when the queue is empty the server's own settings
 * apply ({@code setFault}, {@code setGreeting}, {@code onCommand}).
 *
 * <p>A script's fault replaces the server's sticky fault for that connection ({@link #normal()}:
 * none); its greeting and command handlers come before the server's; what it leaves out is
 * answered as the server would. Immutable: each method returns a new script.
 *
 * <pre>{@code
 * imap.enqueue(Fault.blackHole());                      // 1st connection: silence
 * imap.enqueue(ConnectionScript.normal()
 *     .onCommand("LOGIN", c -> c.tag() + " NO [UNAVAILABLE] busy"));   // 2nd: a busy host
 * imap.enqueue(ConnectionScript.normal());              // 3rd: served
 * }</pre>
 */
public final class ConnectionScript {

  private static final ConnectionScript NORMAL = new ConnectionScript(null, null, Map.of());

  private final Fault fault;
  private final String greeting;
  private final Map<String, CommandHandler> handlers;

  private ConnectionScript(Fault fault, String greeting, Map<String, CommandHandler> handlers) {
    this.fault = fault;
    this.greeting = greeting;
    this.handlers = handlers;
  }

  /** A connection served normally: no fault (whatever fault the server has), the server's replies. */
  public static ConnectionScript normal() {
    return NORMAL;
  }

  /**
   * A connection that shows {@code fault}.
   *
   * @throws IllegalArgumentException for {@link Fault#refuse()}: a closed port cannot refuse one
   *     connection and accept the next (use {@code setFault(Fault.refuse())}, or
   *     {@link Fault#resetAfterBytes(long) resetAfterBytes(0)} for a connection cut at once)
   */
  public static ConnectionScript of(Fault fault) {
    return NORMAL.withFault(fault);
  }

  /** This script with {@code fault} instead of its own (see {@link #of(Fault)}). */
  public ConnectionScript withFault(Fault fault) {
    Objects.requireNonNull(fault, "fault");
    if (fault instanceof Fault.Refuse) {
      throw new IllegalArgumentException("refuse() closes the port and cannot apply to one connection: use "
          + "setFault(Fault.refuse()), or Fault.resetAfterBytes(0) for a connection cut at once");
    }
    return new ConnectionScript(fault, greeting, handlers);
  }

  /** This script greeting with {@code line} (without CRLF) instead of the server's greeting. Line servers. */
  public ConnectionScript greeting(String line) {
    return new ConnectionScript(fault, Objects.requireNonNull(line, "line"), handlers);
  }

  /** This script answering {@code verb} (case-insensitive) with {@code handler}, before the server's handlers. Line servers. */
  public ConnectionScript onCommand(String verb, CommandHandler handler) {
    Map<String, CommandHandler> copy = new LinkedHashMap<>(handlers);
    copy.put(verb.toUpperCase(Locale.ROOT), Objects.requireNonNull(handler, "handler"));
    return new ConnectionScript(fault, greeting, Map.copyOf(copy));
  }

  /** The fault of this connection, if any. */
  public Optional<Fault> fault() {
    return Optional.ofNullable(fault);
  }

  /** The greeting of this connection, if the script sets one. */
  public Optional<String> greeting() {
    return Optional.ofNullable(greeting);
  }

  /** The script's command handlers, by upper-case verb. */
  public Map<String, CommandHandler> handlers() {
    return handlers;
  }

  @Override
  public String toString() {
    return "ConnectionScript[" + (fault == null ? "normal" : fault.toString())
        + (greeting == null ? "" : ", greeting \"" + greeting + "\"")
        + (handlers.isEmpty() ? "" : ", handlers " + handlers.keySet()) + "]";
  }
}
