package org.repgroup.core.config;

import java.util.Objects;
import java.util.Optional;

/**
 * An option in one of the SDK's namespaces ({@code repgroup.*},
 * {@code proxy:<group>.*}) that the SDK does not read, or a bare name with
 * neither a dot nor a colon: most likely a typo, reported with the nearest
 * option the SDK knows. Its value is never shown.
 *
 * @param option the option as written
 * @param suggestion the known option nearest to it, when one is close
 */
public record UnknownOption(ConfigOption option, Optional<String> suggestion) {

  /** Requires both parts. */
  public UnknownOption {
    Objects.requireNonNull(option, "option");
    Objects.requireNonNull(suggestion, "suggestion");
  }

  /** {@code file:line: unknown option "proxy:g.imapprot" (did you mean "proxy:g.imapport"?)}. */
  public String message() {
    return option.source() + ":" + option.line() + ": " + reason();
  }

  /** The message without the location. */
  String reason() {
    return "unknown option \"" + option.shownName() + "\""
        + suggestion.map(s -> " (did you mean \"" + s + "\"?)").orElse(" (no known option is close)");
  }

  /** The {@link #message()}. */
  @Override
  public String toString() {
    return message();
  }
}
