package org.repgroup.core.spi;

/**
 * Makes text that came from a server (greetings, replies, referral targets) safe
 * to put in a message, a log line or the probe's output: every character
 * outside printable ASCII becomes {@code \xNN} (or {@code \\uNNNN}), and the
 * result is capped, so a hostile host can neither drive a terminal with escape
 * sequences nor make a report megabytes long.
 */
public final class ServerText {

  /** Default cap on server text in messages and reports: 200 characters. */
  public static final int DEFAULT_MAX = 200;

  private ServerText() {}

  /**
   * Where {@code mark} first starts in {@code text}, ignoring case, or -1. Indexes are
   * into {@code text} itself: an upper-cased copy can be longer than the original (one
   * {@code ß} becomes {@code SS}), so an index found in it would point past the mark in
   * server text that has such a character before it. And no copy is made per reply.
   */
  public static int indexOfIgnoreCase(String text, String mark) {
    int last = text.length() - mark.length();
    for (int i = 0; i <= last; i++) {
      if (text.regionMatches(true, i, mark, 0, mark.length())) {
        return i;
      }
    }
    return -1;
  }

  /** {@code text} made printable and capped at {@link #DEFAULT_MAX} characters. */
  public static String printable(CharSequence text) {
    return printable(text, DEFAULT_MAX);
  }

  /**
   * {@code text} made printable, at most {@code max} characters of it shown,
   * followed by {@code "...(N more)"} when it was longer; {@code "null"} for null.
   */
  public static String printable(CharSequence text, int max) {
    if (max < 1) {
      throw new IllegalArgumentException("max must be >= 1, was " + max);
    }
    if (text == null) {
      return "null";
    }
    int n = text.length();
    int shown = Math.min(n, max);
    StringBuilder sb = new StringBuilder(shown + 16);
    for (int i = 0; i < shown; i++) {
      char c = text.charAt(i);
      if (c >= 0x20 && c < 0x7f) {
        sb.append(c);
      } else if (c <= 0xff) {
        sb.append(String.format("\\x%02x", (int) c));
      } else {
        sb.append(String.format("\\u%04x", (int) c));
      }
    }
    if (n > shown) {
      sb.append("...(").append(n - shown).append(" more)");
    }
    return sb.toString();
  }
}
