package org.repgroup.ens.internal;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import org.repgroup.ens.MalformedEventException;

/**
 * The syntax of an ENS event reference, {@code enp://host/path?k=v&k=v}: split,
 * percent-decode and percent-encode. Parameter order is kept.
 *
 * @param host the authority after {@code enp://}
 * @param path the path without its leading slash ({@code store})
 * @param params the decoded parameters, in order
 */
public record EventReference(String host, String path, Map<String, String> params) {

  /** Parses {@code text}. */
  public static EventReference parse(String text) throws MalformedEventException {
    if (text == null || !text.startsWith("enp://")) {
      throw new MalformedEventException("event reference \"" + shorten(text) + "\": must start with enp://");
    }
    String rest = text.substring("enp://".length());
    int q = rest.indexOf('?');
    String hostPath = q < 0 ? rest : rest.substring(0, q);
    int slash = hostPath.indexOf('/');
    if (slash <= 0) {
      throw new MalformedEventException("event reference \"" + shorten(text) + "\": expected enp://host/path");
    }
    String host = hostPath.substring(0, slash);
    String path = hostPath.substring(slash + 1);
    Map<String, String> params = new LinkedHashMap<>();
    if (q >= 0 && q + 1 < rest.length()) {
      for (String pair : rest.substring(q + 1).split("&", -1)) {
        if (pair.isEmpty()) {
          continue;
        }
        int eq = pair.indexOf('=');
        if (eq <= 0) {
          throw new MalformedEventException("event reference \"" + shorten(text) + "\": parameter \"" + pair
              + "\" is not name=value");
        }
        String name = decode(pair.substring(0, eq), text);
        if (params.containsKey(name)) {
          throw new MalformedEventException("event reference \"" + shorten(text) + "\": parameter " + name
              + " appears twice");
        }
        params.put(name, decode(pair.substring(eq + 1), text));
      }
    }
    return new EventReference(host, path, params);
  }

  /** {@code enp://host/path?k=v...} with names and values percent-encoded. */
  public String format() {
    StringBuilder sb = new StringBuilder("enp://").append(host).append('/').append(path);
    char sep = '?';
    for (Map.Entry<String, String> e : params.entrySet()) {
      sb.append(sep).append(encode(e.getKey())).append('=').append(encode(e.getValue()));
      sep = '&';
    }
    return sb.toString();
  }

  /** RFC 3986 percent-encoding; unreserved characters stay. */
  static String encode(String s) {
    StringBuilder sb = new StringBuilder();
    for (byte b : s.getBytes(StandardCharsets.UTF_8)) {
      int c = b & 0xff;
      if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '.'
          || c == '_' || c == '~') {
        sb.append((char) c);
      } else {
        sb.append('%').append(Character.toUpperCase(Character.forDigit(c >> 4, 16)))
            .append(Character.toUpperCase(Character.forDigit(c & 0xf, 16)));
      }
    }
    return sb.toString();
  }

  static String decode(String s, String whole) throws MalformedEventException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c == '%') {
        if (i + 2 >= s.length() || Character.digit(s.charAt(i + 1), 16) < 0 || Character.digit(s.charAt(i + 2), 16) < 0) {
          throw new MalformedEventException("event reference \"" + shorten(whole) + "\": bad %-escape in \"" + s + "\"");
        }
        out.write(Character.digit(s.charAt(i + 1), 16) * 16 + Character.digit(s.charAt(i + 2), 16));
        i += 2;
      } else if (c == '+') {
        out.write(' ');
      } else {
        byte[] b = String.valueOf(c).getBytes(StandardCharsets.UTF_8);
        out.write(b, 0, b.length);
      }
    }
    return out.toString(StandardCharsets.UTF_8);
  }

  static String shorten(String s) {
    if (s == null) {
      return "null";
    }
    return s.length() > 200 ? s.substring(0, 200) + "..." : s;
  }
}
