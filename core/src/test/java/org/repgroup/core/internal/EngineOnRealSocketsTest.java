package org.repgroup.core.internal;

import org.repgroup.core.AffinityCache;
import org.repgroup.core.AttemptRecord;
import org.repgroup.core.FailoverPolicy;
import org.repgroup.core.FailoverResult;
import org.repgroup.core.Intent;
import org.repgroup.core.spi.Attempt;
import org.repgroup.core.spi.AttemptOutcome;
import org.repgroup.core.spi.FailoverEngine;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.repgroup.core.HostAddress;
import org.repgroup.core.Protocol;
import org.repgroup.core.ReplicationGroup;
import org.repgroup.core.RepgroupResources;
import org.repgroup.core.StoreHostList;

/** The engine with a greeting-reading attempt against real loopback sockets. */
@Timeout(20)
class EngineOnRealSocketsTest {

  final List<AutoCloseable> closeables = new CopyOnWriteArrayList<>();
  final RepgroupResources resources = RepgroupResources.create();

  @AfterEach
  void tearDown() throws Exception {
    for (AutoCloseable c : closeables) {
      c.close();
    }
    resources.close();
  }

  /** Accepts connections and never writes a byte. */
  HostAddress blackHole() throws IOException {
    ServerSocket ss = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    closeables.add(ss);
    Thread t = new Thread(() -> {
      try {
        while (true) {
          closeables.add(ss.accept());
        }
      } catch (IOException e) {
        // closed at tear-down
      }
    });
    t.setDaemon(true);
    t.start();
    return HostAddress.of("127.0.0.1", ss.getLocalPort());
  }

  /** Greets every connection with one line. */
  HostAddress greeter(String greeting) throws IOException {
    ServerSocket ss = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    closeables.add(ss);
    Thread t = new Thread(() -> {
      try {
        while (true) {
          try (Socket s = ss.accept(); OutputStream out = s.getOutputStream()) {
            out.write((greeting + "\r\n").getBytes(StandardCharsets.US_ASCII));
            out.flush();
          }
        }
      } catch (IOException e) {
        // closed at tear-down
      }
    });
    t.setDaemon(true);
    t.start();
    return HostAddress.of("127.0.0.1", ss.getLocalPort());
  }

  /** Connects and reads the greeting within the context's timeouts. */
  static final Attempt<String> READ_GREETING = ctx -> {
    Socket s = new Socket();
    ctx.onCancel(s);
    try (s) {
      s.connect(new InetSocketAddress(ctx.host().host(), ctx.host().port().orElseThrow()),
          (int) ctx.connectTimeout().toMillis());
      s.setSoTimeout((int) ctx.responseTimeout().toMillis());
      String line = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.US_ASCII)).readLine();
      return line == null ? AttemptOutcome.unavailable("EOF before greeting", null) : AttemptOutcome.success(line);
    } catch (SocketTimeoutException e) {
      return AttemptOutcome.unavailable("no greeting in " + ctx.responseTimeout().toMillis() + " ms", e);
    }
  };

  @Test
  void blackHoledHostCostsOnlyTheStagger() throws Exception {
    HostAddress silent = blackHole();
    HostAddress good = greeter("* OK ready");
    ReplicationGroup group = ReplicationGroup.builder("g", StoreHostList.of(silent, good)).build();
    FailoverPolicy policy = FailoverPolicy.builder().stagger(Duration.ofMillis(100))
        .responseTimeout(Duration.ofSeconds(3)).build();

    FailoverResult<String> r = new FailoverEngine(resources, policy).execute(group, Protocol.IMAP, Intent.WRITE, READ_GREETING);

    assertThat(r).isInstanceOf(FailoverResult.Served.class);
    FailoverResult.Served<String> s = (FailoverResult.Served<String>) r;
    assertThat(s.host()).isEqualTo(good);
    assertThat(s.value()).isEqualTo("* OK ready");
    assertThat(s.trace().elapsed()).as("the stagger, not the 3 s response timeout").isLessThan(Duration.ofSeconds(2));
    assertThat(resources.affinityCache().health(silent)).isEqualTo(AffinityCache.HostHealth.DOWN);
  }

  @Test
  void refusedHostIsSkippedAtOnceWithoutStagger() throws Exception {
    ServerSocket closed = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
    HostAddress refusing = HostAddress.of("127.0.0.1", closed.getLocalPort());
    closed.close();
    HostAddress good = greeter("* OK ready");
    ReplicationGroup group = ReplicationGroup.builder("g", StoreHostList.of(refusing, good)).build();

    FailoverResult<String> r = new FailoverEngine(resources, FailoverPolicy.builder().stagger(Duration.ofSeconds(5)).build())
        .execute(group, Protocol.IMAP, Intent.WRITE, READ_GREETING);

    FailoverResult.Served<String> s = (FailoverResult.Served<String>) r;
    assertThat(s.host()).isEqualTo(good);
    assertThat(s.trace().attempts().get(0).kind()).isEqualTo(AttemptRecord.Kind.UNAVAILABLE);
    assertThat(s.trace().elapsed()).as("a refusal does not wait for the 5 s stagger").isLessThan(Duration.ofSeconds(4));
  }
}
