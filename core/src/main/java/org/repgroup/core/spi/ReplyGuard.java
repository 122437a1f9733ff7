package org.repgroup.core.spi;

import java.io.IOException;
import java.net.SocketTimeoutException;

/**
 * The bounds of one socket of an attempt not yet served: each response (the
 * greeting, or everything the host sends between two commands) has one time
 * budget and a size cap, each line a size cap, and literals are checked before
 * any of their bytes reach the protocol library. Reports progress to the engine.
 * Used by one reading thread at a time; synchronized for the writer's thread.
 */
final class ReplyGuard {

  private final ObservedConnection conn;
  private final GuardedSocket socket;
  private final InputLimits limits;
  private final LineInspector inspector;
  private byte[] line = new byte[256];
  private int lineLength;
  private long literalLeft;
  private long responseBytes;
  private boolean hostSpokeSinceWrite = true;
  private long deadlineNanos = Long.MAX_VALUE;
  private int budgetMillis;
  private int lines;
  private boolean goodGreeting;
  private IOException poisoned;
  private int appliedTimeout = -1;

  ReplyGuard(ObservedConnection conn, GuardedSocket socket) {
    this.conn = conn;
    this.socket = socket;
    this.limits = conn.factory().limits();
    this.inspector = conn.factory().inspector();
  }

  /** Connected: the greeting's budget starts. */
  synchronized void connected() {
    startBudget();
  }

  /** Before the socket is read: the budget left becomes the read timeout; none left is a timeout. */
  synchronized void beforeRead() throws IOException {
    if (poisoned != null) {
      throw poisoned;
    }
    long left = deadlineNanos - System.nanoTime();
    if (left <= 0) {
      String why = timeoutReason();
      throw conn.timedOut(why, new SocketTimeoutException(why));
    }
    long ms = Math.max(1, (left + 999_999) / 1_000_000);
    int requested = socket.requestedTimeout();
    if (requested > 0) {
      ms = Math.min(ms, requested);
    }
    int timeout = (int) Math.min(Integer.MAX_VALUE, ms);
    if (timeout != appliedTimeout) {
      socket.applyTimeout(timeout);
      appliedTimeout = timeout;
    }
  }

  /** Why a read timed out now. */
  synchronized String timeoutReason() {
    return (lines == 0 ? "no complete greeting in " : "no complete reply in ") + budgetMillis + " ms";
  }

  /** The client sends something: the first write after the host spoke starts a new response's budget. */
  void beforeWrite() {
    boolean newExchange;
    synchronized (this) {
      newExchange = hostSpokeSinceWrite;
      if (newExchange) {
        hostSpokeSinceWrite = false;
        responseBytes = 0;
        startBudget();
      }
    }
    if (newExchange) {
      conn.context().awaitingReply();
    }
  }

  /** Plain-text bytes from the host, before the protocol library sees them; throws when a cap is exceeded. */
  void inspect(byte[] b, int off, int n) throws IOException {
    int responded = 0;
    synchronized (this) {
      if (poisoned != null) {
        throw poisoned;
      }
      if (n > 0) {
        hostSpokeSinceWrite = true;
      }
      int end = off + n;
      for (int i = off; i < end; i++) {
        if (literalLeft > 0) {
          int take = (int) Math.min(literalLeft, end - i);
          literalLeft -= take;
          responseBytes += take;
          i += take - 1;
          checkResponse();
          continue;
        }
        responseBytes++;
        checkResponse();
        byte c = b[i];
        if (c == '\n') {
          if (completeLine()) {
            responded++;
          }
          continue;
        }
        if (lineLength >= limits.maxLineBytes()) {
          if (lines == 0) {
          conn.greetingBytes(line, lineLength, false);
        }
        throw poison("line too long: more than " + limits.maxLineBytes() + " bytes without a line end");
        }
        if (lineLength == line.length) {
          line = java.util.Arrays.copyOf(line, Math.min(line.length * 2, limits.maxLineBytes() + 1));
        }
        line[lineLength++] = c;
      }
      if (lines == 0 && lineLength > 0) {
        // A greeting still incomplete: kept as far as it came, for the report.
        conn.greetingBytes(line, lineLength, false);
      }
    }
    if (responded > 0) {
      conn.context().hostResponded();
    }
  }

  /** A line ended; true when it shows the host answering. */
  private boolean completeLine() throws IOException {
    int length = lineLength > 0 && line[lineLength - 1] == '\r' ? lineLength - 1 : lineLength;
    lineLength = 0;
    lines++;
    if (lines == 1) {
      conn.greetingBytes(line, length, true);
      goodGreeting = conn.goodGreeting(line, length);
    }
    long literal = inspector.literalAfter(line, length);
    if (literal > 0) {
      long room = limits.maxResponseBytes() - responseBytes;
      if (literal > room) {
        throw poison("literal too large: {" + (literal == Long.MAX_VALUE ? "too many digits" : literal)
            + "} announced, at most " + limits.maxResponseBytes() + " bytes accepted in a response before login");
      }
      literalLeft = literal;
    }
    if (line.length > 4096 && lineLength == 0) {
      // A long line is done: do not keep its buffer for the short ones.
      line = new byte[256];
    }
    return goodGreeting;
  }

  private void checkResponse() throws IOException {
    if (responseBytes > limits.maxResponseBytes()) {
      throw poison("response too long: more than " + limits.maxResponseBytes() + " bytes before the client spoke again");
    }
  }

  private IOException poison(String why) {
    poisoned = conn.limitExceeded(why);
    return poisoned;
  }

  private void startBudget() {
    budgetMillis = ObservedConnection.millis(conn.responseTimeout());
    deadlineNanos = System.nanoTime() + budgetMillis * 1_000_000L;
  }
}
