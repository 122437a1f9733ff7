package org.repgroup.core.spi;

import java.io.FilterInputStream;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketAddress;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;
import javax.net.ssl.SSLSocket;
import org.repgroup.core.time.Scheduler;

/**
 * The plain socket under every connection of an {@link ObservedSocketFactory}.
 * Its own streams observe the bytes (timeouts, end of stream, errors, the
 * budget's read timeout); the plain-text streams above them, its own or a TLS
 * socket's, apply the {@link ReplyGuard}.
 */
final class GuardedSocket extends Socket {

  private final ObservedSocketFactory factory;
  private final ObservedConnection conn;
  private volatile ReplyGuard guard;
  private volatile int requestedTimeout;
  private volatile boolean tlsLayered;
  private InputStream rawIn;
  private OutputStream rawOut;
  private InputStream hostIn;
  private OutputStream hostOut;

  GuardedSocket(ObservedSocketFactory factory, ObservedConnection conn) {
    this.factory = factory;
    this.conn = conn;
    if (conn != null) {
      if (!conn.isServed()) {
        guard = new ReplyGuard(conn, this);
      }
      conn.add(this);
    }
  }

  @Override
  public void connect(SocketAddress endpoint, int timeout) throws IOException {
    SocketAddress to = endpoint;
    int t = timeout;
    if (conn != null) {
      if (endpoint instanceof InetSocketAddress isa && conn.isTarget(isa)) {
        to = conn.target();
      }
      if (guard != null) {
        int ours = conn.connectTimeoutMillis();
        t = t <= 0 ? ours : Math.min(t, ours);
      }
    }
    super.connect(to, t);
    // Mail protocols are request/response in small writes: Nagle would add delayed-ACK stalls.
    setTcpNoDelay(true);
    ReplyGuard g = guard;
    if (g != null) {
      g.connected();
    }
  }

  /** Records the protocol library's read timeout; while guarded, reads use the budget left when shorter. */
  @Override
  public void setSoTimeout(int timeout) throws SocketException {
    requestedTimeout = timeout;
    if (guard == null) {
      super.setSoTimeout(timeout);
    }
  }

  @Override
  public int getSoTimeout() {
    return requestedTimeout;
  }

  int requestedTimeout() {
    return requestedTimeout;
  }

  void applyTimeout(int timeout) throws SocketException {
    super.setSoTimeout(timeout);
  }

  /** The attempt is served: no more bounds, the library's read timeout. */
  void detachGuard() {
    if (guard == null) {
      return;
    }
    guard = null;
    try {
      super.setSoTimeout(requestedTimeout);
    } catch (SocketException ignored) {
      // closed: nothing to restore
    }
  }

  ReplyGuard guard() {
    return guard;
  }

  ObservedConnection connection() {
    return conn;
  }

  /**
   * Layers TLS over this socket (after STARTTLS, or at once for implicit TLS):
   * from now on its own streams carry TLS records and the returned socket's carry
   * the plain text.
   *
   * @param handshakeHere true to complete the handshake and the host-name check now
   */
  GuardedTlsSocket layerTls(String host, int port, boolean handshakeHere) throws IOException {
    GuardedTlsSocket tls = new GuardedTlsSocket(this, layer(host, port), host);
    if (handshakeHere) {
      tls.handshakeChecked(factory.checkHostName());
    }
    return tls;
  }

  /** The real TLS socket over this one; this socket's own streams carry TLS records from now on. */
  SSLSocket layer(String host, int port) throws IOException {
    tlsLayered = true;
    SSLSocket real = (SSLSocket) factory.tls().createSocket(this, host, port, true);
    real.setUseClientMode(true);
    return real;
  }

  ObservedSocketFactory factory() {
    return factory;
  }

  @Override
  public synchronized InputStream getInputStream() throws IOException {
    if (rawIn == null) {
      rawIn = new RawInput(super.getInputStream());
    }
    if (tlsLayered) {
      return rawIn;
    }
    if (hostIn == null) {
      hostIn = new HostInput(rawIn, this);
    }
    return hostIn;
  }

  @Override
  public synchronized OutputStream getOutputStream() throws IOException {
    if (rawOut == null) {
      OutputStream out = super.getOutputStream();
      Duration wt = factory.writeTimeout();
      rawOut = wt == null ? out : new TimedOutput(out, this, wt, factory.scheduler());
    }
    if (tlsLayered) {
      return rawOut;
    }
    if (hostOut == null) {
      hostOut = new HostOutput(rawOut, this);
    }
    return hostOut;
  }

  private void closeQuietly() {
    try {
      close();
    } catch (IOException ignored) {
      // closing
    }
  }

  /** The bytes on the wire: observed, and read within the budget left. */
  private final class RawInput extends FilterInputStream {
    RawInput(InputStream in) {
      super(in);
    }

    @Override
    public int read() throws IOException {
      byte[] one = new byte[1];
      int n = read(one, 0, 1);
      return n < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      ReplyGuard g = guard;
      if (g == null) {
        int n = in.read(b, off, len);
        if (n > 0 && conn != null) {
          conn.countRead(n);
        }
        return n;
      }
      g.beforeRead();
      int n;
      try {
        n = in.read(b, off, len);
      } catch (SocketTimeoutException e) {
        throw conn.timedOut(g.timeoutReason(), e);
      } catch (IOException e) {
        throw conn.readFailed(e);
      }
      if (n < 0) {
        conn.endOfStream("connection closed by the host");
      } else {
        conn.countRead(n);
      }
      return n;
    }
  }

  /** Plain text from the host, checked by the guard before the protocol library gets it. */
  static final class HostInput extends FilterInputStream {
    private final GuardedSocket socket;

    HostInput(InputStream in, GuardedSocket socket) {
      super(in);
      this.socket = socket;
    }

    @Override
    public int read() throws IOException {
      byte[] one = new byte[1];
      int n = read(one, 0, 1);
      return n < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      ReplyGuard g = socket.guard;
      if (g == null) {
        return in.read(b, off, len);
      }
      int n;
      try {
        n = in.read(b, off, len);
      } catch (SocketTimeoutException e) {
        throw e;
      } catch (IOException e) {
        ReplyGuard still = socket.guard;
        throw still == null ? e : socket.conn.readFailed(e);
      }
      if (n < 0) {
        socket.conn.endOfStream("connection closed by the host");
      } else {
        try {
          g.inspect(b, off, n);
        } catch (IOException refused) {
          // Nothing of a refused read reaches the reader, not even in its buffer.
          java.util.Arrays.fill(b, off, off + n, (byte) 0);
          throw refused;
        }
      }
      return n;
    }

    @Override
    public long skip(long n) throws IOException {
      // Skipped bytes must be inspected like read ones.
      byte[] buf = new byte[(int) Math.min(Math.max(n, 0), 512)];
      int r = read(buf, 0, buf.length);
      return Math.max(r, 0);
    }
  }

  /** Plain text to the host: a command starts the next response's budget. */
  static final class HostOutput extends FilterOutputStream {
    private final GuardedSocket socket;

    HostOutput(OutputStream out, GuardedSocket socket) {
      super(out);
      this.socket = socket;
    }

    @Override
    public void write(int b) throws IOException {
      before();
      out.write(b);
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
      if (len > 0) {
        before();
      }
      out.write(b, off, len);
    }

    private void before() {
      ReplyGuard g = socket.guard;
      if (g != null) {
        g.beforeWrite();
      }
    }
  }

  /**
   * Closes the socket when a write stays blocked for the write timeout. One
   * check at a time is scheduled per socket, and only while writes happen.
   */
  private static final class TimedOutput extends FilterOutputStream {
    private final GuardedSocket socket;
    private final long timeoutNanos;
    private final Scheduler scheduler;
    private final AtomicBoolean armed = new AtomicBoolean();
    private volatile long writeStarted;

    TimedOutput(OutputStream out, GuardedSocket socket, Duration timeout, Scheduler scheduler) {
      super(out);
      this.socket = socket;
      this.timeoutNanos = timeout.toNanos();
      this.scheduler = scheduler;
    }

    @Override
    public void write(int b) throws IOException {
      start();
      try {
        out.write(b);
      } finally {
        writeStarted = 0;
      }
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
      start();
      try {
        out.write(b, off, len);
      } finally {
        writeStarted = 0;
      }
    }

    @Override
    public void flush() throws IOException {
      start();
      try {
        out.flush();
      } finally {
        writeStarted = 0;
      }
    }

    private void start() {
      writeStarted = System.nanoTime() | 1;
      arm(timeoutNanos);
    }

    private void arm(long delayNanos) {
      if (armed.compareAndSet(false, true)) {
        try {
          scheduler.schedule(Duration.ofNanos(delayNanos), this::check);
        } catch (RuntimeException rejected) {
          // The scheduler is shut down: writes go on unwatched.
          armed.set(false);
        }
      }
    }

    private void check() {
      armed.set(false);
      long started = writeStarted;
      if (started == 0) {
        return;
      }
      long blocked = System.nanoTime() - started;
      if (blocked >= timeoutNanos) {
        if (socket.guard != null) {
          socket.conn.writeTimedOut("write blocked for " + Duration.ofNanos(timeoutNanos).toMillis() + " ms");
        }
        socket.closeQuietly();
      } else {
        arm(timeoutNanos - blocked);
      }
    }
  }
}
