package org.repgroup.samples.bench;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.repgroup.core.HostAddress;
import org.repgroup.core.ReplicationGroup;
import org.repgroup.core.RepgroupResources;
import org.repgroup.core.StoreHostList;
import org.repgroup.lmtp.LmtpFailoverClient;
import org.repgroup.lmtp.MessageSource;
import org.repgroup.testkit.LmtpServer;

/**
 * LMTP deliveries per second to one server on loopback: through
 * {@link LmtpFailoverClient} (pooled connection, RSET, pipelined envelope)
 * against a minimal raw-socket loop over one kept connection (RSET, MAIL,
 * RCPT, DATA, one reply). {@code server=prepared} is {@link PreparedLmtpResponder},
 * fast enough that the client is what is measured; {@code server=testkit} is the
 * testkit's scripted server, which is the bottleneck.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 2)
@Fork(1)
public class LmtpThroughputBenchmark {

  private static final byte[] MESSAGE = ("Subject: bench\r\n\r\n" + "x".repeat(900) + "\r\n").getBytes(StandardCharsets.US_ASCII);

  /** Which server answers: the prepared-buffer responder or the testkit's scripted server. */
  @Param({"prepared", "testkit"})
  public String server;

  private AutoCloseable running;
  private RepgroupResources resources;
  private LmtpFailoverClient client;
  private ReplicationGroup group;
  private Socket raw;
  private BufferedReader rawIn;
  private OutputStream rawOut;

  /** One server, one client, one raw connection. */
  @Setup
  public void setUp() throws IOException {
    HostAddress a;
    if (server.equals("prepared")) {
      PreparedLmtpResponder r = new PreparedLmtpResponder();
      running = r;
      a = r.address();
    } else {
      LmtpServer t = new LmtpServer().start();
      running = t;
      a = t.address();
    }
    group = ReplicationGroup.builder("bench", StoreHostList.of(a)).build();
    resources = RepgroupResources.create();
    client = LmtpFailoverClient.builder(resources).build();
    raw = new Socket(a.host(), a.port().orElseThrow());
    raw.setTcpNoDelay(true);
    rawIn = new BufferedReader(new InputStreamReader(raw.getInputStream(), StandardCharsets.US_ASCII));
    rawOut = raw.getOutputStream();
    rawIn.readLine();
    command("LHLO bench");
    while (!rawIn.readLine().startsWith("250 ")) {
      // capabilities
    }
  }

  /** Closes everything. */
  @TearDown
  public void tearDown() throws Exception {
    raw.close();
    client.close();
    resources.close();
    running.close();
  }

  private void command(String line) throws IOException {
    rawOut.write((line + "\r\n").getBytes(StandardCharsets.US_ASCII));
    rawOut.flush();
  }

  /** Through Repgroup. */
  @Benchmark
  public Object repgroupDeliver() throws Exception {
    return client.deliver(group, "s@example.com", List.of("bench@example.com"), MessageSource.of(MESSAGE));
  }

  /** The raw loop: the floor of what LMTP on this server can do. */
  @Benchmark
  public String rawSocketDeliver() throws IOException {
    command("RSET");
    rawIn.readLine();
    command("MAIL FROM:<s@example.com>");
    rawIn.readLine();
    command("RCPT TO:<bench@example.com>");
    rawIn.readLine();
    command("DATA");
    rawIn.readLine();
    rawOut.write(MESSAGE);
    command(".");
    return rawIn.readLine();
  }
}
