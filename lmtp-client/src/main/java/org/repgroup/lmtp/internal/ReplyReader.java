package org.repgroup.lmtp.internal;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.repgroup.lmtp.LmtpProtocolException;

/** Reads LMTP replies, bounding line length and reply size. */
public final class ReplyReader {

  /** Longest reply line accepted (RFC 5321 says 512; servers exceed it). */
  public static final int MAX_LINE = 4096;
  /** Most lines in one multi-line reply. */
  public static final int MAX_LINES = 100;

  private final InputStream in;
  private final String host;

  /** Reads from {@code in}; {@code host} names the server in errors. */
  public ReplyReader(InputStream in, String host) {
    this.in = in;
    this.host = host;
  }

  /** One line without CRLF, as ISO-8859-1. */
  public String readLine() throws IOException {
    byte[] buf = new byte[256];
    int len = 0;
    int b;
    while ((b = in.read()) != -1) {
      if (b == '\n') {
        if (len > 0 && buf[len - 1] == '\r') {
          len--;
        }
        return new String(buf, 0, len, StandardCharsets.ISO_8859_1);
      }
      if (len == MAX_LINE) {
        throw new LmtpProtocolException(host + " sent a reply line longer than " + MAX_LINE + " bytes");
      }
      if (len == buf.length) {
        buf = java.util.Arrays.copyOf(buf, buf.length * 2);
      }
      buf[len++] = (byte) b;
    }
    throw new EOFException(host + " closed the connection" + (len > 0 ? " in the middle of a line" : ""));
  }

  /** One reply, all its lines. */
  public LmtpReply read() throws IOException {
    List<String> lines = new ArrayList<>();
    while (true) {
      String line = readLine();
      if (line.length() < 3 || !isDigits(line.substring(0, 3))
          || (line.length() > 3 && line.charAt(3) != ' ' && line.charAt(3) != '-')) {
        throw new LmtpProtocolException(host + " sent a malformed reply line: \"" + printable(line) + "\"");
      }
      lines.add(line.length() > 4 ? line.substring(4) : "");
      if (line.length() == 3 || line.charAt(3) == ' ') {
        int code = Integer.parseInt(line.substring(0, 3));
        String last = lines.get(lines.size() - 1);
        String enhanced = "";
        String text = last;
        int sp = last.indexOf(' ');
        String first = sp < 0 ? last : last.substring(0, sp);
        if (first.matches("[245]\\.\\d{1,3}\\.\\d{1,3}")) {
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

  private static boolean isDigits(String s) {
    return s.chars().allMatch(Character::isDigit);
  }

  static String printable(String s) {
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < s.length() && i < 120; i++) {
      char c = s.charAt(i);
      sb.append(c < 0x20 || c > 0x7e ? String.format("\\x%02x", (int) c & 0xff) : String.valueOf(c));
    }
    return sb.toString();
  }
}
