package org.repgroup.testkit;

import java.time.Duration;
import java.util.Locale;
import java.util.Objects;

/**
 * A named misbehaviour of a testkit server, like OkHttp's {@code SocketPolicy}: a
 * value, one record per kind. Make it sticky with {@link MockServer#setFault(Fault)}
 * (every connection from then on, and the commands of connections already open,
 * until {@code clearFault()}), or give it to one connection with
 * {@link MockServer#enqueue(Fault)}:
 *
 * <pre>{@code
 * server.enqueue(Fault.blackHole());          // the first connection is never answered
 * server.enqueue(ConnectionScript.normal());  // the second is served
 * }</pre>
 *
 * <p>Which server shows which fault, and how, is said on each factory; a server
 * that cannot show a fault rejects it by name with {@link IllegalArgumentException}.
 */
public sealed interface Fault {

  /** Closes the listening port: connections are refused until the fault is cleared (same port again). Sticky only. */
  static Fault refuse() {
    return new Refuse();
  }

  /** Accepts connections and never writes a byte nor closes them (HTTP: requests are read, never answered). */
  static Fault blackHole() {
    return new BlackHole();
  }

  /**
   * Greets, then never answers (HTTP: a subscription gets its {@code 200} and the stream's opening
   * comment, then silence; a publish is never answered; open streams freeze).
   */
  static Fault stallAfterGreeting() {
    return new StallAfterGreeting();
  }

  /** Freezes, silent, when {@code verb} (e.g. {@code "PASS"}, {@code "DATA"}) arrives. Line servers. */
  static Fault stallAtCommand(String verb) {
    return new StallAtCommand(verb);
  }

  /** Delays every greeting and reply (HTTP: every answer and every streamed event) by {@code delay}. */
  static Fault slow(Duration delay) {
    return new Slow(delay);
  }

  /**
   * Cuts the connection once the server has written {@code bytes} bytes on it: the
   * bytes arrive, then end of stream, mid-greeting or mid-reply. Line servers.
   */
  static Fault resetAfterBytes(long bytes) {
    return new ResetAfterBytes(bytes);
  }

  /** Resets the connection (TCP RST) when {@code verb} arrives, before answering it. Line servers. */
  static Fault resetAtCommand(String verb) {
    return new ResetAtCommand(verb);
  }

  /**
   * After {@code verb} is handled, lets {@code replies} reply lines through, then
   * cuts the connection: for LMTP's {@code DATA}, {@code resetAfterReplies("DATA", 2)}
   * sends two per-recipient replies and drops the third. Line servers.
   */
  static Fault resetAfterReplies(String verb, int replies) {
    return new ResetAfterReplies(verb, replies);
  }

  /**
   * Sends binary junk (NUL, 0xFF, an escape sequence, ...) and CRLF instead of a greeting, then
   * closes. HTTP: a {@code 200} whose body is that junk.
   */
  static Fault garbageGreeting() {
    return new GarbageGreeting();
  }

  /**
   * Sends a greeting line of {@code length} bytes with no line end, then stays silent.
   * HTTP: a {@code 200} whose body is that line. Streamed: the server never holds it in memory.
   */
  static Fault oversizedLine(int length) {
    return new OversizedLine(length);
  }

  /** {@link #oversizedLine(int)} for lines past 2 GiB. */
  static Fault oversizedLine(long length) {
    return new OversizedLine(length);
  }

  /**
   * Sends bytes for ever with no line end, as fast as the client reads, until the client
   * closes or the server stops. HTTP: a {@code 200} whose body never ends. Streamed from one
   * small buffer, so any total (100 MB, 10 GB) costs the server nothing.
   */
  static Fault endlessGreeting() {
    return new EndlessGreeting();
  }

  /**
   * An IMAP greeting announcing a literal of {@code size} bytes ({@code * OK {1500000000}}), then
   * silence: a client that reserves the literal's size up front reserves {@code size} bytes.
   */
  static Fault literalGreeting(long size) {
    return new LiteralGreeting(size, 0);
  }

  /** {@link #literalGreeting(long)} followed by {@code thenBytes} bytes of junk (streamed), then silence. */
  static Fault literalGreeting(long size, long thenBytes) {
    return new LiteralGreeting(size, thenBytes);
  }

  /**
   * Sends the greeting one byte per {@code perByte}, then serves normally: a host that looks
   * alive (bytes arrive) but never completes a line in time. HTTP: every response body is
   * trickled (status and headers arrive at once).
   */
  static Fault trickleGreeting(Duration perByte) {
    return new TrickleGreeting(perByte);
  }

  /**
   * Sends every reply to {@code verb} one byte per {@code perByte} ({@code LOGIN},
   * {@code AUTHENTICATE}, {@code USER}, {@code PASS}, {@code LHLO}, {@code MAIL}, {@code RCPT},
   * {@code DATA}: for DATA the {@code 354} and the per-recipient replies). Scripted replies
   * ({@code onCommand}) are trickled too. HTTP: {@code "GET"} or {@code "POST"}, the response body.
   */
  static Fault trickleReply(String verb, Duration perByte) {
    return new TrickleReply(verb, perByte);
  }

  /**
   * A graceful stop in the middle of an LMTP {@code DATA}: after the final dot the message is
   * stored for every recipient ({@link Commit#STORED}) or for none, then where the per-recipient
   * replies were due the server sends {@code 421 4.3.2 Shutting down} ({@link Farewell#SHUTTING_DOWN})
   * or nothing, closes the connection, and stops: a node of a {@link SimulatedReplicationGroup}
   * stops as a whole (an election follows if it was the master), a standalone server stops
   * listening. Fires once: the fault is cleared when it does.
   */
  static Fault stopDuringData(Commit commit, Farewell farewell) {
    return new StopDuringWrite("DATA", commit, farewell);
  }

  /**
   * A graceful stop in the middle of an IMAP {@code APPEND}: once the literal is read, the message
   * is stored ({@link Commit#STORED}) or not, then instead of the tagged {@code OK} the server sends
   * {@code * BYE Server shutting down} ({@link Farewell#SHUTTING_DOWN}) or nothing, closes, and
   * stops like {@link #stopDuringData}. Fires once.
   */
  static Fault stopDuringAppend(Commit commit, Farewell farewell) {
    return new StopDuringWrite("APPEND", commit, farewell);
  }

  /** Whether a stopping server committed the write it was in the middle of. */
  enum Commit {
    /** The message is in the store: a client that retries elsewhere delivers it twice. */
    STORED,
    /** The message is not in the store. */
    NOT_STORED
  }

  /** What a stopping server says where its reply was due. */
  enum Farewell {
    /** LMTP {@code 421 4.3.2 Shutting down}, IMAP {@code * BYE Server shutting down}. */
    SHUTTING_DOWN,
    /** Nothing: the connection closes. */
    CLOSE
  }

  /** A fault that acts when a given command arrives. */
  sealed interface CommandFault extends Fault {
    /** The command verb, upper case. */
    String verb();
  }

  /** See {@link Fault#refuse()}. */
  record Refuse() implements Fault {}

  /** See {@link Fault#blackHole()}. */
  record BlackHole() implements Fault {}

  /** See {@link Fault#stallAfterGreeting()}. */
  record StallAfterGreeting() implements Fault {}

  /**
   * See {@link Fault#stallAtCommand(String)}.
   *
   * @param verb the command, upper case
   */
  record StallAtCommand(String verb) implements CommandFault {
    /** Checks and upper-cases the verb. */
    public StallAtCommand {
      verb = checkVerb(verb);
    }
  }

  /**
   * See {@link Fault#slow(Duration)}.
   *
   * @param delay the delay before each greeting and reply, &ge; 0
   */
  record Slow(Duration delay) implements Fault {
    /** Checks the delay. */
    public Slow {
      nonNegative(delay, "delay");
    }
  }

  /**
   * See {@link Fault#resetAfterBytes(long)}.
   *
   * @param bytes the bytes written before the cut, &ge; 0
   */
  record ResetAfterBytes(long bytes) implements Fault {
    /** Checks the count. */
    public ResetAfterBytes {
      if (bytes < 0) {
        throw new IllegalArgumentException("bytes must be >= 0, was " + bytes);
      }
    }
  }

  /**
   * See {@link Fault#resetAtCommand(String)}.
   *
   * @param verb the command, upper case
   */
  record ResetAtCommand(String verb) implements CommandFault {
    /** Checks and upper-cases the verb. */
    public ResetAtCommand {
      verb = checkVerb(verb);
    }
  }

  /**
   * See {@link Fault#resetAfterReplies(String, int)}.
   *
   * @param verb the command, upper case
   * @param replies the reply lines let through, &ge; 0
   */
  record ResetAfterReplies(String verb, int replies) implements CommandFault {
    /** Checks and upper-cases the verb, checks the count. */
    public ResetAfterReplies {
      verb = checkVerb(verb);
      if (replies < 0) {
        throw new IllegalArgumentException("replies must be >= 0, was " + replies);
      }
    }
  }

  /** See {@link Fault#garbageGreeting()}. */
  record GarbageGreeting() implements Fault {}

  /**
   * See {@link Fault#oversizedLine(long)}.
   *
   * @param length the line's length in bytes, &ge; 1
   */
  record OversizedLine(long length) implements Fault {
    /** Checks the length. */
    public OversizedLine {
      if (length < 1) {
        throw new IllegalArgumentException("length must be >= 1, was " + length);
      }
    }
  }

  /** See {@link Fault#endlessGreeting()}. */
  record EndlessGreeting() implements Fault {}

  /**
   * See {@link Fault#literalGreeting(long, long)}.
   *
   * @param size the literal size announced, &ge; 0
   * @param thenBytes the junk bytes sent after the greeting line, &ge; 0
   */
  record LiteralGreeting(long size, long thenBytes) implements Fault {
    /** Checks the sizes. */
    public LiteralGreeting {
      if (size < 0 || thenBytes < 0) {
        throw new IllegalArgumentException("literal size and bytes must be >= 0, were " + size + " and " + thenBytes);
      }
    }

    /** The greeting line, without CRLF. */
    public String line() {
      return "* OK {" + size + "}";
    }
  }

  /**
   * See {@link Fault#trickleGreeting(Duration)}.
   *
   * @param perByte the interval between two bytes, &gt; 0
   */
  record TrickleGreeting(Duration perByte) implements Fault {
    /** Checks the interval. */
    public TrickleGreeting {
      positive(perByte, "perByte");
    }
  }

  /**
   * See {@link Fault#trickleReply(String, Duration)}.
   *
   * @param verb the command (or HTTP method), upper case
   * @param perByte the interval between two bytes, &gt; 0
   */
  record TrickleReply(String verb, Duration perByte) implements CommandFault {
    /** Checks the verb and the interval. */
    public TrickleReply {
      verb = checkVerb(verb);
      positive(perByte, "perByte");
    }
  }

  /**
   * See {@link Fault#stopDuringData} and {@link Fault#stopDuringAppend}.
   *
   * @param verb {@code DATA} (LMTP) or {@code APPEND} (IMAP)
   * @param commit whether the message is stored before the stop
   * @param farewell what is said where the reply was due
   */
  record StopDuringWrite(String verb, Commit commit, Farewell farewell) implements CommandFault {
    /** Checks the verb. */
    public StopDuringWrite {
      verb = checkVerb(verb);
      if (!verb.equals("DATA") && !verb.equals("APPEND")) {
        throw new IllegalArgumentException("a stop during a write is for DATA or APPEND, not " + verb);
      }
      Objects.requireNonNull(commit, "commit");
      Objects.requireNonNull(farewell, "farewell");
    }
  }

  private static String checkVerb(String verb) {
    Objects.requireNonNull(verb, "verb");
    if (verb.isBlank()) {
      throw new IllegalArgumentException("verb must not be blank");
    }
    return verb.strip().toUpperCase(Locale.ROOT);
  }

  private static void nonNegative(Duration d, String name) {
    Objects.requireNonNull(d, name);
    if (d.isNegative()) {
      throw new IllegalArgumentException(name + " must be >= 0, was " + d);
    }
  }

  private static void positive(Duration d, String name) {
    nonNegative(d, name);
    if (d.isZero()) {
      throw new IllegalArgumentException(name + " must be > 0, was " + d);
    }
  }
}
