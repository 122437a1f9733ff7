package org.repgroup.lmtp.internal;

import java.io.IOException;
import java.io.InputStream;
import org.repgroup.lmtp.MessageRejectedException;
import org.repgroup.lmtp.MessageSource;

/** Reads a message once before any host is contacted: its size and its longest line. */
public final class MessageCheck {

  /** RFC 5321: at most 998 octets per line, CRLF excluded. */
  public static final int MAX_LINE_OCTETS = 998;

  private MessageCheck() {}

  /**
   * The message's size in octets as it will be sent (line ends counted as CRLF).
   *
   * @throws MessageRejectedException for a line over 998 octets or a size over {@code maxSize}
   */
  public static long check(MessageSource source, long maxSize) throws IOException, MessageRejectedException {
    long size = 0;
    long line = 1;
    int lineLength = 0;
    boolean lastWasCr = false;
    // 8 KB, not 64: this runs once per delivery, and the usual message is a few KB.
    byte[] buf = new byte[8 * 1024];
    try (InputStream in = source.open()) {
      int n;
      while ((n = in.read(buf)) != -1) {
        for (int i = 0; i < n; i++) {
          int b = buf[i];
          if (b == '\n' && lastWasCr) {
            lastWasCr = false;
            continue;
          }
          lastWasCr = b == '\r';
          if (b == '\r' || b == '\n') {
            size += 2;
            line++;
            lineLength = 0;
            continue;
          }
          size++;
          if (++lineLength > MAX_LINE_OCTETS) {
            throw new MessageRejectedException("message line " + line + " is longer than " + MAX_LINE_OCTETS
                + " octets (RFC 5321); wrap or encode it before delivery");
          }
        }
      }
    }
    if (size > maxSize) {
      throw new MessageRejectedException("message of " + size + " octets is over the limit of " + maxSize + " octets");
    }
    return size;
  }
}
