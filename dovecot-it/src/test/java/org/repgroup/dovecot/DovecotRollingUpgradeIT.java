package org.repgroup.dovecot;

import static org.assertj.core.api.Assertions.assertThat;

import jakarta.mail.Session;
import jakarta.mail.internet.MimeMessage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.repgroup.core.Credentials;
import org.repgroup.core.FailoverPolicy;
import org.repgroup.core.Protocol;
import org.repgroup.core.ReplicationGroup;
import org.repgroup.core.RepgroupResources;
import org.repgroup.imap.AppendResult;
import org.repgroup.imap.ImapFailoverClient;
import org.repgroup.lmtp.DeliveryResult;
import org.repgroup.lmtp.LmtpFailoverClient;
import org.repgroup.lmtp.MessageSource;
import org.repgroup.lmtp.RecipientStatus;
import org.repgroup.testkit.dovecot.DovecotGroup;
import org.repgroup.testkit.junit.DovecotAssumptions;

/**
 * A rolling upgrade of a real Dovecot group under load: each of three instances is stopped
 * (SIGTERM: Dovecot says BYE to its clients) and started again in turn, the master last, its
 * stop followed by an election (the replicas keep referring to the dead master for 2 s, then to
 * the new one). Thirty-two workers share one {@link RepgroupResources} with the default policy
 * (but a 30 s deadline: see {@link #POLICY}) and write the whole time, half through {@link ImapFailoverClient#append} (to alice), half
 * through LMTP (to bob), each message with its own {@code Message-ID}. Each step waits, on the
 * count of finished writes, until writes have finished while the instance was down, so the load
 * runs during the restarts, not between them.
 *
 * <p>What must hold: no write failed; every append reported done is in alice's mailbox exactly
 * once; every delivery reported delivered is in bob's exactly once; a delivery the client
 * reported {@code UNKNOWN_MAYBE_DELIVERED} (an instance stopped where its reply was due) is there
 * at most once.
 */
@Timeout(240)
class DovecotRollingUpgradeIT {

  static final int WORKERS = 32;
  /**
   * Every default but the deadline. The outage a write rides here is longer than an election:
   * a Dovecot master told to stop keeps accepting connections it never greets while its
   * processes wind down (seconds, under this load: each such try costs the 5 s response
   * timeout), then the 2 s election, then the replicas' re-point (Dovecot re-reads its passwd
   * file at most once a second). A deployment sizes its deadline to its own outages; 30 s here.
   */
  static final FailoverPolicy POLICY = FailoverPolicy.builder().deadline(Duration.ofSeconds(30)).build();
  static final Credentials ALICE = new Credentials("alice", "secret");
  static final Pattern MESSAGE_ID = Pattern.compile("(?im)^Message-ID:\\s*<([^>]+)>");

  @BeforeAll
  static void dovecot() {
    DovecotAssumptions.assumeInstalled();
  }

  /** What one write reported. */
  record Write(String kind, String messageId, String outcome) {}

  @Test
  void everyWriteDuringARollingUpgradeSucceedsAndIsStoredExactlyOnce(@TempDir Path work) throws Exception {
    try (DovecotGroup g = DovecotGroup.builder(work).instances(3).user("alice", "secret").user("bob", "secret")
        .replicaOf(0, 2).replicaOf(1, 2).start();
         RepgroupResources resources = RepgroupResources.create();
         LmtpFailoverClient lmtp = LmtpFailoverClient.builder(resources).policy(POLICY).build()) {
      ImapFailoverClient imap = ImapFailoverClient.builder(resources).policy(POLICY).build();
      ReplicationGroup imapGroup = g.replicationGroup("dovecot", Protocol.IMAP);
      ReplicationGroup lmtpGroup = g.replicationGroup("dovecot", Protocol.LMTP);
      ConcurrentLinkedQueue<Write> writes = new ConcurrentLinkedQueue<>();
      AtomicInteger finished = new AtomicInteger();
      AtomicBoolean rolling = new AtomicBoolean(true);
      ExecutorService pool = Executors.newFixedThreadPool(WORKERS);
      List<Future<?>> workers = new ArrayList<>();
      for (int w = 0; w < WORKERS; w++) {
        int worker = w;
        workers.add(pool.submit(() -> {
          for (int k = 0; rolling.get(); k++) {
            String id = "w" + worker + "-" + k + "@rolling.test";
            writes.add(worker % 2 == 0 ? append(imap, imapGroup, id) : deliver(lmtp, lmtpGroup, id));
            finished.incrementAndGet();
          }
          return null;
        }));
      }
      List<String> steps = new ArrayList<>();
      try {
        awaitWrites(finished, WORKERS, "the load to start");
        for (int i : new int[] {0, 1}) {
          long t = System.nanoTime();
          g.stop(i);
          steps.add("instance " + i + " stopped in " + (System.nanoTime() - t) / 1_000_000 + " ms");
          awaitWrites(finished, WORKERS, "writes while instance " + i + " is down");
          steps.add("instance " + i + " restarted after " + finished.get() + " writes");
          g.start(i);
          awaitWrites(finished, WORKERS, "writes after instance " + i + " is back");
        }
        long t = System.nanoTime();
        DovecotGroup.Election e = g.beginElection(0, Duration.ofSeconds(2));
        steps.add("master 2 stopped in " + (System.nanoTime() - t) / 1_000_000 + " ms");
        awaitWrites(finished, WORKERS, "writes while the master is down");
        e.awaitCompleted(Duration.ofSeconds(30));
        awaitWrites(finished, WORKERS, "writes after the election");
        g.start(2);
        awaitWrites(finished, WORKERS, "writes after the old master is back as a replica");
        steps.add("master 2 restarted as a replica of 0");
      } finally {
        rolling.set(false);
        pool.shutdown();
      }
      for (Future<?> f : workers) {
        f.get(60, TimeUnit.SECONDS);
      }
      assertThat(pool.awaitTermination(10, TimeUnit.SECONDS)).isTrue();

      List<Write> all = List.copyOf(writes);
      Map<String, Long> outcomes = new java.util.TreeMap<>();
      all.forEach(x -> outcomes.merge(x.kind() + " " + x.outcome().split(":")[0], 1L, Long::sum));
      System.out.println("rolling upgrade: " + all.size() + " writes " + outcomes + "; " + steps);
      assertThat(all).as("writes during the upgrade: " + steps).hasSizeGreaterThan(8 * WORKERS);
      assertThat(all).as("no write failed").noneMatch(x -> x.outcome().startsWith("FAILED"));
      Map<String, Integer> alice = copiesById(g.messageFiles("alice"));
      Map<String, Integer> bob = copiesById(g.messageFiles("bob"));
      for (Write x : all) {
        Map<String, Integer> box = x.kind().equals("imap") ? alice : bob;
        int copies = box.getOrDefault(x.messageId(), 0);
        if (x.outcome().equals(RecipientStatus.UNKNOWN_MAYBE_DELIVERED.name())) {
          assertThat(copies).as("%s reported unknown: at most one copy", x).isLessThanOrEqualTo(1);
        } else {
          assertThat(copies).as("%s: exactly one copy", x).isEqualTo(1);
        }
      }
      assertThat(alice.values()).as("no duplicate in alice's mailbox").allMatch(n -> n == 1);
      assertThat(bob.values()).as("no duplicate in bob's mailbox").allMatch(n -> n == 1);
    }
  }

  static Write append(ImapFailoverClient imap, ReplicationGroup group, String id) {
    try {
      MimeMessage m = new MimeMessage(Session.getInstance(new Properties()), new ByteArrayInputStream(
          message(id, "append").getBytes(StandardCharsets.US_ASCII)));
      AppendResult r = imap.append(group, ALICE, "INBOX", m);
      return new Write("imap", id, r.outcome() == AppendResult.Outcome.UNKNOWN
          ? "FAILED: unknown, " + r.detail() : r.outcome().name());
    } catch (Exception e) {
      return new Write("imap", id, "FAILED: " + e);
    }
  }

  static Write deliver(LmtpFailoverClient lmtp, ReplicationGroup group, String id) {
    try {
      DeliveryResult r = lmtp.deliver(group, "sender@example.com", List.of("bob"),
          MessageSource.of(message(id, "delivery").getBytes(StandardCharsets.US_ASCII)));
      RecipientStatus s = r.recipients().get(0).status();
      return new Write("lmtp", id, s == RecipientStatus.DELIVERED || s == RecipientStatus.UNKNOWN_MAYBE_DELIVERED
          ? s.name() : "FAILED: " + r.recipients());
    } catch (Exception e) {
      return new Write("lmtp", id, "FAILED: " + e);
    }
  }

  static String message(String id, String kind) {
    return "Message-ID: <" + id + ">\r\nSubject: " + kind + " " + id + "\r\n\r\n" + kind + " during the upgrade\r\n";
  }

  /** Waits (on the count, never on the clock) until {@code more} writes have finished from now. */
  static void awaitWrites(AtomicInteger finished, int more, String what) {
    int target = finished.get() + more;
    await(() -> finished.get() >= target, what);
  }

  static void await(BooleanSupplier condition, String what) {
    long end = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > end) {
        throw new AssertionError("timed out waiting for " + what);
      }
      // Polled, not spun: 32 workers need the machine's two cores more than this thread does.
      java.util.concurrent.locks.LockSupport.parkNanos(1_000_000);
    }
  }

  static Map<String, Integer> copiesById(List<Path> files) {
    Map<String, Integer> copies = new HashMap<>();
    for (Path f : files) {
      String text;
      try {
        text = Files.readString(f, StandardCharsets.ISO_8859_1);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      Matcher m = MESSAGE_ID.matcher(text);
      assertThat(m.find()).as("a Message-ID in " + f).isTrue();
      copies.merge(m.group(1), 1, Integer::sum);
    }
    return copies;
  }
}
