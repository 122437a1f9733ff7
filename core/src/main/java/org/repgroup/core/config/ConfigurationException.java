package org.repgroup.core.config;

import java.util.Objects;

/** Bad configuration, naming the file, the line and the reason: {@code recipe.rcp:12: imapport: ...}. */
public class ConfigurationException extends Exception {

  private static final long serialVersionUID = 1L;

  private final String source;
  private final int line;
  private final String reason;

  /**
   * @param source the file (or other source) name
   * @param line the 1-based line number, or 0 when the problem is not on one line
   * @param reason what is wrong
   */
  public ConfigurationException(String source, int line, String reason) {
    super(Objects.requireNonNull(source, "source") + (line > 0 ? ":" + line : "") + ": " + reason);
    this.source = source;
    this.line = line;
    this.reason = reason;
  }

  /** The file or source name. */
  public String source() {
    return source;
  }

  /** The 1-based line, or 0. */
  public int line() {
    return line;
  }

  /** What is wrong, without the location. */
  public String reason() {
    return reason;
  }
}
