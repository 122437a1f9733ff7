package org.repgroup.ens.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.repgroup.core.HostAddress;
import org.repgroup.core.Protocol;
import org.repgroup.core.ReplicationGroup;
import org.repgroup.core.StoreHostList;
import org.repgroup.core.spi.AttemptContext;
import org.repgroup.core.spi.AttemptOutcome;
import org.repgroup.core.Intent;

@Timeout(30)
class HttpStatusProbeTest {

  /** Request lines the last server saw, in order. */
  static final List<String> REQUESTS = new CopyOnWriteArrayList<>();

  /**
   * A server answering its first connections with {@code replies}, one each, in order, after
   * reading the request head ({@code null}: never answer).
   */
  static ServerSocket answering(String... replies) throws IOException {
    REQUESTS.clear();
    ServerSocket ss = new ServerSocket(0, 5, InetAddress.getLoopbackAddress());
    Thread t = new Thread(() -> {
      for (String reply : replies) {
        try (Socket s = ss.accept()) {
          byte[] buf = new byte[1024];
          StringBuilder head = new StringBuilder();
          while (!head.toString().contains("\r\n\r\n")) {
            int n = s.getInputStream().read(buf);
            if (n < 0) {
              return;
            }
            head.append(new String(buf, 0, n, StandardCharsets.US_ASCII));
          }
          REQUESTS.add(head.substring(0, head.indexOf("\r\n")));
          if (reply != null) {
            s.getOutputStream().write(reply.getBytes(StandardCharsets.US_ASCII));
            s.getOutputStream().flush();
          } else {
            s.getInputStream().read();
          }
        } catch (IOException ignored) {
          return;
        }
      }
    });
    t.setDaemon(true);
    t.start();
    return ss;
  }

  static AttemptContext contextFor(ServerSocket ss) {
    HostAddress host = HostAddress.of("127.0.0.1", ss.getLocalPort());
    return new AttemptContext() {
      @Override
      public HostAddress host() {
        return host;
      }

      @Override
      public InetSocketAddress socketAddress() {
        return new InetSocketAddress(InetAddress.getLoopbackAddress(), ss.getLocalPort());
      }

      @Override
      public ReplicationGroup group() {
        return ReplicationGroup.builder("g", StoreHostList.of(host)).build();
      }

      @Override
      public Protocol protocol() {
        return Protocol.ENS;
      }

      @Override
      public Intent intent() {
        return Intent.READ_NO_REFERRALS;
      }

      @Override
      public Optional<HostAddress> referredBy() {
        return Optional.empty();
      }

      @Override
      public int hop() {
        return 0;
      }

      @Override
      public Duration connectTimeout() {
        return Duration.ofMillis(500);
      }

      @Override
      public Duration responseTimeout() {
        return Duration.ofMillis(300);
      }

      @Override
      public Duration timeLeft() {
        return Duration.ofSeconds(1);
      }

      @Override
      public void hostResponded() {
        // not needed
      }

      @Override
      public void awaitingReply() {
        // not needed
      }

      @Override
      public boolean isCancelled() {
        return false;
      }

      @Override
      public void onCancel(AutoCloseable resource) {
        // not needed
      }
    };
  }

  static AttemptOutcome<Void> probe(String... replies) throws Exception {
    try (ServerSocket ss = answering(replies)) {
      return new HttpStatusProbe().probe(contextFor(ss));
    }
  }

  @Test
  void methodNotAllowedMeansTheHostIsBack() throws Exception {
    assertThat(probe("HTTP/1.1 405 Method Not Allowed\r\nContent-Length: 0\r\n\r\n"))
        .isInstanceOf(AttemptOutcome.Success.class);
  }

  @Test
  void serviceUnavailableKeepsTheHostDown() throws Exception {
    assertThat(probe("HTTP/1.1 503 Service Unavailable\r\n\r\n")).isInstanceOfSatisfying(
        AttemptOutcome.Unavailable.class, u -> assertThat(u.reason()).contains("HTTP 503"));
  }

  @Test
  void garbageIsNotAnAnswer() throws Exception {
    assertThat(probe("\u0000\u00ff garbage\r\n")).isInstanceOfSatisfying(
        AttemptOutcome.Unavailable.class, u -> assertThat(u.reason()).contains("not an HTTP answer"));
  }

  @Test
  void okToHeadIsTheDocumentedHealthAnswer() throws Exception {
    assertThat(probe("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n")).isInstanceOf(AttemptOutcome.Success.class);
    assertThat(REQUESTS).containsExactly("HEAD /ens/v1/events HTTP/1.1");
  }

  @Test
  void notImplementedHeadIsNoHealthEndpointAndFallsBackToAStreamRequest() throws Exception {
    assertThat(probe("HTTP/1.1 501 Not Implemented\r\nContent-Length: 0\r\n\r\n",
        "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n\r\n: hello\n\n"))
        .isInstanceOf(AttemptOutcome.Success.class);
    assertThat(REQUESTS).containsExactly("HEAD /ens/v1/events HTTP/1.1",
        "GET /ens/v1/events?match=enp%3A%2F%2F127.0.0.1%2Fstore HTTP/1.1");
  }

  @Test
  void notImplementedHeadThenUnavailableStreamKeepsTheHostDown() throws Exception {
    assertThat(probe("HTTP/1.1 501 Not Implemented\r\n\r\n", "HTTP/1.1 503 Service Unavailable\r\n\r\n"))
        .isInstanceOfSatisfying(AttemptOutcome.Unavailable.class,
            u -> assertThat(u.reason()).isEqualTo("recheck (GET after HEAD 501): HTTP 503"));
  }

  @Test
  void silenceEndsAtTheResponseTimeout() throws Exception {
    assertThat(probe((String) null)).isInstanceOfSatisfying(
        AttemptOutcome.Unavailable.class, u -> assertThat(u.reason()).contains("no HTTP answer in time"));
  }
}
