package org.repgroup.testkit.dovecot;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserPrincipalLookupService;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.OptionalInt;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Stream;
import org.repgroup.core.Protocol;
import org.repgroup.core.ReplicationGroup;
import org.repgroup.core.StoreHostList;

/**
 * Real Dovecot instances on loopback sharing one maildir, like a replication
 * group mounting the same storage. Replicas refuse logins with a referral to
 * their master (passdb {@code nologin=y host=... port=...}). What Dovecot 2.3
 * sends then, verbatim: IMAP {@code a NO [REFERRAL imap://alice;AUTH=PLAIN@127.0.0.1:<port>/] ...};
 * POP3 an {@code -ERR} without a referral code (POP has none in Dovecot).
 * Each instance has its own config, base and state dirs, log and ports; all are
 * stopped on {@link #close()} and at JVM exit. Needs root (it runs mail as the
 * {@code dovecot} user).
 *
 * <p>Elections, with clients connected: {@link #beginElection(int, Duration)} stops the
 * master; for the window the replicas still refer logins to it (as real replicas do until
 * the group has elected), then they are re-pointed at the new master, which serves. A
 * stopped instance {@link #start(int) starts} again as a replica of the master of the day.
 *
 * <pre>{@code
 * try (DovecotGroup g = DovecotGroup.builder(tempDir).instances(3).user("alice", "secret")
 *     .replicaOf(0, 2).replicaOf(1, 2).start()) {
 *   ReplicationGroup group = g.replicationGroup("store1", Protocol.IMAP);
 *   DovecotGroup.Election e = g.beginElection(1, Duration.ofSeconds(3)); // instance 2 stops
 *   ... logins on 0 and 1: NO [REFERRAL ...@<instance 2>/] for 3 s ...
 *   e.awaitCompleted(Duration.ofSeconds(15));                          // now 0 refers to 1, 1 serves
 *   g.start(2);                                                         // back as a replica of 1
 * }
 * }</pre>
 */
public final class DovecotGroup implements AutoCloseable {

  /** How long a re-pointed replica may take to show its new master (Dovecot re-reads a passwd-file at most once a second). */
  public static final Duration REPOINT_TIMEOUT = Duration.ofSeconds(10);

  private final Path mail;
  private final List<DovecotInstance> instances;
  private final Map<String, String> users;
  /** Per instance, the instance its logins are referred to, or -1 when it serves them. */
  private final int[] refersTo;
  private final long[] passwdStamps;
  private final Thread shutdownHook;
  private int master;

  private DovecotGroup(Path mail, List<DovecotInstance> instances, Map<String, String> users, int[] refersTo) {
    this.mail = mail;
    this.instances = List.copyOf(instances);
    this.users = Map.copyOf(users);
    this.refersTo = refersTo.clone();
    this.passwdStamps = new long[refersTo.length];
    this.master = masterOf(refersTo);
    this.shutdownHook = new Thread(this::stopAll, "dovecot-group-shutdown");
    Runtime.getRuntime().addShutdownHook(shutdownHook);
  }

  /** The one instance every replica refers to, or -1 when the replicas name none or several. */
  private static int masterOf(int[] refersTo) {
    int m = -1;
    for (int target : refersTo) {
      if (target >= 0) {
        if (m >= 0 && m != target) {
          return -1;
        }
        m = target;
      }
    }
    return m;
  }

  /** A builder writing configs, logs and mail under {@code workDir}. */
  public static Builder builder(Path workDir) {
    return new Builder(workDir);
  }

  /** The instances, in order. */
  public List<DovecotInstance> instances() {
    return instances;
  }

  /** Instance {@code i}. */
  public DovecotInstance instance(int i) {
    return instances.get(i);
  }

  /** The group as clients configure it for {@code protocol}. */
  public ReplicationGroup replicationGroup(String name, Protocol protocol) {
    List<org.repgroup.core.HostAddress> hosts = new ArrayList<>();
    for (DovecotInstance d : instances) {
      hosts.add(switch (protocol) {
        case IMAP -> d.imapAddress();
        case POP -> d.popAddress();
        case LMTP -> d.lmtpAddress();
        case ENS -> throw new IllegalArgumentException("Dovecot has no ENS");
      });
    }
    return ReplicationGroup.builder(name, new StoreHostList(hosts)).build();
  }

  /** Messages in the user's maildir INBOX (new and cur). */
  public int messageCount(String user) {
    return messageFiles(user).size();
  }

  /**
   * The files of the messages in the user's maildir INBOX (new and cur), one per message, for a
   * test that checks what the store holds (exactly one copy of each write, say).
   */
  public List<Path> messageFiles(String user) {
    List<Path> out = new ArrayList<>();
    for (String sub : new String[] {"new", "cur"}) {
      Path d = mail.resolve(user).resolve(sub);
      if (Files.isDirectory(d)) {
        try (Stream<Path> files = Files.list(d)) {
          files.sorted().forEach(out::add);
        } catch (IOException e) {
          throw new UncheckedIOException(e);
        }
      }
    }
    return out;
  }

  /**
   * Logs in to instance {@code i} over IMAP and returns a URLAUTH URL (RFC 4467, GENURLAUTH with
   * the INTERNAL mechanism) for the newest message in {@code user}'s INBOX, with access
   * {@code user+<user>}: a BURL client logged in as that user may fetch it from any instance.
   * ({@code submit+} URLs fetched by a separate submit user go through Dovecot 2.3's
   * imap-urlauth-login, which aborts on an assertion in 2.3.19, so the harness does not offer them.)
   *
   * @throws IOException when the instance refuses, has no message, or answers GENURLAUTH with an error
   */
  public String urlAuthForNewest(int i, String user, String password) throws IOException {
    DovecotInstance d = instances.get(i);
    try (ImapConnection c = ImapConnection.open(d)) {
      BufferedReader in = c.in();
      Writer out = c.out();
      imapCommand(in, out, "a LOGIN " + quote(user) + " " + quote(password));
      imapCommand(in, out, "b SELECT INBOX");
      List<String> search = imapCommand(in, out, "c UID SEARCH ALL");
      long uid = -1;
      for (String line : search) {
        if (line.startsWith("* SEARCH")) {
          for (String n : line.substring("* SEARCH".length()).trim().split(" +")) {
            if (!n.isEmpty()) {
              uid = Math.max(uid, Long.parseLong(n));
            }
          }
        }
      }
      if (uid < 0) {
        throw new IOException(user + "'s INBOX on " + d + " is empty: nothing to authorize");
      }
      String base = "imap://" + user + "@127.0.0.1:" + instances.get(0).imapAddress().port().orElseThrow()
          + "/INBOX/;uid=" + uid + ";urlauth=user+" + user;
      for (String line : imapCommand(in, out, "d GENURLAUTH " + quote(base) + " INTERNAL")) {
        if (line.startsWith("* GENURLAUTH ")) {
          String url = line.substring("* GENURLAUTH ".length()).trim();
          return url.startsWith("\"") ? url.substring(1, url.length() - 1) : url;
        }
      }
      throw new IOException("GENURLAUTH on " + d + " returned no URL");
    }
  }

  /** A plain IMAP connection to an instance, past its greeting. */
  private record ImapConnection(Socket socket, BufferedReader in, Writer out) implements AutoCloseable {
    static ImapConnection open(DovecotInstance d) throws IOException {
      Socket s = new Socket();
      try {
        s.connect(new InetSocketAddress("127.0.0.1", d.imapAddress().port().orElseThrow()), 2000);
        s.setSoTimeout(5000);
        ImapConnection c = new ImapConnection(s,
            new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.UTF_8)),
            new OutputStreamWriter(s.getOutputStream(), StandardCharsets.UTF_8));
        expectLine(c.in(), "* OK");
        return c;
      } catch (IOException | RuntimeException e) {
        s.close();
        throw e;
      }
    }

    @Override
    public void close() throws IOException {
      socket.close();
    }
  }

  private static String quote(String s) {
    return "\"" + s.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
  }

  private static void expectLine(BufferedReader in, String prefix) throws IOException {
    String line = in.readLine();
    if (line == null || !line.startsWith(prefix)) {
      throw new IOException("expected \"" + prefix + "...\", got: " + line);
    }
  }

  /** Sends one tagged command; returns its untagged lines, or throws with the server's answer. */
  private static List<String> imapCommand(BufferedReader in, Writer out, String command) throws IOException {
    out.write(command + "\r\n");
    out.flush();
    String tag = command.substring(0, command.indexOf(' ') + 1);
    List<String> untagged = new ArrayList<>();
    for (String line = in.readLine(); line != null; line = in.readLine()) {
      if (line.startsWith(tag)) {
        if (!line.startsWith(tag + "OK")) {
          throw new IOException(command.startsWith("a LOGIN") ? "LOGIN refused: " + line : command + ": " + line);
        }
        return untagged;
      }
      untagged.add(line);
    }
    throw new IOException("connection closed during: " + (command.startsWith("a LOGIN") ? "LOGIN" : command));
  }

  // ---- roles and elections ------------------------------------------------------------------

  /** The instance the others refer logins to (the master), if the group has one. */
  public synchronized OptionalInt master() {
    return master < 0 ? OptionalInt.empty() : OptionalInt.of(master);
  }

  /** The instance whose logins instance {@code i} refers to, if it refers them. */
  public synchronized OptionalInt refersTo(int i) {
    return refersTo[i] < 0 ? OptionalInt.empty() : OptionalInt.of(refersTo[i]);
  }

  /**
   * Stops instance {@code i} (SIGTERM: Dovecot says BYE to its clients and exits); its ports
   * refuse afterwards. Nothing else changes: replicas that referred to it still do.
   */
  public void stop(int i) {
    instances.get(i).stop();
  }

  /**
   * Starts instance {@code i} again, as a replica of the current master (or serving, if it is
   * the master), with the same ports and the shared maildir.
   */
  public void start(int i) throws IOException {
    synchronized (this) {
      writePasswd(i);
    }
    instances.get(i).start();
  }

  /**
   * Makes {@code newMaster} the master: it serves logins, every other instance refers them to it
   * (running ones while their clients stay connected; stopped ones from their next start). Returns
   * once each running replica's logins show the new referral (Dovecot re-reads a passwd-file at
   * most once a second), within {@link #REPOINT_TIMEOUT}.
   *
   * @throws IOException when a replica does not show it in time
   */
  public void repoint(int newMaster) throws IOException {
    Objects.checkIndex(newMaster, instances.size());
    synchronized (this) {
      master = newMaster;
      for (int i = 0; i < instances.size(); i++) {
        refersTo[i] = i == newMaster ? -1 : newMaster;
        writePasswd(i);
      }
    }
    awaitReferralsTo(newMaster);
  }

  /**
   * An election: the master is stopped now; for {@code window} the replicas keep referring
   * logins to the dead master (as they do until a real store has elected), then they are
   * re-pointed at {@code newMaster}, in the background. Clients stay connected to the
   * replicas throughout.
   *
   * @throws IllegalStateException when the group has no master, or {@code newMaster} is it
   */
  public Election beginElection(int newMaster, Duration window) {
    Objects.checkIndex(newMaster, instances.size());
    Objects.requireNonNull(window, "window");
    if (window.isNegative()) {
      throw new IllegalArgumentException("election window must be >= 0, was " + window);
    }
    int dead;
    synchronized (this) {
      dead = master;
      if (dead < 0) {
        throw new IllegalStateException("the Dovecot group has no master (no replicaOf, or several masters)");
      }
      if (dead == newMaster) {
        throw new IllegalStateException("instance " + newMaster + " is the master that stops: elect another");
      }
    }
    stop(dead);
    Election e = new Election(dead, newMaster, window);
    e.timer.start();
    return e;
  }

  /** An election in progress on a {@link DovecotGroup}: see {@link #beginElection}. */
  public final class Election {
    private final int deadMaster;
    private final int newMaster;
    private final CountDownLatch now = new CountDownLatch(1);
    private final CountDownLatch done = new CountDownLatch(1);
    private final Thread timer;
    private volatile IOException failure;

    private Election(int deadMaster, int newMaster, Duration window) {
      this.deadMaster = deadMaster;
      this.newMaster = newMaster;
      this.timer = new Thread(() -> {
        try {
          now.await(window.toNanos(), TimeUnit.NANOSECONDS);
          repoint(newMaster);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        } catch (IOException e) {
          failure = e;
        } finally {
          done.countDown();
        }
      }, "dovecot-election");
      timer.setDaemon(true);
    }

    /** The instance that was stopped. */
    public int deadMaster() {
      return deadMaster;
    }

    /** The instance that takes over. */
    public int newMaster() {
      return newMaster;
    }

    /** True once the replicas refer to the new master. */
    public boolean isCompleted() {
      return done.getCount() == 0 && failure == null;
    }

    /** Ends the window now and waits for the re-pointing (up to {@link #REPOINT_TIMEOUT} more). */
    public void completeNow() throws IOException, InterruptedException, TimeoutException {
      now.countDown();
      awaitCompleted(REPOINT_TIMEOUT.plusSeconds(1));
    }

    /**
     * Waits until the replicas refer to the new master.
     *
     * @throws TimeoutException when the window and the re-pointing take longer than {@code timeout}
     * @throws IOException when a replica did not take the new master
     */
    public void awaitCompleted(Duration timeout) throws IOException, InterruptedException, TimeoutException {
      if (!done.await(timeout.toNanos(), TimeUnit.NANOSECONDS)) {
        throw new TimeoutException("election of instance " + newMaster + " not completed within " + timeout.toMillis() + " ms");
      }
      if (failure != null) {
        throw failure;
      }
    }
  }

  /** Writes instance {@code i}'s users: a replica's carry the referral to its master. */
  private void writePasswd(int i) throws IOException {
    StringBuilder passwd = new StringBuilder();
    for (Map.Entry<String, String> u : users.entrySet()) {
      passwd.append(u.getKey()).append(":{PLAIN}").append(u.getValue());
      if (refersTo[i] >= 0) {
        passwd.append("::::::nologin=y host=127.0.0.1 port=").append(instances.get(refersTo[i]).imapAddress().port().orElseThrow());
      }
      passwd.append('\n');
    }
    Path file = instances.get(i).dir().resolve("passwd");
    // Written beside it and renamed over it: a login that reads the file while it is rewritten in place
    // finds it empty or half written and is refused (AUTHENTICATIONFAILED for a right password, seen in
    // a rolling-upgrade run while the replicas were re-pointed). An operator's passdb changes atomically.
    Path next = file.resolveSibling("passwd.next");
    Files.writeString(next, passwd, StandardCharsets.UTF_8);
    // Dovecot reloads a passwd-file when its mtime (seconds) or size changes: a rewrite in the same
    // second with the same size (ports of equal length) must still show a new mtime.
    long stamp = Math.max(System.currentTimeMillis() / 1000, passwdStamps[i] + 1);
    passwdStamps[i] = stamp;
    Files.setLastModifiedTime(next, FileTime.from(stamp, TimeUnit.SECONDS));
    Files.move(next, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING,
        java.nio.file.StandardCopyOption.ATOMIC_MOVE);
  }

  /** Waits until every running instance but {@code newMaster} refers a login to it. */
  private void awaitReferralsTo(int newMaster) throws IOException {
    if (users.isEmpty()) {
      return;
    }
    Map.Entry<String, String> user = users.entrySet().iterator().next();
    String expected = "@" + instances.get(newMaster).imapAddress() + "/]";
    long end = System.nanoTime() + REPOINT_TIMEOUT.toNanos();
    for (DovecotInstance d : instances) {
      if (d.index() == newMaster || !d.isRunning()) {
        continue;
      }
      String last = "";
      while (!(last = loginReply(d, user.getKey(), user.getValue())).contains(expected)) {
        if (System.nanoTime() > end) {
          throw new IOException(d + " still answers \"" + last + "\" " + REPOINT_TIMEOUT.toSeconds()
              + " s after it was re-pointed at instance " + newMaster);
        }
        try {
          Thread.sleep(50); // Dovecot looks at the file at most once a second; ask again shortly.
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new IOException("interrupted while re-pointing", e);
        }
      }
    }
  }

  /** The tagged reply to one IMAP LOGIN on {@code d} (the password stays in this method). */
  private static String loginReply(DovecotInstance d, String user, String password) throws IOException {
    try (ImapConnection c = ImapConnection.open(d)) {
      c.out().write("a LOGIN " + quote(user) + " " + quote(password) + "\r\n");
      c.out().flush();
      for (String line = c.in().readLine(); line != null; line = c.in().readLine()) {
        if (line.startsWith("a ")) {
          return line;
        }
      }
      return "(connection closed)";
    }
  }

  /** Stops every instance. */
  @Override
  public void close() {
    stopAll();
    try {
      Runtime.getRuntime().removeShutdownHook(shutdownHook);
    } catch (IllegalStateException shuttingDown) {
      // the hook runs anyway
    }
  }

  private void stopAll() {
    for (DovecotInstance d : instances) {
      d.stop();
    }
  }

  /** Builds and starts a {@link DovecotGroup}. */
  public static final class Builder {
    private final Path workDir;
    private int count = 3;
    private final Map<String, String> users = new LinkedHashMap<>();
    private final Map<Integer, Integer> replicaOf = new LinkedHashMap<>();

    private Builder(Path workDir) {
      this.workDir = Objects.requireNonNull(workDir, "workDir");
    }

    /** Number of instances, 1-5. Defaults to 3. */
    public Builder instances(int n) {
      if (n < 1 || n > 5) {
        throw new IllegalArgumentException("instances must be in 1-5, was " + n);
      }
      this.count = n;
      return this;
    }

    /** Adds a user with a plain-text password. */
    public Builder user(String name, String password) {
      users.put(name, password);
      return this;
    }

    /** Instance {@code replica} refuses logins with a referral to instance {@code master}. */
    public Builder replicaOf(int replica, int master) {
      if (replica == master) {
        throw new IllegalArgumentException("instance " + replica + " cannot refer to itself");
      }
      replicaOf.put(replica, master);
      return this;
    }

    /** Writes the configs and starts every instance. */
    public DovecotGroup start() throws IOException {
      Path binary = Dovecot.binary().orElseThrow(() -> new IOException(Dovecot.INSTALL_HINT));
      Path root = workDir.toAbsolutePath();
      Files.createDirectories(root);
      openUp(root);
      Path mail = root.resolve("mail");
      Files.createDirectories(mail);
      UserPrincipalLookupService lookup = root.getFileSystem().getUserPrincipalLookupService();
      Files.setOwner(mail, lookup.lookupPrincipalByName("dovecot"));
      Files.getFileAttributeView(mail, java.nio.file.attribute.PosixFileAttributeView.class)
          .setGroup(lookup.lookupPrincipalByGroupName("dovecot"));
      int[][] ports = new int[count][3];
      int[] all = LoopbackPorts.free(3 * count);
      for (int i = 0; i < count; i++) {
        ports[i] = java.util.Arrays.copyOfRange(all, 3 * i, 3 * i + 3);
      }
      String uid = idOf("-u");
      String gid = idOf("-g");
      List<DovecotInstance> instances = new ArrayList<>();
      replicaOf.forEach((replica, master) -> {
        if (replica < 0 || replica >= count || master < 0 || master >= count) {
          throw new IllegalArgumentException("replicaOf(" + replica + ", " + master + "): instances are 0-" + (count - 1));
        }
      });
      int[] refersTo = new int[count];
      java.util.Arrays.fill(refersTo, -1);
      replicaOf.forEach((replica, master) -> refersTo[replica] = master);
      for (int i = 0; i < count; i++) {
        Path dir = root.resolve("instance" + i);
        Files.createDirectories(dir.resolve("run"));
        Files.createDirectories(dir.resolve("state"));
        openUp(dir);
        Files.writeString(dir.resolve("dovecot.conf"), config(i, dir, mail, ports[i], ports[0][0], uid, gid),
            StandardCharsets.UTF_8);
        instances.add(new DovecotInstance(i, dir, binary, ports[i][0], ports[i][1], ports[i][2]));
      }
      DovecotGroup group = new DovecotGroup(mail, instances, users, refersTo);
      try {
        for (int i = 0; i < count; i++) {
          group.start(i);
        }
      } catch (IOException | RuntimeException e) {
        group.close();
        throw e;
      }
      return group;
    }

    private static String config(int i, Path dir, Path mail, int[] ports, int urlPort, String uid, String gid) {
      return String.join("\n",
          "base_dir = " + dir.resolve("run"),
          "state_dir = " + dir.resolve("state"),
          "instance_name = repgroup-" + ProcessHandle.current().pid() + "-" + i + "-" + ports[0],
          "log_path = " + dir.resolve("dovecot.log"),
          "listen = 127.0.0.1",
          "protocols = imap pop3 lmtp",
          "ssl = no",
          "disable_plaintext_auth = no",
          "auth_mechanisms = plain login",
          // Tests check refused logins; Dovecot's default 2 s penalty would only slow them down.
          "auth_failure_delay = 0",
          "default_internal_user = dovecot",
          "default_login_user = dovenull",
          "first_valid_uid = 1",
          "mail_location = maildir:" + mail + "/%u",
          "pop3_uidl_format = %08Xu%08Xv",
          // URLAUTH (RFC 4467): every instance accepts URLs naming the group by instance 0's address,
          // as a real group's hosts all answer for one name; the keys live with the shared mail.
          "mail_attribute_dict = file:%h/dovecot-attributes",
          "imap_urlauth_host = *",
          "imap_urlauth_port = " + urlPort,
          "passdb {",
          "  driver = passwd-file",
          "  args = scheme=PLAIN username_format=%u " + dir.resolve("passwd"),
          "}",
          "userdb {",
          "  driver = static",
          "  args = uid=" + uid + " gid=" + gid + " home=" + mail + "/%u",
          "}",
          "service imap-login {",
          "  inet_listener imap {",
          "    address = 127.0.0.1",
          "    port = " + ports[0],
          "  }",
          "  inet_listener imaps {",
          "    port = 0",
          "  }",
          "}",
          "service pop3-login {",
          "  inet_listener pop3 {",
          "    address = 127.0.0.1",
          "    port = " + ports[1],
          "  }",
          "  inet_listener pop3s {",
          "    port = 0",
          "  }",
          "}",
          "service lmtp {",
          "  inet_listener lmtp {",
          "    address = 127.0.0.1",
          "    port = " + ports[2],
          "  }",
          "}",
          "");
    }

    /** Dovecot's processes run as other users: they must be able to traverse the work dirs. */
    private static void openUp(Path dir) throws IOException {
      for (Path p = dir; p != null && p.getNameCount() > 0; p = p.getParent()) {
        if (p.toString().equals("/tmp")) {
          break;
        }
        try {
          Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rwxr-xr-x"));
        } catch (IOException | UnsupportedOperationException e) {
          break;
        }
      }
    }

    private static String idOf(String flag) throws IOException {
      Process p = new ProcessBuilder("id", flag, "dovecot").redirectErrorStream(true).start();
      try {
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.US_ASCII).strip();
        if (p.waitFor() != 0 || !out.chars().allMatch(Character::isDigit)) {
          throw new IOException("no dovecot user on this machine (id " + flag + " dovecot: " + out + ")");
        }
        return out;
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IOException(e);
      }
    }
  }
}
