package org.repgroup.testkit;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Base64;

/**
 * SASL PLAIN credentials (RFC 4616) as IMAP's AUTHENTICATE and POP's AUTH carry them.
 *
 * @param authzid the authorization identity (empty when none was given)
 * @param authcid the authentication identity
 * @param password the password
 */
record SaslPlain(String authzid, String authcid, String password) {

  /**
   * The initial response of {@code AUTHENTICATE PLAIN [ir]}: the argument after the mechanism
   * ({@code =} for an empty one), or the line the client sends after a {@code + } continuation;
   * {@code null} when the client went away.
   */
  static String initialResponse(Session s, String[] mechanismAndResponse) throws IOException {
    if (mechanismAndResponse.length > 1) {
      return mechanismAndResponse[1].equals("=") ? "" : mechanismAndResponse[1];
    }
    s.writeLine("+ ");
    String line = s.readLine();
    if (line != null) {
      s.record(line);
    }
    return line;
  }

  /**
   * Decodes a PLAIN message.
   *
   * @throws IllegalArgumentException "invalid base64" or "malformed PLAIN message"
   */
  static SaslPlain decode(String base64) {
    String[] parts;
    try {
      parts = new String(Base64.getDecoder().decode(base64), StandardCharsets.UTF_8).split("\0", -1);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("invalid base64", e);
    }
    if (parts.length != 3) {
      throw new IllegalArgumentException("malformed PLAIN message");
    }
    return new SaslPlain(parts[0], parts[1], parts[2]);
  }
}
