package org.repgroup.lmtp;

/**
 * The message cannot be sent as it is, found before any host was contacted: a
 * line longer than 998 octets, or a size over the client's limit.
 */
public class MessageRejectedException extends Exception {

  private static final long serialVersionUID = 1L;

  /** With a message naming what was wrong. */
  public MessageRejectedException(String message) {
    super(message);
  }
}
