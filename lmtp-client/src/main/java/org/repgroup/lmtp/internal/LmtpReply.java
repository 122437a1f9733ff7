package org.repgroup.lmtp.internal;

import java.util.List;
import org.repgroup.core.spi.ServerText;

/**
 * One (possibly multi-line) reply.
 *
 * @param code the three-digit code
 * @param enhancedCode the enhanced status code of the last line, or empty
 * @param text the last line's text after the enhanced code
 * @param lines every line's text after the code and separator
 */
public record LmtpReply(int code, String enhancedCode, String text, List<String> lines) {

  /** 2xx. */
  public boolean positive() {
    return code >= 200 && code < 300;
  }

  /** 3xx. */
  public boolean intermediate() {
    return code >= 300 && code < 400;
  }

  /** 4xx. */
  public boolean transientFailure() {
    return code >= 400 && code < 500;
  }

  /** The reply's last line, made printable and capped ({@link ServerText}): safe in messages and logs. */
  @Override
  public String toString() {
    return code + (enhancedCode.isEmpty() ? "" : " " + enhancedCode) + (text.isEmpty() ? "" : " " + ServerText.printable(text));
  }
}
