package org.repgroup.testkit;

import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * An HTTP request the {@link EnsGateway} received, as {@link EnsGateway#takeRequest} returns it.
 *
 * @param method {@code GET} or {@code POST} (or whatever the client sent)
 * @param target the request target: path and query, as sent
 * @param headers the request headers, names in lower case
 * @param body the request body as UTF-8 text (empty for a subscription)
 */
public record EnsRequest(String method, String target, Map<String, List<String>> headers, String body) {

  /** Copies the headers, names in lower case. */
  public EnsRequest {
    Map<String, List<String>> lower = new TreeMap<>();
    headers.forEach((k, v) -> lower.put(k.toLowerCase(Locale.ROOT), List.copyOf(v)));
    headers = Map.copyOf(lower);
  }

  /** The first value of header {@code name} (case-insensitive), if sent. */
  public Optional<String> header(String name) {
    List<String> values = headers.get(name.toLowerCase(Locale.ROOT));
    return values == null || values.isEmpty() ? Optional.empty() : Optional.of(values.get(0));
  }
}
