package org.repgroup.samples;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** A strict little JSON parser for checking the probe's output field by field (test code only). */
final class JsonReader {

  private final String s;
  private int pos;

  private JsonReader(String s) {
    this.s = s;
  }

  static Object parse(String text) {
    JsonReader r = new JsonReader(text.strip());
    Object v = r.value();
    r.ws();
    if (r.pos != r.s.length()) {
      throw new IllegalArgumentException("trailing text at " + r.pos + ": " + text);
    }
    return v;
  }

  @SuppressWarnings("unchecked")
  static Map<String, Object> object(String text) {
    return (Map<String, Object>) parse(text);
  }

  private void ws() {
    while (pos < s.length() && Character.isWhitespace(s.charAt(pos))) {
      pos++;
    }
  }

  private Object value() {
    ws();
    char c = s.charAt(pos);
    if (c == '{') {
      pos++;
      Map<String, Object> m = new LinkedHashMap<>();
      ws();
      if (s.charAt(pos) == '}') {
        pos++;
        return m;
      }
      while (true) {
        ws();
        String k = (String) value();
        ws();
        expect(':');
        m.put(k, value());
        ws();
        if (s.charAt(pos) == ',') {
          pos++;
          continue;
        }
        expect('}');
        return m;
      }
    }
    if (c == '[') {
      pos++;
      List<Object> l = new ArrayList<>();
      ws();
      if (s.charAt(pos) == ']') {
        pos++;
        return l;
      }
      while (true) {
        l.add(value());
        ws();
        if (s.charAt(pos) == ',') {
          pos++;
          continue;
        }
        expect(']');
        return l;
      }
    }
    if (c == '"') {
      pos++;
      StringBuilder sb = new StringBuilder();
      while (s.charAt(pos) != '"') {
        char ch = s.charAt(pos++);
        if (ch == '\\') {
          char e = s.charAt(pos++);
          switch (e) {
            case 'n' -> sb.append('\n');
            case 'r' -> sb.append('\r');
            case 't' -> sb.append('\t');
            case 'u' -> {
              sb.append((char) Integer.parseInt(s.substring(pos, pos + 4), 16));
              pos += 4;
            }
            default -> sb.append(e);
          }
        } else {
          sb.append(ch);
        }
      }
      pos++;
      return sb.toString();
    }
    int start = pos;
    while (pos < s.length() && ",]} \n\r\t".indexOf(s.charAt(pos)) < 0) {
      pos++;
    }
    String word = s.substring(start, pos);
    return switch (word) {
      case "true" -> Boolean.TRUE;
      case "false" -> Boolean.FALSE;
      case "null" -> null;
      default -> Long.parseLong(word);
    };
  }

  private void expect(char c) {
    if (s.charAt(pos) != c) {
      throw new IllegalArgumentException("expected " + c + " at " + pos + " in " + s);
    }
    pos++;
  }
}
