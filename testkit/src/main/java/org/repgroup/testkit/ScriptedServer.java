package org.repgroup.testkit;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import org.repgroup.core.HostAddress;
import org.repgroup.testkit.internal.Session;

/**
 * A line-protocol server on 127.0.0.1 and an ephemeral port, one thread per
 * connection, that records what clients send and misbehaves on demand
 * ({@link Fault}). {@link ImapServer}, {@link Pop3Server} and {@link LmtpServer}
 * are built on it.
 */
public abstract class ScriptedServer implements AutoCloseable {

  private final String name;
  private final ExecutorService threads;
  private final List<Session> sessions = new CopyOnWriteArrayList<>();
  private final List<List<String>> transcripts = new CopyOnWriteArrayList<>();
  private final Map<String, CommandHandler> handlers = new ConcurrentHashMap<>();
  private final AtomicInteger connections = new AtomicInteger();
  private final List<Long> acceptTimes = new CopyOnWriteArrayList<>();
  private volatile Fault fault;
  private volatile String greeting;
  private volatile javax.net.ssl.SSLContext tls;
  private final List<String> tlsCommands = new CopyOnWriteArrayList<>();
  private volatile ServerSocket listener;
  private java.util.concurrent.Future<?> acceptTask;
  /** Holds the port while not listening, so no client socket is given it as a source port (self-connect). */
  private Socket portHold;
  private volatile InetAddress bindAddress = InetAddress.getLoopbackAddress();
  private int port;
  private volatile boolean closed;

  /** A server called {@code name} (in thread names and messages). */
  protected ScriptedServer(String name) {
    this.name = name;
    AtomicInteger n = new AtomicInteger();
    this.threads = Executors.newCachedThreadPool(r -> {
      Thread t = new Thread(r, "testkit-" + name + "-" + n.incrementAndGet());
      t.setDaemon(true);
      return t;
    });
  }

  /** Starts listening on 127.0.0.1 (an ephemeral port the first time, the same port after a restart). */
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
  public synchronized void stop() {
    closeListener();
    for (Session s : sessions) {
      s.abort();
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
        acceptTask.get(2, java.util.concurrent.TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
        // The accept thread is gone or stuck; the port is closed either way.
      }
      if (!closed) {
        holdPort();
      }
    }
  }

  /**
   * Keeps the port bound but not listening: connections are refused, and the
   * kernel cannot hand the port to a client as its ephemeral source port (a
   * loopback connect to a free ephemeral port can otherwise connect to itself).
   */
  private void holdPort() {
    try {
      Socket hold = new Socket();
      hold.setReuseAddress(true);
      hold.bind(new InetSocketAddress(bindAddress, port));
      portHold = hold;
    } catch (IOException e) {
      // Best effort: without it, a refused port may rarely self-connect.
      portHold = null;
    }
  }

  private synchronized void releasePort() {
    if (portHold != null) {
      try {
        portHold.close();
      } catch (IOException ignored) {
        // released anyway
      }
      portHold = null;
    }
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
      connections.incrementAndGet();
      acceptTimes.add(System.nanoTime());
      try {
        // Replies go out line by line: without this, Nagle and delayed ACKs add 40 ms per exchange.
        socket.setTcpNoDelay(true);
      } catch (IOException ignored) {
        // best effort
      }
      List<String> transcript = new CopyOnWriteArrayList<>();
      transcripts.add(transcript);
      Session session = new Session(socket, this, transcript);
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
      } catch (java.util.concurrent.RejectedExecutionException e) {
        session.abort();
      }
    }
  }

  private void serve(Session s) {
    try {
      Fault f = fault;
      if (f != null) {
        switch (f.kind()) {
          case BLACK_HOLE -> {
            s.hold();
            return;
          }
          case GARBAGE_GREETING -> {
            s.writeRaw(new byte[] {0, (byte) 0xff, 0x1b, '[', 0x7f, (byte) 0x80, 0x02, '\r', '\n'});
            return;
          }
          case OVERSIZED_LINE -> {
            byte[] line = new byte[(int) f.count()];
            java.util.Arrays.fill(line, (byte) 'x');
            s.writeRaw(line);
            s.hold();
            return;
          }
          default -> {
            // applied below
          }
        }
      }
      String g = greeting;
      s.writeLine(g != null ? g : defaultGreeting(s));
      if (currentFault(Fault.Kind.STALL_AFTER_GREETING) != null) {
        s.hold();
        return;
      }
      String line;
      while (!s.isClosed() && (line = s.readLine()) != null) {
        s.record(line);
        Command c = parse(s, line);
        if (s.isTls()) {
          tlsCommands.add(c.verb());
        }
        Fault cf = fault;
        if (cf != null && c.verb().equals(cf.verb())) {
          if (cf.kind() == Fault.Kind.RESET_AT_COMMAND) {
            s.reset();
            return;
          }
          if (cf.kind() == Fault.Kind.STALL_AT_COMMAND) {
            s.hold();
            return;
          }
          if (cf.kind() == Fault.Kind.RESET_AFTER_REPLIES) {
            s.resetAfterReplies((int) cf.count());
          }
        }
        CommandHandler h = handlers.get(c.verb());
        String scripted = h == null ? null : h.reply(c);
        if (scripted != null) {
          for (String l : scripted.split("\r\n", -1)) {
            s.writeLine(l);
          }
          if (isQuit(c)) {
            return;
          }
          continue;
        }
        handle(s, c);
      }
    } catch (IOException e) {
      // The client went away or the connection was reset on purpose.
    }
  }

  /** The fault now in force if it is of {@code kind}, else {@code null}. */
  public Fault currentFault(Fault.Kind kind) {
    Fault f = fault;
    return f != null && f.kind() == kind ? f : null;
  }

  /** Splits a line into a command; IMAP overrides this to take the tag first. */
  protected Command parse(Session s, String line) {
    String[] parts = line.split(" ", 2);
    return new Command("", parts[0].toUpperCase(Locale.ROOT), parts.length > 1 ? parts[1] : "", line);
  }

  /** True for the command that ends a session ({@code QUIT}, {@code LOGOUT}). */
  protected boolean isQuit(Command c) {
    return c.verb().equals("QUIT") || c.verb().equals("LOGOUT");
  }

  /** The greeting line when none was set with {@link #setGreeting}. */
  protected abstract String defaultGreeting(Session s);

  /** Answers one command; may read more (literals, DATA, SASL continuations) from the session. */
  protected abstract void handle(Session s, Command c) throws IOException;

  /** Applies {@code fault} from now on; {@link Fault#refuse()} closes the port at once. */
  public void setFault(Fault fault) {
    this.fault = fault;
    if (fault != null && fault.kind() == Fault.Kind.REFUSE) {
      closeListener();
    }
  }

  /** Removes the fault; a refused port listens again on the same port. */
  public void clearFault() {
    Fault previous = fault;
    fault = null;
    if (previous != null && previous.kind() == Fault.Kind.REFUSE && !closed) {
      try {
        start();
      } catch (IOException e) {
        throw new IllegalStateException(name + ": cannot listen again on port " + port + ": " + e.getMessage(), e);
      }
    }
  }

  /** The fault in force, or {@code null}. */
  public Fault fault() {
    return fault;
  }

  /** Replaces the greeting line (without CRLF); {@code null} restores the persona's own. */
  public void setGreeting(String greetingLine) {
    this.greeting = greetingLine;
  }

  /** Offers STARTTLS with {@code context} (e.g. {@link TestCertificates#serverContext()}); {@code null} stops offering it. */
  public void offerStartTls(javax.net.ssl.SSLContext context) {
    this.tls = context;
  }

  /** The TLS context offered with STARTTLS, or {@code null}. */
  protected javax.net.ssl.SSLContext startTlsContext() {
    return tls;
  }

  /** Commands clients sent after switching to TLS (verbs only: credentials are not kept here). */
  public List<String> commandsAfterTls() {
    return List.copyOf(tlsCommands);
  }

  /** Scripts the reply to {@code verb} (case-insensitive); see {@link CommandHandler}. */
  public void onCommand(String verb, CommandHandler handler) {
    handlers.put(verb.toUpperCase(Locale.ROOT), handler);
  }

  /** Removes every scripted reply. */
  public void clearCommandHandlers() {
    handlers.clear();
  }

  /**
   * Listens on {@code address} (another loopback address such as 127.0.0.2) from
   * the next {@link #start()} on, same port: a host coming back on a new address.
   */
  public synchronized void bindAddress(InetAddress address) {
    this.bindAddress = address;
  }

  /** The listening address (127.0.0.1 unless moved) and the port. */
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

  /** Connections accepted so far. */
  public int connectionCount() {
    return connections.get();
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
      Command c = parse(null, line);
      if (c.verb().equals(v)) {
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

  /** Forgets recorded lines and the connection count. */
  public void clearRecords() {
    transcripts.clear();
    acceptTimes.clear();
    connections.set(0);
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
