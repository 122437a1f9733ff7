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
      org.assertj.core.api.Assertions.assertThatThrownBy(() -> gw.setFault(Fault.resetAtCommand("POST")))
          .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("ResetAtCommand[verb=POST]");
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

  @Test
  void eachRequestTakesTheNextScriptThenTheStandingBehaviourApplies() throws Exception {
    try (EnsGateway gw = new EnsGateway(new EnsEventLog(10)).start()) {
      gw.enqueue(Fault.blackHole());
      gw.enqueue(ConnectionScript.normal());
      var held = http.sendAsync(HttpRequest.newBuilder(URI.create("http://" + gw.address() + "/ens/v1/events"))
          .POST(HttpRequest.BodyPublishers.ofString("{}")).build(), HttpResponse.BodyHandlers.ofString());
      assertThat(gw.takeRequest(Duration.ofSeconds(5)).method()).isEqualTo("POST");

      assertThat(publish(gw.address(), "enp://127.0.0.1/store?evtType=NewMsg").statusCode())
          .as("the second request is served").isEqualTo(202);
      assertThat(held).isNotDone();
      assertThat(gw.queuedScripts()).isZero();
      EnsRequest second = gw.takeRequest(Duration.ofSeconds(5));
      assertThat(second.target()).isEqualTo("/ens/v1/events");
      assertThat(second.body()).contains("evtType=NewMsg");
      assertThat(second.header("content-type")).contains("application/json");
      assertThat(gw.contactCount()).isEqualTo(2);
    }
  }

  @Test
  void aRequestScriptTakesAFaultOnly() {
    try (EnsGateway gw = new EnsGateway(new EnsEventLog(10))) {
      org.assertj.core.api.Assertions.assertThatThrownBy(() -> gw.enqueue(ConnectionScript.normal().greeting("x")))
          .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("fault only");
      org.assertj.core.api.Assertions.assertThatThrownBy(() -> gw.enqueue(Fault.literalGreeting(10)))
          .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("LiteralGreeting");
    }
  }

  @Test
  void trickledPublishAnswerComesOneBytePerInterval() throws Exception {
    try (EnsGateway gw = new EnsGateway(new EnsEventLog(10)).start()) {
      Duration perByte = Duration.ofMillis(20);
      gw.setFault(Fault.trickleReply("POST", perByte));

      long start = System.nanoTime();
      HttpResponse<String> r = publish(gw.address(), "enp://127.0.0.1/store?evtType=NewMsg");

      assertThat(r.statusCode()).isEqualTo(202);
      assertThat(r.body()).isEqualTo("{\"id\":\"1\"}");
      assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThanOrEqualTo(perByte.multipliedBy(r.body().length() - 1));
    }
  }

  @Test
  void garbageAndEndlessBodiesForSubscribers() throws Exception {
    try (EnsGateway gw = new EnsGateway(new EnsEventLog(10)).start()) {
      gw.enqueue(Fault.garbageGreeting());
      gw.enqueue(Fault.endlessGreeting());
      URI events = URI.create("http://" + gw.address() + "/ens/v1/events");

      HttpResponse<byte[]> junk = http.send(HttpRequest.newBuilder(events).build(), HttpResponse.BodyHandlers.ofByteArray());
      assertThat(junk.statusCode()).isEqualTo(200);
      assertThat(junk.body()).startsWith(0, (byte) 0xff, 0x1b);

      HttpResponse<java.io.InputStream> endless = http.send(HttpRequest.newBuilder(events).build(),
          HttpResponse.BodyHandlers.ofInputStream());
      try (java.io.InputStream in = endless.body()) {
        long read = 0;
        byte[] buf = new byte[64 * 1024];
        while (read < 20L * 1024 * 1024) {
          int n = in.read(buf);
          assertThat(n).isPositive();
          for (int i = 0; i < n; i++) {
            assertThat(buf[i]).isEqualTo((byte) 'x');
          }
          read += n;
        }
      }
      assertThat(endless.headers().firstValue("Content-Type")).contains("text/event-stream");
    }
  }

  @Test
  void oversizedLineBodyThenSilence() throws Exception {
    try (EnsGateway gw = new EnsGateway(new EnsEventLog(10)).start()) {
      gw.setFault(Fault.oversizedLine(100_000));
      HttpResponse<java.io.InputStream> r = http.send(HttpRequest.newBuilder(URI.create("http://" + gw.address()
          + "/ens/v1/events")).build(), HttpResponse.BodyHandlers.ofInputStream());
      java.io.InputStream in = r.body();
      assertThat(in.readNBytes(100_000)).hasSize(100_000).doesNotContain((byte) '\n');
      var next = java.util.concurrent.CompletableFuture.supplyAsync(() -> {
        try {
          return in.read();
        } catch (java.io.IOException e) {
          return -2;
        }
      });
      gw.clearFault();
      assertThat(next.get(5, java.util.concurrent.TimeUnit.SECONDS)).as("released unanswered when cleared").isEqualTo(-1);
    }
  }
}
