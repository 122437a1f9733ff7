package org.repgroup.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.repgroup.core.Protocol;

@Timeout(30)
class EnsGatewayTest {

  final HttpClient http = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NEVER)
      .connectTimeout(Duration.ofSeconds(2)).build();

  HttpResponse<String> publish(org.repgroup.core.HostAddress host, String reference) throws Exception {
    return http.send(HttpRequest.newBuilder(URI.create("http://" + host + "/ens/v1/events"))
        .POST(HttpRequest.BodyPublishers.ofString("{\"reference\":\"" + reference + "\",\"payload\":null}"))
        .header("Content-Type", "application/json").build(), HttpResponse.BodyHandlers.ofString());
  }

  List<String> readEvents(org.repgroup.core.HostAddress host, String lastId, int count) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://" + host
        + "/ens/v1/events?match=enp%3A%2F%2F127.0.0.1%2Fstore%3FevtType%3DNewMsg"));
    if (lastId != null) {
      b.header("Last-Event-ID", lastId);
    }
    HttpResponse<java.io.InputStream> r = http.send(b.build(), HttpResponse.BodyHandlers.ofInputStream());
    assertThat(r.headers().firstValue("Content-Type")).contains("text/event-stream");
    List<String> ids = new ArrayList<>();
    try (BufferedReader in = new BufferedReader(new InputStreamReader(r.body(), StandardCharsets.UTF_8))) {
      String line;
      while (ids.size() < count && (line = in.readLine()) != null) {
        if (line.startsWith("id: ")) {
          ids.add(line.substring(4));
        }
      }
    }
    return ids;
  }

  @Test
  void masterAcceptsReplicaRedirectsAndSubscribersResumeAfterLastEventId() throws Exception {
    try (SimulatedReplicationGroup g = SimulatedReplicationGroup.builder().startAsMaster(1).build()) {
      HttpResponse<String> onReplica = publish(g.node(0).address(Protocol.ENS), "enp://127.0.0.1/store?evtType=NewMsg");
      assertThat(onReplica.statusCode()).isEqualTo(307);
      assertThat(onReplica.headers().firstValue("Location"))
          .contains("http://" + g.node(1).address(Protocol.ENS) + "/ens/v1/events");

      for (int i = 1; i <= 3; i++) {
        HttpResponse<String> r = publish(g.node(1).address(Protocol.ENS), "enp://127.0.0.1/store?evtType=NewMsg&imapUid=" + i);
        assertThat(r.statusCode()).isEqualTo(202);
        assertThat(r.body()).isEqualTo("{\"id\":\"" + i + "\"}");
      }
      publish(g.node(1).address(Protocol.ENS), "enp://127.0.0.1/store?evtType=DeleteMsg");

      assertThat(readEvents(g.node(2).address(Protocol.ENS), "1", 2)).containsExactly("2", "3");
    }
  }

  @Test
  void aRepeatedIdempotencyKeyIsAnsweredWithTheSameIdAndStoredOnce() throws Exception {
    try (SimulatedReplicationGroup g = SimulatedReplicationGroup.builder().startAsMaster(0).build()) {
      HttpRequest keyed = HttpRequest.newBuilder(URI.create("http://" + g.node(0).address(Protocol.ENS) + "/ens/v1/events"))
          .POST(HttpRequest.BodyPublishers.ofString("{\"reference\":\"enp://127.0.0.1/store?evtType=NewMsg\"}"))
          .header("Idempotency-Key", "k-1").build();

      HttpResponse<String> first = http.send(keyed, HttpResponse.BodyHandlers.ofString());
      g.switchover(1);
      HttpResponse<String> again = http.send(HttpRequest.newBuilder(URI.create("http://"
          + g.node(1).address(Protocol.ENS) + "/ens/v1/events"))
          .POST(HttpRequest.BodyPublishers.ofString("{\"reference\":\"enp://127.0.0.1/store?evtType=NewMsg\"}"))
          .header("Idempotency-Key", "k-1").build(), HttpResponse.BodyHandlers.ofString());

      assertThat(first.statusCode()).isEqualTo(202);
      assertThat(again.statusCode()).isEqualTo(200);
      assertThat(again.body()).isEqualTo(first.body());
      assertThat(g.eventLog().entries()).hasSize(1);
    }
  }

  @Test
  void faultsHttpCannotShowAreRefusedByName() {
    try (EnsGateway gw = new EnsGateway(new EnsEventLog(10))) {
      org.assertj.core.api.Assertions.assertThatThrownBy(() -> gw.setFault(Fault.garbageGreeting()))
          .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("GARBAGE_GREETING");
    }
  }

  @Test
  void blackHoledGatewayHoldsRequestsUntilTheFaultIsCleared() throws Exception {
    try (EnsGateway gw = new EnsGateway(new EnsEventLog(10)).start()) {
      gw.setFault(Fault.blackHole());
      var pending = http.sendAsync(HttpRequest.newBuilder(URI.create("http://" + gw.address() + "/ens/v1/events"))
          .POST(HttpRequest.BodyPublishers.ofString("{}")).build(), HttpResponse.BodyHandlers.ofString());
      long end = System.nanoTime() + Duration.ofSeconds(5).toNanos();
      while (gw.requestCount() == 0 && System.nanoTime() < end) {
        Thread.onSpinWait();
      }
      assertThat(gw.requestCount()).isEqualTo(1);
      assertThat(pending).isNotDone();

      gw.clearFault();

      assertThat(pending).failsWithin(Duration.ofSeconds(5));
      assertThat(gw.log().entries()).isEmpty();
    }
  }

  @Test
  void badPublishGetsAJsonError() throws Exception {
    try (EnsGateway gw = new EnsGateway(new EnsEventLog(10)).start()) {
      HttpResponse<String> r = publish(gw.address(), "http://not-enp");

      assertThat(r.statusCode()).isEqualTo(400);
      assertThat(r.body()).contains("\"error\":\"bad-request\"");
    }
  }

  @Test
  void logKeepsOnlyTheNewestEvents() {
    EnsEventLog log = new EnsEventLog(2);
    log.append("enp://h/store?evtType=A", "{}");
    log.append("enp://h/store?evtType=B", "{}");
    log.append("enp://h/store?evtType=C", "{}");

    assertThat(log.after(0)).extracting(EnsEventLog.Entry::id).containsExactly(2L, 3L);
  }
}
