package org.repgroup.testkit;

import java.time.Duration;
import java.util.Locale;
import java.util.Objects;

/**
 * A named misbehaviour of a scripted server, like OkHttp's {@code SocketPolicy}.
 * Set one with {@link ScriptedServer#setFault(Fault)} (or on a whole
 * {@link SimulatedNode}) and clear it with {@code clearFault()} at any time; it
 * applies to connections accepted, and commands read, from then on.
 */
public final class Fault {

  /** The kinds of fault. */
  public enum Kind {
    /** The port is closed: connections are refused. */
    REFUSE,
    /** Connections are accepted and never answered. */
    BLACK_HOLE,
    /** The greeting is sent, then nothing more. */
    STALL_AFTER_GREETING,
    /** The server freezes when a given command arrives. */
    STALL_AT_COMMAND,
    /** Every reply is delayed. */
    SLOW,
    /** The connection is cut (closed mid-stream) after the server wrote a number of bytes. */
    RESET_AFTER_BYTES,
    /** The connection is reset when a given command arrives, before any reply. */
    RESET_AT_COMMAND,
    /** After a given command, some replies are written, then the connection is cut. */
    RESET_AFTER_REPLIES,
    /** Binary junk instead of a greeting. */
    GARBAGE_GREETING,
    /** A greeting line of a given length with no line end. */
    OVERSIZED_LINE
  }

  private final Kind kind;
  private final String verb;
  private final long count;
  private final Duration delay;

  private Fault(Kind kind, String verb, long count, Duration delay) {
    this.kind = kind;
    this.verb = verb == null ? null : verb.toUpperCase(Locale.ROOT);
    this.count = count;
    this.delay = delay;
  }

  /** Closes the listening port; connections are refused until the fault is cleared (same port again). */
  public static Fault refuse() {
    return new Fault(Kind.REFUSE, null, 0, null);
  }

  /** Accepts connections and never writes a byte nor closes them. */
  public static Fault blackHole() {
    return new Fault(Kind.BLACK_HOLE, null, 0, null);
  }

  /** Greets, then never answers. */
  public static Fault stallAfterGreeting() {
    return new Fault(Kind.STALL_AFTER_GREETING, null, 0, null);
  }

  /** Freezes, silent, when {@code verb} (e.g. {@code "PASS"}, {@code "DATA"}) arrives. */
  public static Fault stallAtCommand(String verb) {
    return new Fault(Kind.STALL_AT_COMMAND, Objects.requireNonNull(verb, "verb"), 0, null);
  }

  /** Delays every greeting and reply by {@code delay}. */
  public static Fault slow(Duration delay) {
    Objects.requireNonNull(delay, "delay");
    if (delay.isNegative()) {
      throw new IllegalArgumentException("delay must be >= 0, was " + delay);
    }
    return new Fault(Kind.SLOW, null, 0, delay);
  }

  /**
   * Cuts the connection once the server has written {@code bytes} bytes on it: the
   * bytes arrive, then end of stream, mid-greeting or mid-reply.
   */
  public static Fault resetAfterBytes(long bytes) {
    if (bytes < 0) {
      throw new IllegalArgumentException("bytes must be >= 0, was " + bytes);
    }
    return new Fault(Kind.RESET_AFTER_BYTES, null, bytes, null);
  }

  /** Resets the connection when {@code verb} arrives, before answering it. */
  public static Fault resetAtCommand(String verb) {
    return new Fault(Kind.RESET_AT_COMMAND, Objects.requireNonNull(verb, "verb"), 0, null);
  }

  /**
   * After {@code verb} is handled, lets {@code replies} reply lines through, then
   * cuts the connection: for LMTP's {@code DATA}, {@code resetAfterReplies("DATA", 2)}
   * sends two per-recipient replies and drops the third.
   */
  public static Fault resetAfterReplies(String verb, int replies) {
    if (replies < 0) {
      throw new IllegalArgumentException("replies must be >= 0, was " + replies);
    }
    return new Fault(Kind.RESET_AFTER_REPLIES, Objects.requireNonNull(verb, "verb"), replies, null);
  }

  /** Sends binary junk instead of a greeting, then closes. */
  public static Fault garbageGreeting() {
    return new Fault(Kind.GARBAGE_GREETING, null, 0, null);
  }

  /** Sends a greeting line of {@code length} bytes with no line end, then waits. */
  public static Fault oversizedLine(int length) {
    if (length < 1) {
      throw new IllegalArgumentException("length must be >= 1, was " + length);
    }
    return new Fault(Kind.OVERSIZED_LINE, null, length, null);
  }

  /** The kind. */
  public Kind kind() {
    return kind;
  }

  /** The command verb for command faults, upper case; else {@code null}. */
  public String verb() {
    return verb;
  }

  /** Bytes, replies or line length, per kind. */
  public long count() {
    return count;
  }

  /** The delay of {@link Kind#SLOW}, else {@code null}. */
  public Duration delay() {
    return delay;
  }

  @Override
  public String toString() {
    return kind.name().toLowerCase(Locale.ROOT) + (verb != null ? "(" + verb + (count > 0 ? ", " + count : "") + ")"
        : count > 0 ? "(" + count + ")" : delay != null ? "(" + delay.toMillis() + " ms)" : "");
  }
}
