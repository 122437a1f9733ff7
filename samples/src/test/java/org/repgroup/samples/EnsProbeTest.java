package org.repgroup.samples;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.repgroup.testkit.EnsEventLog;
import org.repgroup.testkit.EnsGateway;
import org.repgroup.testkit.Fault;

/** {@code ens publish}: its time bounds and what it reports when no host takes the event. */
@Timeout(60)
class EnsProbeTest {

  final ByteArrayOutputStream stdout = new ByteArrayOutputStream();
  final List<EnsGateway> gateways = new ArrayList<>();
  PrintStream savedOut;

  @BeforeEach
  void setUp() {
    savedOut = System.out;
    System.setOut(new PrintStream(stdout, true, StandardCharsets.UTF_8));
  }

  @AfterEach
  void tearDown() {
    System.setOut(savedOut);
    gateways.forEach(EnsGateway::close);
  }

  EnsGateway gateway() throws Exception {
    EnsGateway g = new EnsGateway(new EnsEventLog(10)).start();
    gateways.add(g);
    return g;
  }

  Map<String, Object> json(int expectedExit, String... args) {
    stdout.reset();
    int exit = ProbeMain.run(args);
    String text = stdout.toString(StandardCharsets.UTF_8);
    assertThat(exit).as("exit status; stdout=" + text).isEqualTo(expectedExit);
    return JsonReader.object(text);
  }

  @SuppressWarnings("unchecked")
  static List<Map<String, Object>> list(Object o) {
    return (List<Map<String, Object>>) o;
  }

  @Test
  void publishTimeoutBoundsABlackHoledHost() throws Exception {
    EnsGateway blackHoled = gateway();
    blackHoled.setFault(Fault.blackHole());
    EnsGateway good = gateway();

    Map<String, Object> r = json(0, "ens", "publish", "--hosts", blackHoled.address() + " " + good.address(),
        "--type", "NewMsg", "--mailbox", "alice", "--timeout", "250", "--json");

    assertThat((Long) r.get("elapsedMillis")).as("--timeout 250, not the built-in 2 s").isLessThan(1500L);
    List<Map<String, Object>> attempts = list(r.get("attempts"));
    assertThat(attempts).hasSize(2);
    assertThat(attempts.get(0)).containsEntry("host", blackHoled.address().toString())
        .containsEntry("outcome", "unavailable");
    assertThat((Long) attempts.get(0).get("millis")).isBetween(200L, 1400L);
    assertThat(attempts.get(1)).containsEntry("outcome", "success");
  }

  @Test
  void failedPublishListsEveryHostAndWhy() throws Exception {
    EnsGateway a = gateway();
    EnsGateway b = gateway();
    a.failPublishesWith(503);
    b.stop();

    Map<String, Object> r = json(1, "ens", "publish", "--hosts", a.address() + " " + b.address(),
        "--type", "NewMsg", "--mailbox", "alice", "--json");

    assertThat(r.get("ok")).isEqualTo(false);
    assertThat(r.get("error").toString()).contains("no host of group").contains("took the event");
    List<Map<String, Object>> attempts = list(r.get("attempts"));
    assertThat(attempts).extracting(m -> m.get("host"))
        .containsExactly(a.address().toString(), b.address().toString());
    assertThat(attempts.get(0).get("detail").toString()).startsWith("failed: HTTP 503");
    assertThat(attempts.get(1).get("detail").toString()).startsWith("failed: ").containsIgnoringCase("connect");
  }
}
