package org.repgroup.chaos;

import jakarta.mail.Folder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.eclipse.angus.mail.imap.IMAPStore;
import org.eclipse.angus.mail.pop3.POP3Store;
import org.repgroup.core.Credentials;
import org.repgroup.core.HostAddress;
import org.repgroup.core.Protocol;
import org.repgroup.core.ReplicationGroup;
import org.repgroup.core.RepgroupResources;
import org.repgroup.core.FailoverPolicy;
import org.repgroup.core.FailoverTrace;
import org.repgroup.core.Intent;
import org.repgroup.imap.ImapFailoverClient;
import org.repgroup.lmtp.DeliveryResult;
import org.repgroup.lmtp.LmtpFailoverClient;
import org.repgroup.lmtp.MessageSource;
import org.repgroup.pop.PopFailoverClient;
import org.repgroup.testkit.ScriptedServer;
import org.repgroup.testkit.SimulatedNode;

/** One adapter as the chaos scenarios drive it: one write operation, and how a host refers or refuses. */
abstract class AdapterUnderTest {

  static final Credentials ALICE = new Credentials("alice", "secret");

  /** The result of one operation: the host that served it and what the engine did. */
  record Served(HostAddress host, FailoverTrace trace) {}

  abstract String name();

  abstract Protocol protocol();

  /** One write operation through the adapter; throws what the adapter throws. */
  abstract Served write(RepgroupResources resources, FailoverPolicy policy, ReplicationGroup group) throws Exception;

  /** The node's server for this protocol. */
  abstract ScriptedServer server(SimulatedNode node);

  /** Makes {@code node} refer every client to {@code target}. */
  abstract void refer(SimulatedNode node, HostAddress target);

  /** Makes {@code node} refuse the login or transaction as the user's problem (bad password, bad recipient...). */
  abstract void refuseAsUsersProblem(SimulatedNode node);

  @Override
  public String toString() {
    return name();
  }

  static List<AdapterUnderTest> all() {
    return List.of(new Imap(), new Pop(), new Lmtp());
  }

  static final class Imap extends AdapterUnderTest {
    @Override
    String name() {
      return "IMAP";
    }

    @Override
    Protocol protocol() {
      return Protocol.IMAP;
    }

    @Override
    Served write(RepgroupResources resources, FailoverPolicy policy, ReplicationGroup group) throws Exception {
      var s = ImapFailoverClient.builder(resources).policy(policy).build().connectTraced(group, ALICE, Intent.WRITE);
      try (IMAPStore store = s.value()) {
        store.getFolder("INBOX").open(Folder.READ_ONLY);
      }
      return new Served(s.host(), s.trace());
    }

    @Override
    ScriptedServer server(SimulatedNode node) {
      return node.imap();
    }

    @Override
    void refer(SimulatedNode node, HostAddress target) {
      node.imap().onCommand("LOGIN", c -> c.tag() + " NO [REFERRAL imap://alice@" + target + "/] go");
      node.imap().onCommand("AUTHENTICATE", c -> c.tag() + " NO [REFERRAL imap://alice@" + target + "/] go");
    }

    @Override
    void refuseAsUsersProblem(SimulatedNode node) {
      node.imap().onCommand("LOGIN", c -> c.tag() + " NO [AUTHENTICATIONFAILED] bad password");
      node.imap().onCommand("AUTHENTICATE", c -> c.tag() + " NO [AUTHENTICATIONFAILED] bad password");
    }
  }

  static final class Pop extends AdapterUnderTest {
    @Override
    String name() {
      return "POP";
    }

    @Override
    Protocol protocol() {
      return Protocol.POP;
    }

    @Override
    Served write(RepgroupResources resources, FailoverPolicy policy, ReplicationGroup group) throws Exception {
      var s = PopFailoverClient.builder(resources).policy(policy).build().connectTraced(group, ALICE);
      try (POP3Store store = s.value()) {
        Folder inbox = store.getFolder("INBOX");
        inbox.open(Folder.READ_WRITE);
        inbox.close(true);
      }
      return new Served(s.host(), s.trace());
    }

    @Override
    ScriptedServer server(SimulatedNode node) {
      return node.pop();
    }

    @Override
    void refer(SimulatedNode node, HostAddress target) {
      node.pop().onCommand("USER", c -> "-ERR [SYS/REFER/" + target + "] go");
    }

    @Override
    void refuseAsUsersProblem(SimulatedNode node) {
      node.pop().onCommand("PASS", c -> "-ERR [AUTH] bad password");
    }
  }

  static final class Lmtp extends AdapterUnderTest {
    @Override
    String name() {
      return "LMTP";
    }

    @Override
    Protocol protocol() {
      return Protocol.LMTP;
    }

    @Override
    Served write(RepgroupResources resources, FailoverPolicy policy, ReplicationGroup group) throws Exception {
      try (LmtpFailoverClient lmtp = LmtpFailoverClient.builder(resources).policy(policy).poolSize(0).build()) {
        DeliveryResult r = lmtp.deliver(group, "s@example.com", List.of("alice@example.com"),
            MessageSource.of("Subject: chaos\r\n\r\nx\r\n".getBytes(StandardCharsets.US_ASCII)));
        if (!r.allDelivered()) {
          throw new IllegalStateException("not delivered: " + r.recipients());
        }
        return new Served(r.host(), r.trace());
      }
    }

    @Override
    ScriptedServer server(SimulatedNode node) {
      return node.lmtp();
    }

    @Override
    void refer(SimulatedNode node, HostAddress target) {
      node.lmtp().setGreeting("220 " + node.name() + " LMTP ready [REFERRAL lmtp://" + target + "/]");
    }

    @Override
    void refuseAsUsersProblem(SimulatedNode node) {
      node.lmtp().rejectRecipient("alice@example.com", "550 5.1.1 <alice@example.com> unknown user");
    }
  }
}
