package org.repgroup.core.config;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.repgroup.core.spi.ServerText;

/**
 * Reads {@code msconfig}-style lines: {@code name value}, where the value is the
 * rest of the line or a double-quoted string; a leading {@code msconfig set } (as
 * operators paste commands, with any spacing) is accepted. Comments start with {@code #}.
 *
 * <p>Errors never show a value: a line that cannot be read as {@code name value}
 * may hold a password, so only its location and what was expected are named.
 */
final class MsconfigSyntax {

  /** {@code msconfig set}, any spacing, then the option. */
  private static final Pattern SET = Pattern.compile("msconfig\\s+set\\s+(.*)", Pattern.DOTALL);
  private static final Pattern OTHER_COMMAND = Pattern.compile("msconfig(\\s+([A-Za-z_]{1,20})(\\s.*)?)?");

  private final String source;

  MsconfigSyntax(String source) {
    this.source = source;
  }

  List<ConfigOption> options(String text) throws ConfigurationException {
    List<ConfigOption> out = new ArrayList<>();
    String[] lines = text.split("\r?\n", -1);
    for (int i = 0; i < lines.length; i++) {
      int lineNo = i + 1;
      String line = lines[i].strip();
      if (line.isEmpty() || line.startsWith("#")) {
        continue;
      }
      Matcher set = SET.matcher(line);
      if (set.matches()) {
        line = set.group(1).strip();
      } else if (line.equals("msconfig") || line.startsWith("msconfig ") || line.startsWith("msconfig\t")) {
        Matcher other = OTHER_COMMAND.matcher(line);
        if (other.matches() && "set".equals(other.group(2))) {
          throw error(lineNo, "\"msconfig set\" needs an option and a value");
        }
        String command = other.matches() && other.group(2) != null ? "\"msconfig " + other.group(2) + "\"" : "this";
        throw error(lineNo, "only \"msconfig set <option> <value>\" commands are read, not " + command
            + " command (the rest of the line is not shown: it may hold a secret)");
      }
      out.add(option(line, lineNo));
    }
    return out;
  }

  private ConfigOption option(String line, int lineNo) throws ConfigurationException {
    String[] parts = line.split("\\s+", 2);
    String name = parts[0];
    int bad = OptionNames.invalidCharacter(name);
    if (bad >= 0) {
      throw error(lineNo, "expected \"<option> <value>\", but the option name has "
          + OptionNames.describe(name.charAt(bad)) + " at column " + (bad + 1)
          + " (the line is not shown: it may hold a secret)");
    }
    if (parts.length < 2 || parts[1].isBlank()) {
      if (OptionNames.isKnown(name)) {
        throw error(lineNo, "option \"" + ServerText.printable(name, ConfigOption.SHOWN) + "\" has no value");
      }
      throw error(lineNo, "a single word and no value: expected \"<option> <value>\""
          + " (the word is not shown: it may be a secret, or a name run into its value)");
    }
    return new ConfigOption(name, unquote(name, parts[1].strip(), lineNo), source, lineNo);
  }

  private String unquote(String name, String value, int lineNo) throws ConfigurationException {
    if (!value.startsWith("\"")) {
      return value;
    }
    if (value.length() < 2 || !value.endsWith("\"")) {
      throw error(lineNo, "option \"" + ServerText.printable(name, ConfigOption.SHOWN)
          + "\": unterminated quoted value (missing closing \")");
    }
    return value.substring(1, value.length() - 1);
  }

  private ConfigurationException error(int line, String reason) {
    return new ConfigurationException(source, line, reason);
  }
}
