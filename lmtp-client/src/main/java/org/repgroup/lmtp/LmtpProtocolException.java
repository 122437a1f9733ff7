package org.repgroup.lmtp;

import java.io.IOException;

/** The server said something that is not LMTP: a garbage greeting, an oversized or malformed reply line. */
public class LmtpProtocolException extends IOException {

  private static final long serialVersionUID = 1L;

  /** With a message naming what was wrong. */
  public LmtpProtocolException(String message) {
    super(message);
  }
}
