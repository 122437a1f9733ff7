package org.repgroup.core.spi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.repgroup.core.HostAddress;
import org.repgroup.core.time.Scheduler;

@Timeout(30)
class ObservedSocketFactoryTest {

  static final Duration BUDGET = Duration.ofMillis(200);
  /** IMAP-like literals: a line ending in {n}. */
  static final LineInspector LITERALS = (line, length) -> {
    if (length < 3 || line[length - 1] != '}') {
      return 0;
    }
    int open = length - 2;
    while (open >= 0 && line[open] != '{') {
      open--;
    }
    if (open < 0) {
      return 0;
    }
    try {
      return Long.parseLong(new String(line, open + 1, length - open - 2, StandardCharsets.ISO_8859_1));
    } catch (NumberFormatException e) {
      return Long.MAX_VALUE;
    }
  };

  final ObservedSocketFactory factory = ObservedSocketFactory.builder(g -> g.startsWith("* OK")).inspector(LITERALS)
      .build();
  ScriptedPeer peer;

  @AfterEach
  void tearDown() throws IOException {
    if (peer != null) {
      peer.close();
    }
  }

  FakeAttemptContext context() {
    return FakeAttemptContext.of(HostAddress.of("store.example.invalid", peer.port()), peer.address(), BUDGET);
  }

  /** A socket made the way the protocol library makes it: inside the attempt's scope, asking for the host's name. */
  Socket connect(ObservedConnection conn) throws IOException {
    try (ObservedConnection.Scope ignored = conn.enter()) {
      Socket s = factory.createSocket();
      s.setSoTimeout(60_000);
      s.connect(new InetSocketAddress("store.example.invalid", peer.port()), 60_000);
      return s;
    }
  }

  static String readLine(InputStream in) throws IOException {
    StringBuilder sb = new StringBuilder();
    int b;
    while ((b = in.read()) != -1 && b != '\n') {
      sb.append((char) b);
    }
    return sb.toString().strip();
  }

  @Test
  void connectsToTheEnginesAddressAndRegistersTheSocketForCancel() throws Exception {
    peer = new ScriptedPeer((in, out) -> out.write("* OK hi\r\n".getBytes(StandardCharsets.US_ASCII)));
    FakeAttemptContext ctx = context();
    ObservedConnection conn = factory.watch(ctx);

    try (Socket s = connect(conn)) {
      assertThat(readLine(s.getInputStream())).isEqualTo("* OK hi");
      assertThat(ctx.registered).containsExactly(s);
    }
  }

  @Test
  void tricklingGreetingTimesOutAtItsBudgetThoughEveryReadGetsAByte() throws Exception {
    peer = new ScriptedPeer((in, out) -> ScriptedPeer.trickle(out, "* OK a greeting that takes its time\r\n", 20));
    FakeAttemptContext ctx = context();
    ObservedConnection conn = factory.watch(ctx);

    try (Socket s = connect(conn)) {
      long start = System.nanoTime();
      assertThatThrownBy(() -> readLine(s.getInputStream())).isInstanceOf(SocketTimeoutException.class);
      Duration took = Duration.ofNanos(System.nanoTime() - start);

      assertThat(took).isGreaterThanOrEqualTo(BUDGET.minusMillis(20)).isLessThan(Duration.ofMillis(700));
      assertThat(conn.timedOut()).isTrue();
      assertThat(conn.failure()).contains("no complete greeting in 200 ms");
      assertThat(ctx.responded).as("bytes arrived, but no complete greeting").hasValue(0);
      assertThat(conn.greetingLine()).startsWith("* OK").doesNotContain("\n");
    }
  }

  @Test
  void onlyACompleteGoodGreetingCountsAsTheHostAnswering() throws Exception {
    CountDownLatch rest = new CountDownLatch(1);
    peer = new ScriptedPeer((in, out) -> {
      out.write("* O".getBytes(StandardCharsets.US_ASCII));
      out.flush();
      rest.await(5, TimeUnit.SECONDS);
      out.write("K ready\r\n".getBytes(StandardCharsets.US_ASCII));
      out.flush();
    });
    FakeAttemptContext ctx = context();
    ObservedConnection conn = factory.watch(ctx);

    try (Socket s = connect(conn)) {
      InputStream in = s.getInputStream();
      assertThat(in.read(new byte[16])).isEqualTo(3);
      assertThat(ctx.responded).hasValue(0);
      rest.countDown();
      readLine(in);
      assertThat(ctx.responded).hasValue(1);
    }
  }

  @Test
  void badGreetingNeverCountsAsAnAnswer() throws Exception {
    peer = new ScriptedPeer((in, out) -> out.write("HTTP/1.1 400 Bad\r\nmore\r\n".getBytes(StandardCharsets.US_ASCII)));
    FakeAttemptContext ctx = context();
    ObservedConnection conn = factory.watch(ctx);

    try (Socket s = connect(conn)) {
      readLine(s.getInputStream());
      readLine(s.getInputStream());
      assertThat(ctx.responded).hasValue(0);
      assertThat(conn.greetingLine()).isEqualTo("HTTP/1.1 400 Bad");
    }
  }

  @Test
  void eachCommandStartsANewBudgetAndTellsTheEngineAReplyIsAwaited() throws Exception {
    peer = new ScriptedPeer((in, out) -> {
      out.write("* OK hi\r\n".getBytes(StandardCharsets.US_ASCII));
      out.flush();
      readLine(in);
      ScriptedPeer.trickle(out, "a1 OK but slowly, one byte at a time\r\n", 20);
    });
    FakeAttemptContext ctx = context();
    ObservedConnection conn = factory.watch(ctx);

    try (Socket s = connect(conn)) {
      readLine(s.getInputStream());
      OutputStream out = s.getOutputStream();
      out.write("a1 LOGIN ".getBytes(StandardCharsets.US_ASCII));
      out.write("u p\r\n".getBytes(StandardCharsets.US_ASCII));
      out.flush();
      assertThat(ctx.awaiting).as("one command, one awaited reply").hasValue(1);

      assertThatThrownBy(() -> readLine(s.getInputStream())).isInstanceOf(SocketTimeoutException.class);
      assertThat(conn.failure()).contains("no complete reply in 200 ms");
      assertThat(ctx.responded).as("the greeting only").hasValue(1);
    }
  }

  @Test
  void endlessLineEndsAtTheCapWithLittleRead() throws Exception {
    peer = new ScriptedPeer((in, out) -> {
      byte[] chunk = new byte[64 * 1024];
      java.util.Arrays.fill(chunk, (byte) 'x');
      for (int i = 0; i < 320; i++) {
        out.write(chunk);
      }
    });
    FakeAttemptContext ctx = context();
    ObservedConnection conn = factory.watch(ctx);

    try (Socket s = connect(conn)) {
      InputStream in = new BufferedInputStream(s.getInputStream(), 8192);
      assertThatThrownBy(() -> readLine(in)).isInstanceOf(IOException.class).hasMessageContaining("line too long");
      assertThat(conn.limitExceeded()).contains("line too long: more than 16384 bytes without a line end");
      assertThat(conn.bytesRead()).as("bytes taken from a 20 MB line").isLessThan(32 * 1024);
      assertThatThrownBy(() -> in.read()).as("the socket stays refused").hasMessageContaining("line too long");
    }
  }

  @Test
  void hugeLiteralIsRefusedBeforeTheLibraryGetsItsAnnouncement() throws Exception {
    peer = new ScriptedPeer((in, out) -> out.write("* OK {1500000000}\r\n".getBytes(StandardCharsets.US_ASCII)));
    ObservedConnection conn = factory.watch(context());

    try (Socket s = connect(conn)) {
      byte[] buf = new byte[64];
      assertThatThrownBy(() -> s.getInputStream().read(buf)).hasMessageContaining("literal too large");
      assertThat(new String(buf, StandardCharsets.US_ASCII)).as("not a byte delivered").doesNotContain("{");
      assertThat(conn.limitExceeded().orElseThrow()).contains("{1500000000}");
    }
  }

  @Test
  void literalWithinTheResponseCapPassesAndItsBytesAreNotLines() throws Exception {
    String literal = "q".repeat(20_000);
    String sent = "* OK {" + literal.length() + "}\r\n" + literal + " tail\r\n";
    peer = new ScriptedPeer((in, out) -> out.write(sent.getBytes(StandardCharsets.US_ASCII)));
    FakeAttemptContext ctx = context();
    ObservedConnection conn = factory.watch(ctx);

    try (Socket s = connect(conn)) {
      byte[] all = new BufferedInputStream(s.getInputStream()).readNBytes(sent.length());
      assertThat(new String(all, StandardCharsets.US_ASCII)).endsWith(" tail\r\n");
      assertThat(conn.limitExceeded()).as("20,000 literal bytes are not one long line").isEmpty();
      assertThat(ctx.responded.get()).isPositive();
    }
  }

  @Test
  void responseCapCountsEveryLineUntilTheClientSpeaks() throws Exception {
    peer = new ScriptedPeer((in, out) -> {
      byte[] line = ("* " + "y".repeat(1000) + "\r\n").getBytes(StandardCharsets.US_ASCII);
      for (int i = 0; i < 200; i++) {
        out.write(line);
      }
    });
    ObservedConnection conn = factory.watch(context());

    try (Socket s = connect(conn)) {
      InputStream in = new BufferedInputStream(s.getInputStream());
      assertThatThrownBy(() -> {
        while (true) {
          readLine(in);
        }
      }).hasMessageContaining("response too long");
    }
  }

  @Test
  void servedConnectionIsNoLongerBoundedNorReported() throws Exception {
    CountDownLatch loggedIn = new CountDownLatch(1);
    peer = new ScriptedPeer((in, out) -> {
      out.write("* OK hi\r\n".getBytes(StandardCharsets.US_ASCII));
      out.flush();
      loggedIn.await(5, TimeUnit.SECONDS);
      out.write(("* " + "z".repeat(100_000) + "\r\n").getBytes(StandardCharsets.US_ASCII));
      out.flush();
    });
    FakeAttemptContext ctx = context();
    ObservedConnection conn = factory.watch(ctx);

    try (Socket s = connect(conn)) {
      readLine(s.getInputStream());
      conn.served();
      s.getOutputStream().write("a2 FETCH\r\n".getBytes(StandardCharsets.US_ASCII));
      loggedIn.countDown();

      assertThat(readLine(s.getInputStream())).hasSize(100_002);
      assertThat(s.getSoTimeout()).as("the library's own read timeout").isEqualTo(60_000);
      assertThat(ctx.awaiting).hasValue(0);
      assertThat(ctx.responded).hasValue(1);
    }
  }

  @Test
  void socketsOutsideAnAttemptArePlain() throws Exception {
    peer = new ScriptedPeer((in, out) -> out.write(("x".repeat(40_000) + "\r\n").getBytes(StandardCharsets.US_ASCII)));
    try (Socket s = factory.createSocket()) {
      s.connect(peer.address(), 1000);
      assertThat(readLine(s.getInputStream())).hasSize(40_000);
    }
  }

  @Test
  void writeBlockedLongerThanTheWriteTimeoutClosesTheSocket() throws Exception {
    ScheduledExecutorService ses = Executors.newSingleThreadScheduledExecutor();
    try {
      Scheduler scheduler = (delay, task) -> {
        var f = ses.schedule(task, delay.toNanos(), TimeUnit.NANOSECONDS);
        return () -> f.cancel(false);
      };
      ObservedSocketFactory timed = ObservedSocketFactory.builder(g -> true)
          .writeTimeout(Duration.ofMillis(150), scheduler).build();
      peer = new ScriptedPeer((in, out) -> peer.release.await(20, TimeUnit.SECONDS));
      try (Socket s = timed.createSocket()) {
        s.connect(peer.address(), 1000);
        byte[] big = new byte[1024 * 1024];
        long start = System.nanoTime();
        assertThatThrownBy(() -> {
          for (int i = 0; i < 512; i++) {
            s.getOutputStream().write(big);
          }
        }).isInstanceOf(IOException.class);
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(5));
        assertThat(s.isClosed()).isTrue();
      }
    } finally {
      ses.shutdownNow();
    }
  }

  @Test
  void greetingProbeWantsACompleteGreetingWithinOneBudget() throws Exception {
    peer = new ScriptedPeer((in, out) -> ScriptedPeer.trickle(out, "* OK trickling greeting for the probe\r\n", 20));
    FakeAttemptContext ctx = context();

    AttemptOutcome<Void> outcome = GreetingProbe.expecting("* OK").probe(ctx);

    assertThat(outcome).isInstanceOf(AttemptOutcome.Unavailable.class);
    assertThat(outcome.toString()).contains("no complete greeting in 200 ms");
  }

  @Test
  void greetingProbeRefusesAGreetingWithoutALineEnd() throws Exception {
    peer = new ScriptedPeer((in, out) -> out.write(("* OK " + "x".repeat(10_000)).getBytes(StandardCharsets.US_ASCII)));

    AttemptOutcome<Void> outcome = GreetingProbe.expecting("* OK").probe(context());

    assertThat(outcome).isInstanceOf(AttemptOutcome.Unavailable.class);
    assertThat(outcome.toString()).contains("longer than 4096 bytes");
  }
}
