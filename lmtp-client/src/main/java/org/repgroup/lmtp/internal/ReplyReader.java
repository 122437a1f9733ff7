package org.repgroup.lmtp.internal;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.function.Supplier;
import org.repgroup.core.spi.ServerText;
import org.repgroup.core.time.Ticker;
import org.repgroup.lmtp.LmtpProtocolException;

/**
 * Reads LMTP replies, bounding each reply in size and in time: a line is at most
 * {@link #MAX_LINE} bytes, a reply at most {@link #MAX_LINES} lines, and a whole
 * reply (all its lines) must arrive within one budget, the response timeout, however
 * the host spreads its bytes. A host that trickles a reply one byte at a time ends
 * at the budget like a silent one; a per-read timeout alone would never fire.
 */
public final class ReplyReader {

  /** Longest reply line accepted, line end excluded (RFC 5321 says 512; servers exceed it). */
  public static final int MAX_LINE = 4096;
  /** An enhanced status code (RFC 3463); compiled once, not per reply. */
  private static final java.util.regex.Pattern ENHANCED_CODE =
      java.util.regex.Pattern.compile("[245]\\.\\d{1,3}\\.\\d{1,3}");
  /** Most lines in one multi-line reply (the greeting included). */
  public static final int MAX_LINES = 100;

  private final Socket socket;
  private final InputStream in;
  private final String host;
  private final Ticker ticker;
  private final Supplier<Duration> budget;
  private final byte[] buf = new byte[8192];
  private int pos;
  private int limit;
  /** Ticker time by which the reply being read must be complete. */
  private long deadlineNanos;
  private long budgetNanos;

  /**
   * Reads from {@code socket}'s {@code in}; {@code host} names the server in errors;
   * {@code budget} gives the time allowed for each reply when it starts (read once per reply).
   */
  public ReplyReader(Socket socket, InputStream in, String host, Ticker ticker, Supplier<Duration> budget) {
    this.socket = Objects.requireNonNull(socket, "socket");
    this.in = Objects.requireNonNull(in, "in");
    this.host = Objects.requireNonNull(host, "host");
    this.ticker = Objects.requireNonNull(ticker, "ticker");
    this.budget = Objects.requireNonNull(budget, "budget");
  }

  /** The greeting: all its lines within one budget; returns the last line (the one that decides). */
  public String readGreetingLine() throws IOException {
    startBudget();
    String line = readLine();
    int lines = 1;
    while (line.length() > 3 && line.charAt(3) == '-' && isDigits(line, 3)) {
      if (lines++ >= MAX_LINES) {
        throw new LmtpProtocolException(host + " sent a greeting of more than " + MAX_LINES + " lines");
      }
      line = readLine();
    }
    return line;
  }

  /** One reply, all its lines, within one budget. */
  public LmtpReply read() throws IOException {
    startBudget();
    List<String> lines = new ArrayList<>();
    while (true) {
      String line = readLine();
      if (line.length() < 3 || !isDigits(line, 3)
          || (line.length() > 3 && line.charAt(3) != ' ' && line.charAt(3) != '-')) {
        throw new LmtpProtocolException(host + " sent a malformed reply line: \"" + ServerText.printable(line) + "\"");
      }
      lines.add(line.length() > 4 ? line.substring(4) : "");
      if (line.length() == 3 || line.charAt(3) == ' ') {
        int code = Integer.parseInt(line.substring(0, 3));
        String last = lines.get(lines.size() - 1);
        String enhanced = "";
        String text = last;
        int sp = last.indexOf(' ');
        String first = sp < 0 ? last : last.substring(0, sp);
        if (ENHANCED_CODE.matcher(first).matches()) {
          enhanced = first;
          text = sp < 0 ? "" : last.substring(sp + 1);
        }
        return new LmtpReply(code, enhanced, text, List.copyOf(lines));
      }
      if (lines.size() >= MAX_LINES) {
        throw new LmtpProtocolException(host + " sent a reply of more than " + MAX_LINES + " lines");
      }
    }
  }

  private void startBudget() {
    budgetNanos = Math.max(Duration.ofMillis(1).toNanos(), budget.get().toNanos());
    deadlineNanos = ticker.read() + budgetNanos;
  }

  /** One line without its line end (LF or CRLF), as ISO-8859-1, within the current budget. */
  private String readLine() throws IOException {
    byte[] line = new byte[128];
    int len = 0;
    while (true) {
      if (pos == limit && !fill()) {
        throw new EOFException(host + " closed the connection" + (len > 0 ? " in the middle of a line" : ""));
      }
      int b = buf[pos++] & 0xff;
      if (b == '\n') {
        if (len > 0 && line[len - 1] == '\r') {
          len--;
        }
        return new String(line, 0, len, StandardCharsets.ISO_8859_1);
      }
      // One byte of slack for the CR of a line of exactly MAX_LINE bytes.
      if (len > MAX_LINE || (len == MAX_LINE && b != '\r')) {
        throw new LmtpProtocolException(host + " sent a reply line longer than " + MAX_LINE + " bytes");
      }
      if (len == line.length) {
        line = java.util.Arrays.copyOf(line, Math.min(line.length * 2, MAX_LINE + 1));
      }
      line[len++] = (byte) b;
    }
  }

  /** Reads more bytes, waiting at most for what is left of the budget; false at end of stream. */
  private boolean fill() throws IOException {
    long left = deadlineNanos - ticker.read();
    if (left <= 0) {
      throw timedOut();
    }
    // Round up: a socket timeout of 0 would mean "wait forever".
    socket.setSoTimeout((int) Math.max(1, Math.min(Integer.MAX_VALUE, (left + 999_999) / 1_000_000)));
    int n;
    try {
      n = in.read(buf, 0, buf.length);
    } catch (SocketTimeoutException e) {
      throw timedOut();
    }
    if (n < 0) {
      return false;
    }
    pos = 0;
    limit = n;
    return true;
  }

  private SocketTimeoutException timedOut() {
    return new SocketTimeoutException(host + " sent no complete reply in "
        + Duration.ofNanos(budgetNanos).toMillis() + " ms");
  }

  private static boolean isDigits(String s, int n) {
    for (int i = 0; i < n; i++) {
      char c = s.charAt(i);
      if (c < '0' || c > '9') {
        return false;
      }
    }
    return true;
  }
}
