package org.repgroup.core.config;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads Unified Configuration recipe statements:
 * {@code set_option("proxy:store1\\.example\\.com.storehostlist", "a b c");}.
 * String literals use backslash escapes; {@code \.} inside an option name is a
 * literal dot of a group name. Comments start with {@code #} or {@code //}.
 * Any statement other than {@code set_option} is an error.
 *
 * <p>Errors name the line and column and what was expected, never the text of a
 * value: a line that does not parse may hold a password.
 */
final class RecipeSyntax {

  /** A statement that looks like a call: {@code word(}. Only then is the word shown. */
  private static final Pattern CALL = Pattern.compile("([A-Za-z_][A-Za-z0-9_]{0,39})\\s*\\(.*");

  private final String source;

  RecipeSyntax(String source) {
    this.source = source;
  }

  List<ConfigOption> options(String text) throws ConfigurationException {
    List<ConfigOption> out = new ArrayList<>();
    String[] lines = text.split("\r?\n", -1);
    for (int i = 0; i < lines.length; i++) {
      int lineNo = i + 1;
      String line = lines[i].strip();
      if (line.isEmpty() || line.startsWith("#") || line.startsWith("//")) {
        continue;
      }
      out.add(statement(line, lineNo));
    }
    return out;
  }

  private ConfigOption statement(String line, int lineNo) throws ConfigurationException {
    Cursor c = new Cursor(line, lineNo);
    if (!line.startsWith("set_option")) {
      Matcher call = CALL.matcher(line);
      if (call.matches()) {
        throw error(lineNo, "unsupported recipe statement \"" + call.group(1)
            + "\": only set_option(\"name\", value); is read");
      }
      throw error(lineNo, "not a set_option(\"name\", value); statement (the line is not shown: it may hold a secret)");
    }
    c.pos = "set_option".length();
    c.skipSpaces();
    c.expect('(');
    c.skipSpaces();
    String name = unescapeName(c.stringLiteral("option name"));
    int bad = OptionNames.invalidCharacter(name);
    if (bad >= 0) {
      throw error(lineNo, "option name has " + OptionNames.describe(name.charAt(bad))
          + " in it (the name is not shown: a misplaced quote may have put a secret in it)");
    }
    c.skipSpaces();
    c.expect(',');
    c.skipSpaces();
    String value = c.peek() == '"' ? c.stringLiteral("option value") : c.bareValue();
    c.skipSpaces();
    c.expect(')');
    c.skipSpaces();
    c.expect(';');
    c.skipSpaces();
    if (c.pos < line.length() && !line.startsWith("#", c.pos) && !line.startsWith("//", c.pos)) {
      throw error(lineNo, "unexpected text after set_option(...); at column " + (c.pos + 1)
          + " (not shown: it may hold a secret)");
    }
    return new ConfigOption(name, value, source, lineNo);
  }

  /** {@code store1\.example\.com} names the group {@code store1.example.com}. */
  private static String unescapeName(String name) {
    return name.replace("\\.", ".");
  }

  private ConfigurationException error(int line, String reason) {
    return new ConfigurationException(source, line, reason);
  }

  private final class Cursor {
    final String s;
    final int lineNo;
    int pos;

    Cursor(String s, int lineNo) {
      this.s = s;
      this.lineNo = lineNo;
    }

    char peek() {
      return pos < s.length() ? s.charAt(pos) : '\0';
    }

    void skipSpaces() {
      while (pos < s.length() && Character.isWhitespace(s.charAt(pos))) {
        pos++;
      }
    }

    void expect(char ch) throws ConfigurationException {
      if (peek() != ch) {
        String found = pos < s.length() ? OptionNames.describe(s.charAt(pos)) : "end of line";
        throw error(lineNo, "expected '" + ch + "' at column " + (pos + 1) + ", found " + found);
      }
      pos++;
    }

    String stringLiteral(String what) throws ConfigurationException {
      if (peek() != '"') {
        throw error(lineNo, what + ": expected a double-quoted string at column " + (pos + 1));
      }
      pos++;
      StringBuilder sb = new StringBuilder();
      while (pos < s.length()) {
        char ch = s.charAt(pos++);
        if (ch == '"') {
          return sb.toString();
        }
        if (ch == '\\') {
          if (pos >= s.length()) {
            break;
          }
          char e = s.charAt(pos++);
          switch (e) {
            case '\\' -> sb.append('\\');
            case '"' -> sb.append('"');
            case 'n' -> sb.append('\n');
            case 't' -> sb.append('\t');
            // Keep "\." so the name's escaped dots survive string unescaping.
            case '.' -> sb.append("\\.");
            default -> throw error(lineNo, what + ": unknown escape at column " + (pos - 1));
          }
        } else {
          sb.append(ch);
        }
      }
      throw error(lineNo, what + ": unterminated string (missing closing \")");
    }

    String bareValue() throws ConfigurationException {
      int start = pos;
      while (pos < s.length() && (Character.isLetterOrDigit(s.charAt(pos)) || s.charAt(pos) == '-')) {
        pos++;
      }
      if (start == pos) {
        throw error(lineNo, "option value: expected a string or a number at column " + (start + 1));
      }
      return s.substring(start, pos);
    }
  }
}
