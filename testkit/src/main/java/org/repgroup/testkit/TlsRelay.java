package org.repgroup.testkit;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import org.repgroup.core.HostAddress;

/**
 * A TLS listener in front of a plain testkit server, for implicit TLS (IMAPS, POP3S):
 * it completes the handshake with {@code context} (for example
 * {@link TestCertificates#serverContext()}), then relays bytes both ways.
 */
public final class TlsRelay implements AutoCloseable {

  private final ServerSocket server;
  private final List<Socket> open = new CopyOnWriteArrayList<>();
  private final AtomicInteger handshakes = new AtomicInteger();

  /** Listens on an ephemeral loopback port and relays each connection to {@code backend}. */
  public TlsRelay(SSLContext context, HostAddress backend) throws IOException {
    server = context.getServerSocketFactory().createServerSocket(0, 50, InetAddress.getLoopbackAddress());
    Thread accept = new Thread(() -> {
      while (!server.isClosed()) {
        try {
          SSLSocket client = (SSLSocket) server.accept();
          open.add(client);
          Thread t = new Thread(() -> relay(client, backend), "tls-relay");
          t.setDaemon(true);
          t.start();
        } catch (IOException e) {
          return;
        }
      }
    }, "tls-relay-accept");
    accept.setDaemon(true);
    accept.start();
  }

  private void relay(SSLSocket client, HostAddress backend) {
    try {
      client.startHandshake();
      handshakes.incrementAndGet();
      Socket plain = new Socket();
      open.add(plain);
      plain.connect(new InetSocketAddress(backend.host(), backend.port().orElseThrow()));
      Thread back = new Thread(() -> pump(plain, client), "tls-relay-back");
      back.setDaemon(true);
      back.start();
      pump(client, plain);
    } catch (IOException e) {
      close(client);
    }
  }

  private static void pump(Socket from, Socket to) {
    try {
      InputStream in = from.getInputStream();
      OutputStream out = to.getOutputStream();
      byte[] buf = new byte[8192];
      int n;
      while ((n = in.read(buf)) != -1) {
        out.write(buf, 0, n);
        out.flush();
      }
    } catch (IOException e) {
      // one side went away
    } finally {
      close(from);
      close(to);
    }
  }

  private static void close(Socket s) {
    try {
      s.close();
    } catch (IOException ignored) {
      // closing
    }
  }

  /** Where clients connect (127.0.0.1 and the relay's port). */
  public HostAddress address() {
    return HostAddress.of("127.0.0.1", server.getLocalPort());
  }

  /** TLS handshakes completed by clients. */
  public int handshakes() {
    return handshakes.get();
  }

  @Override
  public void close() throws IOException {
    server.close();
    for (Socket s : open) {
      close(s);
    }
  }
}
