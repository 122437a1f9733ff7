package org.repgroup.samples;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.repgroup.core.Protocol;
import org.repgroup.testkit.SimulatedReplicationGroup;
import org.repgroup.testkit.junit.ReplicationGroupExtension;
import picocli.CommandLine;

/** {@code status --watch}: rounds, roles, referral targets and what changed, with the master killed between rounds. */
@Timeout(60)
class StatusWatchTest {

  @RegisterExtension
  final ReplicationGroupExtension<SimulatedReplicationGroup> group =
      ReplicationGroupExtension.simulated(b -> b.user("alice", "secret").startAsMaster(0));

  final StringWriter stdout = new StringWriter();
  final StringWriter stderr = new StringWriter();
  final List<Integer> pauses = new ArrayList<>();
  final List<Duration> waits = new ArrayList<>();

  /** Runs the probe; {@code between} acts after each round, in place of the wait. */
  int run(StatusProbe.Pacer between, String... args) {
    CommandLine.IFactory factory = new CommandLine.IFactory() {
      @Override
      public <K> K create(Class<K> cls) throws Exception {
        return cls == StatusProbe.class ? cls.cast(new StatusProbe(between)) : CommandLine.defaultFactory().create(cls);
      }
    };
    return ProbeMain.commandLine(factory).setOut(new PrintWriter(stdout, true)).setErr(new PrintWriter(stderr, true))
        .execute(args);
  }

  @Test
  void watchPrintsOneJsonLinePerRoundWithWhatChangedWhenTheMasterDied() {
    SimulatedReplicationGroup g = group.group();
    String node1 = g.node(0).address(Protocol.LMTP).toString();
    String node2 = g.node(1).address(Protocol.LMTP).toString();
    String node3 = g.node(2).address(Protocol.LMTP).toString();

    int exit = run((finished, wait) -> {
      pauses.add(finished);
      waits.add(wait);
      if (finished == 1) {
        g.node(0).kill();
      }
    }, "status", "--hosts", g.hostList(Protocol.LMTP).toString(), "--protocol", "lmtp", "--watch", "--count", "3",
        "--interval", "60000", "--json");

    assertThat(exit).isZero();
    assertThat(pauses).containsExactly(1, 2);
    assertThat(waits).allSatisfy(w -> assertThat(w).isPositive().isLessThanOrEqualTo(Duration.ofMinutes(1)));
    List<String> lines = stdout.toString().lines().toList();
    assertThat(lines).hasSize(3);
    Map<String, Object> first = JsonReader.object(lines.get(0));
    Map<String, Object> second = JsonReader.object(lines.get(1));
    Map<String, Object> third = JsonReader.object(lines.get(2));

    assertThat(first).containsEntry("round", 1L).containsEntry("master", node1).containsEntry("changes", List.of());
    assertThat(rows(first)).extracting(r -> r.get("role")).containsExactly("master", "replica", "replica");
    assertThat(rows(first).get(1)).containsEntry("referral", node1);

    assertThat(second).containsEntry("round", 2L).containsEntry("master", node2);
    assertThat(rows(second)).extracting(r -> r.get("role")).containsExactly("down", "master", "replica");
    assertThat(rows(second).get(2)).containsEntry("referral", node2);
    assertThat(rows(second).get(0)).containsEntry("reachable", false).containsKey("latencyMillis");
    assertThat(second.get("changes")).isEqualTo(List.of(
        change(node1, "role", "master", "down"),
        change(node2, "role", "replica", "master"),
        change(node2, "referral", node1, null),
        change(node3, "referral", node1, node2)));

    assertThat(third).containsEntry("round", 3L).containsEntry("master", node2).containsEntry("changes", List.of());
  }

  @Test
  void watchAsTextMarksTheChangedHostsAndSaysWhatChanged() {
    SimulatedReplicationGroup g = group.group();
    String node1 = g.node(0).address(Protocol.POP).toString();

    int exit = run((finished, wait) -> g.node(0).kill(), "status", "--hosts", g.hostList(Protocol.POP).toString(),
        "--protocol", "pop", "--user", "alice", "--password", "secret", "--watch", "--count", "2");

    assertThat(exit).isZero();
    String out = stdout.toString();
    assertThat(out).contains("round 1 ").contains("round 2 ").doesNotContain("secret");
    assertThat(out).containsPattern("\\* " + java.util.regex.Pattern.quote(node1) + " +down")
        .contains("  changed: " + node1 + " role master -> down");
  }

  @Test
  void everyHostDownInTheLastRoundExitsOne() {
    SimulatedReplicationGroup g = group.group();

    int exit = run((finished, wait) -> g.nodes().forEach(n -> n.kill()), "status", "--hosts",
        g.hostList(Protocol.LMTP).toString(), "--watch", "--count", "2", "--json");

    assertThat(exit).isEqualTo(1);
    assertThat(JsonReader.object(stdout.toString().lines().toList().get(1))).containsEntry("summary",
        "every host is down");
  }

  @Test
  void countAndIntervalNeedWatchAndSaneValues() {
    String hosts = group.group().hostList(Protocol.LMTP).toString();

    assertThat(run(StatusProbe.Pacer.SLEEP, "status", "--hosts", hosts, "--count", "3")).isEqualTo(2);
    assertThat(stderr.toString()).contains("--interval and --count need --watch");
    assertThat(run(StatusProbe.Pacer.SLEEP, "status", "--hosts", hosts, "--watch", "--count", "0")).isEqualTo(2);
    assertThat(stderr.toString()).contains("--count must be >= 1, was 0");
    assertThat(run(StatusProbe.Pacer.SLEEP, "status", "--hosts", hosts, "--watch", "--interval", "-5")).isEqualTo(2);
    assertThat(stderr.toString()).contains("--interval must be >= 0 ms, was -5");
  }

  @SuppressWarnings("unchecked")
  static List<Map<String, Object>> rows(Map<String, Object> round) {
    return (List<Map<String, Object>>) round.get("hosts");
  }

  static Map<String, Object> change(String host, String field, Object from, Object to) {
    Map<String, Object> c = new java.util.LinkedHashMap<>();
    c.put("host", host);
    c.put("field", field);
    c.put("from", from);
    c.put("to", to);
    return c;
  }
}
