package org.repgroup.examples;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import jakarta.mail.Folder;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.eclipse.angus.mail.imap.IMAPStore;
import org.eclipse.angus.mail.pop3.POP3Store;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.repgroup.core.GroupRegistry;
import org.repgroup.core.Protocol;
import org.repgroup.core.ReplicationGroup;
import org.repgroup.core.RepgroupResources;
import org.repgroup.ens.EnsEvent;
import org.repgroup.ens.EventType;
import org.repgroup.ens.Subscription;
import org.repgroup.imap.ImapFailoverClient;
import org.repgroup.lmtp.RecipientStatus;
import org.repgroup.testkit.SimulatedReplicationGroup;
import org.repgroup.testkit.junit.ReplicationGroupExtension;

/** Every README snippet is in this module word for word, and each runs against a simulated group. */
@Timeout(120)
class ReadmeExamplesTest {

  static final String URL = "imap://alice@h/INBOX/;uid=1;urlauth=submit+x:internal:abcdef";

  @RegisterExtension
  final ReplicationGroupExtension<SimulatedReplicationGroup> sim = ReplicationGroupExtension.simulated(b -> b
      .user("alice", "secret").user("submit", "subsecret").admin("mmpadmin", "adminpass").startAsMaster(1));

  final List<RepgroupResources> opened = new ArrayList<>();

  @AfterEach
  void tearDown() {
    opened.forEach(RepgroupResources::close);
  }

  RepgroupResources resources() {
    RepgroupResources r = RepgroupResources.create();
    opened.add(r);
    return r;
  }

  @Test
  void everyJavaSnippetOfTheReadmeIsCompiledHereWordForWord() throws IOException {
    String readme = Files.readString(Path.of("..", "README.md"), StandardCharsets.UTF_8);
    List<List<String>> sources = new ArrayList<>();
    try (Stream<Path> files = Files.walk(Path.of("src"))) {
      for (Path f : (Iterable<Path>) files.filter(p -> p.toString().endsWith(".java"))::iterator) {
        sources.add(significantLines(Files.readString(f, StandardCharsets.UTF_8)));
      }
    }
    Matcher m = Pattern.compile("```java\\n(.*?)```", Pattern.DOTALL).matcher(readme);
    int snippets = 0;
    while (m.find()) {
      snippets++;
      List<String> snippet = significantLines(m.group(1));
      assertThat(sources).as("README snippet %d is in examples/src word for word:%n%s", snippets, m.group(1))
          .anySatisfy(source -> assertThat(containsRun(source, snippet)).isTrue());
    }
    assertThat(snippets).as("java snippets in the README").isGreaterThanOrEqualTo(12);
  }

  @Test
  void setUpReadsTheOperatorsConfigurationAndTheProxyLogsInAsTheAdmin(@TempDir Path dir) throws Exception {
    Path msconfig = dir.resolve("msconfig.txt");
    Files.writeString(msconfig, String.join("\n",
        "proxy:store1.example.com.storehostlist " + sim.group().hostList(Protocol.IMAP),
        "proxy:store1.example.com.imapadmin mmpadmin",
        "proxy:store1.example.com.imapadminpass adminpass", ""));

    ReadmeExamples.SetUp set = ReadmeExamples.setUp(msconfig, () -> "Store1.Example.com");
    opened.add(set.resources());

    assertThat(set.group().hosts()).isEqualTo(sim.group().hostList(Protocol.IMAP));
    try (IMAPStore store = ReadmeExamples.mmpImapProxy(set.resources(), set.group())) {
      assertThat(store.isConnected()).isTrue();
    }
    assertThat(sim.group().node(1).imap().lastAuthorizationId()).isEqualTo("alice");
  }

  @Test
  void webmailAndPopLogInOnTheMaster() throws Exception {
    RepgroupResources resources = resources();
    ImapFailoverClient imap = ImapFailoverClient.builder(resources).build();

    try (IMAPStore store = ReadmeExamples.webmail(imap, sim.group().replicationGroup(Protocol.IMAP), "secret")) {
      assertThat(store.isConnected()).isTrue();
    }
    try (POP3Store pop = ReadmeExamples.popProxy(resources, sim.group().replicationGroup(Protocol.POP), "secret")) {
      Folder inbox = pop.getFolder("INBOX");
      inbox.open(Folder.READ_ONLY);
      assertThat(inbox.getMessageCount()).isZero();
      inbox.close(false);
    }
  }

  @Test
  void exactlyOnceAppendAcrossTheMastersStopSavesOnce() throws Exception {
    sim.group().node(1).imap().setFault(org.repgroup.testkit.Fault.stopDuringAppend(
        org.repgroup.testkit.Fault.Commit.STORED, org.repgroup.testkit.Fault.Farewell.CLOSE));
    jakarta.mail.internet.MimeMessage m = new jakarta.mail.internet.MimeMessage(
        jakarta.mail.Session.getInstance(new java.util.Properties()), new java.io.ByteArrayInputStream(
            "Message-ID: <readme@example.com>\r\nSubject: hi\r\n\r\nbody\r\n".getBytes(StandardCharsets.US_ASCII)));
    List<String> page = new CopyOnWriteArrayList<>();

    ReadmeExamples.exactlyOnceAppend(ImapFailoverClient.builder(resources()).build(),
        sim.group().replicationGroup(Protocol.IMAP), "secret", m, new ReadmeExamples.SavePage() {
          @Override
          public void saved(java.util.OptionalLong uid) {
            page.add("saved " + uid.orElse(-1));
          }

          @Override
          public void warn(String text) {
            page.add(text);
          }
        });

    assertThat(page).containsExactly("saved 1");
    assertThat(sim.group().mailbox("alice")).hasSize(1);
  }

  @Test
  void lmtpDeliverySettlesEveryRecipient(@TempDir Path dir) throws Exception {
    Path file = Files.writeString(dir.resolve("m.eml"), "Subject: hi\r\n\r\nbody\r\n");
    Map<String, RecipientStatus> settled = new ConcurrentHashMap<>();

    ReadmeExamples.lmtpDelivery(resources(), sim.group().replicationGroup(Protocol.LMTP), file, settled::put);

    assertThat(settled).containsExactly(Map.entry("alice@example.com", RecipientStatus.DELIVERED));
    assertThat(sim.group().mailbox("alice")).hasSize(1);
  }

  @Test
  void burlStreamsTheMessageOrRepliesWhyNot() throws Exception {
    byte[] message = "Subject: burl\r\n\r\nfetched\r\n".getBytes(StandardCharsets.US_ASCII);
    sim.group().store().registerUrl(URL, message);
    ReplicationGroup group = sim.group().replicationGroup(Protocol.IMAP);
    ByteArrayOutputStream smtpData = new ByteArrayOutputStream();
    List<String> replies = new CopyOnWriteArrayList<>();

    ReadmeExamples.burl(resources(), group, "subsecret", URL, smtpData, replies::add);
    ReadmeExamples.burl(resources(), group, "subsecret", URL.replace("abcdef", "forged"), smtpData, replies::add);

    assertThat(smtpData.toByteArray()).isEqualTo(message);
    assertThat(replies).hasSize(1).allSatisfy(r -> assertThat(r).startsWith("554 5.6.6"));
  }

  @Test
  void ensPublishesAndTheSubscriberHearsTheEvent() throws Exception {
    CountDownLatch heard = new CountDownLatch(1);
    List<EnsEvent> events = new CopyOnWriteArrayList<>();

    try (Subscription s = ReadmeExamples.ens(resources(), sim.group().replicationGroup(Protocol.ENS), e -> {
      events.add(e);
      heard.countDown();
    })) {
      assertThat(heard.await(10, TimeUnit.SECONDS)).as("the subscriber heard the event").isTrue();
    }
    assertThat(events.get(0).type()).isEqualTo(EventType.NEW_MSG);
  }

  @Test
  void aRefusedLoginIsToldApartFromAGroupWithoutMaster() throws Exception {
    ImapFailoverClient imap = ImapFailoverClient.builder(resources()).build();
    List<String> said = new CopyOnWriteArrayList<>();
    ReadmeExamples.ClientSession client = new ReadmeExamples.ClientSession() {
      @Override
      public void proxyTo(IMAPStore store) {
        said.add("proxied");
      }

      @Override
      public void refuse(String why) {
        said.add("refused: " + why);
      }

      @Override
      public void tryLater(String why) {
        said.add("later: " + why);
      }
    };

    ReadmeExamples.failures(imap, sim.group().replicationGroup(Protocol.IMAP), "wrong", client);
    try (SimulatedReplicationGroup twoSites = SimulatedReplicationGroup.builder().nodes(2).user("alice", "secret")
        .startAsMaster(0).build()) {
      twoSites.node(0).kill();
      ReadmeExamples.failures(imap, twoSites.replicationGroup(Protocol.IMAP), "secret", client);
    }

    assertThat(said).hasSize(2);
    assertThat(said.get(0)).isEqualTo("refused: wrong user or password");
    assertThat(said.get(1)).startsWith("later: NO_MASTER: ");
  }

  @Test
  void theMicrometerBindingRecordsTheOperations(@TempDir Path dir) throws Exception {
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    ReplicationGroup lmtp = sim.group().replicationGroup(Protocol.LMTP);
    RepgroupResources resources = ReadmeExamples.metrics(GroupRegistry.of(lmtp), registry);
    opened.add(resources);

    ReadmeExamples.lmtpDelivery(resources, lmtp, Files.writeString(dir.resolve("m.eml"), "Subject: x\r\n\r\ny\r\n"),
        (address, status) -> { });

    assertThat(registry.get("repgroup.operations").tags("group", "store1.example.com", "protocol", "lmtp",
        "outcome", "served").timer().count()).isEqualTo(1);
  }

  @Test
  void theStatusPageShowsTheNewMasterAndTheDownHostWithItsRecheck() throws Exception {
    RepgroupResources resources = resources();
    ImapFailoverClient imap = ImapFailoverClient.builder(resources).build();
    ReplicationGroup group = sim.group().replicationGroup(Protocol.IMAP);
    ReadmeExamples.webmail(imap, group, "secret").close();
    sim.group().node(1).kill();
    ReadmeExamples.webmail(imap, group, "secret").close();
    Map<String, Object> shown = new ConcurrentHashMap<>();
    List<String> alerts = new CopyOnWriteArrayList<>();

    ReadmeExamples.statusPage(resources, group, new ReadmeExamples.StatusPage() {
      @Override
      public void show(String what, Object value) {
        shown.put(what, value);
      }

      @Override
      public void alert(String text) {
        alerts.add(text);
      }
    });

    assertThat(shown).containsExactly(Map.entry("master", sim.group().master().orElseThrow().address(Protocol.IMAP)));
    assertThat(alerts).singleElement().asString()
        .startsWith(sim.group().node(1).address(Protocol.IMAP) + " down (").contains("), recheck in PT");
  }

  /** The lines of {@code text} that carry code, each without its indentation. */
  static List<String> significantLines(String text) {
    return text.lines().map(String::strip).filter(l -> !l.isEmpty()).toList();
  }

  static boolean containsRun(List<String> haystack, List<String> needle) {
    for (int i = 0; i + needle.size() <= haystack.size(); i++) {
      if (haystack.subList(i, i + needle.size()).equals(needle)) {
        return true;
      }
    }
    return false;
  }
}
