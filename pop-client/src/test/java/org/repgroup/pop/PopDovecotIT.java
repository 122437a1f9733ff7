package org.repgroup.pop;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import jakarta.mail.AuthenticationFailedException;
import jakarta.mail.Folder;
import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import org.eclipse.angus.mail.pop3.POP3Store;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.repgroup.core.Credentials;
import org.repgroup.core.Protocol;
import org.repgroup.core.ReplicationGroup;
import org.repgroup.core.RepgroupResources;
import org.repgroup.core.StoreHostList;
import org.repgroup.core.FailoverPolicy;
import org.repgroup.testkit.dovecot.DovecotGroup;
import org.repgroup.testkit.junit.DovecotAssumptions;

@Timeout(120)
class PopDovecotIT {

  /** No stagger: these tests assert which host served, so hosts are tried strictly in turn (stopped ones refuse at once). */
  static final FailoverPolicy POLICY = FailoverPolicy.builder().stagger(Duration.ZERO)
      .deadline(Duration.ofSeconds(10)).build();

  @BeforeAll
  static void dovecot() {
    DovecotAssumptions.assumeInstalled();
  }

  static void deliver(DovecotGroup g, String user, String message) throws Exception {
    try (Socket s = new Socket("127.0.0.1", g.instance(2).lmtpAddress().port().orElseThrow())) {
      s.setSoTimeout(5000);
      var in = new java.io.BufferedReader(new java.io.InputStreamReader(s.getInputStream(), StandardCharsets.US_ASCII));
      OutputStream out = s.getOutputStream();
      in.readLine();
      for (String line : new String[] {"LHLO t", "MAIL FROM:<s@example.com>", "RCPT TO:<" + user + ">", "DATA"}) {
        out.write((line + "\r\n").getBytes(StandardCharsets.US_ASCII));
        String r = in.readLine();
        while (r.startsWith("250-")) {
          r = in.readLine();
        }
      }
      out.write((message + ".\r\n").getBytes(StandardCharsets.US_ASCII));
      assertThat(in.readLine()).startsWith("250");
    }
  }

  @Test
  void deadFirstHostThenLiveOnesRetrievesAMessageDeliveredEarlier(@TempDir Path work) throws Exception {
    try (DovecotGroup g = DovecotGroup.builder(work).instances(3).user("alice", "secret").start();
         RepgroupResources resources = RepgroupResources.create()) {
      deliver(g, "alice", "Subject: earlier\r\n\r\nkept for you\r\n");
      g.instance(0).stop();
      PopFailoverClient pop = PopFailoverClient.builder(resources).policy(POLICY).build();

      var served = pop.connectTraced(g.replicationGroup("dovecot", Protocol.POP), new Credentials("alice", "secret"));

      assertThat(served.host()).isEqualTo(g.instance(1).popAddress());
      try (POP3Store store = served.value()) {
        Folder inbox = store.getFolder("INBOX");
        inbox.open(Folder.READ_ONLY);
        assertThat(inbox.getMessageCount()).isEqualTo(1);
        ByteArrayOutputStream raw = new ByteArrayOutputStream();
        inbox.getMessage(1).writeTo(raw);
        assertThat(raw.toString(StandardCharsets.US_ASCII)).contains("kept for you");
      }
    }
  }

  @Test
  void replicasBareErrIsAnAuthenticationFailureNotRetried(@TempDir Path work) throws Exception {
    try (DovecotGroup g = DovecotGroup.builder(work).instances(2).user("alice", "secret").replicaOf(0, 1).start();
         RepgroupResources resources = RepgroupResources.create()) {
      // Stagger off: the login reply is awaited under the stagger too, and Dovecot's can take longer than
      // one, which would start the other host in parallel (a race this test is not about).
      PopFailoverClient pop = PopFailoverClient.builder(resources).policy(POLICY.toBuilder().stagger(Duration.ZERO)
          .build()).build();
      ReplicationGroup group = ReplicationGroup.builder("dovecot",
          StoreHostList.of(g.instance(0).popAddress(), g.instance(1).popAddress())).build();

      assertThatThrownBy(() -> pop.connect(group, new Credentials("alice", "secret")))
          .isInstanceOf(AuthenticationFailedException.class)
          .hasMessageNotContaining("SYS/REFER");
      assertThat(resources.counters().snapshot().attempts()).as("never tried on the other host").isEqualTo(1);
    }
  }
}
