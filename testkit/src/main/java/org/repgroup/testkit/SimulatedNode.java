package org.repgroup.testkit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Objects;
import org.repgroup.core.HostAddress;
import org.repgroup.core.Protocol;

/**
 * One store host of a {@link SimulatedReplicationGroup}: an IMAP, a POP3 and an
 * LMTP server and an ENS gateway on 127.0.0.1, a log position, a priority, and a
 * role decided by the group.
 */
public final class SimulatedNode {

  private final SimulatedReplicationGroup group;
  private final int index;
  private final String name;
  private final int priority;
  private final ImapServer imap;
  private final Pop3Server pop;
  private final LmtpServer lmtp;
  private final EnsGateway ens;
  private volatile boolean running;
  private volatile long logPosition;
  private volatile boolean replicationPaused;
  private volatile ImapReferralStyle imapReferralStyle;
  private volatile boolean portlessReferrals;

  SimulatedNode(SimulatedReplicationGroup group, int index, int priority, ImapReferralStyle style) {
    this.group = group;
    this.index = index;
    this.name = "node" + (index + 1);
    this.priority = priority;
    this.imapReferralStyle = style;
    Backend backend = new NodeBackend();
    this.imap = new ImapServer(backend, name + "-imap");
    this.pop = new Pop3Server(backend, name + "-pop3");
    this.lmtp = new LmtpServer(backend, name + "-lmtp");
    this.ens = new EnsGateway(group.eventLog(), name + "-ens");
    ens.redirectPublishesTo(() -> group.roleOf(this, Protocol.ENS).master());
  }

  /** 0-based position in the group (and in its host lists). */
  public int index() {
    return index;
  }

  /** {@code node1}, {@code node2}, ... */
  public String name() {
    return name;
  }

  /** Election priority ({@code dbpriority}); 0 is never elected. */
  public int priority() {
    return priority;
  }

  /** Master, replica or stopped. */
  public NodeRole role() {
    if (!running) {
      return NodeRole.STOPPED;
    }
    return group.master().filter(m -> m == this).isPresent() ? NodeRole.MASTER : NodeRole.REPLICA;
  }

  /** True while the node runs. */
  public boolean isRunning() {
    return running;
  }

  /** The position of the last write this node has (its replication log). */
  public long logPosition() {
    return logPosition;
  }

  /** The node's address for {@code protocol}. */
  public HostAddress address(Protocol protocol) {
    return switch (protocol) {
      case IMAP -> imap.address();
      case POP -> pop.address();
      case LMTP -> lmtp.address();
      case ENS -> ens.address();
    };
  }

  /** The IMAP server. */
  public ImapServer imap() {
    return imap;
  }

  /** The POP3 server. */
  public Pop3Server pop() {
    return pop;
  }

  /** The LMTP server. */
  public LmtpServer lmtp() {
    return lmtp;
  }

  /** The ENS gateway (publishes on a replica get {@code 307} to the master). */
  public EnsGateway ens() {
    return ens;
  }

  /** The node's server for {@code protocol}: its IMAP, POP3 or LMTP server, or its ENS gateway. */
  public MockServer server(Protocol protocol) {
    return switch (protocol) {
      case IMAP -> imap;
      case POP -> pop;
      case LMTP -> lmtp;
      case ENS -> ens;
    };
  }

  /** The three servers. */
  public List<ScriptedServer> servers() {
    return List.of(imap, pop, lmtp);
  }

  /**
   * Stops the node: its ports refuse connections and open sessions are cut. If it
   * was the master, the group elects a new one.
   */
  public void stop() {
    if (!running) {
      return;
    }
    running = false;
    for (ScriptedServer s : servers()) {
      s.stop();
    }
    ens.stop();
    group.nodeStopped(this);
  }

  /** Same as {@link #stop()}: the node dies. */
  public void kill() {
    stop();
  }

  /** Starts the node again (same ports); it joins as a replica, or is elected if the group has no master. */
  public void start() {
    if (running) {
      return;
    }
    try {
      for (ScriptedServer s : servers()) {
        s.start();
      }
      ens.start();
    } catch (IOException e) {
      throw new UncheckedIOException(name + ": cannot start: " + e.getMessage(), e);
    }
    running = true;
    group.nodeStarted(this);
  }

  /** The node's servers listen on {@code address} from its next {@link #start()} on (same ports). */
  public void moveTo(java.net.InetAddress address) {
    for (ScriptedServer s : servers()) {
      s.bindAddress(address);
    }
    ens.bindAddress(address);
  }

  /** Applies {@code fault} to the node's three mail servers (IMAP, POP3, LMTP); for ENS use {@code ens().setFault}. */
  public void setFault(Fault fault) {
    for (ScriptedServer s : servers()) {
      s.setFault(fault);
    }
  }

  /** Clears the fault on the node's three servers. */
  public void clearFault() {
    for (ScriptedServer s : servers()) {
      s.clearFault();
    }
  }

  /** While paused, the node's log stops following the master's (a lagging replica). */
  public void setReplicationPaused(boolean paused) {
    this.replicationPaused = paused;
    if (!paused) {
      group.catchUp(this);
    }
  }

  /** How this node answers IMAP logins while a replica. */
  public void setImapReferralStyle(ImapReferralStyle style) {
    this.imapReferralStyle = Objects.requireNonNull(style, "style");
  }

  /** Referral URLs without the port, so clients must apply the group's port. */
  public void setPortlessReferrals(boolean portless) {
    this.portlessReferrals = portless;
  }

  /** True if any client sent credentials to any of the node's servers. */
  public boolean sawCredentials() {
    return imap.sawCredentials() || pop.sawCredentials() || lmtp.sawCredentials();
  }

  /** Connections accepted by all three servers. */
  public int connectionCount() {
    return imap.connectionCount() + pop.connectionCount() + lmtp.connectionCount();
  }

  void startServers() throws IOException {
    for (ScriptedServer s : servers()) {
      s.start();
    }
    ens.start();
    running = true;
  }

  /** Stops the servers without an election (standby hosts of a classic group at start). */
  void stopQuietly() {
    running = false;
    for (ScriptedServer s : servers()) {
      s.stop();
    }
    ens.stop();
  }

  void closeServers() {
    running = false;
    for (ScriptedServer s : servers()) {
      s.close();
    }
    ens.close();
  }

  boolean replicationPaused() {
    return replicationPaused;
  }

  void setLogPosition(long position) {
    this.logPosition = position;
  }

  @Override
  public String toString() {
    return name + "[" + role() + ", priority " + priority + ", log " + logPosition + "]";
  }

  private final class NodeBackend implements Backend {
    @Override
    public MailStore store() {
      return group.store();
    }

    @Override
    public String authenticate(String authzid, String authcid, String password) {
      return group.authenticate(authzid, authcid, password);
    }

    @Override
    public RoleView role(Protocol protocol) {
      return group.roleOf(SimulatedNode.this, protocol);
    }

    @Override
    public long recordWrite() {
      return group.recordWrite(SimulatedNode.this);
    }

    @Override
    public void awaitAcknowledgements(long position) {
      group.awaitAcknowledgements(position);
    }

    @Override
    public java.util.List<StoredMessage> visible(String user) {
      long upTo = logPosition;
      boolean isMaster = group.master().filter(m -> m == SimulatedNode.this).isPresent();
      return isMaster ? group.store().messages(user)
          : group.store().messages(user).stream().filter(m -> m.logPosition() <= upTo).toList();
    }

    @Override
    public ImapReferralStyle imapReferralStyle() {
      return imapReferralStyle;
    }

    @Override
    public boolean portlessReferrals() {
      return portlessReferrals;
    }

    @Override
    public String nodeName() {
      return name;
    }

    @Override
    public void stopFrom(ScriptedServer server) {
      stop();
    }
  }
}
