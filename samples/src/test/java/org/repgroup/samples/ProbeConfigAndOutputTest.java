package org.repgroup.samples;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.repgroup.core.Credentials;
import org.repgroup.testkit.ImapServer;
import org.repgroup.testkit.Pop3Server;

/** The probe's configuration checks, its login quoting, and what of a server's text reaches the terminal. */
@Timeout(60)
class ProbeConfigAndOutputTest {

  final StringWriter out = new StringWriter();
  final StringWriter err = new StringWriter();

  int run(String... args) {
    out.getBuffer().setLength(0);
    err.getBuffer().setLength(0);
    return ProbeMain.commandLine().setOut(new PrintWriter(out, true)).setErr(new PrintWriter(err, true)).execute(args);
  }

  @Test
  void aTypoInTheConfigurationFileExitsTwoNamingTheLineAndTheNearestOption(@TempDir Path dir) throws Exception {
    Path cfg = Files.writeString(dir.resolve("ms.cfg"), "proxy:g.storehostlist 127.0.0.1:1\nproxy:g.imapprot 1143\n");

    int exit = run("imap", "--config", cfg.toString(), "--group", "g", "--user", "u", "--password", "p");

    assertThat(exit).isEqualTo(2);
    assertThat(err.toString()).contains(cfg + ":2: unknown option \"proxy:g.imapprot\" (did you mean \"proxy:g.imapport\"?)");
    assertThat(out.toString()).isEmpty();
  }

  @Test
  void aGroupTheFileDoesNotDefineIsAnErrorNotAHostName(@TempDir Path dir) throws Exception {
    Path cfg = Files.writeString(dir.resolve("ms.cfg"), "proxy:store1.storehostlist 127.0.0.1:1\n");
    try (ImapServer typoTarget = new ImapServer().user("alice", "secret").start()) {
      int exit = run("imap", "--config", cfg.toString(), "--group", "stor1", "--user", "alice", "--password", "secret");

      assertThat(exit).isEqualTo(2);
      assertThat(err.toString()).contains("--group \"stor1\" is not defined in " + cfg + " (it defines: store1)");
      assertThat(typoTarget.connectionCount()).isZero();
    }
  }

  @Test
  void aBrokenConfigurationLineNeverPrintsTheAdminPassword(@TempDir Path dir) throws Exception {
    Path cfg = Files.writeString(dir.resolve("ms.cfg"), "proxy:g.storehostlist a\nproxy:g.imapadmin mmp\n"
        + "msconfig  set proxy:g.imapadminpass \"Zq9sEcReT7x\n");

    int exit = run("pop", "--config", cfg.toString(), "--group", "g", "--user", "u", "--password", "p");

    assertThat(exit).isEqualTo(2);
    assertThat(err.toString()).contains(cfg + ":3: option \"proxy:g.imapadminpass\": unterminated quoted value")
        .doesNotContain("Zq9sEcReT7x");
  }

  @Test
  void statusLogsInWithAPasswordHoldingAQuoteAndABackslash() throws Exception {
    String password = "pa\"ss\\wo rd";
    try (ImapServer imap = new ImapServer().user("alice", password).start()) {
      int exit = run("status", "--hosts", imap.address().toString(), "--protocol", "imap", "--user", "alice",
          "--password", password, "--json");

      assertThat(exit).as(err.toString()).isZero();
      List<Map<String, Object>> rows = ProbeCliTest.list(JsonReader.object(out.toString()).get("hosts"));
      assertThat(rows.get(0)).containsEntry("role", "master").containsEntry("detail", "logged in without referral");
    }
  }

  @Test
  void imapLoginQuotesBothStringsAndRefusesWhatAQuotedStringCannotCarry() {
    assertThat(StatusProbe.imapLogin("s1", new Credentials("al\"ice", "a\\b\"c"))).hasValue(
        "s1 LOGIN \"al\\\"ice\" \"a\\\\b\\\"c\"\r\n");
    assertThat(StatusProbe.imapLogin("s1", new Credentials("alice", "pw\r\ns2 DELETE INBOX"))).isEmpty();
  }

  @Test
  void escapeSequencesInAGreetingNeverReachTheTerminal() throws Exception {
    try (ImapServer imap = new ImapServer().start()) {
      imap.setGreeting("* OK \u001b[2J\u001b]0;owned\u0007 ready \u009b31m");

      int exit = run("status", "--hosts", imap.address().toString(), "--protocol", "imap");

      assertThat(exit).isZero();
      assertThat(out.toString()).contains("\\x1b[2J").doesNotContain("\u001b").doesNotContain("\u0007")
          .doesNotContain("\u009b");
    }
  }

  @Test
  void aHostileByeGreetingIsPrintableAndCappedInTheImapProbesText() throws Exception {
    try (ImapServer imap = new ImapServer().start()) {
      imap.setGreeting("* BYE \u001b[31m" + "x".repeat(5000));

      int exit = run("imap", "--hosts", imap.address().toString(), "--user", "alice", "--password", "pw",
          "--deadline", "2000");

      assertThat(exit).isEqualTo(1);
      assertThat(out.toString()).doesNotContain("\u001b").doesNotContain("x".repeat(2100)).contains("FAILED");
    }
  }

  @Test
  void anEndlessGreetingLineEndsTheStatusCheckOfThatHostWithinItsCap() throws Exception {
    try (Pop3Server pop = new Pop3Server()) {
      pop.setFault(org.repgroup.testkit.Fault.oversizedLine(1 << 20));
      pop.start();

      int exit = run("status", "--hosts", pop.address().toString(), "--protocol", "pop", "--timeout", "2000",
          "--json");

      assertThat(exit).isEqualTo(1);
      List<Map<String, Object>> rows = ProbeCliTest.list(JsonReader.object(out.toString()).get("hosts"));
      assertThat((String) rows.get(0).get("detail")).contains("line longer than 8192 bytes");
    }
  }

  @Test
  void burlShowsTheMessageOnTheTerminalWithControlCharactersEscaped() throws Exception {
    StringWriter shown = new StringWriter();
    byte[] message = "Subject: \u001b[2Jhi\r\n\r\nbody\u0007\r\n".getBytes(StandardCharsets.UTF_8);

    long bytes = BurlProbe.show(new java.io.ByteArrayInputStream(message), new PrintWriter(shown));

    assertThat(bytes).isEqualTo(message.length);
    assertThat(shown.toString()).isEqualTo("Subject: \\x1b[2Jhi\r\n\r\nbody\\x07\r\n");
  }

  @Test
  void trustStoreFlagsWithoutTlsAreAUsageError(@TempDir Path dir) throws Exception {
    Path store = Files.write(dir.resolve("t.p12"), new byte[] {1});

    assertThat(run("pop", "--hosts", "127.0.0.1:1", "--user", "u", "--password", "p", "--truststore", store.toString()))
        .isEqualTo(2);
    assertThat(err.toString()).contains("need --tls starttls or implicit");
    assertThat(run("pop", "--hosts", "127.0.0.1:1", "--user", "u", "--password", "p", "--tls", "ssl")).isEqualTo(2);
    assertThat(err.toString()).contains("--tls must be none, starttls or implicit, was ssl");
  }

  @Test
  void theSameHostTwiceOnceThePortIsFilledInIsAUsageError() {
    assertThat(run("pop", "--hosts", "h h:1110", "--port", "1110", "--user", "u", "--password", "p")).isEqualTo(2);
    assertThat(err.toString()).contains("store host list entries \"h\" and \"h:1110\" are the same host for POP");
  }

  @Test
  void usageWithoutASubcommandGoesToTheProbesWriter() {
    assertThat(run()).isZero();
    assertThat(out.toString()).contains("Usage: repgroup-probe");
  }
}
