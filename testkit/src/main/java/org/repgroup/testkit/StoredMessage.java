package org.repgroup.testkit;

/**
 * A message in the shared store.
 *
 * @param uid its IMAP UID within the user's INBOX
 * @param bytes the message exactly as delivered (CRLF line ends kept)
 */
public record StoredMessage(long uid, byte[] bytes) {

  /** The bytes as ISO-8859-1 text, for assertions. */
  public String text() {
    return new String(bytes, java.nio.charset.StandardCharsets.ISO_8859_1);
  }
}
