package org.repgroup.samples;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.repgroup.core.Protocol;
import org.repgroup.testkit.dovecot.Dovecot;
import org.repgroup.testkit.dovecot.DovecotGroup;

/** The probe against real Dovecot: instance 0 is a replica referring to instance 1, the master. */
@Timeout(120)
class ProbeDovecotIT {

  @TempDir
  static Path work;
  static DovecotGroup dovecot;

  @BeforeAll
  static void start() throws Exception {
    if (Dovecot.required()) {
      assertThat(Dovecot.binary()).as(Dovecot.INSTALL_HINT).isPresent();
    }
    assumeTrue(Dovecot.binary().isPresent(), Dovecot.INSTALL_HINT);
    dovecot = DovecotGroup.builder(work.resolve("dovecot")).instances(2).user("alice", "secret").user("bob", "bobpw").replicaOf(0, 1).start();
  }

  @AfterAll
  static void stop() {
    if (dovecot != null) {
      dovecot.close();
    }
  }

  static String hosts(Protocol p) {
    return dovecot.replicationGroup("dovecot", p).hosts().toString();
  }

  static Map<String, Object> run(int expectedExit, String... args) {
    PrintStream saved = System.out;
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
    int exit;
    try {
      exit = ProbeMain.run(args);
    } finally {
      System.setOut(saved);
    }
    String text = out.toString(StandardCharsets.UTF_8);
    assertThat(exit).as(text).isEqualTo(expectedExit);
    return JsonReader.object(text);
  }

  @SuppressWarnings("unchecked")
  static List<Map<String, Object>> list(Object o) {
    return (List<Map<String, Object>>) o;
  }

  @Test
  void lmtpThenImapThenPopThenStatusAgainstRealDovecot(@TempDir Path dir) throws Exception {
    Path msg = dir.resolve("m.eml");
    Files.writeString(msg, "Subject: probe\r\n\r\nvia dovecot\r\n");

    Map<String, Object> lmtp = run(0, "lmtp", "--hosts", hosts(Protocol.LMTP), "--from", "s@example.com",
        "--to", "alice", "--message", msg.toString(), "--json");
    assertThat(list(lmtp.get("recipients")).get(0).get("status")).isEqualTo("DELIVERED");

    Map<String, Object> imap = run(0, "imap", "--hosts", hosts(Protocol.IMAP), "--user", "alice", "--password", "secret",
        "--json");
    assertThat(imap.get("host")).isEqualTo(dovecot.instance(1).imapAddress().toString());
    assertThat(imap.get("referrals")).isEqualTo(1L);
    assertThat(imap.get("messages")).isEqualTo(1L);

    Map<String, Object> pop = run(0, "pop", "--hosts", dovecot.instance(1).popAddress().toString(), "--user", "alice",
        "--password", "secret", "--json");
    assertThat(pop.get("messages")).isEqualTo(1L);

    Map<String, Object> status = run(0, "status", "--hosts", hosts(Protocol.IMAP), "--protocol", "imap",
        "--user", "alice", "--password", "secret", "--json");
    List<Map<String, Object>> rows = list(status.get("hosts"));
    assertThat(rows.get(0)).containsEntry("role", "replica")
        .containsEntry("referral", dovecot.instance(1).imapAddress().toString());
    assertThat(rows.get(1)).containsEntry("role", "master");
  }

  @Test
  void burlFetchesFromTheMasterWithoutFollowingTheReplicasReferral(@TempDir Path dir) throws Exception {
    Path msg = dir.resolve("m.eml");
    String text = "Subject: burl probe\r\n\r\nfetched by URL\r\n";
    Files.writeString(msg, text);
    run(0, "imap", "--hosts", hosts(Protocol.IMAP), "--user", "bob", "--password", "bobpw", "--append",
        msg.toString(), "--json");
    String url = dovecot.urlAuthForNewest(1, "bob", "bobpw");
    Path out = dir.resolve("fetched.eml");

    Map<String, Object> burl = run(0, "burl", "--hosts", hosts(Protocol.IMAP), "--user", "bob", "--password", "bobpw",
        "--url", url, "--out", out.toString(), "--json");

    assertThat(burl).containsEntry("ok", true)
        .containsEntry("host", dovecot.instance(1).imapAddress().toString())
        .containsEntry("referrals", 0L)
        .containsEntry("bytes", (long) text.length())
        .containsEntry("error", null);
    List<Map<String, Object>> attempts = list(burl.get("attempts"));
    assertThat(attempts).extracting(a -> a.get("host"), a -> a.get("outcome")).containsExactly(
        org.assertj.core.groups.Tuple.tuple(dovecot.instance(0).imapAddress().toString(), "referral"),
        org.assertj.core.groups.Tuple.tuple(dovecot.instance(1).imapAddress().toString(), "success"));
    assertThat(Files.readString(out)).isEqualTo(text);
    assertThat(burl.toString()).doesNotContain("bobpw");

    String tampered = url.substring(0, url.length() - 4) + (url.endsWith("0000") ? "1111" : "0000");
    Map<String, Object> invalid = run(1, "burl", "--hosts", hosts(Protocol.IMAP), "--user", "bob", "--password",
        "bobpw", "--url", tampered, "--json");
    assertThat(invalid).containsEntry("ok", false).containsEntry("smtpReply", "554 5.6.6 BURL URL is invalid or expired");
    assertThat((String) invalid.get("error")).contains("not valid");
  }
}
