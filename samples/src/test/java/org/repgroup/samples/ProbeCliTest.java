package org.repgroup.samples;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.repgroup.core.Protocol;
import org.repgroup.testkit.Fault;
import org.repgroup.testkit.SimulatedReplicationGroup;

@Timeout(120)
class ProbeCliTest {

  static final String URL = "imap://alice@h/INBOX/;uid=1;urlauth=submit+x:internal:abcdef";

  SimulatedReplicationGroup g;
  /** What the last {@link #run} printed on the probe's output and error writers. */
  final Captured stdout = new Captured();
  final Captured stderr = new Captured();

  @BeforeEach
  void setUp() {
    g = SimulatedReplicationGroup.builder().user("alice", "secret").user("submitter", "subpass").startAsMaster(2).build();
    g.deliver("alice", "Subject: one\r\n\r\nbody\r\n".getBytes(StandardCharsets.US_ASCII));
    g.store().registerUrl(URL, "Subject: burl\r\n\r\nfetched\r\n".getBytes(StandardCharsets.US_ASCII));
  }

  @AfterEach
  void tearDown() {
    g.close();
  }

  /** A writer's text, kept across runs until {@link #reset}. */
  static final class Captured {
    StringWriter text = new StringWriter();

    PrintWriter writer() {
      return new PrintWriter(text, true);
    }

    void reset() {
      text = new StringWriter();
    }

    @Override
    public String toString() {
      return text.toString();
    }
  }

  /** Runs the probe with its output and error captured through picocli's writers. */
  int run(String... args) {
    stdout.reset();
    stderr.reset();
    return ProbeMain.commandLine().setOut(stdout.writer()).setErr(stderr.writer()).execute(args);
  }

  String hosts(Protocol p) {
    return g.hostList(p).toString();
  }

  Map<String, Object> json(int expectedExit, String... args) {
    int exit = run(args);
    String text = stdout.toString();
    assertThat(exit).as("exit status; stdout=" + text + " stderr=" + stderr).isEqualTo(expectedExit);
    assertThat(text.strip().lines()).as("exactly one JSON object").hasSize(1);
    Map<String, Object> m = JsonReader.object(text);
    assertThat(m).containsKeys("ok", "host", "elapsedMillis", "referrals", "attempts", "error");
    return m;
  }

  @SuppressWarnings("unchecked")
  static List<Map<String, Object>> list(Object o) {
    return (List<Map<String, Object>>) o;
  }

  @Test
  void imapWriteFollowsTheReferralAndCountsMessages(@TempDir Path dir) throws Exception {
    Path msg = dir.resolve("m.eml");
    Files.writeString(msg, "Subject: appended\r\n\r\nhi\r\n");

    Map<String, Object> r = json(0, "imap", "--hosts", hosts(Protocol.IMAP), "--user", "alice", "--password", "secret",
        "--append", msg.toString(), "--stagger", "0", "--json");

    assertThat(r.get("ok")).isEqualTo(true);
    assertThat(r.get("host")).isEqualTo(g.node(2).address(Protocol.IMAP).toString());
    assertThat(r.get("referrals")).isEqualTo(1L);
    assertThat(r.get("messages")).isEqualTo(2L);
    assertThat(r.get("error")).isNull();
    assertThat(r).containsEntry("append", "APPENDED").containsEntry("appendUid", 2L).containsEntry("appendConnects", 1L);
    List<Map<String, Object>> attempts = list(r.get("attempts"));
    assertThat(attempts).extracting(a -> a.get("outcome")).containsExactly("referral", "success");
    assertThat(attempts.get(0)).containsKeys("host", "outcome", "millis", "detail");
    assertThat(stdout.toString()).doesNotContain("secret");
  }

  @Test
  void imapAppendDroppedAfterTheMasterStoredItIsFoundOnTheNewMasterAndPrintedAlreadyPresent(@TempDir Path dir)
      throws Exception {
    Path msg = dir.resolve("m.eml");
    Files.writeString(msg, "Message-ID: <probe@example.com>\r\nSubject: appended\r\n\r\nhi\r\n");
    g.node(2).imap().setFault(Fault.stopDuringAppend(Fault.Commit.STORED, Fault.Farewell.CLOSE));

    Map<String, Object> r = json(0, "imap", "--hosts", hosts(Protocol.IMAP), "--user", "alice", "--password", "secret",
        "--append", msg.toString(), "--stagger", "0", "--json");

    assertThat(r).containsEntry("ok", true).containsEntry("append", "ALREADY_PRESENT")
        .containsEntry("appendConnects", 2L).containsEntry("messages", 2L)
        .containsEntry("host", g.master().orElseThrow().address(Protocol.IMAP).toString());
    assertThat(g.mailbox("alice").stream().filter(m -> m.text().contains("<probe@example.com>"))).hasSize(1);
  }

  @Test
  void imapAppendWithoutMessageIdThatDroppedFailsAsUnknownAndIsNotSentAgain(@TempDir Path dir) throws Exception {
    Path msg = dir.resolve("m.eml");
    Files.writeString(msg, "Subject: no id\r\n\r\nhi\r\n");
    g.node(2).imap().setFault(Fault.stopDuringAppend(Fault.Commit.STORED, Fault.Farewell.CLOSE));

    Map<String, Object> r = json(1, "imap", "--hosts", hosts(Protocol.IMAP), "--user", "alice", "--password", "secret",
        "--append", msg.toString(), "--stagger", "0", "--json");

    assertThat(r).containsEntry("ok", false).containsEntry("append", "UNKNOWN").containsEntry("appendUid", null)
        .containsEntry("appendConnects", 1L);
    assertThat((String) r.get("error")).contains("append outcome unknown").contains("no Message-ID");
    assertThat(g.mailbox("alice")).as("the delivered one and the dropped append, once").hasSize(2);
  }

  @Test
  void imapAppendWithReadIntentIsAUsageError(@TempDir Path dir) throws Exception {
    Path msg = dir.resolve("m.eml");
    Files.writeString(msg, "Subject: x\r\n\r\nhi\r\n");

    assertThat(run("imap", "--hosts", hosts(Protocol.IMAP), "--user", "alice", "--password", "secret", "--read",
        "--append", msg.toString())).isEqualTo(2);
    assertThat(stderr.toString()).contains("--append needs write intent");
  }

  @Test
  void popReportsMessagesAndBytes() {
    Map<String, Object> r = json(0, "pop", "--hosts", hosts(Protocol.POP), "--user", "alice", "--password", "secret", "--json");

    assertThat(r.get("messages")).isEqualTo(1L);
    assertThat(r.get("bytes")).isEqualTo(22L);
    assertThat(r.get("host")).isEqualTo(g.node(2).address(Protocol.POP).toString());
  }

  @Test
  void refusedLoginStillListsTheAttemptThatWasRefused() {
    Map<String, Object> r = json(1, "pop", "--hosts", hosts(Protocol.POP), "--user", "alice", "--password", "wrong",
        "--stagger", "0", "--json");

    assertThat(r.get("ok")).isEqualTo(false);
    assertThat(r.get("error")).isInstanceOf(String.class);
    List<Map<String, Object>> attempts = list(r.get("attempts"));
    assertThat(attempts).isNotEmpty();
    assertThat(attempts.get(attempts.size() - 1)).containsEntry("outcome", "fatal")
        .containsEntry("host", g.node(2).address(Protocol.POP).toString());
    assertThat(stdout.toString()).doesNotContain("wrong");
  }

  @Test
  void lmtpPrintsOneResultPerRecipientAndFailsWhenOneIsNotDelivered(@TempDir Path dir) throws Exception {
    Path msg = dir.resolve("m.eml");
    Files.writeString(msg, "Subject: x\r\n\r\nhello\r\n");
    g.node(2).lmtp().rejectRecipient("bob@example.com", "550 5.1.1 <bob@example.com> unknown");

    Map<String, Object> r = json(1, "lmtp", "--hosts", hosts(Protocol.LMTP), "--from", "s@example.com",
        "--to", "alice@example.com,bob@example.com", "--message", msg.toString(), "--json");

    List<Map<String, Object>> rcpts = list(r.get("recipients"));
    assertThat(rcpts).extracting(m -> m.get("status")).containsExactly("DELIVERED", "PERMANENT_FAILURE");
    assertThat(rcpts.get(1)).containsEntry("code", 550L).containsEntry("enhancedCode", "5.1.1");
    assertThat(r.get("ok")).isEqualTo(false);
    assertThat((String) r.get("error")).contains("1 of 2 recipients not delivered");
  }

  @Test
  void burlFetchesReadOnlyAndCountsBytes(@TempDir Path dir) throws Exception {
    Path out = dir.resolve("out.eml");

    Map<String, Object> r = json(0, "burl", "--hosts", hosts(Protocol.IMAP), "--user", "submitter", "--password", "subpass",
        "--url", URL, "--out", out.toString(), "--json");

    assertThat(r.get("bytes")).isEqualTo(Files.size(out));
    assertThat(Files.readString(out)).contains("fetched");
  }

  @Test
  void popAndEnsPublishRideThroughAnElectionWindowWithDefaultOptions() throws Exception {
    try (SimulatedReplicationGroup electing = SimulatedReplicationGroup.builder().user("alice", "secret")
        .startAsMaster(0).build()) {
      // The replicas refer to the dead master (POP -ERR [SYS/REFER/...], ENS 307) until the test ends
      // the election, which it does once the probe has been turned away in more than one pass.
      electing.beginElection(org.repgroup.testkit.ElectionWindow.referringToDeadMaster());
      java.util.function.IntSupplier contacts = () -> electing.node(1).pop().contactCount()
          + electing.node(2).pop().contactCount();
      java.util.concurrent.CompletableFuture<Integer> pop = java.util.concurrent.CompletableFuture.supplyAsync(
          () -> run("pop", "--hosts", electing.hostList(Protocol.POP).toString(), "--user", "alice", "--password",
              "secret", "--json"));
      long end = System.nanoTime() + java.time.Duration.ofSeconds(20).toNanos();
      while (contacts.getAsInt() < 4 && !pop.isDone() && System.nanoTime() < end) {
        java.util.concurrent.locks.LockSupport.parkNanos(1_000_000);
      }
      assertThat(pop).as("still riding the election").isNotDone();
      org.repgroup.testkit.SimulatedNode elected = electing.completeElection().orElseThrow();

      assertThat(pop.get(20, java.util.concurrent.TimeUnit.SECONDS)).as("stdout=" + stdout).isZero();
      Map<String, Object> r = JsonReader.object(stdout.toString());
      assertThat(r.get("host")).isEqualTo(elected.address(Protocol.POP).toString());
      assertThat(list(r.get("attempts"))).anySatisfy(a -> assertThat(a.get("outcome")).isEqualTo("referral"));

    }
    try (SimulatedReplicationGroup electing = SimulatedReplicationGroup.builder().startAsMaster(0).build()) {
      electing.beginElection(org.repgroup.testkit.ElectionWindow.referringToDeadMaster());
      java.util.function.IntSupplier redirects = () -> electing.node(1).ens().publishCount()
          + electing.node(2).ens().publishCount();
      java.util.concurrent.CompletableFuture<Integer> pub = java.util.concurrent.CompletableFuture.supplyAsync(
          () -> run("ens", "publish", "--hosts", electing.hostList(Protocol.ENS).toString(), "--type", "NewMsg",
              "--mailbox", "alice", "--json"));
      long end = System.nanoTime() + java.time.Duration.ofSeconds(20).toNanos();
      while (redirects.getAsInt() < 4 && !pub.isDone() && System.nanoTime() < end) {
        java.util.concurrent.locks.LockSupport.parkNanos(1_000_000);
      }
      assertThat(pub).as("still riding the election").isNotDone();
      org.repgroup.testkit.SimulatedNode elected = electing.completeElection().orElseThrow();

      assertThat(pub.get(20, java.util.concurrent.TimeUnit.SECONDS)).as("stdout=" + stdout).isZero();
      assertThat(electing.eventLog().entries()).as("taken once").hasSize(1);
      assertThat(elected.ens().publishCount()).isPositive();
    }
  }

  @Test
  void ensPublishThenSubscribeSeesTheEvent() {
    Map<String, Object> pub = json(0, "ens", "publish", "--hosts", hosts(Protocol.ENS), "--type", "NewMsg",
        "--mailbox", "alice", "--json");
    assertThat(list(pub.get("events")).get(0).get("reference").toString()).contains("evtType=NewMsg", "mailboxName=alice");

    Map<String, Object> sub = json(0, "ens", "subscribe", "--hosts", hosts(Protocol.ENS), "--count", "1", "--json");

    assertThat(list(sub.get("events"))).singleElement().satisfies(e -> assertThat(e.get("id")).isEqualTo("1"));
  }

  @Test
  void statusShowsTheMasterAndWhereReplicasPoint() {
    g.node(0).kill();

    Map<String, Object> r = json(0, "status", "--hosts", hosts(Protocol.LMTP), "--protocol", "lmtp", "--json");

    List<Map<String, Object>> rows = list(r.get("hosts"));
    assertThat(rows.get(0)).containsEntry("role", "down").containsEntry("reachable", false);
    assertThat(rows.get(1)).containsEntry("role", "replica")
        .containsEntry("referral", g.node(2).address(Protocol.LMTP).toString());
    assertThat(rows.get(2)).containsEntry("role", "master");
    assertThat(r.get("summary")).isEqualTo("master " + g.node(2).address(Protocol.LMTP));
  }

  @Test
  void everyHostDownExitsOneNamingEachHost() {
    for (int i = 0; i < 3; i++) {
      g.node(i).setFault(Fault.refuse());
    }

    Map<String, Object> r = json(1, "pop", "--hosts", hosts(Protocol.POP), "--user", "alice", "--password", "secret",
        "--deadline", "2000", "--json");

    assertThat(r.get("ok")).isEqualTo(false);
    assertThat(r.get("host")).isNull();
    assertThat((String) r.get("error")).contains(g.node(0).address(Protocol.POP).toString());
    assertThat(list(r.get("attempts"))).isNotEmpty().allSatisfy(a -> assertThat(a.get("outcome")).isEqualTo("unavailable"));
  }

  @Test
  void usageErrorsExitTwo() {
    assertThat(run("pop", "--hosts", "a b a", "--user", "x", "--password", "y")).isEqualTo(2);
    assertThat(stderr.toString()).contains("duplicate host");
    assertThat(run("pop", "--user", "x", "--password", "y")).isEqualTo(2);
    assertThat(run("imap", "--hosts", "a", "--bogus")).isEqualTo(2);
  }

  @Test
  void configFileAndGroupSelectTheGroup(@TempDir Path dir) throws Exception {
    Path recipe = dir.resolve("groups.rcp");
    Files.writeString(recipe, "set_option(\"proxy:store1\\\\.example\\\\.com.storehostlist\", \"" + hosts(Protocol.POP) + "\");\n");

    Map<String, Object> r = json(0, "pop", "--config", recipe.toString(), "--group", "store1.example.com",
        "--user", "alice", "--password", "secret", "--json");

    assertThat(r.get("ok")).isEqualTo(true);
  }

  @Test
  void passwordFromTheEnvironmentOrAFileIsNeverPrinted(@TempDir Path dir) throws Exception {
    Path pw = dir.resolve("pw");
    Files.writeString(pw, "secret\n");

    int exit = run("pop", "--hosts", hosts(Protocol.POP), "--user", "alice", "--password-file", pw.toString());

    assertThat(exit).isZero();
    assertThat(stdout.toString()).doesNotContain("secret").startsWith("OK on ")
        .contains("messages: 1");
  }

  @Test
  void demoRunsToTheEndAndReportsNothingLost() {
    int exit = run("demo", "--json", "--pace", "0");

    Map<String, Object> r = JsonReader.object(stdout.toString());
    assertThat(exit).isZero();
    assertThat(r.get("ok")).isEqualTo(true);
    @SuppressWarnings("unchecked")
    Map<String, Object> summary = (Map<String, Object>) r.get("summary");
    assertThat(summary.get("messagesInMailbox")).isEqualTo(summary.get("messagesExpected"));
    assertThat(summary.get("eventsReceived")).isEqualTo(summary.get("eventsPublished"));
    assertThat(list(r.get("timeline"))).anySatisfy(e -> assertThat(e.get("actor")).isEqualTo("election"));
  }

  @Test
  void demoRunsEveryModeToTheEnd() {
    for (String mode : new String[] {"two-site", "classic", "rolling"}) {
      int exit = run("demo", "--mode", mode, "--json", "--pace", "0");

      Map<String, Object> r = JsonReader.object(stdout.toString());
      assertThat(exit).as(mode).isZero();
      @SuppressWarnings("unchecked")
      Map<String, Object> summary = (Map<String, Object>) r.get("summary");
      assertThat(summary.get("mode")).isEqualTo(mode);
      assertThat(summary.get("messagesInMailbox")).as(mode).isEqualTo(summary.get("messagesExpected"));
    }
    assertThat(run("demo", "--mode", "sideways")).isEqualTo(2);
  }

  @Test
  void rollingDemoWritesWhileEachNodeIsDownAndStoresEachWriteOnce() {
    int exit = run("demo", "--mode", "rolling", "--json", "--pace", "0");

    Map<String, Object> r = JsonReader.object(stdout.toString());
    assertThat(exit).isZero();
    @SuppressWarnings("unchecked")
    Map<String, Object> summary = (Map<String, Object>) r.get("summary");
    assertThat(summary.get("exactlyOnce")).isEqualTo(true);
    List<Map<String, Object>> timeline = list(r.get("timeline"));
    int stops = 0;
    String down = null;
    int writesWhileDown = 0;
    for (Map<String, Object> e : timeline) {
      String event = String.valueOf(e.get("event"));
      if (e.get("actor").equals("chaos") && event.startsWith("upgrade: ")) {
        assertThat(down).as("one node down at a time").isNull();
        down = event;
        writesWhileDown = 0;
        stops++;
      } else if (e.get("actor").equals("upgrade") && event.contains("started as")) {
        assertThat(writesWhileDown).as("writes ran while " + down).isGreaterThanOrEqualTo(2);
        down = null;
      } else if (down != null && (e.get("actor").equals("lmtp") || e.get("actor").equals("imap"))) {
        writesWhileDown++;
      }
    }
    assertThat(stops).as("every node restarted, the master included").isEqualTo(3);
  }

  @Test
  void statusSaysNoMasterForATwoSiteGroupWhoseMasterDied() {
    try (SimulatedReplicationGroup two = SimulatedReplicationGroup.builder().nodes(2).user("alice", "secret")
        .startAsMaster(0).build()) {
      two.node(0).kill();

      Map<String, Object> r = json(0, "status", "--hosts", two.hostList(Protocol.POP).toString(), "--protocol", "pop",
          "--user", "alice", "--password", "secret", "--json");

      assertThat(r.get("summary")).isEqualTo("no master (two-site): the group is read-only");
      assertThat(list(r.get("hosts")).get(1)).containsEntry("role", "no-master");
    }
  }
}
