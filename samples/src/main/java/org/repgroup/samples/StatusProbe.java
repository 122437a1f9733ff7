package org.repgroup.samples;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.SSLSocketFactory;
import javax.net.ssl.TrustManagerFactory;
import org.repgroup.core.AttemptRecord;
import org.repgroup.core.Credentials;
import org.repgroup.core.FailoverPolicy;
import org.repgroup.core.FailoverTrace;
import org.repgroup.core.HostAddress;
import org.repgroup.core.Intent;
import org.repgroup.core.Protocol;
import org.repgroup.core.ReplicationGroup;
import org.repgroup.core.RepgroupResources;
import org.repgroup.core.TlsPolicy;
import org.repgroup.core.internal.Json;
import org.repgroup.core.spi.ServerText;
import org.repgroup.imap.LoginReferral;
import org.repgroup.lmtp.LmtpGreeting;
import org.repgroup.lmtp.LmtpProtocolException;
import org.repgroup.pop.PopResponseCode;
import org.repgroup.samples.internal.LoginOptions;
import org.repgroup.samples.internal.ProbeCommand;
import org.repgroup.samples.internal.ProbeReport;
import org.repgroup.samples.internal.UsageException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code status}: every host, one by one (no failover), as the store's
 * replication status command shows it: reachable, greeting, role seen, latency.
 * With {@code --watch}, every host again each interval, each round printed with
 * what changed since the one before.
 * Follows the group's TLS policy (STARTTLS or implicit TLS before any login);
 * server text in the report is printable and capped, and each line read is
 * bounded in size and time.
 */
@Command(name = "status", mixinStandardHelpOptions = true,
    description = "For each host: reachable, greeting, role seen (master / replica with referral target / down), latency.")
final class StatusProbe extends ProbeCommand {

  /** Longest line read from a host. */
  static final int MAX_LINE = 8192;

  @Option(names = "--protocol", defaultValue = "lmtp", description = "imap, pop or lmtp (default lmtp: its greeting names the master).")
  String protocol;

  @Option(names = "--watch", description = "Probe every host again each --interval and print each round and what changed, "
      + "until interrupted or --count rounds (with --json: one JSON object per line per round).")
  boolean watch;

  @Option(names = "--interval", paramLabel = "MS", description = "With --watch: time from one round's start to the next's, ms (default 1000).")
  Long intervalMillis;

  @Option(names = "--count", paramLabel = "N", description = "With --watch: stop after N rounds (default: run until interrupted).")
  Integer count;

  /** --user (optional here: with it, IMAP and POP logins show referrals), --password, --password-file. */
  @Mixin
  LoginOptions login;

  /** What waits between two rounds of {@code --watch}. */
  private final Pacer pacer;

  /** Waits between the rounds of {@code --watch}; tests replace it to act between two rounds. */
  @FunctionalInterface
  interface Pacer {
    /** Called after round {@code finished}; returns when the next round may start ({@code wait} from now). */
    void betweenRounds(int finished, Duration wait) throws InterruptedException;

    /** Sleeps for the wait: the CLI is paced for people watching it. */
    Pacer SLEEP = (finished, wait) -> {
      if (!wait.isNegative() && !wait.isZero()) {
        TimeUnit.NANOSECONDS.sleep(wait.toNanos());
      }
    };
  }

  StatusProbe() {
    this(Pacer.SLEEP);
  }

  StatusProbe(Pacer pacer) {
    this.pacer = pacer;
  }

  @Override
  protected ProbeReport probe(RepgroupResources resources) throws Exception {
    Protocol p = switch (protocol.toLowerCase(Locale.ROOT)) {
      case "imap" -> Protocol.IMAP;
      case "pop", "pop3" -> Protocol.POP;
      case "lmtp" -> Protocol.LMTP;
      default -> throw new UsageException("--protocol must be imap, pop or lmtp, was " + ServerText.printable(protocol, 40));
    };
    if (!watch && (intervalMillis != null || count != null)) {
      throw new UsageException("--interval and --count need --watch");
    }
    if (intervalMillis != null && intervalMillis < 0) {
      throw new UsageException("--interval must be >= 0 ms, was " + intervalMillis);
    }
    if (count != null && count < 1) {
      throw new UsageException("--count must be >= 1, was " + count);
    }
    Optional<Credentials> creds = login.optionalCredentials();
    ReplicationGroup g = common.group(p);
    FailoverPolicy policy = common.policy();
    Checker checker = new Checker(p, policy, creds.orElse(null), g.tls(), socketFactory(g.tls()));
    if (watch) {
      return watch(g, p, checker, resources);
    }
    long start = System.nanoTime();
    Round r = round(g, p, checker, resources);
    List<AttemptRecord> attempts = new ArrayList<>();
    for (Map<String, Object> row : r.hosts) {
      boolean up = Boolean.TRUE.equals(row.get("reachable"));
      attempts.add(new AttemptRecord(HostAddress.parse((String) row.get("host")), 0,
          up ? AttemptRecord.Kind.SUCCESS : AttemptRecord.Kind.UNAVAILABLE,
          Duration.ofMillis((Long) row.get("latencyMillis")), row.get("role") + ": " + row.get("detail"), null));
    }
    FailoverTrace trace = new FailoverTrace(g.name(), Intent.READ_NO_REFERRALS, attempts, List.of(), 0, false, 1,
        Duration.ofNanos(System.nanoTime() - start));
    ProbeReport report = r.reachable == 0
        ? ProbeReport.failed(new IllegalStateException("every host of group " + g.name() + " is down"),
            trace.elapsed().toMillis())
        : ProbeReport.served(r.master != null ? r.master : g.resolve(g.hosts().first(), p), trace);
    return report.put("hosts", r.hosts).put("summary", r.summary);
  }

  /** One look at every host: the rows in list order, and what they add up to. */
  private record Round(List<Map<String, Object>> hosts, int reachable, HostAddress master, String summary) {}

  /** Checks every host at once (a silent host costs its timeout, not the others' turn). */
  private static Round round(ReplicationGroup g, Protocol p, Checker checker, RepgroupResources resources)
      throws InterruptedException {
    List<Future<Map<String, Object>>> checks = new ArrayList<>();
    for (HostAddress entry : g.hosts().hosts()) {
      HostAddress h = g.resolve(entry, p);
      checks.add(resources.attemptExecutor().submit(() -> checker.check(h)));
    }
    List<Map<String, Object>> hosts = new ArrayList<>();
    int masters = 0;
    int reachable = 0;
    int noMaster = 0;
    HostAddress master = null;
    for (Future<Map<String, Object>> f : checks) {
      Map<String, Object> row;
      try {
        row = f.get();
      } catch (ExecutionException e) {
        throw new IllegalStateException("status check failed: " + e.getCause(), e.getCause());
      }
      hosts.add(row);
      reachable += Boolean.TRUE.equals(row.get("reachable")) ? 1 : 0;
      if ("master".equals(row.get("role"))) {
        masters++;
        master = HostAddress.parse((String) row.get("host"));
      }
      if ("no-master".equals(row.get("role"))) {
        noMaster++;
      }
    }
    String summary = masters == 1 ? "master " + master
        : noMaster > 0 && masters == 0 ? "no master (two-site): the group is read-only"
        : reachable == 0 ? "every host is down" : masters == 0 ? "no master seen" : masters + " hosts claim to be master";
    return new Round(hosts, reachable, masters == 1 ? master : null, summary);
  }

  /**
   * {@code --watch}: a round every interval, each printed as it ends (one JSON object
   * per line with {@code --json}) with what changed since the round before: a
   * host's role or referral target.
   */
  private ProbeReport watch(ReplicationGroup g, Protocol p, Checker checker, RepgroupResources resources)
      throws InterruptedException {
    Duration interval = Duration.ofMillis(intervalMillis == null ? 1000 : intervalMillis);
    PrintWriter out = spec.commandLine().getOut();
    long start = System.nanoTime();
    Round previous = null;
    Round r = null;
    for (int n = 1; count == null || n <= count; n++) {
      long roundStart = System.nanoTime();
      r = round(g, p, checker, resources);
      List<Map<String, Object>> changes = previous == null ? List.of() : changes(previous, r);
      long at = (roundStart - start) / 1_000_000;
      if (common.json()) {
        Map<String, Object> line = new LinkedHashMap<>();
        line.put("round", n);
        line.put("tMillis", at);
        line.put("master", r.master == null ? null : r.master.toString());
        line.put("summary", r.summary);
        line.put("hosts", r.hosts);
        line.put("changes", changes);
        out.println(Json.write(line));
      } else {
        out.print(text(n, at, r, changes));
      }
      out.flush();
      previous = r;
      if (count != null && n == count) {
        break;
      }
      Duration spent = Duration.ofNanos(System.nanoTime() - roundStart);
      pacer.betweenRounds(n, interval.minus(spent).isNegative() ? Duration.ZERO : interval.minus(spent));
    }
    return ProbeReport.streamed(r != null && r.reachable > 0);
  }

  /** What differs between two rounds, host by host: role and referral target. */
  private static List<Map<String, Object>> changes(Round before, Round now) {
    List<Map<String, Object>> changes = new ArrayList<>();
    for (int i = 0; i < now.hosts.size(); i++) {
      Map<String, Object> was = before.hosts.get(i);
      Map<String, Object> is = now.hosts.get(i);
      for (String field : new String[] {"role", "referral"}) {
        if (!java.util.Objects.equals(was.get(field), is.get(field))) {
          Map<String, Object> c = new LinkedHashMap<>();
          c.put("host", is.get("host"));
          c.put("field", field);
          c.put("from", was.get(field));
          c.put("to", is.get(field));
          changes.add(c);
        }
      }
    }
    return changes;
  }

  /** A round as lines: one per host, a star on the changed ones, then the changes. */
  private static String text(int n, long atMillis, Round r, List<Map<String, Object>> changes) {
    StringBuilder sb = new StringBuilder();
    sb.append(String.format("round %d  +%.3fs  %s%n", n, atMillis / 1000.0, r.summary));
    for (Map<String, Object> row : r.hosts) {
      boolean changed = changes.stream().anyMatch(c -> c.get("host").equals(row.get("host")));
      String role = row.get("role") + (row.get("referral") == null ? "" : " -> " + row.get("referral"));
      sb.append(String.format("%s %-24s %-36s %6d ms  %s%n", changed ? "*" : " ", row.get("host"),
          ServerText.printable(role, 60), (Long) row.get("latencyMillis"),
          ServerText.printable(String.valueOf(row.get("detail")), 120)));
    }
    for (Map<String, Object> c : changes) {
      sb.append(String.format("  changed: %s %s %s -> %s%n", c.get("host"), c.get("field"), c.get("from"), c.get("to")));
    }
    return sb.toString();
  }

  /** A socket factory trusting the policy's trust store (or the JVM's), or null without TLS. */
  private static SSLSocketFactory socketFactory(TlsPolicy tls) throws UsageException {
    if (!tls.required()) {
      return null;
    }
    try {
      TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
      if (tls.trustStore().isPresent()) {
        KeyStore ks = KeyStore.getInstance(tls.trustStoreType().orElseThrow());
        try (InputStream in = Files.newInputStream(tls.trustStore().get())) {
          ks.load(in, tls.trustStorePassword().map(String::toCharArray).orElse(null));
        }
        tmf.init(ks);
      } else {
        tmf.init((KeyStore) null);
      }
      SSLContext context = SSLContext.getInstance("TLS");
      context.init(null, tmf.getTrustManagers(), null);
      return context.getSocketFactory();
    } catch (IOException | GeneralSecurityException e) {
      throw new UsageException("cannot load the trust store " + tls.trustStore().map(Object::toString).orElse("")
          + ": " + e.getMessage());
    }
  }

  /** Checks one host after another with the same settings. */
  private static final class Checker {
    private final Protocol p;
    private final FailoverPolicy policy;
    private final Credentials creds;
    private final TlsPolicy tls;
    private final SSLSocketFactory factory;

    Checker(Protocol p, FailoverPolicy policy, Credentials creds, TlsPolicy tls, SSLSocketFactory factory) {
      this.p = p;
      this.policy = policy;
      this.creds = creds;
      this.tls = tls;
      this.factory = factory;
    }

    /** Without credentials only the greeting is seen for IMAP and POP. */
    Map<String, Object> check(HostAddress h) {
      Map<String, Object> row = new LinkedHashMap<>();
      row.put("host", h.toString());
      long start = System.nanoTime();
      Socket plain = new Socket();
      Socket s = plain;
      try {
        plain.connect(new InetSocketAddress(h.host(), h.port().orElseThrow()), (int) policy.connectTimeout().toMillis());
        if (tls.mode() == TlsPolicy.Mode.IMPLICIT) {
          s = handshake(plain, h);
        }
        Lines in = new Lines(s, policy.responseTimeout());
        String greeting = in.readLine();
        row.put("reachable", true);
        row.put("greeting", greeting == null ? "" : ServerText.printable(greeting));
        row.put("latencyMillis", (System.nanoTime() - start) / 1_000_000);
        if (greeting == null) {
          role(row, "down", null, "closed before greeting");
          return row;
        }
        if (tls.mode() == TlsPolicy.Mode.STARTTLS) {
          String refused = startTls(s, in);
          if (refused != null) {
            role(row, "down", null, "STARTTLS refused, nothing sent in plain text: " + ServerText.printable(refused));
            return row;
          }
          s = handshake(s, h);
          in = new Lines(s, policy.responseTimeout());
        }
        OutputStream out = s.getOutputStream();
        switch (p) {
          case LMTP -> lmtpRole(row, greeting);
          case IMAP -> imapRole(row, greeting, in, out);
          case POP -> popRole(row, greeting, in, out);
          default -> role(row, "unknown", null, "");
        }
      } catch (SocketTimeoutException e) {
        row.putIfAbsent("reachable", false);
        row.put("latencyMillis", (System.nanoTime() - start) / 1_000_000);
        role(row, "down", null, "no answer within " + policy.responseTimeout().toMillis() + " ms");
      } catch (IOException e) {
        row.putIfAbsent("reachable", false);
        row.put("latencyMillis", (System.nanoTime() - start) / 1_000_000);
        role(row, "down", null, e.getClass().getSimpleName()
            + (e.getMessage() == null ? "" : ": " + ServerText.printable(e.getMessage())));
      } finally {
        close(s);
        close(plain);
      }
      row.putIfAbsent("greeting", null);
      return row;
    }

    private SSLSocket handshake(Socket over, HostAddress h) throws IOException {
      SSLSocket ssl = (SSLSocket) factory.createSocket(over, h.host(), h.port().orElseThrow(), true);
      if (tls.checkHostName()) {
        SSLParameters params = ssl.getSSLParameters();
        params.setEndpointIdentificationAlgorithm("HTTPS");
        ssl.setSSLParameters(params);
      }
      ssl.setSoTimeout((int) policy.responseTimeout().toMillis());
      ssl.startHandshake();
      return ssl;
    }

    /** The protocol's STARTTLS exchange; null when the server agreed, else its refusal. */
    private String startTls(Socket s, Lines in) throws IOException {
      OutputStream out = s.getOutputStream();
      switch (p) {
        case IMAP -> {
          send(out, "s0 STARTTLS");
          String r = in.readTagged("s0");
          return r != null && r.startsWith("s0 OK") ? null : String.valueOf(r);
        }
        case POP -> {
          send(out, "STLS");
          String r = in.readLine();
          return r != null && r.startsWith("+OK") ? null : String.valueOf(r);
        }
        case LMTP -> {
          send(out, "LHLO repgroup-probe");
          String r;
          do {
            r = in.readLine();
          } while (r != null && r.startsWith("250-"));
          if (r == null || !r.startsWith("250")) {
            return String.valueOf(r);
          }
          send(out, "STARTTLS");
          r = in.readLine();
          return r != null && r.startsWith("220") ? null : String.valueOf(r);
        }
        default -> {
          return "no STARTTLS for " + p;
        }
      }
    }

    private void imapRole(Map<String, Object> row, String greeting, Lines in, OutputStream out) throws IOException {
      if (greeting.startsWith("* BYE")) {
        role(row, "down", null, "BYE greeting");
        return;
      }
      if (creds == null) {
        role(row, "unknown", null, "greeting only; --user and --password show referrals");
        return;
      }
      Optional<String> command = imapLogin("s1", creds);
      if (command.isEmpty()) {
        role(row, "unknown", null, "user or password holds a line break or NUL: not sent in an IMAP quoted string");
        return;
      }
      out.write(command.get().getBytes(StandardCharsets.UTF_8));
      out.flush();
      String r = in.readTagged("s1");
      if (r == null) {
        role(row, "down", null, "closed during login");
        return;
      }
      Optional<LoginReferral> ref;
      try {
        ref = LoginReferral.fromResponse(r);
      } catch (IllegalArgumentException e) {
        role(row, "replica", null, ServerText.printable(e.getMessage()));
        return;
      }
      if (ref.isPresent()) {
        role(row, "replica", ref.get().host(), r.startsWith("s1 OK") ? "OK referral" : "NO referral");
      } else if (r.startsWith("s1 OK") && r.toLowerCase(Locale.ROOT).contains("no master")) {
        role(row, "no-master", null, "logged in read-only: the group has no master");
      } else if (r.startsWith("s1 OK")) {
        role(row, "master", null, "logged in without referral");
      } else {
        role(row, "unknown", null, "login refused: " + ServerText.printable(r.replace(creds.password(), "****")));
      }
    }

    private void popRole(Map<String, Object> row, String greeting, Lines in, OutputStream out) throws IOException {
      if (!greeting.startsWith("+OK")) {
        role(row, "down", null, "greeting: " + ServerText.printable(greeting));
        return;
      }
      if (creds == null) {
        role(row, "unknown", null, "greeting only; --user shows referrals");
        return;
      }
      if (creds.user().chars().anyMatch(c -> c == '\r' || c == '\n' || c == 0)) {
        role(row, "unknown", null, "user holds a line break or NUL: not sent");
        return;
      }
      send(out, "USER " + creds.user());
      String r = in.readLine();
      Optional<PopResponseCode> code = PopResponseCode.parse(r);
      if (code.isPresent() && code.get().is("SYS", "REFER")) {
        role(row, "replica", code.get().referral().orElse(null), "SYS/REFER");
      } else if (code.isPresent() && code.get().is("SYS", "TEMP")) {
        role(row, "no-master", null, ServerText.printable(code.get().text()));
      } else if (r != null && r.startsWith("+OK")) {
        role(row, "master", null, "USER accepted");
      } else {
        role(row, "unknown", null, ServerText.printable(String.valueOf(r)));
      }
    }
  }

  /**
   * {@code tag LOGIN "user" "password"} with both as IMAP quoted strings
   * (backslash before {@code "} and {@code \}; UTF-8 beyond ASCII, as servers
   * that accept UTF-8 read it), or empty when either holds CR, LF or NUL, which
   * a quoted string cannot carry.
   */
  static Optional<String> imapLogin(String tag, Credentials creds) {
    Optional<String> user = quoted(creds.user());
    Optional<String> pass = quoted(creds.password());
    if (user.isEmpty() || pass.isEmpty()) {
      return Optional.empty();
    }
    return Optional.of(tag + " LOGIN " + user.get() + " " + pass.get() + "\r\n");
  }

  private static Optional<String> quoted(String s) {
    StringBuilder sb = new StringBuilder(s.length() + 2).append('"');
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c == '\r' || c == '\n' || c == 0) {
        return Optional.empty();
      }
      if (c == '"' || c == '\\') {
        sb.append('\\');
      }
      sb.append(c);
    }
    return Optional.of(sb.append('"').toString());
  }

  private static void send(OutputStream out, String line) throws IOException {
    out.write((line + "\r\n").getBytes(StandardCharsets.UTF_8));
    out.flush();
  }

  private static void close(Socket s) {
    try {
      s.close();
    } catch (IOException ignored) {
      // closing a probe connection; nothing to report
    }
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
      role(row, "down", null, ServerText.printable(e.getMessage()));
    }
  }

  /**
   * Lines from a host, each at most {@link #MAX_LINE} bytes and read within the
   * response timeout as a whole (a host trickling one byte at a time cannot keep
   * the probe waiting). Reads byte by byte from an unbuffered stream so nothing
   * past a STARTTLS reply is consumed.
   */
  private static final class Lines {
    private final Socket socket;
    private final InputStream in;
    private final Duration timeout;

    Lines(Socket socket, Duration timeout) throws IOException {
      this.socket = socket;
      this.in = socket.getInputStream();
      this.timeout = timeout;
    }

    /** The next line without its CRLF, or null at the end of the stream. */
    String readLine() throws IOException {
      long deadline = System.nanoTime() + timeout.toNanos();
      ByteArrayOutputStream line = new ByteArrayOutputStream();
      while (true) {
        long left = deadline - System.nanoTime();
        if (left <= 0) {
          throw new SocketTimeoutException("line not complete within " + timeout.toMillis() + " ms");
        }
        socket.setSoTimeout((int) Math.max(1, left / 1_000_000));
        int b = in.read();
        if (b < 0) {
          return line.size() == 0 ? null : line.toString(StandardCharsets.UTF_8);
        }
        if (b == '\n') {
          String s = line.toString(StandardCharsets.UTF_8);
          return s.endsWith("\r") ? s.substring(0, s.length() - 1) : s;
        }
        if (line.size() >= MAX_LINE) {
          throw new IOException("line longer than " + MAX_LINE + " bytes");
        }
        line.write(b);
      }
    }

    /** Skips untagged lines; the tagged reply, or null at the end of the stream. */
    String readTagged(String tag) throws IOException {
      String r = readLine();
      int untagged = 0;
      while (r != null && !r.startsWith(tag + " ")) {
        if (++untagged > 100) {
          throw new IOException("more than 100 untagged lines before the " + tag + " reply");
        }
        r = readLine();
      }
      return r;
    }
  }
}
