package org.repgroup.ens.internal;

import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import org.repgroup.core.internal.Json;
import org.repgroup.ens.EnsEvent;
import org.repgroup.ens.MalformedEventException;

/** The JSON objects of the ENS HTTP protocol (see PROTOCOL.md). */
public final class EnsWire {

  private EnsWire() {}

  /** {@code {"reference": "...", "payload": "<base64>" | null}}. */
  public static String eventJson(EnsEvent e) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("reference", e.toReference());
    m.put("payload", e.payload().map(p -> Base64.getEncoder().encodeToString(p)).orElse(null));
    return Json.write(m);
  }

  /** Reads an event object (an SSE {@code data} field or a publish body). */
  public static EnsEvent readEvent(String json) throws MalformedEventException {
    Map<String, String> m;
    try {
      m = Json.parseFlatObject(json);
    } catch (IllegalArgumentException e) {
      throw new MalformedEventException("event data is not a JSON object: " + e.getMessage(), e);
    }
    String reference = m.get("reference");
    if (reference == null) {
      throw new MalformedEventException("event data has no \"reference\"");
    }
    byte[] payload = null;
    String p = m.get("payload");
    if (p != null) {
      try {
        payload = Base64.getDecoder().decode(p);
      } catch (IllegalArgumentException e) {
        throw new MalformedEventException("event payload is not base64: " + e.getMessage(), e);
      }
    }
    return EnsEvent.parse(reference, payload);
  }

  /** The {@code id} of a {@code 202} publish reply, or {@code null}. */
  public static String acceptedId(String json) {
    try {
      return Json.parseFlatObject(json).get("id");
    } catch (IllegalArgumentException e) {
      return null;
    }
  }
}
