package org.repgroup.core.config;

import java.util.Locale;
import java.util.Objects;
import org.repgroup.core.spi.ServerText;

/**
 * One option as an operator wrote it, with where it was written.
 *
 * <p>An option whose name ends in {@code pass}, {@code password}, {@code passwd}
 * or {@code secret} ({@code imapadminpass}, {@code truststorepass}) is a
 * {@linkplain #isSecret() secret}: its value never appears in a message, a log
 * line or {@link #toString()}.
 *
 * @param name the option name, unescaped ({@code proxy:store1.example.com.imapport})
 * @param value the value, unquoted
 * @param source the file name
 * @param line the 1-based line number
 */
public record ConfigOption(String name, String value, String source, int line) {

  /** How much of a value {@link #shownValue()} shows. */
  static final int SHOWN = 100;

  private static final String[] SECRET_SUFFIXES = {"pass", "password", "passwd", "secret"};

  /** Requires every part. */
  public ConfigOption {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(value, "value");
    Objects.requireNonNull(source, "source");
  }

  /** True when an option called {@code name} holds a secret (its name ends in pass, password, passwd or secret). */
  public static boolean isSecretName(String name) {
    String n = name.toLowerCase(Locale.ROOT);
    for (String suffix : SECRET_SUFFIXES) {
      if (n.endsWith(suffix)) {
        return true;
      }
    }
    return false;
  }

  /** True when this option's value is a secret and is never shown. */
  public boolean isSecret() {
    return isSecretName(name);
  }

  /** The value as messages show it: {@code ****} for a secret, else quoted, printable and capped. */
  String shownValue() {
    return isSecret() ? "****" : "\"" + ServerText.printable(value, SHOWN) + "\"";
  }

  /** The name as messages show it: printable and capped. */
  String shownName() {
    return ServerText.printable(name, SHOWN);
  }

  /** {@code source:line: name = value}; the values of secrets are hidden. */
  @Override
  public String toString() {
    return source + ":" + line + ": " + shownName() + " = " + shownValue();
  }
}
