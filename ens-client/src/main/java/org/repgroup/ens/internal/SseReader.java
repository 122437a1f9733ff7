package org.repgroup.ens.internal;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Objects;

/**
 * Reads a Server-Sent Events stream (the W3C / WHATWG EventSource format) from
 * bytes: lines end in CRLF, LF <em>or a lone CR</em>, all three allowed by the
 * format; a leading byte-order mark is skipped; {@code data}, {@code id} and
 * {@code event} fields are kept, comments and {@code retry} ignored; a blank
 * line dispatches the event. The last event id persists across events, as the
 * format says. Bounded: an event whose data grows past {@code maxEventBytes} is
 * skipped (reported through {@link Handler#oversized}), never buffered whole.
 */
public final class SseReader {

  /** Receives what the stream carries. */
  public interface Handler {
    /** An event: its last event id (or {@code null}), its type ({@code "message"} when none), its data. */
    void event(String id, String type, String data);

    /** An event was skipped because its data passed the size cap. */
    void oversized(String id, long bytes);
  }

  private static final byte[] BOM = {(byte) 0xef, (byte) 0xbb, (byte) 0xbf};

  private final InputStream in;
  private final long maxEventBytes;
  private final Handler handler;
  private final byte[] buf = new byte[8192];
  private int pos;
  private int limit;
  /** The line being read; at most {@code maxEventBytes} plus a field name are kept. */
  private byte[] line = new byte[256];
  private int lineLength;
  private boolean lineOverflow;
  private long lineBytes;
  private boolean afterCr;
  /** Bytes of a leading byte-order mark matched so far; -1 once past the stream's start. */
  private int bomMatched;

  private final StringBuilder data = new StringBuilder();
  private boolean hasData;
  private long dataBytes;
  private boolean oversized;
  private String type;
  private String lastId;

  /** A reader of {@code in} handing events to {@code handler}; events above {@code maxEventBytes} are skipped. */
  public SseReader(InputStream in, long maxEventBytes, Handler handler) {
    this.in = Objects.requireNonNull(in, "in");
    if (maxEventBytes < 1) {
      throw new IllegalArgumentException("maxEventBytes must be >= 1, was " + maxEventBytes);
    }
    this.maxEventBytes = maxEventBytes;
    this.handler = Objects.requireNonNull(handler, "handler");
  }

  /**
   * Reads until the end of the stream, handing each complete event to the
   * handler. An event not ended by a blank line before the end is dropped, as the
   * format says.
   *
   * @throws IOException when reading fails (a cancelled call, an idle timeout)
   */
  public void readAll() throws IOException {
    while (true) {
      if (pos == limit) {
        int n = in.read(buf, 0, buf.length);
        if (n < 0) {
          return;
        }
        pos = 0;
        limit = n;
      }
      byte b = buf[pos++];
      if (bomMatched >= 0) {
        if (b == BOM[bomMatched]) {
          if (++bomMatched == BOM.length) {
            bomMatched = -1;
          }
          continue;
        }
        // Not a byte-order mark after all: the bytes matched so far are the stream's first.
        for (int i = 0; i < bomMatched; i++) {
          append(BOM[i]);
        }
        bomMatched = -1;
      }
      if (afterCr) {
        afterCr = false;
        if (b == '\n') {
          // The LF of a CRLF: the line already ended at the CR.
          continue;
        }
      }
      if (b == '\r' || b == '\n') {
        afterCr = b == '\r';
        endLine();
      } else {
        append(b);
      }
    }
  }

  private void append(byte b) {
    lineBytes++;
    if (lineLength == line.length) {
      long cap = maxEventBytes + 16;
      if (line.length >= cap) {
        lineOverflow = true;
        return;
      }
      line = Arrays.copyOf(line, (int) Math.min((long) line.length * 2, cap));
    }
    line[lineLength++] = b;
  }

  private void endLine() {
    int length = lineLength;
    boolean overflow = lineOverflow;
    long bytes = lineBytes;
    lineLength = 0;
    lineOverflow = false;
    lineBytes = 0;
    if (length == 0) {
      dispatch();
      return;
    }
    if (line[0] == ':') {
      return;
    }
    int colon = -1;
    for (int i = 0; i < length; i++) {
      if (line[i] == ':') {
        colon = i;
        break;
      }
    }
    String field = new String(line, 0, colon < 0 ? length : colon, StandardCharsets.UTF_8);
    int valueStart = colon < 0 ? length : colon + 1;
    if (valueStart < length && line[valueStart] == ' ') {
      valueStart++;
    }
    switch (field) {
      case "data" -> {
        dataBytes += bytes - valueStart + 1;
        if (overflow || dataBytes > maxEventBytes) {
          oversized = true;
        }
        if (!oversized) {
          data.append(new String(line, valueStart, length - valueStart, StandardCharsets.UTF_8)).append('\n');
        }
        hasData = true;
      }
      case "id" -> {
        String id = overflow ? null : new String(line, valueStart, length - valueStart, StandardCharsets.UTF_8);
        if (id != null && id.indexOf('\0') < 0) {
          lastId = id;
        }
      }
      case "event" -> type = overflow ? null : new String(line, valueStart, length - valueStart, StandardCharsets.UTF_8);
      default -> {
        // retry (the subscriber paces itself) and unknown fields are ignored
      }
    }
  }

  private void dispatch() {
    try {
      if (!hasData) {
        return;
      }
      if (oversized) {
        handler.oversized(lastId, dataBytes);
        return;
      }
      data.setLength(data.length() - 1);
      handler.event(lastId, type == null || type.isEmpty() ? "message" : type, data.toString());
    } finally {
      data.setLength(0);
      hasData = false;
      dataBytes = 0;
      oversized = false;
      type = null;
    }
  }
}
