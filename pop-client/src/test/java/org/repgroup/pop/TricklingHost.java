package org.repgroup.pop;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import java.util.function.Predicate;
import org.repgroup.core.HostAddress;

/**
 * A host that sends one line a byte at a time, every read getting a byte and no
 * line ever complete in time: the greeting, or the reply to the commands
 * {@code trickled} picks. Other lines get {@code replies}' answer at once.
 * (A stand-in for testkit's trickle fault; keep it small.)
 */
final class TricklingHost implements AutoCloseable {

  private final ServerSocket server;
  private final List<Socket> open = new CopyOnWriteArrayList<>();
  private final List<String> received = new CopyOnWriteArrayList<>();
  private final AtomicInteger connections = new AtomicInteger();

  TricklingHost(String greeting, boolean trickleGreeting, Function<String, String> replies,
      Predicate<String> trickled, Duration perByte) throws IOException {
    server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    Thread accept = new Thread(() -> {
      while (!server.isClosed()) {
        try {
          Socket s = server.accept();
          connections.incrementAndGet();
          open.add(s);
          Thread t = new Thread(() -> serve(s, greeting, trickleGreeting, replies, trickled, perByte), "trickling-host");
          t.setDaemon(true);
          t.start();
        } catch (IOException e) {
          return;
        }
      }
    }, "trickling-host-accept");
    accept.setDaemon(true);
    accept.start();
  }

  /** Trickles its greeting. */
  static TricklingHost greeting(String greeting, Duration perByte) throws IOException {
    return new TricklingHost(greeting, true, line -> null, line -> false, perByte);
  }

  private void serve(Socket s, String greeting, boolean trickleGreeting, Function<String, String> replies,
      Predicate<String> trickled, Duration perByte) {
    try (s) {
      s.setTcpNoDelay(true);
      OutputStream out = s.getOutputStream();
      write(out, greeting, trickleGreeting, perByte);
      BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.ISO_8859_1));
      String line;
      while ((line = in.readLine()) != null) {
        received.add(line);
        String reply = replies.apply(line);
        if (reply != null) {
          write(out, reply, trickled.test(line), perByte);
        }
      }
    } catch (IOException | InterruptedException e) {
      // the client left: done
    }
  }

  private static void write(OutputStream out, String text, boolean trickle, Duration perByte)
      throws IOException, InterruptedException {
    byte[] bytes = (text + "\r\n").getBytes(StandardCharsets.ISO_8859_1);
    if (!trickle) {
      out.write(bytes);
      out.flush();
      return;
    }
    for (byte b : bytes) {
      out.write(b);
      out.flush();
      // Trickling is this host's behaviour, not a wait for something.
      Thread.sleep(perByte.toMillis());
    }
  }

  HostAddress address() {
    return HostAddress.of("127.0.0.1", server.getLocalPort());
  }

  int connectionCount() {
    return connections.get();
  }

  /** Lines the clients sent, all connections. */
  List<String> received() {
    return List.copyOf(received);
  }

  @Override
  public void close() throws IOException {
    server.close();
    for (Socket s : open) {
      s.close();
    }
  }
}
