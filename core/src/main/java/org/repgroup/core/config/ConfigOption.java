package org.repgroup.core.config;

/**
 * One option as an operator wrote it, with where it was written.
 *
 * @param name the option name, unescaped ({@code proxy:store1.example.com.imapport})
 * @param value the value, unquoted
 * @param source the file name
 * @param line the 1-based line number
 */
public record ConfigOption(String name, String value, String source, int line) {

  /** {@code source:line: name = value}; values of password options are hidden. */
  @Override
  public String toString() {
    String shown = name.toLowerCase(java.util.Locale.ROOT).endsWith("pass") ? "****" : value;
    return source + ":" + line + ": " + name + " = " + shown;
  }
}
