package org.repgroup.samples;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.repgroup.testkit.EnsEventLog;
import org.repgroup.testkit.EnsGateway;
import org.repgroup.testkit.Fault;

/** {@code ens publish}: its time bounds and what it reports when no host takes the event. */
@Timeout(60)
class EnsProbeTest {

  final List<EnsGateway> gateways = new ArrayList<>();

  @AfterEach
  void tearDown() {
    gateways.forEach(EnsGateway::close);
  }

  EnsGateway gateway() throws Exception {
    EnsGateway g = new EnsGateway(new EnsEventLog(10)).start();
    gateways.add(g);
    return g;
  }

  Map<String, Object> json(int expectedExit, String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int exit = ProbeMain.commandLine().setOut(new PrintWriter(out, true)).setErr(new PrintWriter(err, true))
        .execute(args);
    assertThat(exit).as("exit status; stdout=" + out + " stderr=" + err).isEqualTo(expectedExit);
    return JsonReader.object(out.toString());
  }

  @SuppressWarnings("unchecked")
  static List<Map<String, Object>> list(Object o) {
    return (List<Map<String, Object>>) o;
  }

  @Test
  void publishTimeoutBoundsABlackHoledHost() throws Exception {
    EnsGateway blackHoled = gateway();
    blackHoled.setFault(Fault.blackHole());

    Map<String, Object> r = json(1, "ens", "publish", "--hosts", blackHoled.address().toString(),
        "--type", "NewMsg", "--mailbox", "alice", "--timeout", "500", "--deadline", "2500", "--json");

    // A publish no host took is sent again until the deadline; the host's answer is its last one.
    Map<String, Object> attempt = list(r.get("attempts")).get(0);
    assertThat(attempt.get("detail").toString()).contains("response timeout 500 ms");
    assertThat((Long) attempt.get("millis")).as("--timeout 500, not the built-in 2 s").isBetween(450L, 1900L);
  }

  @Test
  void publishTimeoutLongerThanTheBuiltInPerHostTimeoutLetsASlowHostTakeTheEvent() throws Exception {
    EnsGateway slow = gateway();
    slow.setFault(Fault.slow(java.time.Duration.ofMillis(2500)));

    Map<String, Object> r = json(0, "ens", "publish", "--hosts", slow.address().toString(),
        "--type", "NewMsg", "--mailbox", "alice", "--timeout", "5000", "--json");

    assertThat(list(r.get("attempts")).get(0)).containsEntry("outcome", "success");
    assertThat((Long) list(r.get("attempts")).get(0).get("millis")).as("past the built-in 2 s").isGreaterThan(2000L);
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
