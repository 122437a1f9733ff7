package org.repgroup.testkit;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.SSLContext;
import org.repgroup.core.HostAddress;

/**
 * A line-protocol server on 127.0.0.1 and an ephemeral port, one thread per
 * connection, that records what clients send and misbehaves on demand. Two ways to
 * script it, as MockWebServer has a {@code Dispatcher} and {@code enqueue}:
 * <ul>
 *   <li>standing behaviour, for every connection until changed: {@link #setFault(Fault)},
 *       {@link #setGreeting(String)}, {@link #onCommand(String, CommandHandler)};
 *   <li>a queue of per-connection scripts, each taken by the next connection:
 *       {@link #enqueue(Fault)}, {@link #enqueue(ConnectionScript)}.
 * </ul>
 * {@link #takeCommand(Duration)} returns what clients sent, in order.
 * {@link ImapServer}, {@link Pop3Server} and {@link LmtpServer} are built on it.
 */
public abstract sealed class ScriptedServer extends FaultedServer permits ImapServer, Pop3Server, LmtpServer {

  private static final byte[] GARBAGE = {0, (byte) 0xff, 0x1b, '[', 0x7f, (byte) 0x80, 0x02, '\r', '\n'};

  /** The node or standalone store behind this server. */
  final Backend backend;
  private final String name;
  private final ExecutorService threads;
  private final List<Session> sessions = new CopyOnWriteArrayList<>();
  private final List<List<String>> transcripts = new CopyOnWriteArrayList<>();
  private final BlockingQueue<Command> received = new LinkedBlockingQueue<>();
  private final AtomicInteger taken = new AtomicInteger();
  private final Map<String, CommandHandler> handlers = new ConcurrentHashMap<>();
  private final AtomicInteger connections = new AtomicInteger();
  private final List<Long> acceptTimes = new CopyOnWriteArrayList<>();
  private final List<String> tlsCommands = new CopyOnWriteArrayList<>();
  private volatile String greeting;
  private volatile SSLContext tls;
  private volatile String lastAuthorizationId;
  private volatile ServerSocket listener;
  private Future<?> acceptTask;
  /** Holds the port while not listening (see {@link PortHold}). */
  private Socket portHold;
  private volatile InetAddress bindAddress = InetAddress.getLoopbackAddress();
  private int port;
  private volatile boolean closed;

  ScriptedServer(String name, Backend backend) {
    super(name);
    this.name = name;
    this.backend = backend;

    AtomicInteger n = new AtomicInteger();
    this.threads = Executors.newCachedThreadPool(r -> {
      Thread t = new Thread(r, "testkit-" + name + "-" + n.incrementAndGet());
      t.setDaemon(true);
      return t;
    });
  }

  // ---- lifecycle -------------------------------------------------------------------------

  @Override
  public synchronized ScriptedServer start() throws IOException {
    if (listener != null) {
      return this;
    }
    closed = false;
    releasePort();
    ServerSocket ss = new ServerSocket();
    ss.setReuseAddress(true);
    ss.bind(new InetSocketAddress(bindAddress, port), 200);
    port = ss.getLocalPort();
    listener = ss;
    acceptTask = threads.submit(() -> acceptLoop(ss));
    return this;
  }

  /** Stops listening and closes every connection (stalled ones included). Can be started again. */
  @Override
  public synchronized void stop() {
    closeListener();
    for (Session s : sessions) {
      s.close();
    }
    sessions.clear();
  }

  /** Stops the server for good and its threads. */
  @Override
  public void close() {
    closed = true;
    stop();
    releasePort();
    threads.shutdownNow();
  }

  /** True while the port is listening. */
  public synchronized boolean isListening() {
    return listener != null;
  }

  private synchronized void closeListener() {
    if (listener != null) {
      try {
        listener.close();
      } catch (IOException ignored) {
        // closing
      }
      listener = null;
      // The JDK may finish closing a listener only when its blocked accept() returns:
      // wait for the accept thread, so the port refuses from the moment we return.
      try {
        acceptTask.get(2, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      } catch (ExecutionException | TimeoutException e) {
        // The accept thread is gone or stuck; the port is closed either way.
      }
      if (!closed) {
        holdPort();
      }
    }
  }

  private void holdPort() {
    portHold = PortHold.bind(bindAddress, port);
  }

  private synchronized void releasePort() {
    PortHold.release(portHold);
    portHold = null;
  }

  private void acceptLoop(ServerSocket ss) {
    while (!ss.isClosed()) {
      Socket socket;
      try {
        socket = ss.accept();
      } catch (IOException e) {
        return;
      }
      if (listener != ss) {
        // Accepted while being closed: refuse it the way a closed port would.
        try {
          socket.setSoLinger(true, 0);
          socket.close();
        } catch (IOException ignored) {
          // gone
        }
        return;
      }
      acceptTimes.add(System.nanoTime());
      List<String> transcript = new CopyOnWriteArrayList<>();
      transcripts.add(transcript);
      Session session;
      FaultCore.Plan plan = faults.next();
      // Counted once its fault is fixed: a test that sees the count and then clears a standing
      // fault must not race this thread into serving a connection it saw as faulted.
      connections.incrementAndGet();
      try {
        // Replies go out line by line: without this, Nagle and delayed ACKs add 40 ms per exchange.
        socket.setTcpNoDelay(true);
        session = new Session(socket, plan, transcript);
      } catch (IOException e) {
        continue;
      }
      sessions.add(session);
      try {
        threads.execute(() -> {
          try {
            serve(session);
          } finally {
            session.close();
            sessions.remove(session);
          }
        });
      } catch (RejectedExecutionException e) {
        session.close();
      }
    }
  }

  // ---- one connection ------------------------------------------------------------------

  private void serve(Session s) {
    try {
      if (greetedInstead(s, s.fault())) {
        return;
      }
      if (s.fault() instanceof Fault.TrickleGreeting t) {
        s.trickle(t.perByte());
      }
      s.writeLine(greeting(s));
      s.trickle(null);
      if (s.fault() instanceof Fault.StallAfterGreeting) {
        s.hold();
        return;
      }
      String line;
      while (!s.isClosed() && (line = s.readLine()) != null) {
        s.record(line);
        Command c = parse(line);
        received.add(c);
        if (s.isTls()) {
          tlsCommands.add(c.verb());
        }
        Fault f = s.fault();
        if (f instanceof Fault.CommandFault cf && cf.verb().equals(c.verb())) {
          if (f instanceof Fault.ResetAtCommand) {
            s.reset();
            return;
          }
          if (f instanceof Fault.StallAtCommand) {
            s.hold();
            return;
          }
          if (f instanceof Fault.ResetAfterReplies r) {
            s.resetAfterReplies(r.replies());
          }
          if (f instanceof Fault.TrickleReply t) {
            s.trickle(t.perByte());
          }
        }
        try {
          if (!answeredByScript(s, c)) {
            handle(s, c);
          } else if (isQuit(c)) {
            return;
          }
        } finally {
          s.trickle(null);
        }
      }
    } catch (IOException e) {
      // The client went away or the connection was reset on purpose.
    }
  }

  /** Shows a fault that replaces the greeting; true if it did (the session is over). */
  private static boolean greetedInstead(Session s, Fault f) throws IOException {
    if (f instanceof Fault.BlackHole) {
      s.hold();
    } else if (f instanceof Fault.GarbageGreeting) {
      s.writeRaw(GARBAGE);
    } else if (f instanceof Fault.OversizedLine o) {
      s.writeFiller(o.length());
      s.hold();
    } else if (f instanceof Fault.EndlessGreeting) {
      s.writeFiller(Long.MAX_VALUE);
    } else if (f instanceof Fault.LiteralGreeting l) {
      s.writeLine(l.line());
      s.writeFiller(l.thenBytes());
      s.hold();
    } else {
      return false;
    }
    return true;
  }

  private String greeting(Session s) {
    Optional<String> scripted = s.plan().greeting();
    if (scripted.isPresent()) {
      return scripted.get();
    }
    String g = greeting;
    return g != null ? g : defaultGreeting(s);
  }

  /** Sends the connection script's or the server's scripted reply to {@code c}; false if there is none. */
  private boolean answeredByScript(Session s, Command c) throws IOException {
    CommandHandler h = s.plan().handler(c.verb());
    String reply = h == null ? null : h.reply(c);
    if (reply == null) {
      h = handlers.get(c.verb());
      reply = h == null ? null : h.reply(c);
    }
    if (reply == null) {
      return false;
    }
    for (String l : reply.split("\r\n", -1)) {
      s.writeLine(l);
    }
    return true;
  }

  /**
   * The graceful stop of {@link Fault.StopDuringWrite}, once the write's data is in: commits (or
   * not), stops the node or server (ports refuse, other sessions cut, an election if it was the
   * master), says the farewell where the reply was due, and closes this session.
   */
  final void stopDuringWrite(Session s, Fault.StopDuringWrite stop, IoAction commit, String farewell)
      throws IOException {
    s.plan().fired(stop);
    if (stop.commit() == Fault.Commit.STORED) {
      commit.run();
    }
    sessions.remove(s);
    backend.stopFrom(this);
    if (stop.farewell() == Fault.Farewell.SHUTTING_DOWN) {
      s.writeLine(farewell);
    }
    s.cut();
  }

  /** A step that may fail with an I/O error. */
  @FunctionalInterface
  interface IoAction {
    void run() throws IOException;
  }

  /** Splits a line into a command; IMAP overrides this to take the tag first. */
  Command parse(String line) {
    String[] parts = line.split(" ", 2);
    return new Command("", parts[0].toUpperCase(Locale.ROOT), parts.length > 1 ? parts[1] : "", line);
  }

  /** True for the command that ends a session ({@code QUIT}, {@code LOGOUT}). */
  boolean isQuit(Command c) {
    return c.verb().equals("QUIT") || c.verb().equals("LOGOUT");
  }

  /** The greeting line when none was set with {@link #setGreeting}. */
  abstract String defaultGreeting(Session s);

  /** Answers one command; may read more (literals, DATA, SASL continuations) from the session. */
  abstract void handle(Session s, Command c) throws IOException;

  /** The line servers show every fault but the other persona's stop. */
  @Override
  void checkSupported(Fault fault) {
    if (fault instanceof Fault.StopDuringWrite w) {
      throw new IllegalArgumentException(name + " cannot stop during " + w.verb() + ": " + fault);
    }
  }

  // ---- scripting -------------------------------------------------------------------------

  @Override
  void closePort() {
    closeListener();
  }

  @Override
  void reopenPort() throws IOException {
    if (!closed) {
      start();
    }
  }

  /** Replaces the greeting line (without CRLF); {@code null} restores the persona's own. */
  public void setGreeting(String greetingLine) {
    this.greeting = greetingLine;
  }

  /** Offers STARTTLS with {@code context} (e.g. {@link TestCertificates#serverContext()}); {@code null} stops offering it. */
  public void offerStartTls(SSLContext context) {
    this.tls = context;
  }

  /** The TLS context offered with STARTTLS, or {@code null}. */
  SSLContext startTlsContext() {
    return tls;
  }

  /** Commands clients sent after switching to TLS (verbs only: credentials are not kept here). */
  public List<String> commandsAfterTls() {
    return List.copyOf(tlsCommands);
  }

  /** Scripts the reply to {@code verb} (case-insensitive) on every connection; see {@link CommandHandler}. */
  public void onCommand(String verb, CommandHandler handler) {
    handlers.put(verb.toUpperCase(Locale.ROOT), handler);
  }

  /** Removes every scripted reply. */
  public void clearCommandHandlers() {
    handlers.clear();
  }

  // ---- the store and its users ----------------------------------------------------------

  /** The mailbox store this server reads and writes (the group's, on a node). */
  public MailStore store() {
    return backend.store();
  }

  /**
   * Adds a user to a standalone server.
   *
   * @throws IllegalStateException on a group node: its users are configured on the group
   */
  void addUser(String name, String password) {
    if (!(backend instanceof StandaloneBackend standalone)) {
      throw new IllegalStateException("users of a group node are configured on the group");
    }
    standalone.user(name, password);
  }

  /** The authorization identity of the last SASL PLAIN login (empty string when none was given), or {@code null}. */
  public String lastAuthorizationId() {
    return lastAuthorizationId;
  }

  void authorizationId(String authzid) {
    this.lastAuthorizationId = authzid;
  }

  // ---- what clients sent -----------------------------------------------------------------

  /**
   * The next command a client sent (any connection, in order of arrival), waiting up to
   * {@code timeout} for it; each command is returned once, like MockWebServer's {@code takeRequest}.
   *
   * @throws TimeoutException naming the server and how many commands were taken, when none arrives in time
   */
  public Command takeCommand(Duration timeout) throws InterruptedException, TimeoutException {
    Command c = received.poll(timeout.toNanos(), TimeUnit.NANOSECONDS);
    if (c == null) {
      throw new TimeoutException(name + ": no command within " + timeout.toMillis() + " ms (" + taken.get()
          + " taken before)");
    }
    taken.incrementAndGet();
    return c;
  }

  /** Connections accepted so far. */
  public int connectionCount() {
    return connections.get();
  }

  /** Connections accepted so far. */
  @Override
  public int contactCount() {
    return connectionCount();
  }

  /** When each connection was accepted ({@link System#nanoTime()}), in order: for rate assertions. */
  public List<Long> acceptTimes() {
    return List.copyOf(acceptTimes);
  }

  /** Every line clients sent, all connections, in order of arrival per connection. */
  public List<String> receivedLines() {
    List<String> all = new ArrayList<>();
    for (List<String> t : transcripts) {
      all.addAll(t);
    }
    return all;
  }

  /** The lines each connection sent, one list per connection, in accept order. */
  public List<List<String>> transcript() {
    List<List<String>> copy = new ArrayList<>();
    for (List<String> t : transcripts) {
      copy.add(List.copyOf(t));
    }
    return copy;
  }

  /** True if any client sent {@code verb} (case-insensitive). */
  public boolean sawCommand(String verb) {
    String v = verb.toUpperCase(Locale.ROOT);
    for (String line : receivedLines()) {
      if (parse(line).verb().equals(v)) {
        return true;
      }
    }
    return false;
  }

  /** True if any client sent credentials here (LOGIN, AUTHENTICATE, AUTH, USER, PASS, APOP). */
  public boolean sawCredentials() {
    for (String verb : List.of("LOGIN", "AUTHENTICATE", "AUTH", "USER", "PASS", "APOP")) {
      if (sawCommand(verb)) {
        return true;
      }
    }
    return false;
  }

  /** Forgets recorded lines, commands not yet taken, and the connection count. */
  public void clearRecords() {
    transcripts.clear();
    received.clear();
    acceptTimes.clear();
    connections.set(0);
  }

  // ---- address ---------------------------------------------------------------------------

  /**
   * Listens on {@code address} (another loopback address such as 127.0.0.2) from
   * the next {@link #start()} on, same port: a host coming back on a new address.
   */
  public synchronized void bindAddress(InetAddress address) {
    this.bindAddress = address;
  }

  @Override
  public HostAddress address() {
    return HostAddress.of(bindAddress.getHostAddress(), port());
  }

  /** The port (assigned by {@link #start()}). */
  public synchronized int port() {
    if (port == 0) {
      throw new IllegalStateException(name + " has not been started");
    }
    return port;
  }

  /** The server's name. */
  public String name() {
    return name;
  }

  @Override
  public String toString() {
    return name + "@" + (port == 0 ? "unstarted" : bindAddress.getHostAddress() + ":" + port);
  }
}
