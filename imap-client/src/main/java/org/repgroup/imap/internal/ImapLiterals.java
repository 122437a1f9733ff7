package org.repgroup.imap.internal;

import org.repgroup.core.spi.LineInspector;

/**
 * IMAP literals (RFC 3501 {@code {n}}, RFC 3516 {@code ~{n}}, RFC 7888
 * {@code {n+}}) at the end of a line from the server, for the observed socket
 * layer: Angus Mail allocates a literal's announced size as soon as it reads the
 * line, so the layer must see it first.
 */
public final class ImapLiterals implements LineInspector {

  /** The one instance. */
  public static final ImapLiterals INSTANCE = new ImapLiterals();

  private static final int MAX_DIGITS = 18;

  private ImapLiterals() {}

  @Override
  public long literalAfter(byte[] line, int length) {
    if (length < 3 || line[length - 1] != '}') {
      return 0;
    }
    int end = length - 1;
    if (line[end - 1] == '+') {
      end--;
    }
    int start = end;
    while (start > 0 && line[start - 1] >= '0' && line[start - 1] <= '9') {
      start--;
    }
    if (start == end || start == 0 || line[start - 1] != '{') {
      return 0;
    }
    if (end - start > MAX_DIGITS) {
      return Long.MAX_VALUE;
    }
    long n = 0;
    for (int i = start; i < end; i++) {
      n = n * 10 + (line[i] - '0');
    }
    return n;
  }
}
