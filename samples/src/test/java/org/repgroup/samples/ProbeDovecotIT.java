package org.repgroup.samples;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
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
import org.repgroup.testkit.dovecot.DovecotGroup;
import org.repgroup.testkit.junit.DovecotAssumptions;

/** The probe against real Dovecot: instance 0 is a replica referring to instance 1, the master. */
@Timeout(120)
class ProbeDovecotIT {

  @TempDir
  static Path work;
  static DovecotGroup dovecot;

  @BeforeAll
  static void start() throws Exception {
    DovecotAssumptions.assumeInstalled();
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
    StringWriter out = new StringWriter();
    int exit = ProbeMain.commandLine().setOut(new PrintWriter(out, true)).execute(args);
    String text = out.toString();
    assertThat(exit).as(text).isEqualTo(expectedExit);
    assertThat(text.strip().lines()).as("exactly one JSON object").hasSize(1);
    Map<String, Object> m = JsonReader.object(text);
    assertThat(text).doesNotContain("secret").doesNotContain("bobpw");
    if (!args[0].equals("status")) {
      assertContract(m, expectedExit == 0);
    }
    return m;
  }

  /** The fields every operation's JSON has, checked by type and meaning. */
  static void assertContract(Map<String, Object> m, boolean ok) {
    assertThat(m).containsKeys("ok", "host", "elapsedMillis", "referrals", "attempts", "error");
    assertThat(m.get("ok")).isEqualTo(ok);
    assertThat(m.get("elapsedMillis")).isInstanceOfSatisfying(Long.class, v -> assertThat(v).isNotNegative());
    assertThat(m.get("referrals")).isInstanceOfSatisfying(Long.class, v -> assertThat(v).isNotNegative());
    if (ok) {
      assertThat(m.get("host")).isInstanceOfSatisfying(String.class, h -> assertThat(h).matches("127\\.0\\.0\\.1:\\d+"));
      assertThat(m.get("error")).isNull();
    } else {
      assertThat(m.get("error")).isInstanceOf(String.class);
    }
    for (Map<String, Object> a : list(m.get("attempts"))) {
      assertThat(a).containsKeys("host", "outcome", "millis", "detail");
      assertThat(a.get("outcome")).isIn("success", "referral", "unavailable", "fatal");
      assertThat(a.get("millis")).isInstanceOfSatisfying(Long.class, v -> assertThat(v).isNotNegative());
      assertThat(a.get("detail")).isInstanceOf(String.class);
    }
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
    assertThat(list(lmtp.get("recipients")).get(0)).containsEntry("address", "alice").containsEntry("status", "DELIVERED")
        .containsKeys("code", "enhancedCode", "text");
    assertThat(list(lmtp.get("recipients")).get(0).get("code")).isEqualTo(250L);
    assertThat(lmtp.get("host")).as("LMTP has no login referral in Dovecot: the first instance delivers")
        .isEqualTo(dovecot.instance(0).lmtpAddress().toString());

    Map<String, Object> imap = run(0, "imap", "--hosts", hosts(Protocol.IMAP), "--user", "alice", "--password", "secret",
        "--stagger", "0", "--json");
    assertThat(imap.get("host")).isEqualTo(dovecot.instance(1).imapAddress().toString());
    assertThat(imap.get("referrals")).isEqualTo(1L);
    assertThat(imap.get("messages")).isEqualTo(1L);

    Map<String, Object> pop = run(0, "pop", "--hosts", dovecot.instance(1).popAddress().toString(), "--user", "alice",
        "--password", "secret", "--json");
    assertThat(pop.get("messages")).isEqualTo(1L);
    long fileSize = Files.size(msg);
    assertThat(pop.get("bytes")).as("Dovecot's STAT size of the delivered message").isInstanceOfSatisfying(Long.class,
        b -> assertThat(b).isGreaterThanOrEqualTo(fileSize));
    assertThat(pop.get("host")).isEqualTo(dovecot.instance(1).popAddress().toString());

    Map<String, Object> badPassword = run(1, "pop", "--hosts", dovecot.instance(1).popAddress().toString(), "--user",
        "alice", "--password", "wrong", "--json");
    assertThat(list(badPassword.get("attempts"))).extracting(a -> a.get("outcome")).containsExactly("fatal");

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

    // Stagger 0: the test asserts the replica's own answer comes first; on a busy machine Dovecot may take
    // longer than a stagger to answer, and the master would be started (and answer) beside it.
    Map<String, Object> burl = run(0, "burl", "--hosts", hosts(Protocol.IMAP), "--user", "bob", "--password", "bobpw",
        "--url", url, "--out", out.toString(), "--stagger", "0", "--json");

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
