package org.repgroup.samples.bench;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import org.repgroup.core.HostAddress;
import org.repgroup.core.ReplicationGroup;
import org.repgroup.core.StoreHostList;
import org.repgroup.testkit.ImapReferralStyle;

/**
 * Three IMAP nodes on 127.0.0.1 made of {@link PreparedImapResponder}s, in
 * store-host-list order: node0, node1 a replica that refers writers to node2
 * ({@code NO [REFERRAL]}), node2 the master. node0 is either dead (a port bound
 * but not listening: every connect is refused, and the port stays reserved so
 * no client socket takes it) or a second replica.
 */
final class PreparedImapGroup implements AutoCloseable {

  private final PreparedImapResponder master;
  private final PreparedImapResponder replica;
  private final PreparedImapResponder firstReplica;
  private final Socket deadPort;
  private final ReplicationGroup group;

  private PreparedImapGroup(boolean firstNodeDead) throws IOException {
    master = PreparedImapResponder.master();
    replica = PreparedImapResponder.replicaOf(master.address(), ImapReferralStyle.NO);
    HostAddress first;
    if (firstNodeDead) {
      firstReplica = null;
      deadPort = new Socket();
      deadPort.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
      first = HostAddress.of("127.0.0.1", deadPort.getLocalPort());
    } else {
      deadPort = null;
      firstReplica = PreparedImapResponder.replicaOf(master.address(), ImapReferralStyle.NO);
      first = firstReplica.address();
    }
    group = ReplicationGroup.builder("bench", StoreHostList.of(first, replica.address(), master.address())).build();
  }

  /** node0 dead (refusing), node1 replica, node2 master. */
  static PreparedImapGroup withDeadFirstNode() throws IOException {
    return new PreparedImapGroup(true);
  }

  /** node0 and node1 replicas, node2 master: every node answers. */
  static PreparedImapGroup healthy() throws IOException {
    return new PreparedImapGroup(false);
  }

  /** The group as a client sees it. */
  ReplicationGroup replicationGroup() {
    return group;
  }

  /** node0: dead or a replica. */
  HostAddress first() {
    return group.hosts().first();
  }

  /** node2, the master. */
  HostAddress master() {
    return master.address();
  }

  @Override
  public void close() throws IOException {
    master.close();
    replica.close();
    if (firstReplica != null) {
      firstReplica.close();
    }
    if (deadPort != null) {
      deadPort.close();
    }
  }
}
