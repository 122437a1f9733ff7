package org.repgroup.samples;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
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

  /** --user (optional here: with it, IMAP and POP logins show referrals), --password, --password-file. */
  @Mixin
  LoginOptions login;

  @Override
  protected ProbeReport probe(RepgroupResources resources) throws Exception {
    Protocol p = switch (protocol.toLowerCase(Locale.ROOT)) {
      case "imap" -> Protocol.IMAP;
      case "pop", "pop3" -> Protocol.POP;
      case "lmtp" -> Protocol.LMTP;
      default -> throw new UsageException("--protocol must be imap, pop or lmtp, was " + ServerText.printable(protocol, 40));
    };
    Optional<Credentials> creds = login.optionalCredentials();
    ReplicationGroup g = common.group(p);
    FailoverPolicy policy = common.policy();
    Checker checker = new Checker(p, policy, creds.orElse(null), g.tls(), socketFactory(g.tls()));
    List<Map<String, Object>> hosts = new ArrayList<>();
    List<AttemptRecord> attempts = new ArrayList<>();
    int masters = 0;
    int reachable = 0;
    int noMaster = 0;
    HostAddress master = null;
    long start = System.nanoTime();
    for (HostAddress entry : g.hosts().hosts()) {
      HostAddress h = g.resolve(entry, p);
      Map<String, Object> row = checker.check(h);
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
