package org.repgroup.testkit;

import java.util.List;
import org.repgroup.core.HostAddress;
import org.repgroup.core.Protocol;

/** What a persona server asks its node: storage, credentials, role and referral settings. */
interface Backend {

  /** The shared mailbox storage. */
  MailStore store();

  /**
   * The user a login acts as, or {@code null} for bad credentials. An admin
   * (authcid) with its own password may act as any {@code authzid}.
   */
  String authenticate(String authzid, String authcid, String password);

  /** The node's view of the group for {@code protocol}. */
  RoleView role(Protocol protocol);

  /** Records a committed write (advances the master's log); returns its log position. */
  long recordWrite();

  /** Waits, per the group's acknowledgement policy, until replicas have {@code position} (bounded by the ack timeout). */
  default void awaitAcknowledgements(long position) {}

  /** The messages this node can see: a lagging replica does not see writes past its log. */
  default List<StoredMessage> visible(String user) {
    return store().messages(user);
  }

  /** How IMAP logins on a replica are answered. */
  ImapReferralStyle imapReferralStyle();

  /** True when referral URLs leave out the port (clients must apply the group's port). */
  boolean portlessReferrals();

  /** The node's name, for greetings. */
  String nodeName();

  /**
   * Stops what {@code server} belongs to, gracefully, from one of its sessions (a
   * {@link Fault.StopDuringWrite} fired): a group node stops as a whole, a standalone server itself.
   */
  default void stopFrom(ScriptedServer server) {
    server.stop();
  }

  /**
   * A node's role as clients see it.
   *
   * @param kind master, replica or no master
   * @param master the master's address for the protocol, when {@code kind} is REPLICA
   */
  record RoleView(Kind kind, HostAddress master) {
    /** The three views. */
    public enum Kind {
      /** This node is the master. */
      MASTER,
      /** Another node is master. */
      REPLICA,
      /** The group has no master: read-only. */
      NO_MASTER
    }

    /** The master's address as a referral URL would carry it. */
    public String masterForUrl(boolean portless) {
      return portless ? master.hostForUrl() : master.toString();
    }
  }
}
