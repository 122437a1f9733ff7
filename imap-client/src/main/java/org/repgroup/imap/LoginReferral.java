package org.repgroup.imap;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import org.repgroup.core.HostAddress;
import org.repgroup.core.spi.ServerText;

/**
 * An RFC 2221 login referral: the IMAP URL in {@code [REFERRAL imap://...]}.
 * Parsed here rather than by Angus Mail, which cuts the URL at the first
 * {@code ]} and so breaks IPv6 literals. Accepts {@code imap://host/},
 * {@code imap://user;AUTH=PLAIN@host:port/}, {@code imap://user;AUTH=*@host/},
 * percent-encoded user names ({@code %40}) and {@code imap://user@[2001:db8::1]:143/}.
 *
 * @param url the URL as the server sent it
 * @param user the user named in the URL, decoded, if any
 * @param authMechanism the {@code AUTH=} mechanism, if any ({@code *} for any)
 * @param host the host, port absent when the URL has none (the group's IMAP port applies)
 */
public record LoginReferral(String url, Optional<String> user, Optional<String> authMechanism, HostAddress host) {

  private static final String MARK = "[REFERRAL ";

  /**
   * Longest referral URL accepted: a host name has at most 253 characters, and
   * user, mechanism and port leave this ample room. Longer is malformed.
   */
  public static final int MAX_URL_LENGTH = 1024;

  /** All required. */
  public LoginReferral {
    Objects.requireNonNull(url, "url");
    Objects.requireNonNull(user, "user");
    Objects.requireNonNull(authMechanism, "authMechanism");
    Objects.requireNonNull(host, "host");
  }

  /**
   * The referral in a server response line ({@code a1 NO [REFERRAL imap://...] text}), if it has one.
   *
   * @throws IllegalArgumentException when the response has a referral whose URL is malformed
   */
  public static Optional<LoginReferral> fromResponse(String response) {
    if (response == null) {
      return Optional.empty();
    }
    int at = ServerText.indexOfIgnoreCase(response, MARK);
    if (at < 0) {
      return Optional.empty();
    }
    int depth = 1;
    int start = at + MARK.length();
    for (int i = start; i < response.length(); i++) {
      char c = response.charAt(i);
      if (c == '[') {
        depth++;
      } else if (c == ']' && --depth == 0) {
        return Optional.of(parse(response.substring(start, i).strip()));
      }
    }
    throw new IllegalArgumentException("referral without a closing ']' in \"" + ServerText.printable(response, 120)
        + "\"");
  }

  /**
   * Parses an IMAP URL.
   *
   * @throws IllegalArgumentException naming the URL (printable, capped) and what is wrong
   */
  public static LoginReferral parse(String url) {
    Objects.requireNonNull(url, "url");
    if (url.length() > MAX_URL_LENGTH) {
      throw new IllegalArgumentException("referral URL \"" + ServerText.printable(url, 80) + "\": longer than "
          + MAX_URL_LENGTH + " characters");
    }
    String lower = url.toLowerCase(Locale.ROOT);
    if (!lower.startsWith("imap://")) {
      throw new IllegalArgumentException("referral URL \"" + shown(url) + "\": not an imap:// URL");
    }
    String rest = url.substring("imap://".length());
    int slash = rest.indexOf('/', rest.lastIndexOf(']') + 1);
    String authority = slash < 0 ? rest : rest.substring(0, slash);
    if (authority.isEmpty()) {
      throw new IllegalArgumentException("referral URL \"" + shown(url) + "\": no host");
    }
    Optional<String> user = Optional.empty();
    Optional<String> mech = Optional.empty();
    int atSign = authority.lastIndexOf('@');
    String hostPart = authority;
    if (atSign >= 0) {
      String userinfo = authority.substring(0, atSign);
      hostPart = authority.substring(atSign + 1);
      int semi = ServerText.indexOfIgnoreCase(userinfo, ";AUTH=");
      String rawUser = semi >= 0 ? userinfo.substring(0, semi) : userinfo;
      if (semi >= 0) {
        mech = Optional.of(userinfo.substring(semi + ";AUTH=".length()));
      }
      if (!rawUser.isEmpty()) {
        try {
          user = Optional.of(URLDecoder.decode(rawUser.replace("+", "%2B"), StandardCharsets.UTF_8));
        } catch (IllegalArgumentException e) {
          throw new IllegalArgumentException("referral URL \"" + shown(url) + "\": bad %-encoding in the user name", e);
        }
      }
    }
    HostAddress host;
    try {
      host = HostAddress.parse(hostPart);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("referral URL \"" + shown(url) + "\": "
          + ServerText.printable(e.getMessage()), e);
    }
    return new LoginReferral(url, user, mech, host);
  }

  private static String shown(String url) {
    return ServerText.printable(url, 200);
  }
}
