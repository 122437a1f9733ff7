package org.repgroup.core.config;

import java.util.ArrayList;
import java.util.List;

/**
 * Reads {@code msconfig}-style lines: {@code name value}, where the value is the
 * rest of the line or a double-quoted string; a leading {@code msconfig set } (as
 * operators paste commands) is accepted. Comments start with {@code #}.
 */
final class MsconfigSyntax {

  private static final String COMMAND = "msconfig set ";

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
      if (line.startsWith(COMMAND)) {
        line = line.substring(COMMAND.length()).strip();
      } else if (line.startsWith("msconfig ")) {
        throw new ConfigurationException(source, lineNo,
            "only \"msconfig set <option> <value>\" commands are read, not \"" + line + "\"");
      }
      String[] parts = line.split("\\s+", 2);
      if (parts.length < 2 || parts[1].isBlank()) {
        throw new ConfigurationException(source, lineNo, "option \"" + parts[0] + "\" has no value");
      }
      out.add(new ConfigOption(parts[0], unquote(parts[1].strip(), lineNo), source, lineNo));
    }
    return out;
  }

  private String unquote(String value, int lineNo) throws ConfigurationException {
    if (!value.startsWith("\"")) {
      return value;
    }
    if (value.length() < 2 || !value.endsWith("\"")) {
      throw new ConfigurationException(source, lineNo, "unterminated quoted value " + value);
    }
    return value.substring(1, value.length() - 1);
  }
}
