package org.repgroup.core.spi;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/** One scripted connection on 127.0.0.1: the script gets the accepted socket's streams. */
final class ScriptedPeer implements AutoCloseable {

  /** What the server does with one connection. */
  @FunctionalInterface
  interface Script {
    void run(InputStream in, OutputStream out) throws Exception;
  }

  private final ServerSocket server;
  private final Thread thread;
  final CountDownLatch release = new CountDownLatch(1);
  final AtomicLong written = new AtomicLong();

  ScriptedPeer(Script script) throws IOException {
    server = new ServerSocket(0, 5, InetAddress.getLoopbackAddress());
    thread = new Thread(() -> {
      try (Socket s = server.accept()) {
        s.setTcpNoDelay(true);
        script.run(s.getInputStream(), s.getOutputStream());
        release.await(20, TimeUnit.SECONDS);
      } catch (Exception e) {
        // the client went away: the script is over
      }
    }, "scripted-peer");
    thread.setDaemon(true);
    thread.start();
  }

  InetSocketAddress address() {
    return new InetSocketAddress(InetAddress.getLoopbackAddress(), server.getLocalPort());
  }

  int port() {
    return server.getLocalPort();
  }

  /** Writes {@code line} one byte every {@code everyMillis}; a trickling host (the pause is the behaviour). */
  static void trickle(OutputStream out, String line, long everyMillis) throws Exception {
    for (byte b : line.getBytes(java.nio.charset.StandardCharsets.ISO_8859_1)) {
      out.write(b);
      out.flush();
      Thread.sleep(everyMillis);
    }
  }

  @Override
  public void close() throws IOException {
    release.countDown();
    server.close();
  }
}
