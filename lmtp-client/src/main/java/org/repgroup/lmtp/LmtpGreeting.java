package org.repgroup.lmtp;

import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import org.repgroup.core.HostAddress;
import org.repgroup.core.spi.ServerText;

/**
 * An LMTP greeting, and the one parser of the store's greeting referral:
 * {@code 220 <host> LMTP <text> [REFERRAL lmtp://<master>[:<port>]/]} (a replica
 * naming its master; a master's greeting has none).
 *
 * @param code the reply code (220 when the host will talk)
 * @param text the text after the code
 * @param referral the master named by a replica, port absent when the URL had none
 */
public record LmtpGreeting(int code, String text, Optional<HostAddress> referral) {

  private static final String MARK = "[REFERRAL ";

  /** Code and text required. */
  public LmtpGreeting {
    Objects.requireNonNull(text, "text");
    Objects.requireNonNull(referral, "referral");
  }

  /**
   * Parses the last line of a greeting.
   *
   * @throws LmtpProtocolException for a line that is not an SMTP-style reply, or a malformed referral
   */
  public static LmtpGreeting parse(String line) throws LmtpProtocolException {
    if (line.length() < 3 || !Character.isDigit(line.charAt(0)) || !Character.isDigit(line.charAt(1))
        || !Character.isDigit(line.charAt(2)) || (line.length() > 3 && line.charAt(3) != ' ' && line.charAt(3) != '-')) {
      throw new LmtpProtocolException("garbage greeting: \"" + printable(line) + "\"");
    }
    int code = Integer.parseInt(line.substring(0, 3));
    String text = line.length() > 4 ? line.substring(4) : "";
    int at = ServerText.indexOfIgnoreCase(text, MARK);
    if (at < 0) {
      return new LmtpGreeting(code, text, Optional.empty());
    }
    int end = text.indexOf(']', at);
    // An IPv6 literal contains ']' too: the referral ends at "/]".
    int slashEnd = text.indexOf("/]", at);
    if (slashEnd >= 0) {
      end = slashEnd + 1;
    }
    if (end < 0) {
      throw new LmtpProtocolException("malformed referral in greeting (no closing ']'): \"" + printable(line) + "\"");
    }
    String url = text.substring(at + MARK.length(), end).strip();
    return new LmtpGreeting(code, text, Optional.of(parseUrl(url, line)));
  }

  /** {@code lmtp://host[:port]/} to the host. */
  static HostAddress parseUrl(String url, String line) throws LmtpProtocolException {
    String lower = url.toLowerCase(Locale.ROOT);
    if (!lower.startsWith("lmtp://")) {
      throw new LmtpProtocolException("malformed referral \"" + printable(url) + "\" in greeting: expected lmtp://host[:port]/");
    }
    String rest = url.substring("lmtp://".length());
    if (rest.endsWith("/")) {
      rest = rest.substring(0, rest.length() - 1);
    }
    if (rest.isEmpty() || rest.contains("/") || rest.contains("@")) {
      throw new LmtpProtocolException("malformed referral \"" + printable(url) + "\" in greeting \"" + printable(line) + "\"");
    }
    try {
      return HostAddress.parse(rest);
    } catch (IllegalArgumentException e) {
      throw new LmtpProtocolException("malformed referral \"" + printable(url) + "\": " + printable(e.getMessage()));
    }
  }

  /** True when the host will talk (2xx). */
  public boolean ready() {
    return code >= 200 && code < 300;
  }

  private static String printable(String s) {
    return ServerText.printable(s);
  }
}
