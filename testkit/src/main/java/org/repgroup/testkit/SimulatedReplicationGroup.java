package org.repgroup.testkit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import org.repgroup.core.Credentials;
import org.repgroup.core.HostAddress;
import org.repgroup.core.Protocol;
import org.repgroup.core.ReplicationGroup;
import org.repgroup.core.StoreHostList;

/**
 * A replication group of N simulated store hosts on real loopback sockets,
 * following the store's rules: one master serves writes; replicas serve reads and
 * refer writers to the master (IMAP {@code NO}/{@code OK [REFERRAL]}, POP
 * {@code [SYS/REFER/...]}, LMTP greeting {@code [REFERRAL lmtp://...]}); all
 * nodes share one mailbox store. When the master stops, the running nodes elect
 * the one with the most up-to-date log, then the highest priority; priority 0 is
 * never elected; a group of exactly two nodes does not elect unless two-site mode
 * is on (it stays read-only).
 *
 * <pre>{@code
 * try (SimulatedReplicationGroup g = SimulatedReplicationGroup.builder()
 *     .nodes(3).user("alice", "secret").startAsMaster(1).build()) {
 *   ReplicationGroup forClients = g.replicationGroup(Protocol.IMAP);
 *   g.node(1).kill();                    // the group elects a new master
 *   g.node(0).setFault(Fault.blackHole());
 * }
 * }</pre>
 */
public final class SimulatedReplicationGroup implements AutoCloseable {

  private final String name;
  private final List<SimulatedNode> nodes = new ArrayList<>();
  private final boolean twoSiteMode;
  private final Map<String, String> users;
  private final Credentials admin;
  private final MailStore store = new MailStore();
  private final EnsEventLog eventLog = new EnsEventLog(10_000);
  private SimulatedNode master;
  private int elections;

  private SimulatedReplicationGroup(Builder b) {
    this.name = b.name;
    this.twoSiteMode = b.twoSiteMode;
    this.users = Map.copyOf(b.users);
    this.admin = b.admin;
    for (int i = 0; i < b.nodes; i++) {
      SimulatedNode n = new SimulatedNode(this, i, b.priorities[i], b.imapReferral);
      n.setPortlessReferrals(b.portlessReferrals);
      nodes.add(n);
    }
    try {
      for (SimulatedNode n : nodes) {
        n.startServers();
      }
    } catch (IOException e) {
      close();
      throw new UncheckedIOException("cannot start the simulated group: " + e.getMessage(), e);
    }
    synchronized (this) {
      if (b.startAsMaster >= 0) {
        master = nodes.get(b.startAsMaster);
      } else {
        elect();
      }
    }
  }

  /** A builder: 3 nodes of priority 100, IMAP {@code NO} referrals, no users. */
  public static Builder builder() {
    return new Builder();
  }

  /** The group's name (a mailHost value). */
  public String name() {
    return name;
  }

  /** The nodes, in host-list order. */
  public List<SimulatedNode> nodes() {
    return List.copyOf(nodes);
  }

  /** Node {@code index} (0-based). */
  public SimulatedNode node(int index) {
    return nodes.get(index);
  }

  /** The master, if the group has one. */
  public synchronized Optional<SimulatedNode> master() {
    return Optional.ofNullable(master);
  }

  /** Elections held so far (including one at start when no node was started as master). */
  public synchronized int elections() {
    return elections;
  }

  /** The shared mailbox store. */
  public MailStore store() {
    return store;
  }

  /** The replicated ENS event log every node's gateway serves (the newest 10,000 events). */
  public EnsEventLog eventLog() {
    return eventLog;
  }

  /** The user's messages in the shared store. */
  public List<StoredMessage> mailbox(String user) {
    return store.messages(user);
  }

  /** Puts a message in the user's INBOX directly (as if delivered earlier). */
  public StoredMessage deliver(String user, byte[] bytes) {
    return store.append(user, bytes);
  }

  /** The nodes' addresses for {@code protocol}, in order. */
  public StoreHostList hostList(Protocol protocol) {
    List<HostAddress> hosts = new ArrayList<>();
    for (SimulatedNode n : nodes) {
      hosts.add(n.address(protocol));
    }
    return new StoreHostList(hosts);
  }

  /** The group as clients configure it for {@code protocol}: explicit ports, the admin if any. */
  public ReplicationGroup replicationGroup(Protocol protocol) {
    ReplicationGroup.Builder b = ReplicationGroup.builder(name, hostList(protocol));
    if (admin != null) {
      b.admin(admin);
    }
    return b.build();
  }

  /** Stops every node for good. */
  @Override
  public void close() {
    for (SimulatedNode n : nodes) {
      n.closeServers();
    }
  }

  // ---- rules ------------------------------------------------------------------------------

  synchronized void nodeStopped(SimulatedNode node) {
    if (master == node) {
      master = null;
      elect();
    }
  }

  synchronized void nodeStarted(SimulatedNode node) {
    if (master != null) {
      catchUp(node);
    } else {
      elect();
    }
  }

  synchronized void catchUp(SimulatedNode node) {
    if (master != null && !node.replicationPaused() && node.isRunning()) {
      node.setLogPosition(Math.max(node.logPosition(), master.logPosition()));
    }
  }

  synchronized void recordWrite(SimulatedNode on) {
    if (on != master) {
      return;
    }
    master.setLogPosition(master.logPosition() + 1);
    for (SimulatedNode n : nodes) {
      if (n != master) {
        catchUp(n);
      }
    }
  }

  /** Elects among running nodes of priority &gt; 0: most up-to-date log, then priority, then list order. */
  private void elect() {
    elections++;
    if (nodes.size() == 2 && !twoSiteMode) {
      master = null;
      return;
    }
    master = nodes.stream()
        .filter(SimulatedNode::isRunning)
        .filter(n -> n.priority() > 0)
        .max(Comparator.comparingLong(SimulatedNode::logPosition)
            .thenComparingInt(SimulatedNode::priority)
            .thenComparing(Comparator.comparingInt(SimulatedNode::index).reversed()))
        .orElse(null);
  }

  String authenticate(String authzid, String authcid, String password) {
    if (admin != null && admin.user().equals(authcid)) {
      return admin.password().equals(password) && authzid != null && !authzid.isEmpty() ? authzid : null;
    }
    String expected = users.get(authcid);
    if (expected == null || !expected.equals(password)) {
      return null;
    }
    return authzid == null || authzid.isEmpty() || authzid.equals(authcid) ? authcid : null;
  }

  @Override
  public synchronized String toString() {
    return "SimulatedReplicationGroup[" + name + ", master " + (master == null ? "none" : master.name()) + ", " + nodes + "]";
  }

  /** Builds and starts a {@link SimulatedReplicationGroup}. */
  public static final class Builder {
    private String name = "store1.example.com";
    private int nodes = 3;
    private int[] priorities;
    private boolean twoSiteMode;
    private ImapReferralStyle imapReferral = ImapReferralStyle.NO;
    private final Map<String, String> users = new LinkedHashMap<>();
    private Credentials admin;
    private int startAsMaster = -1;
    private boolean portlessReferrals;

    private Builder() {}

    /** The group's name. Defaults to {@code store1.example.com}. */
    public Builder name(String name) {
      this.name = Objects.requireNonNull(name, "name");
      return this;
    }

    /** Number of nodes, 1-9. Defaults to 3. */
    public Builder nodes(int count) {
      if (count < 1 || count > 9) {
        throw new IllegalArgumentException("nodes must be in 1-9, was " + count);
      }
      this.nodes = count;
      return this;
    }

    /** Each node's {@code dbpriority}, in order (0 = never master). Defaults to 100 each. */
    public Builder priorities(int... priorities) {
      for (int p : priorities) {
        if (p < 0) {
          throw new IllegalArgumentException("priority must be >= 0, was " + p);
        }
      }
      this.priorities = priorities.clone();
      return this;
    }

    /** Lets a two-node group elect a new master ({@code store.dbreplicate.twosites}). Defaults to off. */
    public Builder twoSiteMode(boolean on) {
      this.twoSiteMode = on;
      return this;
    }

    /** How replicas answer IMAP logins. Defaults to {@link ImapReferralStyle#NO}. */
    public Builder imapReferral(ImapReferralStyle style) {
      this.imapReferral = Objects.requireNonNull(style, "style");
      return this;
    }

    /** Adds a user. */
    public Builder user(String name, String password) {
      users.put(Objects.requireNonNull(name, "name"), Objects.requireNonNull(password, "password"));
      return this;
    }

    /** The admin identity that may log in for any user (SASL PLAIN authzid). Defaults to none. */
    public Builder admin(String name, String password) {
      this.admin = new Credentials(name, password);
      return this;
    }

    /** Starts node {@code index} as master; without it the group holds an election at start. */
    public Builder startAsMaster(int index) {
      this.startAsMaster = index;
      return this;
    }

    /** Referral URLs without ports. Defaults to off. */
    public Builder portlessReferrals(boolean on) {
      this.portlessReferrals = on;
      return this;
    }

    /** Starts the group. */
    public SimulatedReplicationGroup build() {
      if (priorities == null) {
        priorities = new int[nodes];
        Arrays.fill(priorities, 100);
      }
      if (priorities.length != nodes) {
        throw new IllegalArgumentException(nodes + " nodes need " + nodes + " priorities, got " + priorities.length);
      }
      if (startAsMaster >= nodes) {
        throw new IllegalArgumentException("startAsMaster " + startAsMaster + " is not a node index (0-" + (nodes - 1) + ")");
      }
      return new SimulatedReplicationGroup(this);
    }
  }
}
