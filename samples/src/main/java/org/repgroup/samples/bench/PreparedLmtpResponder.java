package org.repgroup.samples.bench;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.repgroup.core.HostAddress;

/**
 * A benchmark-only LMTP responder on 127.0.0.1 that answers from prepared
 * buffers: no parsing beyond a command's first four bytes, no strings, no
 * storage, one thread per connection. It exists so a throughput benchmark
 * measures the client, not the server (the testkit's scripted server, which
 * keeps every message, is the bottleneck at a few thousand deliveries a
 * second). Not a test double: it checks nothing and accepts any envelope.
 */
final class PreparedLmtpResponder implements AutoCloseable {

  private static final byte[] GREETING = bytes("220 bench LMTP ready\r\n");
  private static final byte[] LHLO = bytes("250-bench\r\n250-PIPELINING\r\n250-ENHANCEDSTATUSCODES\r\n"
      + "250-8BITMIME\r\n250 SIZE 52428800\r\n");
  private static final byte[] OK = bytes("250 2.0.0 Ok\r\n");
  private static final byte[] MAIL_OK = bytes("250 2.1.0 Ok\r\n");
  private static final byte[] RCPT_OK = bytes("250 2.1.5 Ok\r\n");
  private static final byte[] DATA_GO = bytes("354 Start mail input; end with <CRLF>.<CRLF>\r\n");
  private static final byte[] DELIVERED = bytes("250 2.0.0 Ok: delivered\r\n");
  private static final byte[] BYE = bytes("221 2.0.0 Bye\r\n");
  private static final byte[] END = {'\r', '\n', '.', '\r', '\n'};
  private static final int LHLO_VERB = verb("LHLO");
  private static final int MAIL_VERB = verb("MAIL");
  private static final int RCPT_VERB = verb("RCPT");
  private static final int DATA_VERB = verb("DATA");
  private static final int RSET_VERB = verb("RSET");
  private static final int NOOP_VERB = verb("NOOP");
  private static final int QUIT_VERB = verb("QUIT");
  private static final byte[] UNKNOWN = bytes("500 5.5.2 Unknown command\r\n");

  private final ServerSocket server;
  private final Thread acceptor;
  private final Object connections = new Object();
  private int open;
  private int accepted;

  /** Listens on an ephemeral port of 127.0.0.1. */
  PreparedLmtpResponder() throws IOException {
    server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    acceptor = new Thread(this::accept, "prepared-lmtp-accept");
    acceptor.setDaemon(true);
    acceptor.start();
  }

  HostAddress address() {
    return HostAddress.of("127.0.0.1", server.getLocalPort());
  }

  private void accept() {
    while (!server.isClosed()) {
      try {
        Socket s = server.accept();
        synchronized (connections) {
          open++;
          accepted++;
          connections.notifyAll();
        }
        Thread t = new Thread(() -> serveCounted(s), "prepared-lmtp");
        t.setDaemon(true);
        t.start();
      } catch (IOException e) {
        return;
      }
    }
  }

  /** Connections open now (accepted, not yet seen closed by the client or this side). */
  int openConnections() {
    synchronized (connections) {
      return open;
    }
  }

  /** Connections accepted since start. */
  int acceptedConnections() {
    synchronized (connections) {
      return accepted;
    }
  }

  /**
   * Waits until exactly {@code expected} connections are open, at most {@code timeout};
   * true when they are.
   */
  boolean awaitOpenConnections(int expected, Duration timeout) throws InterruptedException {
    long end = System.nanoTime() + timeout.toNanos();
    synchronized (connections) {
      while (open != expected) {
        long left = end - System.nanoTime();
        if (left <= 0) {
          return false;
        }
        TimeUnit.NANOSECONDS.timedWait(connections, left);
      }
      return true;
    }
  }

  private void serveCounted(Socket s) {
    try {
      serve(s);
    } finally {
      synchronized (connections) {
        open--;
        connections.notifyAll();
      }
    }
  }

  private static void serve(Socket s) {
    try (s) {
      s.setTcpNoDelay(true);
      InputStream in = new BufferedInputStream(s.getInputStream(), 16 * 1024);
      OutputStream out = s.getOutputStream();
      out.write(GREETING);
      out.flush();
      byte[] line = new byte[1024];
      int recipients = 0;
      while (true) {
        int n = readLine(in, line);
        if (n < 0) {
          return;
        }
        byte[] reply;
        int verb = verb(line, n);
        if (verb == LHLO_VERB) {
          reply = LHLO;
        } else if (verb == MAIL_VERB) {
          recipients = 0;
          reply = MAIL_OK;
        } else if (verb == RCPT_VERB) {
          recipients++;
          reply = RCPT_OK;
        } else if (verb == DATA_VERB) {
          out.write(DATA_GO);
          out.flush();
          if (!skipData(in)) {
            return;
          }
          for (int i = 0; i < Math.max(1, recipients); i++) {
            out.write(DELIVERED);
          }
          recipients = 0;
          reply = null;
        } else if (verb == RSET_VERB || verb == NOOP_VERB) {
          recipients = 0;
          reply = OK;
        } else if (verb == QUIT_VERB) {
          out.write(BYE);
          out.flush();
          return;
        } else {
          reply = UNKNOWN;
        }
        if (reply != null) {
          out.write(reply);
        }
        // A pipelined envelope arrives in one read: answer it in one write.
        if (in.available() == 0) {
          out.flush();
        }
      }
    } catch (IOException e) {
      // The client went away.
    }
  }

  /** The command's first four bytes, upper-cased, as one int (0 for a shorter line). */
  private static int verb(byte[] line, int n) {
    if (n < 4) {
      return 0;
    }
    int v = 0;
    for (int i = 0; i < 4; i++) {
      v = v << 8 | (Character.toUpperCase((char) line[i]) & 0xff);
    }
    return v;
  }

  private static int verb(String command) {
    byte[] b = bytes(command);
    return verb(b, b.length);
  }

  /** Reads one line without its CRLF into {@code buf} (longer lines are cut); -1 at end of stream. */
  private static int readLine(InputStream in, byte[] buf) throws IOException {
    int n = 0;
    int b;
    while ((b = in.read()) >= 0) {
      if (b == '\n') {
        return n > 0 && buf[n - 1] == '\r' ? n - 1 : n;
      }
      if (n < buf.length) {
        buf[n++] = (byte) b;
      }
    }
    return -1;
  }

  /** Skips the message up to its CRLF.CRLF; false at end of stream. */
  private static boolean skipData(InputStream in) throws IOException {
    // State: how much of "\r\n.\r\n" has been seen (the DATA line's own CRLF counts as the first).
    int seen = 2;
    int b;
    while ((b = in.read()) >= 0) {
      if (b == END[seen]) {
        seen++;
        if (seen == END.length) {
          return true;
        }
      } else {
        seen = b == '\r' ? 1 : 0;
      }
    }
    return false;
  }

  @Override
  public void close() throws IOException {
    server.close();
  }

  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.US_ASCII);
  }
}
