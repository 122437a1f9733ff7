package org.repgroup.testkit.internal;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** The bits of IMAP syntax the scripted server reads: arguments, sequence sets, fetch items, sections. */
public final class ImapSyntax {

  private ImapSyntax() {}

  /** Splits atoms and quoted strings ({@code "a b" c} gives {@code a b}, {@code c}). */
  public static List<String> split(String args) {
    List<String> out = new ArrayList<>();
    int i = 0;
    while (i < args.length()) {
      char ch = args.charAt(i);
      if (ch == ' ') {
        i++;
      } else if (ch == '"') {
        StringBuilder sb = new StringBuilder();
        i++;
        while (i < args.length() && args.charAt(i) != '"') {
          if (args.charAt(i) == '\\' && i + 1 < args.length()) {
            i++;
          }
          sb.append(args.charAt(i++));
        }
        i++;
        out.add(sb.toString());
      } else {
        int end = args.indexOf(' ', i);
        end = end < 0 ? args.length() : end;
        out.add(args.substring(i, end));
        i = end;
      }
    }
    return out;
  }

  /** A quoted string. */
  public static String quote(String s) {
    return "\"" + s.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
  }

  /** True if {@code n} is in the sequence set ({@code 1}, {@code 2:4}, {@code 1:*}, {@code 1,3}). */
  public static boolean inSet(String set, long n, long max) {
    for (String part : set.split(",")) {
      String[] range = part.split(":");
      long a = bound(range[0], max);
      long b = range.length > 1 ? bound(range[1], max) : a;
      if (n >= Math.min(a, b) && n <= Math.max(a, b)) {
        return true;
      }
    }
    return false;
  }

  private static long bound(String s, long max) {
    return s.equals("*") ? max : Long.parseLong(s);
  }

  /** The items of a FETCH: {@code (UID BODY.PEEK[HEADER.FIELDS (A B)])} or a single item or macro. */
  public static List<String> fetchItems(String spec) {
    String s = spec.strip();
    if (s.startsWith("(") && s.endsWith(")")) {
      s = s.substring(1, s.length() - 1);
    }
    switch (s.toUpperCase(Locale.ROOT)) {
      case "ALL" -> {
        return List.of("FLAGS", "INTERNALDATE", "RFC822.SIZE", "ENVELOPE");
      }
      case "FAST" -> {
        return List.of("FLAGS", "INTERNALDATE", "RFC822.SIZE");
      }
      case "FULL" -> {
        return List.of("FLAGS", "INTERNALDATE", "RFC822.SIZE", "ENVELOPE", "BODY");
      }
      default -> {
        // a list follows
      }
    }
    List<String> items = new ArrayList<>();
    int depth = 0;
    StringBuilder cur = new StringBuilder();
    for (char ch : s.toCharArray()) {
      if (ch == '[' || ch == '(') {
        depth++;
      } else if (ch == ']' || ch == ')') {
        depth--;
      }
      if (ch == ' ' && depth == 0) {
        if (cur.length() > 0) {
          items.add(cur.toString());
        }
        cur.setLength(0);
      } else {
        cur.append(ch);
      }
    }
    if (cur.length() > 0) {
      items.add(cur.toString());
    }
    return items;
  }

  /**
   * A body section request: {@code BODY.PEEK[TEXT]<0.16384>}, {@code RFC822}.
   *
   * @param part "" for the whole message, {@code HEADER} or {@code TEXT}
   * @param offset the partial fetch's first byte
   * @param count the partial fetch's byte count, or -1 for all
   * @param responseName how the response names it ({@code BODY[]<0>})
   */
  public record Section(String part, int offset, int count, String responseName) {}

  /** Parses a section item (upper case). */
  public static Section section(String item) {
    if (item.equals("RFC822")) {
      return new Section("", 0, -1, "RFC822");
    }
    if (item.equals("RFC822.HEADER")) {
      return new Section("HEADER", 0, -1, "RFC822.HEADER");
    }
    if (item.equals("RFC822.TEXT")) {
      return new Section("TEXT", 0, -1, "RFC822.TEXT");
    }
    int open = item.indexOf('[');
    int close = item.indexOf(']');
    String inside = item.substring(open + 1, close);
    String part = inside.startsWith("HEADER") ? "HEADER" : inside.equals("TEXT") ? "TEXT" : "";
    int offset = 0;
    int count = -1;
    String partial = item.substring(close + 1);
    String name = "BODY[" + inside + "]";
    if (partial.startsWith("<") && partial.endsWith(">")) {
      String[] oc = partial.substring(1, partial.length() - 1).split("\\.");
      offset = Integer.parseInt(oc[0]);
      count = oc.length > 1 ? Integer.parseInt(oc[1]) : -1;
      name += "<" + offset + ">";
    }
    return new Section(part, offset, count, name);
  }
}
