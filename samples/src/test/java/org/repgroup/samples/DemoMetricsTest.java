package org.repgroup.samples;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** {@code demo --metrics}: what the Micrometer binding recorded agrees with the demo's own counts. */
@Timeout(120)
class DemoMetricsTest {

  final StringWriter stdout = new StringWriter();

  int run(String... args) {
    return ProbeMain.commandLine().setOut(new PrintWriter(stdout, true)).setErr(new PrintWriter(new StringWriter(), true))
        .execute(args);
  }

  @Test
  @SuppressWarnings("unchecked")
  void theRegistryCountsEveryOperationAndFailoverTheDemoCounted() {
    int exit = run("demo", "--json", "--pace", "0", "--metrics");

    assertThat(exit).isZero();
    Map<String, Object> summary = (Map<String, Object>) JsonReader.object(stdout.toString()).get("summary");
    List<Map<String, Object>> meters = (List<Map<String, Object>>) summary.get("metrics");
    for (Map<String, Object> client : (List<Map<String, Object>>) summary.get("clients")) {
      String protocol = (String) client.get("client");
      if (protocol.equals("ens")) {
        continue;   // a publish is one operation per host (fan-out), not one per event
      }
      assertThat(sum(meters, "repgroup.operations", protocol, "served")).as(protocol).isEqualTo(client.get("ops"));
      assertThat(sum(meters, "repgroup.failovers", protocol, null)).as(protocol).isEqualTo(client.get("failovers"));
    }
    assertThat(meters).anySatisfy(m -> {
      assertThat(m.get("name")).isEqualTo("repgroup.attempts");
      assertThat((Map<String, Object>) m.get("tags")).containsEntry("host", "node1").containsEntry("outcome",
          "unavailable");
    });
    assertThat(meters).anySatisfy(m -> assertThat(m.get("name")).isEqualTo("repgroup.master.changes"));
    assertThat(meters).filteredOn(m -> m.get("name").equals("repgroup.hosts.down")).isNotEmpty();
  }

  @Test
  void theTextSummaryListsTheMeters() {
    int exit = run("demo", "--pace", "0", "--metrics");

    assertThat(exit).isZero();
    assertThat(stdout.toString()).contains("Metrics (what the Micrometer binding recorded")
        .containsPattern("repgroup.operations +\\{group=store1.example.com,intent=write,outcome=served,protocol=lmtp\\}");
  }

  @SuppressWarnings("unchecked")
  static long sum(List<Map<String, Object>> meters, String name, String protocol, String outcome) {
    return meters.stream().filter(m -> m.get("name").equals(name))
        .filter(m -> protocol.equals(((Map<String, Object>) m.get("tags")).get("protocol")))
        .filter(m -> outcome == null || outcome.equals(((Map<String, Object>) m.get("tags")).get("outcome")))
        .mapToLong(m -> (Long) m.get("count")).sum();
  }
}
