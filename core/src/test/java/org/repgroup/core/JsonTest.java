package org.repgroup.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.repgroup.core.internal.Json;

@Timeout(5)
class JsonTest {

  @Test
  void writesNestedValuesAndEscapes() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("ok", true);
    m.put("host", null);
    m.put("n", 42L);
    m.put("text", "a \"quoted\"\nline\u0001");
    m.put("list", List.of(Map.of("k", "v")));

    assertThat(Json.write(m)).isEqualTo(
        "{\"ok\":true,\"host\":null,\"n\":42,\"text\":\"a \\\"quoted\\\"\\nline\\u0001\",\"list\":[{\"k\":\"v\"}]}");
  }

  @Test
  void c1ControlsDelAndLineSeparatorsAreEscapedSoATerminalNeverSeesThemRaw() {
    String hostile = "a\u001b[2Jb\u009b31mc\u007fd\u2028e";

    String json = Json.write(Map.of("detail", hostile));

    assertThat(json).isEqualTo("{\"detail\":\"a\\u001b[2Jb\\u009b31mc\\u007fd\\u2028e\"}");
    assertThat(json.chars().allMatch(c -> c >= 0x20 && c < 0x7f)).isTrue();
    assertThat(Json.parseFlatObject(json)).containsEntry("detail", hostile);
  }

  @Test
  void flatObjectRoundTrips() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("reference", "enp://h/store?evtType=NewMsg&mailboxName=a%20b");
    m.put("payload", null);
    m.put("text", "\u00e9\t\"");

    Map<String, String> back = Json.parseFlatObject(Json.write(m));

    assertThat(back).containsEntry("reference", "enp://h/store?evtType=NewMsg&mailboxName=a%20b")
        .containsEntry("payload", null).containsEntry("text", "\u00e9\t\"");
    assertThat(Json.parseFlatObject(" { \"a\" : 1 , \"b\":true } ")).containsEntry("a", "1").containsEntry("b", "true");
  }

  @Test
  void malformedJsonNamesTheOffset() {
    assertThatThrownBy(() -> Json.parseFlatObject("{\"a\": }")).hasMessageContaining("offset 6");
    assertThatThrownBy(() -> Json.parseFlatObject("{\"a\": \"x\"} trailing")).hasMessageContaining("end of input");
    assertThatThrownBy(() -> Json.parseFlatObject("[1]")).hasMessageContaining("expected '{'");
  }
}
