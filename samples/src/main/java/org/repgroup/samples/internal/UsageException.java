package org.repgroup.samples.internal;

/** A usage or configuration error: the probe exits with status 2. */
public final class UsageException extends Exception {

  private static final long serialVersionUID = 1L;

  /** With the message shown to the user. */
  public UsageException(String message) {
    super(message);
  }
}
