package org.repgroup.core;

import java.util.Locale;
import java.util.Objects;
import java.util.OptionalInt;
import org.repgroup.core.spi.ServerText;

/**
 * A store host as operators write it: a name or address with an optional port.
 *
 * <p>Accepted forms: {@code host}, {@code host:port}, {@code 192.0.2.1:143},
 * {@code [2001:db8::1]} and {@code [2001:db8::1]:143}. Host names compare
 * case-insensitively (they are kept in lower case). A host with no port takes
 * the group's port for the protocol in use, see {@link #withDefaultPort(int)}.
 *
 * <p>A host name is at most {@value #MAX_NAME_LENGTH} characters (one trailing
 * dot of a fully qualified name not counted) and, unless it is an IP literal, each
 * dot-separated label at most {@value #MAX_LABEL_LENGTH}: the limits of DNS
 * (RFC 1035 section 2.3.4), which every name an operator can resolve meets. Error
 * messages show the offending text printable and capped, never megabytes of it.
 *
 * @param host the host name or IP literal, without brackets
 * @param port the port, or empty when the group's port for the protocol applies
 */
public record HostAddress(String host, OptionalInt port) {

  /** Longest host name accepted: 253 characters, the DNS limit for a name in text form. */
  public static final int MAX_NAME_LENGTH = 253;

  /** Longest label (the text between dots) of a host name that is not an IP literal: 63 characters. */
  public static final int MAX_LABEL_LENGTH = 63;

  /** How much of a bad host text an error message shows. */
  private static final int SHOWN = 80;

  /** Validates and normalises the host name. */
  public HostAddress {
    Objects.requireNonNull(host, "host");
    Objects.requireNonNull(port, "port");
    if (host.isEmpty()) {
      throw new IllegalArgumentException("host address: empty host name");
    }
    checkLength(host);
    for (int i = 0; i < host.length(); i++) {
      char c = host.charAt(i);
      if (Character.isWhitespace(c) || c == '/' || c == '[' || c == ']' || c == '@' || Character.isISOControl(c)) {
        throw new IllegalArgumentException("host address " + quoted(host) + ": illegal character '"
            + ServerText.printable(String.valueOf(c)) + "'");
      }
    }
    if (port.isPresent()) {
      checkPort(port.getAsInt(), host);
    }
    host = host.toLowerCase(Locale.ROOT);
  }

  private static void checkLength(String host) {
    int length = host.endsWith(".") ? host.length() - 1 : host.length();
    if (length > MAX_NAME_LENGTH) {
      throw new IllegalArgumentException("host address " + quoted(host) + ": host name is " + length
          + " characters long, longer than " + MAX_NAME_LENGTH);
    }
    if (host.indexOf(':') >= 0) {
      return; // an IPv6 literal: no labels
    }
    int start = 0;
    while (start <= host.length()) {
      int dot = host.indexOf('.', start);
      int end = dot < 0 ? host.length() : dot;
      if (end - start > MAX_LABEL_LENGTH) {
        throw new IllegalArgumentException("host address " + quoted(host) + ": label "
            + quoted(host.substring(start, end)) + " is " + (end - start) + " characters long, longer than "
            + MAX_LABEL_LENGTH);
      }
      if (dot < 0) {
        break;
      }
      start = dot + 1;
    }
  }

  /** {@code text} in double quotes, printable and capped: safe in a message whatever it holds. */
  private static String quoted(String text) {
    return "\"" + ServerText.printable(text, SHOWN) + "\"";
  }

  /** A host with no port of its own. */
  public static HostAddress of(String host) {
    return new HostAddress(host, OptionalInt.empty());
  }

  /** A host with an explicit port (1-65535). */
  public static HostAddress of(String host, int port) {
    return new HostAddress(host, OptionalInt.of(port));
  }

  /**
   * Parses {@code host}, {@code host:port}, {@code [v6]} or {@code [v6]:port}.
   *
   * @throws IllegalArgumentException naming the text and what is wrong with it
   */
  public static HostAddress parse(String text) {
    Objects.requireNonNull(text, "text");
    String s = text.strip();
    if (s.isEmpty()) {
      throw new IllegalArgumentException("host address " + quoted(text) + ": empty");
    }
    if (s.startsWith("[")) {
      int close = s.indexOf(']');
      if (close < 0) {
        throw new IllegalArgumentException("host address " + quoted(text) + ": missing ']' after IPv6 literal");
      }
      String literal = s.substring(1, close);
      if (literal.isEmpty() || literal.indexOf(':') < 0) {
        throw new IllegalArgumentException("host address " + quoted(text) + ": not an IPv6 literal inside brackets");
      }
      String rest = s.substring(close + 1);
      if (rest.isEmpty()) {
        return new HostAddress(literal, OptionalInt.empty());
      }
      if (!rest.startsWith(":")) {
        throw new IllegalArgumentException("host address " + quoted(text) + ": unexpected text after ']'");
      }
      return new HostAddress(literal, OptionalInt.of(parsePort(rest.substring(1), text)));
    }
    int colon = s.indexOf(':');
    if (colon < 0) {
      return new HostAddress(s, OptionalInt.empty());
    }
    if (s.indexOf(':', colon + 1) >= 0) {
      throw new IllegalArgumentException(
          "host address " + quoted(text) + ": IPv6 literals must be written in brackets, e.g. [2001:db8::1]:143");
    }
    if (colon == 0) {
      throw new IllegalArgumentException("host address " + quoted(text) + ": empty host name");
    }
    return new HostAddress(s.substring(0, colon), OptionalInt.of(parsePort(s.substring(colon + 1), text)));
  }

  private static int parsePort(String digits, String text) {
    if (digits.isEmpty() || digits.length() > 5 || !digits.chars().allMatch(c -> c >= '0' && c <= '9')) {
      throw new IllegalArgumentException("host address " + quoted(text) + ": port " + quoted(digits) + " is not a number");
    }
    int port = Integer.parseInt(digits);
    checkPort(port, text);
    return port;
  }

  private static void checkPort(int port, String what) {
    if (port < 1 || port > 65535) {
      throw new IllegalArgumentException("host address " + quoted(what) + ": port " + port + " is not in 1-65535");
    }
  }

  /** This host with {@code defaultPort} filled in when it has no port of its own. */
  public HostAddress withDefaultPort(int defaultPort) {
    return port.isPresent() ? this : of(host, defaultPort);
  }

  /** The port, or {@code defaultPort} when this address has none. */
  public int portOr(int defaultPort) {
    return port.orElse(defaultPort);
  }

  /** True for an IPv6 literal (written in brackets in URLs and host lists). */
  public boolean isIpv6Literal() {
    return host.indexOf(':') >= 0;
  }

  /** The host in URL form: brackets around IPv6 literals. */
  public String hostForUrl() {
    return isIpv6Literal() ? "[" + host + "]" : host;
  }

  /** The same host, ignoring ports: the key used for visited sets and allow-lists. */
  public boolean sameHost(HostAddress other) {
    return host.equals(other.host);
  }

  /** {@code host}, {@code host:port}, {@code [v6]} or {@code [v6]:port}: parseable by {@link #parse}. */
  @Override
  public String toString() {
    return port.isPresent() ? hostForUrl() + ":" + port.getAsInt() : hostForUrl();
  }
}
