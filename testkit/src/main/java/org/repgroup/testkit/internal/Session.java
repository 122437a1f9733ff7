package org.repgroup.testkit.internal;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import org.repgroup.testkit.Fault;
import org.repgroup.testkit.ScriptedServer;

/** One client connection of a {@link ScriptedServer}: reading, writing and the byte- and reply-level faults. */
public final class Session {

  /** Longest line a client may send; longer lines end the session. */
  public static final int MAX_LINE = 64 * 1024;

  private Socket socket;
  private final ScriptedServer server;
  private final List<String> transcript;
  private InputStream in;
  private OutputStream out;
  private boolean tls;
  private final CountDownLatch released = new CountDownLatch(1);
  private final Map<String, Object> state = new HashMap<>();
  private long written;
  private int repliesBeforeReset = -1;
  private volatile boolean closed;

  /** Wraps an accepted socket. */
  public Session(Socket socket, ScriptedServer server, List<String> transcript) {
    this.socket = socket;
    this.server = server;
    this.transcript = transcript;
    try {
      this.in = new BufferedInputStream(socket.getInputStream());
      this.out = socket.getOutputStream();
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Switches the connection to TLS as the server side (after a STARTTLS reply). */
  public void startTls(javax.net.ssl.SSLContext context) throws IOException {
    javax.net.ssl.SSLSocket ssl = (javax.net.ssl.SSLSocket) context.getSocketFactory()
        .createSocket(socket, socket.getInetAddress().getHostAddress(), socket.getPort(), true);
    ssl.setUseClientMode(false);
    ssl.startHandshake();
    socket = ssl;
    in = new BufferedInputStream(ssl.getInputStream());
    out = ssl.getOutputStream();
    tls = true;
  }

  /** True once the session runs over TLS. */
  public boolean isTls() {
    return tls;
  }

  /** Per-session state of the persona (logged-in user, selected mailbox...). */
  public Map<String, Object> state() {
    return state;
  }

  /** Records a line the client sent. */
  public void record(String line) {
    transcript.add(line);
  }

  /** One line without its CRLF (ISO-8859-1), or {@code null} at end of stream. */
  public String readLine() throws IOException {
    ByteArrayOutputStream buf = new ByteArrayOutputStream();
    int b;
    while ((b = in.read()) != -1) {
      if (b == '\n') {
        byte[] bytes = buf.toByteArray();
        int len = bytes.length > 0 && bytes[bytes.length - 1] == '\r' ? bytes.length - 1 : bytes.length;
        return new String(bytes, 0, len, StandardCharsets.ISO_8859_1);
      }
      buf.write(b);
      if (buf.size() > MAX_LINE) {
        throw new IOException("client line longer than " + MAX_LINE + " bytes");
      }
    }
    return null;
  }

  /** Exactly {@code n} bytes (an IMAP literal). */
  public byte[] readExactly(int n) throws IOException {
    byte[] data = in.readNBytes(n);
    if (data.length < n) {
      throw new IOException("client closed inside a literal");
    }
    return data;
  }

  /** Writes a reply line plus CRLF, honouring SLOW, RESET_AFTER_BYTES and RESET_AFTER_REPLIES. */
  public void writeLine(String line) throws IOException {
    Fault slow = server.currentFault(Fault.Kind.SLOW);
    if (slow != null) {
      pause(slow.delay());
    }
    if (repliesBeforeReset == 0) {
      cut();
      throw new IOException("connection cut after replies (fault)");
    }
    writeRaw((line + "\r\n").getBytes(StandardCharsets.ISO_8859_1));
    if (repliesBeforeReset > 0) {
      repliesBeforeReset--;
    }
  }

  /** Writes bytes as they are, honouring RESET_AFTER_BYTES. */
  public void writeRaw(byte[] bytes) throws IOException {
    Fault f = server.currentFault(Fault.Kind.RESET_AFTER_BYTES);
    if (f != null && written + bytes.length >= f.count()) {
      int allowed = (int) Math.max(0, f.count() - written);
      out.write(bytes, 0, allowed);
      out.flush();
      written += allowed;
      cut();
      throw new IOException("connection cut after " + f.count() + " bytes (fault)");
    }
    out.write(bytes);
    out.flush();
    written += bytes.length;
  }

  /** Streams {@code length} bytes from {@code source} (for big literals), honouring RESET_AFTER_BYTES. */
  public void writeStream(InputStream source, long length) throws IOException {
    byte[] buf = new byte[64 * 1024];
    long left = length;
    while (left > 0) {
      int n = source.read(buf, 0, (int) Math.min(buf.length, left));
      if (n < 0) {
        throw new IOException("message source ended " + left + " bytes early");
      }
      writeRaw(n == buf.length ? buf : java.util.Arrays.copyOf(buf, n));
      left -= n;
    }
  }

  /** After {@code replies} more reply lines, the next reply resets the connection instead; -1 disarms. */
  public void resetAfterReplies(int replies) {
    this.repliesBeforeReset = replies;
  }

  /** Stays silent until the server stops (a stalled or black-holed connection). */
  public void hold() {
    try {
      released.await();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /**
   * Cuts the connection mid-stream: FIN after the bytes already written, so they
   * reach the client (an RST could discard them in flight, making tests racy).
   */
  public void cut() {
    try {
      socket.shutdownOutput();
    } catch (IOException ignored) {
      // closing anyway
    }
    close();
  }

  /** Resets the connection: TCP RST, no FIN. */
  public void reset() {
    try {
      socket.setSoLinger(true, 0);
    } catch (IOException ignored) {
      // closing anyway
    }
    close();
  }

  /** Ends the session from the server side: closes the socket and releases a hold. */
  public void abort() {
    close();
  }

  /** Closes the socket. */
  public void close() {
    closed = true;
    released.countDown();
    try {
      socket.close();
    } catch (IOException ignored) {
      // already closed
    }
  }

  /** True once closed. */
  public boolean isClosed() {
    return closed;
  }

  private static void pause(Duration d) throws IOException {
    // The SLOW fault's purpose is to answer late: this delay is the simulated behaviour.
    try {
      Thread.sleep(d.toMillis(), d.toNanosPart() % 1_000_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted while slow");
    }
  }
}
