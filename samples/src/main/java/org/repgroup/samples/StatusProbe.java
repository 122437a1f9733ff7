package org.repgroup.samples;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import org.repgroup.core.HostAddress;
import org.repgroup.core.Protocol;
import org.repgroup.core.ReplicationGroup;
import org.repgroup.core.RepgroupResources;
import org.repgroup.core.AttemptRecord;
import org.repgroup.core.FailoverPolicy;
import org.repgroup.core.FailoverTrace;
import org.repgroup.core.Intent;
import org.repgroup.imap.LoginReferral;
import org.repgroup.lmtp.LmtpGreeting;
import org.repgroup.lmtp.LmtpProtocolException;
import org.repgroup.pop.PopResponseCode;
import org.repgroup.samples.internal.CommonOptions;
import org.repgroup.samples.internal.ProbeCommand;
import org.repgroup.samples.internal.ProbeReport;
import org.repgroup.samples.internal.UsageException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code status}: every host, one by one (no failover), as the store's
 * replication status command shows it: reachable, greeting, role seen, latency.
 */
@Command(name = "status", mixinStandardHelpOptions = true,
    description = "For each host: reachable, greeting, role seen (master / replica with referral target / down), latency.")
final class StatusProbe extends ProbeCommand {

  @Option(names = "--protocol", defaultValue = "lmtp", description = "imap, pop or lmtp (default lmtp: its greeting names the master).")
  String protocol;

  @Option(names = "--user", description = "Log in to see IMAP/POP referrals (optional).")
  String user;

  @Option(names = "--password", description = "Password (or --password-file, or REPGROUP_PASSWORD).")
  String password;

  @Option(names = "--password-file", paramLabel = "FILE", description = "File holding the password.")
  Path passwordFile;

  @Override
  protected ProbeReport probe(RepgroupResources resources) throws Exception {
    Protocol p = switch (protocol.toLowerCase(Locale.ROOT)) {
      case "imap" -> Protocol.IMAP;
      case "pop", "pop3" -> Protocol.POP;
      case "lmtp" -> Protocol.LMTP;
      default -> throw new UsageException("--protocol must be imap, pop or lmtp, was " + protocol);
    };
    String pass = user == null ? null : CommonOptions.password(password, passwordFile);
    ReplicationGroup g = common.group(p);
    FailoverPolicy policy = common.policy();
    List<Map<String, Object>> hosts = new ArrayList<>();
    List<AttemptRecord> attempts = new ArrayList<>();
    int masters = 0;
    int reachable = 0;
    int noMaster = 0;
    HostAddress master = null;
    long start = System.nanoTime();
    for (HostAddress entry : g.hosts().hosts()) {
      HostAddress h = g.resolve(entry, p);
      Map<String, Object> row = check(h, p, policy, user, pass);
      hosts.add(row);
      boolean up = Boolean.TRUE.equals(row.get("reachable"));
      reachable += up ? 1 : 0;
      if ("master".equals(row.get("role"))) {
        masters++;
        master = h;
      }
      if ("no-master".equals(row.get("role"))) {
        noMaster++;
      }
      attempts.add(new AttemptRecord(h, 0, up ? AttemptRecord.Kind.SUCCESS : AttemptRecord.Kind.UNAVAILABLE,
          Duration.ofMillis((Long) row.get("latencyMillis")), row.get("role") + ": " + row.get("detail"), null));
    }
    FailoverTrace trace = new FailoverTrace(g.name(), Intent.READ_NO_REFERRALS, attempts, List.of(), 0, false, 1,
        Duration.ofNanos(System.nanoTime() - start));
    String summary = masters == 1 ? "master " + master
        : noMaster > 0 && masters == 0 ? "no master (two-site): the group is read-only"
        : reachable == 0 ? "every host is down" : masters == 0 ? "no master seen" : masters + " hosts claim to be master";
    ProbeReport report = reachable == 0
        ? ProbeReport.failed(new IllegalStateException("every host of group " + g.name() + " is down"),
            trace.elapsed().toMillis())
        : ProbeReport.served(master != null ? master : g.resolve(g.hosts().first(), p), trace);
    return report.put("hosts", hosts).put("summary", summary);
  }

  /** Without credentials only the greeting is seen for IMAP and POP. */
  private static Map<String, Object> check(HostAddress h, Protocol p, FailoverPolicy policy, String user,
      String pass) {
    Map<String, Object> row = new LinkedHashMap<>();
    row.put("host", h.toString());
    long start = System.nanoTime();
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress(h.host(), h.port().orElseThrow()), (int) policy.connectTimeout().toMillis());
      s.setSoTimeout((int) policy.responseTimeout().toMillis());
      BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.ISO_8859_1));
      OutputStream out = s.getOutputStream();
      String greeting = in.readLine();
      row.put("reachable", true);
      row.put("greeting", greeting == null ? "" : greeting);
      row.put("latencyMillis", (System.nanoTime() - start) / 1_000_000);
      if (greeting == null) {
        role(row, "down", null, "closed before greeting");
        return row;
      }
      switch (p) {
        case LMTP -> lmtpRole(row, greeting);
        case IMAP -> imapRole(row, greeting, in, out, user, pass);
        case POP -> popRole(row, greeting, in, out, user);
        default -> role(row, "unknown", null, "");
      }
    } catch (SocketTimeoutException e) {
      row.putIfAbsent("reachable", false);
      row.put("latencyMillis", (System.nanoTime() - start) / 1_000_000);
      role(row, "down", null, "no answer within " + policy.responseTimeout().toMillis() + " ms");
    } catch (IOException e) {
      row.putIfAbsent("reachable", false);
      row.put("latencyMillis", (System.nanoTime() - start) / 1_000_000);
      role(row, "down", null, e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage()));
    }
    row.putIfAbsent("greeting", null);
    return row;
  }

  private static void role(Map<String, Object> row, String role, HostAddress referral, String detail) {
    row.put("role", role);
    row.put("referral", referral == null ? null : referral.toString());
    row.put("detail", detail);
  }

  private static void lmtpRole(Map<String, Object> row, String greeting) {
    try {
      LmtpGreeting g = LmtpGreeting.parse(greeting);
      if (g.referral().isPresent()) {
        role(row, "replica", g.referral().get(), "greeting refers to the master");
      } else if (g.ready()) {
        role(row, "master", null, "greeting without referral");
      } else {
        role(row, "down", null, "greeting " + g.code());
      }
    } catch (LmtpProtocolException e) {
      role(row, "down", null, e.getMessage());
    }
  }

  private static void imapRole(Map<String, Object> row, String greeting, BufferedReader in, OutputStream out,
      String user, String pass) throws IOException {
    if (greeting.startsWith("* BYE")) {
      role(row, "down", null, "BYE greeting");
      return;
    }
    if (user == null) {
      role(row, "unknown", null, "greeting only; --user and --password show referrals");
      return;
    }
    out.write(("s1 LOGIN \"" + user + "\" \"" + pass + "\"\r\n").getBytes(StandardCharsets.UTF_8));
    out.flush();
    String r = in.readLine();
    while (r != null && r.startsWith("* ")) {
      r = in.readLine();
    }
    if (r == null) {
      role(row, "down", null, "closed during login");
      return;
    }
    Optional<LoginReferral> ref;
    try {
      ref = LoginReferral.fromResponse(r);
    } catch (IllegalArgumentException e) {
      role(row, "replica", null, e.getMessage());
      return;
    }
    if (ref.isPresent()) {
      role(row, "replica", ref.get().host(), r.startsWith("s1 OK") ? "OK referral" : "NO referral");
    } else if (r.startsWith("s1 OK") && r.toLowerCase(Locale.ROOT).contains("no master")) {
      role(row, "no-master", null, "logged in read-only: the group has no master");
    } else if (r.startsWith("s1 OK")) {
      role(row, "master", null, "logged in without referral");
    } else {
      role(row, "unknown", null, "login refused: " + r.replace(pass, "****"));
    }
  }

  private static void popRole(Map<String, Object> row, String greeting, BufferedReader in, OutputStream out,
      String user) throws IOException {
    if (!greeting.startsWith("+OK")) {
      role(row, "down", null, "greeting: " + greeting);
      return;
    }
    if (user == null) {
      role(row, "unknown", null, "greeting only; --user shows referrals");
      return;
    }
    out.write(("USER " + user + "\r\n").getBytes(StandardCharsets.UTF_8));
    out.flush();
    String r = in.readLine();
    Optional<PopResponseCode> code = PopResponseCode.parse(r);
    if (code.isPresent() && code.get().is("SYS", "REFER")) {
      role(row, "replica", code.get().referral().orElse(null), "SYS/REFER");
    } else if (code.isPresent() && code.get().is("SYS", "TEMP")) {
      role(row, "no-master", null, code.get().text());
    } else if (r != null && r.startsWith("+OK")) {
      role(row, "master", null, "USER accepted");
    } else {
      role(row, "unknown", null, String.valueOf(r));
    }
  }
}
