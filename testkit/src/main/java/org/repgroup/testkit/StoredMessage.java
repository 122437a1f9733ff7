package org.repgroup.testkit;

/**
 * A message in the shared store.
 *
 * @param uid its IMAP UID within the user's INBOX
 * @param bytes the message exactly as delivered (CRLF line ends kept)
 * @param logPosition the replication log position of the write that stored it (0 outside a group)
 */
public record StoredMessage(long uid, byte[] bytes, long logPosition) {

  /** The bytes as ISO-8859-1 text, for assertions. */
  public String text() {
    return new String(bytes, java.nio.charset.StandardCharsets.ISO_8859_1);
  }
}
