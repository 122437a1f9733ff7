package org.repgroup.lmtp;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.repgroup.core.HostAddress;
import org.repgroup.core.Protocol;
import org.repgroup.core.ReplicationGroup;
import org.repgroup.core.StoreHostList;
import org.repgroup.core.RepgroupResources;
import org.repgroup.core.FailoverPolicy;
import org.repgroup.testkit.dovecot.DovecotGroup;
import org.repgroup.testkit.junit.DovecotAssumptions;

@Timeout(120)
class LmtpDovecotIT {

  @BeforeAll
  static void dovecot() {
    DovecotAssumptions.assumeInstalled();
  }

  @Test
  void deliveriesToTwoUsersWithTheFirstHostDeadLandExactlyOnceEach(@TempDir Path work) throws Exception {
    try (DovecotGroup g = DovecotGroup.builder(work).instances(3).user("alice", "secret").user("bob", "secret").start();
         RepgroupResources resources = RepgroupResources.create();
         LmtpFailoverClient lmtp = LmtpFailoverClient.builder(resources)
             .policy(FailoverPolicy.builder().stagger(Duration.ZERO).deadline(Duration.ofSeconds(10)).build())
             .build()) {
      g.instance(0).stop();
      byte[] message = "Subject: real dovecot\r\n\r\n.leading dot\r\nbody\r\n".getBytes(StandardCharsets.US_ASCII);

      DeliveryResult r = lmtp.deliver(g.replicationGroup("dovecot", Protocol.LMTP), "sender@example.com",
          List.of("alice", "bob"), MessageSource.of(message));

      assertThat(r.allDelivered()).as(r.recipients().toString()).isTrue();
      assertThat(r.host()).isEqualTo(g.instance(1).lmtpAddress());
      assertThat(g.messageCount("alice")).isEqualTo(1);
      assertThat(g.messageCount("bob")).isEqualTo(1);
    }
  }

  /**
   * A stopping node's last words after the final dot, from real Dovecot: a relay in
   * front of instance 0 passes the whole session through but holds back the client's
   * final dot, instance 0 is stopped, and whatever Dovecot says on the way down
   * reaches the client where the per-recipient replies were due. (Stopping Dovecot
   * between the dot and its replies cannot be timed: its delivery takes a few
   * milliseconds; holding the dot makes the moment certain.)
   */
  @Test
  void nodeStoppedWhereRepliesWereDueLeavesRecipientsUnknownAndSendsNoSecondCopy(@TempDir Path work)
      throws Exception {
    try (DovecotGroup g = DovecotGroup.builder(work).instances(2).user("alice", "secret").user("bob", "secret").start();
         RepgroupResources resources = RepgroupResources.create();
         DotHoldingRelay relay = new DotHoldingRelay(g.instance(0).lmtpAddress());
         LmtpFailoverClient lmtp = LmtpFailoverClient.builder(resources)
             .policy(FailoverPolicy.builder().stagger(Duration.ZERO).responseTimeout(Duration.ofSeconds(8))
                 .deadline(Duration.ofSeconds(20)).build())
             .build()) {
      ReplicationGroup group = ReplicationGroup.builder("dovecot",
          StoreHostList.of(relay.address(), g.instance(1).lmtpAddress())).build();
      Thread stopper = new Thread(() -> {
        try {
          if (relay.dotHeld.await(20, TimeUnit.SECONDS)) {
            g.instance(0).stop();
          }
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      });
      stopper.start();

      DeliveryResult r = lmtp.deliver(group, "sender@example.com", List.of("alice", "bob"),
          MessageSource.of("Subject: last words\r\n\r\nbody\r\n".getBytes(StandardCharsets.US_ASCII)));
      stopper.join(20_000);

      assertThat(r.recipients()).extracting(RecipientResult::status).as(r.recipients().toString())
          .containsExactly(RecipientStatus.UNKNOWN_MAYBE_DELIVERED, RecipientStatus.UNKNOWN_MAYBE_DELIVERED);
      // Dovecot's own words on SIGTERM: "421 4.3.2 <hostname> Shutting down".
      assertThat(r.recipients()).allSatisfy(rr -> {
        assertThat(rr.code()).isZero();
        assertThat(rr.text()).contains("421 4.3.2").contains("Shutting down");
      });
      assertThat(r.host()).isEqualTo(relay.address());
      assertThat(g.messageCount("alice")).as("no second copy through instance 1").isZero();
      assertThat(g.messageCount("bob")).isZero();
    }
  }

  /** Relays one LMTP session to {@code upstream}, holding back the final dot of DATA. */
  static final class DotHoldingRelay implements AutoCloseable {
    final CountDownLatch dotHeld = new CountDownLatch(1);
    private final ServerSocket listener = new ServerSocket();
    private final HostAddress upstream;
    private final Thread acceptor;
    private volatile Socket client;
    private volatile Socket server;

    DotHoldingRelay(HostAddress upstream) throws IOException {
      this.upstream = upstream;
      listener.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
      acceptor = new Thread(this::relay, "dot-holding-relay");
      acceptor.setDaemon(true);
      acceptor.start();
    }

    HostAddress address() {
      return HostAddress.of("127.0.0.1", listener.getLocalPort());
    }

    private void relay() {
      try {
        client = listener.accept();
        server = new Socket(upstream.host(), upstream.port().orElseThrow());
        Thread down = new Thread(() -> pump(server, client), "relay-down");
        down.setDaemon(true);
        down.start();
        holdDot(client.getInputStream(), server.getOutputStream());
      } catch (IOException e) {
        // closed
      }
    }

    /** Server to client, as is; the client's side closes when the server's does. */
    private static void pump(Socket from, Socket to) {
      try (to) {
        from.getInputStream().transferTo(to.getOutputStream());
      } catch (IOException e) {
        // closed
      }
    }

    /** Client to server, except a line "." after DATA: the final dot is never sent upstream. */
    private void holdDot(InputStream in, OutputStream out) throws IOException {
      byte[] buf = new byte[8192];
      // 1: at a line start; 2: a held "." at a line start; 3: a held ".\r"; 0: anywhere else.
      int state = 1;
      int n;
      while ((n = in.read(buf)) > 0) {
        for (int i = 0; i < n; i++) {
          int b = buf[i];
          if (state == 2 && b == '\r') {
            state = 3;
            continue;
          }
          if (state == 3 && b == '\n') {
            out.flush();
            dotHeld.countDown();
            return;
          }
          if (state == 2 || state == 3) {
            out.write('.');
            if (state == 3) {
              out.write('\r');
            }
            state = 0;
          }
          if (state == 1 && b == '.') {
            state = 2;
            continue;
          }
          out.write(b);
          state = b == '\n' ? 1 : 0;
        }
        out.flush();
      }
    }

    @Override
    public void close() throws IOException {
      listener.close();
      for (Socket s : new Socket[] {client, server}) {
        if (s != null) {
          s.close();
        }
      }
    }
  }
}
