package org.repgroup.pop;

import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import org.repgroup.core.HostAddress;
import org.repgroup.core.spi.ServerText;

/**
 * A POP3 extended response code (RFC 2449) with its hierarchy (RFC 3206):
 * {@code [SYS/TEMP]}, {@code [AUTH]}, {@code [IN-USE]},
 * {@code [SYS/REFER/host:port]}. Unknown codes keep their parts and are judged
 * by the top of their hierarchy, so {@code [SYS/FOO]} is a SYS code.
 *
 * @param parts the code's parts, upper case except a referral's target ({@code SYS}, {@code REFER}, {@code host:port})
 * @param text the human text after the code
 */
public record PopResponseCode(List<String> parts, String text) {

  /**
   * Longest referral target accepted: a host name of 253 characters, or an IPv6
   * literal in brackets, and a port.
   */
  public static final int MAX_TARGET_LENGTH = 253 + ":65535".length();

  /** Copies the parts. */
  public PopResponseCode {
    parts = List.copyOf(parts);
    Objects.requireNonNull(text, "text");
    if (parts.isEmpty()) {
      throw new IllegalArgumentException("a response code has at least one part");
    }
  }

  /**
   * The code at the start of an {@code -ERR} text ({@code "[SYS/TEMP] try later"}),
   * if there is one; never throws, whatever the text.
   */
  public static Optional<PopResponseCode> parse(String errText) {
    if (errText == null) {
      return Optional.empty();
    }
    String s = errText.strip();
    if (s.startsWith("-ERR")) {
      s = s.substring(4).strip();
    }
    if (!s.startsWith("[")) {
      return Optional.empty();
    }
    // The code ends at the bracket matching the first one: a referral's IPv6 literal has brackets of its own.
    int close = -1;
    int depth = 0;
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c == '[') {
        depth++;
      } else if (c == ']' && --depth == 0) {
        close = i;
        break;
      }
    }
    if (close < 2) {
      return Optional.empty();
    }
    String code = s.substring(1, close);
    String[] raw = code.split("/", -1);
    List<String> parts = new java.util.ArrayList<>();
    for (int i = 0; i < raw.length; i++) {
      boolean target = i == 2 && raw[0].equalsIgnoreCase("SYS") && raw[1].equalsIgnoreCase("REFER");
      String p = target ? code.substring(code.indexOf('/', code.indexOf('/') + 1) + 1) : raw[i];
      if (p.isEmpty()) {
        if (target) {
          // [SYS/REFER/]: a referral without a host, malformed (see referral()), not "no code".
          break;
        }
        return Optional.empty();
      }
      parts.add(target ? p : p.toUpperCase(Locale.ROOT));
      if (target) {
        break;
      }
    }
    return Optional.of(new PopResponseCode(parts, s.substring(close + 1).strip()));
  }

  /** True when the code is {@code prefix} or below it ({@code is("SYS")} for {@code SYS/TEMP}). */
  public boolean is(String... prefix) {
    if (prefix.length > parts.size()) {
      return false;
    }
    for (int i = 0; i < prefix.length; i++) {
      if (!parts.get(i).equals(prefix[i])) {
        return false;
      }
    }
    return true;
  }

  /**
   * For {@code [SYS/REFER/host[:port]]}: the host to go to (port absent when the
   * code has none: the group's POP port applies).
   *
   * @throws IllegalArgumentException when the target is missing, absurdly long or not a host (the message shows it
   *     printable and capped)
   */
  public Optional<HostAddress> referral() {
    if (!is("SYS", "REFER")) {
      return Optional.empty();
    }
    if (parts.size() < 3) {
      throw new IllegalArgumentException("[SYS/REFER] without a host");
    }
    String target = parts.get(2);
    if (target.length() > MAX_TARGET_LENGTH) {
      throw new IllegalArgumentException("[SYS/REFER] target of " + target.length() + " characters (at most "
          + MAX_TARGET_LENGTH + "): \"" + ServerText.printable(target, 40) + "\"");
    }
    try {
      return Optional.of(HostAddress.parse(target));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("[SYS/REFER] target \"" + ServerText.printable(target, 80) + "\": "
          + ServerText.printable(e.getMessage()), e);
    }
  }

  /** {@code SYS/TEMP} etc., as the server sent it (pass it through {@link ServerText#printable} to show it). */
  @Override
  public String toString() {
    return String.join("/", parts);
  }
}
