package org.repgroup.samples.bench;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.repgroup.testkit.EnsEventLog;
import org.repgroup.testkit.EnsGateway;

/**
 * The servers of {@link FootprintBenchmark}, run in a child JVM so their heap and
 * threads are not counted with the client's. {@code lmtp <hosts>} starts that many
 * {@link PreparedLmtpResponder}s, {@code ens} one testkit {@link EnsGateway}; the
 * first line on stdout is {@code ports <port>...}. Then it answers one line per
 * command read from stdin, and exits when stdin closes:
 * <ul>
 *   <li>{@code await-open <per-host> <millis>} (lmtp): waits until every responder has
 *       exactly that many connections open, then {@code open <total> accepted <total>}
 *       (or {@code timeout open ... accepted ...});
 *   <li>{@code status}: {@code open <total> accepted <total>} (lmtp) or
 *       {@code subscribes <requests>} (ens: subscription requests the gateway received).
 * </ul>
 */
public final class FootprintServers {

  private FootprintServers() {}

  /** {@code lmtp <hosts>} or {@code ens}. */
  public static void main(String[] args) throws Exception {
    if (args.length == 2 && args[0].equals("lmtp")) {
      lmtp(Integer.parseInt(args[1]));
    } else if (args.length == 1 && args[0].equals("ens")) {
      ens();
    } else {
      System.err.println("usage: FootprintServers lmtp <hosts> | ens");
      System.exit(2);
    }
  }

  private static void lmtp(int hosts) throws Exception {
    List<PreparedLmtpResponder> responders = new ArrayList<>();
    try {
      StringBuilder ports = new StringBuilder("ports");
      for (int i = 0; i < hosts; i++) {
        PreparedLmtpResponder r = new PreparedLmtpResponder();
        responders.add(r);
        ports.append(' ').append(r.address().port().orElseThrow());
      }
      PrintStream out = System.out;
      out.println(ports);
      out.flush();
      BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.US_ASCII));
      String line;
      while ((line = in.readLine()) != null) {
        String[] cmd = line.strip().split(" ");
        if (cmd[0].equals("await-open") && cmd.length == 3) {
          int perHost = Integer.parseInt(cmd[1]);
          long end = System.nanoTime() + Duration.ofMillis(Long.parseLong(cmd[2])).toNanos();
          boolean all = true;
          for (PreparedLmtpResponder r : responders) {
            Duration left = Duration.ofNanos(Math.max(0, end - System.nanoTime()));
            all &= r.awaitOpenConnections(perHost, left);
          }
          out.println((all ? "" : "timeout ") + lmtpStatus(responders));
        } else if (cmd[0].equals("status")) {
          out.println(lmtpStatus(responders));
        } else {
          out.println("unknown command: " + line);
        }
        out.flush();
      }
    } finally {
      for (PreparedLmtpResponder r : responders) {
        r.close();
      }
    }
  }

  private static String lmtpStatus(List<PreparedLmtpResponder> responders) {
    int open = 0;
    int accepted = 0;
    for (PreparedLmtpResponder r : responders) {
      open += r.openConnections();
      accepted += r.acceptedConnections();
    }
    return "open " + open + " accepted " + accepted;
  }

  private static void ens() throws IOException {
    try (EnsGateway gateway = new EnsGateway(new EnsEventLog(1_000)).start()) {
      PrintStream out = System.out;
      out.println("ports " + gateway.address().port().orElseThrow());
      out.flush();
      BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.US_ASCII));
      String line;
      while ((line = in.readLine()) != null) {
        out.println(line.strip().equals("status") ? "subscribes " + gateway.subscribeCount()
            : "unknown command: " + line);
        out.flush();
      }
    }
  }
}
