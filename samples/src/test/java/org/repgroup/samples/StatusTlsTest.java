package org.repgroup.samples;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.InputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.repgroup.testkit.ImapServer;

/** {@code status --tls starttls}: the login goes only over TLS, checked against the given trust store. */
@Timeout(60)
class StatusTlsTest {

  static final String STORE_PASSWORD = "storepw";

  @TempDir
  static Path dir;
  static Path trustStore;
  static Path passwordFile;
  static SSLContext server;

  final StringWriter out = new StringWriter();
  final StringWriter err = new StringWriter();

  @BeforeAll
  static void certificate() throws Exception {
    trustStore = dir.resolve("store.p12");
    Path keytool = Path.of(System.getProperty("java.home"), "bin", "keytool");
    Process p = new ProcessBuilder(List.of(keytool.toString(), "-genkeypair", "-alias", "probe", "-keyalg", "EC",
        "-groupname", "secp256r1", "-dname", "CN=localhost", "-ext", "SAN=ip:127.0.0.1,dns:localhost",
        "-validity", "2", "-storetype", "PKCS12", "-keystore", trustStore.toString(),
        "-storepass", STORE_PASSWORD, "-keypass", STORE_PASSWORD)).redirectErrorStream(true).start();
    String output = new String(p.getInputStream().readAllBytes());
    assertThat(p.waitFor(50, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).as(output).isZero();
    KeyStore ks = KeyStore.getInstance("PKCS12");
    try (InputStream in = Files.newInputStream(trustStore)) {
      ks.load(in, STORE_PASSWORD.toCharArray());
    }
    KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
    kmf.init(ks, STORE_PASSWORD.toCharArray());
    server = SSLContext.getInstance("TLS");
    server.init(kmf.getKeyManagers(), null, null);
    passwordFile = Files.writeString(dir.resolve("storepw"), STORE_PASSWORD + "\n");
  }

  int run(String... args) {
    out.getBuffer().setLength(0);
    err.getBuffer().setLength(0);
    return ProbeMain.commandLine().setOut(new PrintWriter(out, true)).setErr(new PrintWriter(err, true)).execute(args);
  }

  Map<String, Object> onlyRow() {
    return ProbeCliTest.list(JsonReader.object(out.toString()).get("hosts")).get(0);
  }

  @Test
  void statusUpgradesWithStartTlsBeforeTheLogin() throws Exception {
    try (ImapServer imap = new ImapServer().user("alice", "secret").start()) {
      imap.offerStartTls(server);

      int exit = run("status", "--hosts", imap.address().toString(), "--protocol", "imap", "--user", "alice",
          "--password", "secret", "--tls", "starttls", "--truststore", trustStore.toString(),
          "--truststore-password-file", passwordFile.toString(), "--truststore-type", "PKCS12", "--json");

      assertThat(exit).as(err.toString()).isZero();
      assertThat(onlyRow()).containsEntry("role", "master");
      assertThat(imap.commandsAfterTls()).contains("LOGIN");
      assertThat(imap.receivedLines()).filteredOn(l -> l.contains("LOGIN")).hasSize(1);
      assertThat(imap.commandsAfterTls()).doesNotContain("STARTTLS");
    }
  }

  @Test
  void aHostWithoutStartTlsNeverSeesTheCredentials() throws Exception {
    try (ImapServer imap = new ImapServer().user("alice", "secret").start()) {
      int exit = run("status", "--hosts", imap.address().toString(), "--protocol", "imap", "--user", "alice",
          "--password", "secret", "--tls", "starttls", "--truststore", trustStore.toString(),
          "--truststore-password-file", passwordFile.toString(), "--json");

      assertThat(exit).isZero();
      assertThat((String) onlyRow().get("detail")).startsWith("STARTTLS refused, nothing sent in plain text");
      assertThat(onlyRow()).containsEntry("role", "down");
      assertThat(imap.sawCredentials()).isFalse();
    }
  }

  @Test
  void aCertificateTheTrustStoreDoesNotVouchForEndsTheCheckBeforeTheLogin() throws Exception {
    try (ImapServer imap = new ImapServer().user("alice", "secret").start()) {
      imap.offerStartTls(server);

      int exit = run("status", "--hosts", imap.address().toString(), "--protocol", "imap", "--user", "alice",
          "--password", "secret", "--tls", "starttls", "--json");

      assertThat(exit).as("the greeting came: the host is reachable").isZero();
      assertThat(onlyRow()).containsEntry("role", "down");
      assertThat((String) onlyRow().get("detail")).as("the JVM's default trust does not know the test certificate")
          .startsWith("SSLHandshakeException");
      assertThat(imap.commandsAfterTls()).doesNotContain("LOGIN");
      assertThat(imap.sawCredentials()).isFalse();
    }
  }
}
