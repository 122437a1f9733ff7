package org.repgroup.imap;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import org.repgroup.core.HostAddress;

/**
 * A loopback TCP relay in front of a real IMAP server that breaks the first APPEND
 * going through it, then stops listening (as a dead host would):
 * {@link Cut#AFTER_SERVER_OK} forwards the APPEND and its literal, and when the
 * server answers the APPEND's tag with {@code OK} (the message is stored), closes
 * both sides instead of forwarding that answer; {@link Cut#BEFORE_APPEND} closes
 * both sides when the APPEND line arrives, before any of it reaches the server.
 */
final class AppendCuttingRelay implements AutoCloseable {

  /** Where the APPEND is broken. */
  enum Cut {
    /** The server stored the message; the client never hears so. */
    AFTER_SERVER_OK,
    /** The server never sees the APPEND. */
    BEFORE_APPEND
  }

  private final ServerSocket server;
  private final HostAddress backend;
  private final Cut cut;
  private final List<Socket> open = new CopyOnWriteArrayList<>();
  private final AtomicBoolean done = new AtomicBoolean();
  private volatile String appendTag;

  AppendCuttingRelay(HostAddress backend, Cut cut) throws IOException {
    this.backend = backend;
    this.cut = cut;
    this.server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    Thread accept = new Thread(() -> {
      while (!server.isClosed()) {
        try {
          Socket client = server.accept();
          open.add(client);
          Thread t = new Thread(() -> relay(client), "append-relay");
          t.setDaemon(true);
          t.start();
        } catch (IOException e) {
          return;
        }
      }
    }, "append-relay-accept");
    accept.setDaemon(true);
    accept.start();
  }

  HostAddress address() {
    return HostAddress.of("127.0.0.1", server.getLocalPort());
  }

  /** True once the APPEND was broken as configured. */
  boolean hasCut() {
    return done.get();
  }

  private void relay(Socket client) {
    Socket upstream = new Socket();
    open.add(upstream);
    try {
      upstream.connect(new InetSocketAddress(backend.host(), backend.port().orElseThrow()), 5000);
      Thread down = new Thread(() -> down(upstream, client), "append-relay-down");
      down.setDaemon(true);
      down.start();
      up(client, upstream);
    } catch (IOException e) {
      closeAll(client, upstream);
    }
  }

  /** Client to server, line by line (a literal's lines too), watching for the APPEND command. */
  private void up(Socket client, Socket upstream) {
    try (InputStream in = new BufferedInputStream(client.getInputStream())) {
      OutputStream out = upstream.getOutputStream();
      byte[] line;
      while ((line = readLine(in)) != null) {
        String text = new String(line, StandardCharsets.ISO_8859_1);
        String[] words = text.split(" ", 3);
        if (!done.get() && appendTag == null && words.length == 3 && words[1].equalsIgnoreCase("APPEND")) {
          if (cut == Cut.BEFORE_APPEND) {
            breakNow(client, upstream);
            return;
          }
          appendTag = words[0];
        }
        out.write(line);
        out.flush();
      }
    } catch (IOException e) {
      // one side went away
    } finally {
      closeAll(client, upstream);
    }
  }

  /** Server to client, line by line, swallowing the APPEND's tagged OK and cutting there. */
  private void down(Socket upstream, Socket client) {
    try (InputStream in = new BufferedInputStream(upstream.getInputStream())) {
      OutputStream out = client.getOutputStream();
      byte[] line;
      while ((line = readLine(in)) != null) {
        String tag = appendTag;
        String text = new String(line, StandardCharsets.ISO_8859_1).toUpperCase(Locale.ROOT);
        if (!done.get() && tag != null && text.startsWith(tag.toUpperCase(Locale.ROOT) + " OK")) {
          breakNow(client, upstream);
          return;
        }
        out.write(line);
        out.flush();
      }
    } catch (IOException e) {
      // one side went away
    } finally {
      closeAll(client, upstream);
    }
  }

  private void breakNow(Socket client, Socket upstream) {
    done.set(true);
    try {
      server.close();
    } catch (IOException ignored) {
      // closing
    }
    closeAll(client, upstream);
  }

  /** One line with its line end, or the last bytes before end of stream, or null at end of stream. */
  private static byte[] readLine(InputStream in) throws IOException {
    ByteArrayOutputStream buf = new ByteArrayOutputStream();
    int b;
    while ((b = in.read()) != -1) {
      buf.write(b);
      if (b == '\n') {
        return buf.toByteArray();
      }
    }
    return buf.size() == 0 ? null : buf.toByteArray();
  }

  private static void closeAll(Socket... sockets) {
    for (Socket s : sockets) {
      try {
        s.close();
      } catch (IOException ignored) {
        // closing
      }
    }
  }

  @Override
  public void close() throws IOException {
    server.close();
    for (Socket s : open) {
      closeAll(s);
    }
  }
}
