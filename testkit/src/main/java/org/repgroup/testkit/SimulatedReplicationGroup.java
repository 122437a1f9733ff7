package org.repgroup.testkit;

import java.io.IOException;
import java.time.Duration;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.repgroup.core.Credentials;
import org.repgroup.core.DeploymentMode;
import org.repgroup.core.HostAddress;
import org.repgroup.core.Protocol;
import org.repgroup.core.ReplicationGroup;
import org.repgroup.core.StoreHostList;
import org.repgroup.core.time.Ticker;

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
  private final AckPolicy ackPolicy;
  private final java.time.Duration ackTimeout;
  private final boolean classic;
  private final int replicationPort;
  private final List<org.repgroup.core.config.ConfigOption> ignoredOptions;
  private final List<StoredMessage> lostWrites = new ArrayList<>();
  private final Ticker ticker;
  private SimulatedNode master;
  private long lastMasterLog;
  private int elections;
  private ElectionWindow electionWindow;
  /** The window of the next election only ({@link #beginElection}), or {@code null}. */
  private ElectionWindow nextElectionWindow;
  /** The election in progress, or {@code null}. */
  private Election election;

  /**
   * An election in progress.
   *
   * @param deadMaster the master that stopped
   * @param window the window it follows
   * @param endsAt when it ends on the group's ticker, or {@code null} for "when completed"
   */
  private record Election(SimulatedNode deadMaster, ElectionWindow window, Long endsAt) {}

  private SimulatedReplicationGroup(Builder b) {
    this.name = b.name;
    this.twoSiteMode = b.twoSiteMode;
    this.users = Map.copyOf(b.users);
    this.admin = b.admin;
    this.ackPolicy = b.ackPolicy;
    this.ackTimeout = b.ackTimeout;
    this.classic = b.classic;
    this.replicationPort = b.replicationPort;
    this.ignoredOptions = List.copyOf(b.ignoredOptions);
    this.ticker = b.ticker;
    this.electionWindow = b.electionWindow;
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
    if (classic) {
      // Classic automatic failover: only the first host runs; the others stand by (not running).
      for (int i = 1; i < nodes.size(); i++) {
        nodes.get(i).stopQuietly();
      }
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

  /** The master, if the group has one (none while an election is in progress). */
  public synchronized Optional<SimulatedNode> master() {
    settle();
    return Optional.ofNullable(master);
  }

  // ---- elections --------------------------------------------------------------------------

  /** The window of the elections that follow a master's stop from now on. */
  public synchronized void setElectionWindow(ElectionWindow window) {
    this.electionWindow = Objects.requireNonNull(window, "window");
  }

  /** The window elections follow. Defaults to {@link ElectionWindow#none()}. */
  public synchronized ElectionWindow electionWindow() {
    return electionWindow;
  }

  /**
   * The master dies now and the group elects through {@code window} (this election only):
   * until it ends, the other nodes answer as the window says. Returns the dead master.
   *
   * @throws IllegalStateException when the group has no master to lose
   */
  public SimulatedNode beginElection(ElectionWindow window) {
    Objects.requireNonNull(window, "window");
    SimulatedNode dead;
    synchronized (this) {
      settle();
      if (master == null) {
        throw new IllegalStateException(name + " has no master to lose" + (election != null ? ": already electing" : ""));
      }
      dead = master;
      nextElectionWindow = window;
    }
    dead.stop();
    return dead;
  }

  /**
   * Ends the election in progress now, before its window would: the running nodes elect by the
   * group's rules. Returns the master (empty when none can be elected, or there is no election and no master).
   */
  public synchronized Optional<SimulatedNode> completeElection() {
    if (election != null) {
      election = null;
      elect();
    }
    return Optional.ofNullable(master);
  }

  /** True while an election window is open (time is the group's ticker). */
  public synchronized boolean electionInProgress() {
    settle();
    return election != null;
  }

  /** The time left in the election window; empty with no election, or one that lasts until completed. */
  public synchronized Optional<Duration> electionTimeLeft() {
    settle();
    if (election == null || election.endsAt() == null) {
      return Optional.empty();
    }
    return Optional.of(Duration.ofNanos(Math.max(0, election.endsAt() - ticker.read())));
  }

  /**
   * Waits, in real time, until the group has a master: for a window on the system clock to end,
   * or for another thread to advance the fake clock or complete the election.
   *
   * @throws TimeoutException naming the group and the election's state when none appears in time
   */
  public synchronized SimulatedNode awaitMaster(Duration timeout) throws InterruptedException, TimeoutException {
    long end = System.nanoTime() + timeout.toNanos();
    while (true) {
      settle();
      if (master != null) {
        return master;
      }
      long left = end - System.nanoTime();
      if (left <= 0) {
        throw new TimeoutException(name + ": no master within " + timeout.toMillis() + " ms ("
            + (election != null ? "electing after " + election.deadMaster().name() + " stopped, " + election.window()
            : "no election in progress") + ")");
      }
      // The window ends by the ticker, which tells nobody: look again at least every 10 ms.
      TimeUnit.NANOSECONDS.timedWait(this, Math.min(left, TimeUnit.MILLISECONDS.toNanos(10)));
    }
  }

  /** Ends an election whose window has passed on the ticker. */
  private void settle() {
    if (election != null && election.endsAt() != null && ticker.read() - election.endsAt() >= 0) {
      election = null;
      elect();
    }
  }

  /** How {@code node} answers clients of {@code protocol} now. */
  synchronized Backend.RoleView roleOf(SimulatedNode node, Protocol protocol) {
    settle();
    if (master != null) {
      return master == node ? new Backend.RoleView(Backend.RoleView.Kind.MASTER, null)
          : new Backend.RoleView(Backend.RoleView.Kind.REPLICA, master.address(protocol));
    }
    if (election != null && election.window().answer() == ElectionWindow.ReplicaAnswer.REFER_TO_DEAD_MASTER
        && election.deadMaster() != node) {
      return new Backend.RoleView(Backend.RoleView.Kind.REPLICA, election.deadMaster().address(protocol));
    }
    return new Backend.RoleView(Backend.RoleView.Kind.NO_MASTER, null);
  }

  /**
   * A planned switchover: node {@code index} becomes master (it catches up
   * first), the old master turns replica and refers clients to it. Nothing stops.
   */
  public synchronized void switchover(int index) {
    SimulatedNode next = nodes.get(index);
    if (!next.isRunning()) {
      throw new IllegalStateException(next.name() + " is not running");
    }
    if (master != null) {
      next.setLogPosition(Math.max(next.logPosition(), master.logPosition()));
    }
    election = null;
    master = next;
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

  /**
   * The group as clients configure it for {@code protocol}: explicit ports, the
   * admin if any, and the deployment mode the simulated group runs in.
   */
  public ReplicationGroup replicationGroup(Protocol protocol) {
    ReplicationGroup.Builder b = ReplicationGroup.builder(name, hostList(protocol)).deploymentMode(deploymentMode());
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
    ElectionWindow window = nextElectionWindow != null ? nextElectionWindow : electionWindow;
    nextElectionWindow = null;
    if (master != node) {
      return;
    }
    lastMasterLog = node.logPosition();
    master = null;
    if (window.isNone() || classic) {
      elect();
    } else {
      election = new Election(node, window, window.length().map(d -> ticker.read() + d.toNanos()).orElse(null));
    }
  }

  synchronized void nodeStarted(SimulatedNode node) {
    if (master != null) {
      if (node.logPosition() > master.logPosition()) {
        // A returning old master drops the writes the new master never got.
        node.setLogPosition(master.logPosition());
      }
      catchUp(node);
    } else if (election == null) {
      elect();
    }
  }

  synchronized void catchUp(SimulatedNode node) {
    if (master != null && !node.replicationPaused() && node.isRunning()) {
      node.setLogPosition(Math.max(node.logPosition(), master.logPosition()));
      notifyAll();
    }
  }

  synchronized long recordWrite(SimulatedNode on) {
    if (on != master) {
      return 0;
    }
    master.setLogPosition(master.logPosition() + 1);
    for (SimulatedNode n : nodes) {
      if (n != master) {
        catchUp(n);
      }
    }
    return master.logPosition();
  }

  /** Blocks the committing session until the ack policy is met or the ack timeout passes. */
  synchronized void awaitAcknowledgements(long position) {
    if (classic) {
      return;
    }
    long end = System.nanoTime() + ackTimeout.toNanos();
    while (!acknowledged(position)) {
      long left = end - System.nanoTime();
      if (left <= 0) {
        return;
      }
      try {
        wait(Math.max(1, left / 1_000_000));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
  }

  private boolean acknowledged(long position) {
    long replicasWithIt = nodes.stream().filter(n -> n != master && n.isRunning() && n.logPosition() >= position).count();
    long allWithIt = replicasWithIt + (master != null && master.logPosition() >= position ? 1 : 0);
    return switch (ackPolicy) {
      case NONE -> true;
      case ONE, ONE_PEER -> replicasWithIt >= 1;
      case QUORUM -> allWithIt >= nodes.size() / 2 + 1;
      case ALL_PEERS -> replicasWithIt == nodes.size() - 1;
      case ALL_AVAILABLE, ALL_CLIENTS -> nodes.stream().filter(SimulatedNode::isRunning)
          .allMatch(n -> n.logPosition() >= position);
    };
  }

  /** Messages that clients were told were stored but that the new master never had (lost at an election). */
  public synchronized List<StoredMessage> lostWrites() {
    return List.copyOf(lostWrites);
  }

  /** The acknowledgement policy. */
  public AckPolicy ackPolicy() {
    return ackPolicy;
  }

  /** The replication port ({@code store.dbreplicate.port}, default 55000); informational, nothing listens on it. */
  public int replicationPort() {
    return replicationPort;
  }

  /** Store options given to {@link Builder#storeOptions} that the simulation does not use, as written. */
  public List<org.repgroup.core.config.ConfigOption> ignoredOptions() {
    return ignoredOptions;
  }

  /** How clients should see this group: classic, two sites without two-site mode, or replicated. */
  public DeploymentMode deploymentMode() {
    if (classic) {
      return DeploymentMode.CLASSIC;
    }
    return nodes.size() == 2 && !twoSiteMode ? DeploymentMode.TWO_SITE : DeploymentMode.REPLICATED;
  }

  /** True in classic automatic failover mode (no replication: one running host, the others on standby). */
  public boolean classicFailover() {
    return classic;
  }

  /** Elects among running nodes of priority &gt; 0: most up-to-date log, then priority, then list order. */
  private void elect() {
    elections++;
    notifyAll();
    if (classic) {
      // No replication and no election: the first running host of the list serves.
      master = nodes.stream().filter(SimulatedNode::isRunning).findFirst().orElse(null);
      return;
    }
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
    if (master != null && master.logPosition() < lastMasterLog) {
      // Writes past the new master's log existed only on the dead master: they are lost.
      lostWrites.addAll(store.truncateAfter(master.logPosition()));
    }
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
    private AckPolicy ackPolicy = AckPolicy.QUORUM;
    private java.time.Duration ackTimeout = java.time.Duration.ofSeconds(1);
    private boolean classic;
    private int replicationPort = 55000;
    private final List<org.repgroup.core.config.ConfigOption> ignoredOptions = new ArrayList<>();
    private Integer allPriorities;
    private ElectionWindow electionWindow = ElectionWindow.none();
    private Ticker ticker = Ticker.SYSTEM;

    private Builder() {}

    /**
     * How elections after a master's stop unfold: at once, or after a window in which the
     * other nodes refer to the dead master or answer read-only. Defaults to {@link ElectionWindow#none()}.
     */
    public Builder electionWindow(ElectionWindow window) {
      this.electionWindow = Objects.requireNonNull(window, "window");
      return this;
    }

    /**
     * The clock election windows are measured on: a {@code ManualClock} to drive them from a
     * test, the system clock for socket tests in real time. Defaults to {@link Ticker#SYSTEM}.
     */
    public Builder ticker(Ticker ticker) {
      this.ticker = Objects.requireNonNull(ticker, "ticker");
      return this;
    }

    /**
     * Applies the store's own options as an operator writes them (from
     * {@link org.repgroup.core.config.RepgroupConfiguration#storeOptions()}):
     * {@code store.dbreplicate.enable} (0: classic failover, 1: replication),
     * {@code .port}, {@code .dbpriority} (every node), {@code .ackpolicy} (0-6),
     * {@code .acktimeout} (seconds, or a number with {@code ms}/{@code s}),
     * {@code .twosites} (0/1). Other options are kept in {@link SimulatedReplicationGroup#ignoredOptions()}.
     *
     * @throws IllegalArgumentException naming the file, line, option and the expected type
     */
    public Builder storeOptions(List<org.repgroup.core.config.ConfigOption> options) {
      for (org.repgroup.core.config.ConfigOption o : options) {
        String name = o.name().toLowerCase(java.util.Locale.ROOT);
        String v = o.value().strip();
        switch (name) {
          case "store.dbreplicate.enable" -> classic = !flag(o, v);
          case "store.dbreplicate.twosites" -> twoSiteMode = flag(o, v);
          case "store.dbreplicate.port" -> replicationPort = integer(o, v, 1, 65535);
          case "store.dbreplicate.dbpriority" -> allPriorities = integer(o, v, 0, Integer.MAX_VALUE);
          case "store.dbreplicate.ackpolicy" -> ackPolicy = AckPolicy.of(integer(o, v, 0, 6));
          case "store.dbreplicate.acktimeout" -> ackTimeout = duration(o, v);
          default -> ignoredOptions.add(o);
        }
      }
      return this;
    }

    private static IllegalArgumentException typeError(org.repgroup.core.config.ConfigOption o, String expected) {
      return new IllegalArgumentException(o.source() + ":" + o.line() + ": " + o.name() + ": expected " + expected
          + ", got \"" + o.value() + "\"");
    }

    private static boolean flag(org.repgroup.core.config.ConfigOption o, String v) {
      return switch (v) {
        case "0" -> false;
        case "1" -> true;
        default -> throw typeError(o, "0 or 1");
      };
    }

    private static int integer(org.repgroup.core.config.ConfigOption o, String v, int min, int max) {
      try {
        int n = Integer.parseInt(v);
        if (n >= min && n <= max) {
          return n;
        }
      } catch (NumberFormatException ignored) {
        // reported below
      }
      throw typeError(o, "an integer " + min + "-" + (max == Integer.MAX_VALUE ? "" : max));
    }

    private static java.time.Duration duration(org.repgroup.core.config.ConfigOption o, String v) {
      try {
        if (v.endsWith("ms")) {
          return java.time.Duration.ofMillis(Long.parseLong(v.substring(0, v.length() - 2).strip()));
        }
        return java.time.Duration.ofSeconds(Long.parseLong(v.endsWith("s") ? v.substring(0, v.length() - 1).strip() : v));
      } catch (NumberFormatException e) {
        throw typeError(o, "a duration in seconds (or e.g. 500ms)");
      }
    }

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

    /** When commits are acknowledged ({@code store.dbreplicate.ackpolicy}). Defaults to {@link AckPolicy#QUORUM}. */
    public Builder ackPolicy(AckPolicy policy) {
      this.ackPolicy = Objects.requireNonNull(policy, "policy");
      return this;
    }

    /** Longest wait for acknowledgements ({@code store.dbreplicate.acktimeout}), &ge; 0. Defaults to 1 s. */
    public Builder ackTimeout(java.time.Duration timeout) {
      Objects.requireNonNull(timeout, "timeout");
      if (timeout.isNegative()) {
        throw new IllegalArgumentException("ackTimeout must be >= 0, was " + timeout);
      }
      this.ackTimeout = timeout;
      return this;
    }

    /**
     * Classic automatic failover, no replication: only the first host runs, the
     * others are on standby (stopped); start one to fail over. No referrals, no
     * election. Defaults to off.
     */
    public Builder classicFailover(boolean on) {
      this.classic = on;
      return this;
    }

    /** Starts the group. */
    public SimulatedReplicationGroup build() {
      if (priorities == null) {
        priorities = new int[nodes];
        Arrays.fill(priorities, allPriorities == null ? 100 : allPriorities);
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
