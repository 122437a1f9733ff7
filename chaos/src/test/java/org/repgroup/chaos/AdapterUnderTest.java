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
import org.repgroup.testkit.MockServer;
import org.repgroup.testkit.SimulatedNode;

/**
 * One adapter as the chaos scenarios drive it: its role (a writer, a read, a fan-out), one
 * write operation for writers, its server on a node, and how a host refers or refuses.
 */
abstract class AdapterUnderTest {

  static final Credentials ALICE = new Credentials("alice", "secret");

  /** What the adapter does with the group, which decides what a scenario expects of it. */
  enum Role {
    /** Follows referrals to the master (IMAP, POP, LMTP writers). */
    WRITE,
    /** Any good host serves, last good host first, referrals never followed (the ENS subscriber). */
    READ,
    /** Every available host gets it (the ENS publisher). */
    FAN_OUT
  }

  /** The result of one operation: the host that served it and what the engine did. */
  record Served(HostAddress host, FailoverTrace trace) {}

  abstract String name();

  abstract Protocol protocol();

  abstract Role role();

  /** One write operation through the adapter; throws what the adapter throws. Writers only. */
  abstract Served write(RepgroupResources resources, FailoverPolicy policy, ReplicationGroup group) throws Exception;

  /** The node's server for this protocol (the same faults and scripts for all four). */
  MockServer server(SimulatedNode node) {
    return node.server(protocol());
  }

  /** Makes {@code node} refer every client to {@code target}. */
  abstract void refer(SimulatedNode node, HostAddress target);

  /** Makes {@code node} refuse the login or transaction as the user's problem (bad password, bad recipient...). */
  abstract void refuseAsUsersProblem(SimulatedNode node);

  @Override
  public String toString() {
    return name();
  }

  /** The writers and both ENS roles. */
  static List<AdapterUnderTest> all() {
    return List.of(new Imap(), new Pop(), new Lmtp(), new EnsSubscriber(), new EnsPublisher());
  }

  /** IMAP, POP and LMTP writers. */
  static List<AdapterUnderTest> writers() {
    return List.of(new Imap(), new Pop(), new Lmtp());
  }

  /** The writers and the ENS subscriber (scenarios about one served operation that the publisher's fan-out does not have). */
  static List<AdapterUnderTest> writersAndSubscriber() {
    return List.of(new Imap(), new Pop(), new Lmtp(), new EnsSubscriber());
  }

  /** The writers and the ENS publisher (scenarios about masters and redirects, which a subscriber never follows). */
  static List<AdapterUnderTest> writersAndPublisher() {
    return List.of(new Imap(), new Pop(), new Lmtp(), new EnsPublisher());
  }

  /** ENS: its scenarios subscribe or publish with the ens-client directly (see ChaosMatrixTest's ENS helpers). */
  abstract static class Ens extends AdapterUnderTest {
    @Override
    Protocol protocol() {
      return Protocol.ENS;
    }

    @Override
    Served write(RepgroupResources resources, FailoverPolicy policy, ReplicationGroup group) {
      throw new IllegalStateException(name() + " has no write: the scenario's " + role() + " branch runs it");
    }
  }

  static final class EnsSubscriber extends Ens {
    @Override
    String name() {
      return "ENS subscriber";
    }

    @Override
    Role role() {
      return Role.READ;
    }

    @Override
    void refer(SimulatedNode node, HostAddress target) {
      throw new IllegalStateException("a subscriber never follows referrals: no scenario refers it");
    }

    @Override
    void refuseAsUsersProblem(SimulatedNode node) {
      node.ens().failSubscriptionsWith(400);
    }
  }

  static final class EnsPublisher extends Ens {
    @Override
    String name() {
      return "ENS publisher";
    }

    @Override
    Role role() {
      return Role.FAN_OUT;
    }

    @Override
    void refer(SimulatedNode node, HostAddress target) {
      node.ens().redirectPublishesTo(() -> target);
    }

    @Override
    void refuseAsUsersProblem(SimulatedNode node) {
      node.ens().failPublishesWith(400);
    }
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
    Role role() {
      return Role.WRITE;
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
    Role role() {
      return Role.WRITE;
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
    Role role() {
      return Role.WRITE;
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
    void refer(SimulatedNode node, HostAddress target) {
      node.lmtp().setGreeting("220 " + node.name() + " LMTP ready [REFERRAL lmtp://" + target + "/]");
    }

    @Override
    void refuseAsUsersProblem(SimulatedNode node) {
      node.lmtp().rejectRecipient("alice@example.com", "550 5.1.1 <alice@example.com> unknown user");
    }
  }
}
