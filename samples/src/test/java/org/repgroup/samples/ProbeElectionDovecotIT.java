package org.repgroup.samples;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.repgroup.core.Protocol;
import org.repgroup.testkit.dovecot.DovecotGroup;
import org.repgroup.testkit.junit.DovecotAssumptions;

/**
 * The probe with every default option through a real Dovecot election: the master (instance 0,
 * first in the list) is stopped and for 3 s the replicas keep referring logins to it, then
 * instance 1 is the master. {@code imap --append} started at once rides the election out and
 * appends on the new master, exactly once; {@code lmtp} goes past the dead first host.
 */
@Timeout(120)
class ProbeElectionDovecotIT {

  @BeforeAll
  static void dovecot() {
    DovecotAssumptions.assumeInstalled();
  }

  @Test
  void imapAppendAndLmtpRideThroughAThreeSecondElectionWithDefaultOptions(@TempDir Path work) throws Exception {
    try (DovecotGroup g = DovecotGroup.builder(work.resolve("group")).instances(3).user("alice", "secret")
        .replicaOf(1, 0).replicaOf(2, 0).start()) {
      Path msg = work.resolve("m.eml");
      Files.writeString(msg, "Message-ID: <election-probe@repgroup.test>\r\nSubject: election\r\n\r\nappended\r\n");
      String dead = g.instance(0).imapAddress().toString();

      DovecotGroup.Election e = g.beginElection(1, Duration.ofSeconds(3));
      Map<String, Object> imap = ProbeDovecotIT.run(0, "imap", "--hosts",
          g.replicationGroup("dovecot", Protocol.IMAP).hosts().toString(), "--user", "alice", "--password", "secret",
          "--append", msg.toString(), "--json");

      assertThat((Long) imap.get("elapsedMillis")).as("served once the 3 s window was over, not given up in it")
          .isGreaterThanOrEqualTo(2_000L).isLessThan(10_000L);
      assertThat(imap.get("host")).isEqualTo(g.instance(1).imapAddress().toString());
      assertThat(imap.get("append")).isEqualTo("APPENDED");
      assertThat(ProbeDovecotIT.list(imap.get("attempts"))).as("turned away by referrals to the dead master first")
          .anySatisfy(a -> assertThat((String) a.get("detail")).contains(dead));
      assertThat(g.messageCount("alice")).isEqualTo(1);

      Map<String, Object> lmtp = ProbeDovecotIT.run(0, "lmtp", "--hosts",
          g.replicationGroup("dovecot", Protocol.LMTP).hosts().toString(), "--from", "s@example.com", "--to", "alice",
          "--message", msg.toString(), "--json");

      List<Map<String, Object>> recipients = ProbeDovecotIT.list(lmtp.get("recipients"));
      assertThat(recipients.get(0)).containsEntry("status", "DELIVERED");
      assertThat(lmtp.get("host")).isNotEqualTo(g.instance(0).lmtpAddress().toString());
      assertThat(g.messageCount("alice")).isEqualTo(2);
    }
  }
}
