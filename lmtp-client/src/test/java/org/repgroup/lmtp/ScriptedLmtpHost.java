package org.repgroup.lmtp;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
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
import org.repgroup.core.StoreHostList;
import org.repgroup.core.ReplicationGroup;

/**
 * A small LMTP server for the misbehaviours the testkit does not stage: a reply
 * trickled one byte at a time (the greeting, any command's reply, or the replies
 * after the final dot), scripted lines after the final dot followed by a close or
 * by silence (a stopping node's last words), and a scripted reply to one command.
 * Otherwise it answers like a healthy server and counts each complete message it
 * received as stored.
 */
final class ScriptedLmtpHost implements AutoCloseable {

  /** The pseudo-verb for the greeting in {@link #trickle}. */
  static final String GREETING = "GREETING";
  /** The pseudo-verb for the replies after the final dot in {@link #trickle}. */
  static final String DOT = "DOT";

  /** What follows the scripted lines after the final dot. */
  enum End {
    /** The server closes the connection. */
    CLOSE,
    /** The server keeps the connection open and says nothing more. */
    HOLD
  }

  private final ServerSocket listener;
  private final ExecutorService threads = Executors.newCachedThreadPool(r -> {
    Thread t = new Thread(r, "scripted-lmtp");
    t.setDaemon(true);
    return t;
  });
  private final List<Socket> sockets = new CopyOnWriteArrayList<>();
  private final List<String> commands = new CopyOnWriteArrayList<>();
  private final Map<String, Duration> trickles = new ConcurrentHashMap<>();
  private final Map<String, String> replies = new ConcurrentHashMap<>();
  private final AtomicInteger connections = new AtomicInteger();
  private final AtomicInteger stored = new AtomicInteger();
  private volatile List<String> afterDot;
  private volatile End afterDotEnd;
  private volatile boolean closed;

  private ScriptedLmtpHost() throws IOException {
    listener = new ServerSocket();
    listener.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 50);
    threads.execute(this::acceptLoop);
  }

  /** A host listening on 127.0.0.1 and an ephemeral port. */
  /** A group named "g" listing {@code hosts} in order. */
  static ReplicationGroup group(ScriptedLmtpHost... hosts) {
    List<HostAddress> list = new ArrayList<>();
    for (ScriptedLmtpHost h : hosts) {
      list.add(h.address());
    }
    return ReplicationGroup.builder("g", new StoreHostList(list)).build();
  }

  static ScriptedLmtpHost start() throws IOException {
    return new ScriptedLmtpHost();
  }

  /** The reply to {@code verb} ({@link #GREETING}, {@code LHLO}, {@code MAIL}..., {@link #DOT}) goes out one byte per {@code perByte}. */
  ScriptedLmtpHost trickle(String verb, Duration perByte) {
    trickles.put(verb.toUpperCase(Locale.ROOT), perByte);
    return this;
  }

  /** {@code verb} is answered with {@code line} instead of the normal reply. */
  ScriptedLmtpHost reply(String verb, String line) {
    replies.put(verb.toUpperCase(Locale.ROOT), line);
    return this;
  }

  /** After the final dot the server sends {@code lines} (instead of one reply per recipient), then {@code end}. */
  ScriptedLmtpHost afterDot(End end, String... lines) {
    afterDot = List.of(lines);
    afterDotEnd = end;
    return this;
  }

  HostAddress address() {
    return HostAddress.of("127.0.0.1", listener.getLocalPort());
  }

  int connectionCount() {
    return connections.get();
  }

  /** Messages received whole (up to their final dot): what the store would hold. */
  int messagesStored() {
    return stored.get();
  }

  boolean sawCommand(String verb) {
    return commands.stream().anyMatch(c -> c.toUpperCase(Locale.ROOT).startsWith(verb.toUpperCase(Locale.ROOT)));
  }

  private void acceptLoop() {
    while (!closed) {
      Socket s;
      try {
        s = listener.accept();
      } catch (IOException e) {
        return;
      }
      connections.incrementAndGet();
      sockets.add(s);
      threads.execute(() -> serve(s));
    }
  }

  private void serve(Socket s) {
    try (s) {
      s.setTcpNoDelay(true);
      OutputStream out = s.getOutputStream();
      BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.ISO_8859_1));
      write(out, GREETING, "220 scripted LMTP ready");
      int recipients = 0;
      String line;
      while ((line = in.readLine()) != null) {
        commands.add(line);
        String verb = line.split(" ", 2)[0].toUpperCase(Locale.ROOT);
        String scripted = replies.get(verb);
        if (scripted != null) {
          write(out, verb, scripted);
          continue;
        }
        switch (verb) {
          case "LHLO" -> write(out, verb, "250-scripted\r\n250-PIPELINING\r\n250 ENHANCEDSTATUSCODES");
          case "MAIL" -> {
            recipients = 0;
            write(out, verb, "250 2.1.0 Ok");
          }
          case "RCPT" -> {
            recipients++;
            write(out, verb, "250 2.1.5 Ok");
          }
          case "DATA" -> {
            write(out, verb, "354 go ahead");
            String body;
            while ((body = in.readLine()) != null && !body.equals(".")) {
              // the message
            }
            if (body == null) {
              return;
            }
            stored.incrementAndGet();
            List<String> last = afterDot;
            if (last != null) {
              for (String l : last) {
                write(out, DOT, l);
              }
              if (afterDotEnd == End.CLOSE) {
                return;
              }
              while (in.read() >= 0) {
                // silent until the client leaves
              }
              return;
            }
            for (int i = 0; i < recipients; i++) {
              write(out, DOT, "250 2.0.0 Ok: delivered");
            }
          }
          case "QUIT" -> {
            write(out, verb, "221 2.0.0 Bye");
            return;
          }
          default -> write(out, verb, "250 2.0.0 Ok");
        }
      }
    } catch (IOException | InterruptedException e) {
      // the client went away, or the server closed
    }
  }

  private void write(OutputStream out, String verb, String reply) throws IOException, InterruptedException {
    byte[] bytes = (reply + "\r\n").getBytes(StandardCharsets.ISO_8859_1);
    Duration perByte = trickles.get(verb);
    if (perByte == null) {
      out.write(bytes);
      out.flush();
      return;
    }
    for (byte b : bytes) {
      if (closed) {
        return;
      }
      out.write(b);
      out.flush();
      // Pacing a trickle, not waiting for a condition.
      Thread.sleep(perByte.toMillis());
    }
  }

  @Override
  public void close() {
    closed = true;
    try {
      listener.close();
    } catch (IOException ignored) {
      // closing
    }
    for (Socket s : sockets) {
      try {
        s.close();
      } catch (IOException ignored) {
        // closing
      }
    }
    threads.shutdownNow();
  }
}
