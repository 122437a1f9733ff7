package org.repgroup.testkit;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * One client connection of a {@link ScriptedServer}: reading, writing, and the
 * byte- and reply-level faults of the connection's {@link FaultCore.Plan}.
 */
final class Session {

  /** Longest line a client may send; longer lines end the session. */
  static final int MAX_LINE = 64 * 1024;

  private static final int CHUNK = 64 * 1024;

  private Socket socket;
  private final FaultCore.Plan plan;
  private final List<String> transcript;
  private InputStream in;
  private OutputStream out;
  private boolean tls;
  private final CountDownLatch released = new CountDownLatch(1);
  private final Map<String, Object> state = new HashMap<>();
  private long written;
  private int repliesBeforeReset = -1;
  private Duration trickle;
  private volatile boolean closed;

  /** Wraps an accepted socket that follows {@code plan}. */
  Session(Socket socket, FaultCore.Plan plan, List<String> transcript) throws IOException {
    this.socket = socket;
    this.plan = plan;
    this.transcript = transcript;
    this.in = new BufferedInputStream(socket.getInputStream());
    this.out = socket.getOutputStream();
  }

  /** The connection's plan (its script, or the server's standing settings). */
  FaultCore.Plan plan() {
    return plan;
  }

  /** The fault in force for this connection now, or {@code null}. */
  Fault fault() {
    return plan.fault();
  }

  /** Switches the connection to TLS as the server side (after a STARTTLS reply). */
  void startTls(javax.net.ssl.SSLContext context) throws IOException {
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
  boolean isTls() {
    return tls;
  }

  /** Per-session state of the persona (logged-in user, selected mailbox...). */
  Map<String, Object> state() {
    return state;
  }

  /** Records a line the client sent. */
  void record(String line) {
    transcript.add(line);
  }

  /** One line without its CRLF (ISO-8859-1), or {@code null} at end of stream. */
  String readLine() throws IOException {
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
  byte[] readExactly(int n) throws IOException {
    byte[] data = in.readNBytes(n);
    if (data.length < n) {
      throw new IOException("client closed inside a literal");
    }
    return data;
  }

  /** Writes a reply line plus CRLF, honouring SLOW, trickling, RESET_AFTER_BYTES and RESET_AFTER_REPLIES. */
  void writeLine(String line) throws IOException {
    if (fault() instanceof Fault.Slow slow) {
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

  /** Writes bytes as they are, one at a time while trickling, honouring RESET_AFTER_BYTES. */
  void writeRaw(byte[] bytes) throws IOException {
    Duration t = trickle;
    if (t == null) {
      write(bytes, bytes.length);
      return;
    }
    for (byte b : bytes) {
      write(new byte[] {b}, 1);
      pause(t);
    }
  }

  private void write(byte[] bytes, int length) throws IOException {
    if (fault() instanceof Fault.ResetAfterBytes f && written + length >= f.bytes()) {
      int allowed = (int) Math.max(0, f.bytes() - written);
      out.write(bytes, 0, allowed);
      out.flush();
      written += allowed;
      cut();
      throw new IOException("connection cut after " + f.bytes() + " bytes (fault)");
    }
    out.write(bytes, 0, length);
    out.flush();
    written += length;
  }

  /** Streams {@code length} bytes from {@code source} (for big literals), honouring the byte faults. */
  void writeStream(InputStream source, long length) throws IOException {
    byte[] buf = new byte[CHUNK];
    long left = length;
    while (left > 0) {
      int n = source.read(buf, 0, (int) Math.min(buf.length, left));
      if (n < 0) {
        throw new IOException("message source ended " + left + " bytes early");
      }
      writeRaw(n == buf.length ? buf : Arrays.copyOf(buf, n));
      left -= n;
    }
  }

  /**
   * Writes {@code length} bytes of filler ({@code x}, no line end) from one small buffer, so a
   * line of any size costs no memory; {@link Long#MAX_VALUE} writes until the client goes away.
   */
  void writeFiller(long length) throws IOException {
    byte[] chunk = new byte[CHUNK];
    Arrays.fill(chunk, (byte) 'x');
    for (long left = length; left > 0 && !closed; ) {
      int n = (int) Math.min(chunk.length, left);
      writeRaw(n == chunk.length ? chunk : Arrays.copyOf(chunk, n));
      if (length != Long.MAX_VALUE) {
        left -= n;
      }
    }
  }

  /** From now on, every byte written is followed by a pause of {@code perByte}; {@code null} stops trickling. */
  void trickle(Duration perByte) {
    this.trickle = perByte;
  }

  /** After {@code replies} more reply lines, the next reply resets the connection instead; -1 disarms. */
  void resetAfterReplies(int replies) {
    this.repliesBeforeReset = replies;
  }

  /** Stays silent until the server stops (a stalled or black-holed connection). */
  void hold() {
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
  void cut() {
    try {
      socket.shutdownOutput();
    } catch (IOException ignored) {
      // closing anyway
    }
    close();
  }

  /** Resets the connection: TCP RST, no FIN. */
  void reset() {
    try {
      socket.setSoLinger(true, 0);
    } catch (IOException ignored) {
      // closing anyway
    }
    close();
  }

  /** Closes the socket and releases a hold or a pause. */
  void close() {
    closed = true;
    released.countDown();
    try {
      socket.close();
    } catch (IOException ignored) {
      // already closed
    }
  }

  /** True once closed. */
  boolean isClosed() {
    return closed;
  }

  /** The simulated delay of a slow or trickling host; ends early (with an exception) when the session closes. */
  private void pause(Duration d) throws IOException {
    try {
      if (released.await(d.toNanos(), TimeUnit.NANOSECONDS)) {
        throw new IOException("session closed while pausing");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted while pausing");
    }
  }
}
