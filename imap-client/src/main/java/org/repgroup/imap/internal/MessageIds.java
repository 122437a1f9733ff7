package org.repgroup.imap.internal;

import jakarta.mail.MessagingException;
import jakarta.mail.internet.InternetHeaders;
import java.io.ByteArrayInputStream;
import java.util.Optional;

/**
 * The {@code Message-ID} of a message about to be appended, as the search after a
 * drop sends it to the server: unfolded, checked to be printable ASCII of a sane
 * length, and quoted as an IMAP quoted string ({@code "} and {@code \} escaped).
 * The header comes from the user's message, so nothing but printable ASCII may
 * reach the command line.
 */
public final class MessageIds {

  /** The longest Message-ID searched for: the RFC 5322 line limit. */
  static final int MAX_LENGTH = 998;

  private MessageIds() {}

  /**
   * The first {@code Message-ID} header of {@code message}, unfolded and trimmed; empty when there is
   * none or it is blank.
   *
   * @throws IllegalArgumentException when it holds a control or non-ASCII character, or is too long
   * @throws MessagingException when the header block cannot be parsed
   */
  public static Optional<String> of(byte[] message) throws MessagingException {
    String[] values = new InternetHeaders(new ByteArrayInputStream(message)).getHeader("Message-ID");
    if (values == null || values.length == 0) {
      return Optional.empty();
    }
    String id = values[0].replaceAll("\r?\n([ \t])", "$1").strip();
    if (id.isEmpty()) {
      return Optional.empty();
    }
    check(id);
    return Optional.of(id);
  }

  /** {@code id} as an IMAP quoted string. */
  static String quoted(String id) {
    check(id);
    return "\"" + id.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
  }

  private static void check(String id) {
    if (id.length() > MAX_LENGTH) {
      throw new IllegalArgumentException("Message-ID is " + id.length() + " characters long, more than "
          + MAX_LENGTH + ": cannot search for it after a drop");
    }
    for (int i = 0; i < id.length(); i++) {
      char c = id.charAt(i);
      if (c < 0x20 || c > 0x7e) {
        throw new IllegalArgumentException(String.format(
            "Message-ID has character U+%04X at index %d (only printable ASCII can be searched for after a drop)",
            (int) c, i));
      }
    }
  }
}
