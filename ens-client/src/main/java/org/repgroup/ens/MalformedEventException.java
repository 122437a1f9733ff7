package org.repgroup.ens;

/** An event reference, filter or wire message that cannot be read; the message says what is wrong. */
public class MalformedEventException extends Exception {

  private static final long serialVersionUID = 1L;

  /** With a message naming the input and the problem. */
  public MalformedEventException(String message) {
    super(message);
  }

  /** With a message and the underlying cause. */
  public MalformedEventException(String message, Throwable cause) {
    super(message, cause);
  }
}
