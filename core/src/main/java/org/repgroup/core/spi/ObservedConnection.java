package org.repgroup.core.spi;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;

/**
 * What happened on the sockets of one attempt, made through an
 * {@link ObservedSocketFactory}: the greeting, timeouts, end of stream, read
 * errors and exceeded caps, so an adapter can classify a failure by what the
 * host did rather than by the exception its protocol library chose. While the
 * attempt is not {@linkplain #served() served}, its sockets bound every reply in
 * time and size and report progress to the engine; afterwards they are plain
 * sockets with the protocol library's own timeouts.
 *
 * <p>Sockets join the connection when they are created on a thread inside
 * {@link #enter()} (the protocol library connects on the calling thread), or
 * directly through {@link #openSocket()}.
 */
public final class ObservedConnection {

  /** Longest greeting kept for messages. */
  static final int MAX_GREETING_KEPT = 512;

  private final ObservedSocketFactory factory;
  private final AttemptContext ctx;
  private final InetSocketAddress target;
  private final String targetName;
  private final int targetPort;
  private final List<GuardedSocket> sockets = new CopyOnWriteArrayList<>();
  private final AtomicLong bytesRead = new AtomicLong();
  private final Object lock = new Object();
  private volatile boolean served;
  private byte[] greeting;
  private boolean greetingComplete;
  private String failure;
  private boolean timedOut;
  private boolean endOfStream;
  private IOException readError;
  private String limitExceeded;

  ObservedConnection(ObservedSocketFactory factory, AttemptContext ctx, InetSocketAddress target) {
    this.factory = factory;
    this.ctx = ctx;
    this.target = target;
    this.targetName = ctx.host().host();
    this.targetPort = ctx.host().port().orElseThrow();
  }

  /** A scope on this thread; close it to leave. */
  @FunctionalInterface
  public interface Scope extends AutoCloseable {
    /** Leaves the scope. */
    @Override
    void close();
  }

  /**
   * Makes sockets that the factory creates on this thread, until the scope is
   * closed, part of this connection: wrap the protocol library's connect in it.
   */
  public Scope enter() {
    ObservedConnection previous = ObservedSocketFactory.CURRENT.get();
    ObservedSocketFactory.CURRENT.set(this);
    return () -> {
      if (previous == null) {
        ObservedSocketFactory.CURRENT.remove();
      } else {
        ObservedSocketFactory.CURRENT.set(previous);
      }
    };
  }

  /**
   * The attempt is served (logged in): from now on its sockets carry the user's
   * session unbounded, with the protocol library's own read timeout, and no longer
   * report to the engine. Sockets created later for this connection (another
   * connection of the same store) still connect to the engine's address.
   */
  public void served() {
    served = true;
    for (GuardedSocket s : sockets) {
      s.detachGuard();
    }
  }

  /** True once {@link #served()} was called. */
  public boolean isServed() {
    return served;
  }

  /**
   * A socket connected to the attempt's host within its connect timeout, with TLS
   * from the first byte when the factory says so (handshake and host-name check
   * done), for adapters that speak the protocol themselves.
   */
  public Socket openSocket() throws IOException {
    GuardedSocket raw = new GuardedSocket(factory, this);
    try {
      raw.connect(new InetSocketAddress(target.getAddress(), targetPort), 0);
      if (!factory.implicitTls()) {
        return raw;
      }
      return raw.layerTls(targetName, targetPort, true);
    } catch (IOException | RuntimeException e) {
      raw.close();
      throw e;
    }
  }

  /**
   * Switches {@code plain}, a socket from {@link #openSocket()}, to TLS after the
   * protocol's STARTTLS exchange: handshake and host-name check done.
   *
   * @throws IllegalArgumentException when {@code plain} is not this connection's
   */
  public Socket startTls(Socket plain) throws IOException {
    if (!(plain instanceof GuardedSocket g) || !sockets.contains(g)) {
      throw new IllegalArgumentException("not a socket of this connection: " + plain);
    }
    return g.layerTls(targetName, targetPort, true);
  }

  /** A read timed out, or a reply's time budget ran out. */
  public boolean timedOut() {
    synchronized (lock) {
      return timedOut;
    }
  }

  /** The host closed the connection before the attempt was served. */
  public boolean endOfStream() {
    synchronized (lock) {
      return endOfStream;
    }
  }

  /** A read failed (reset...) before the attempt was served, or {@code null}. */
  public IOException readError() {
    synchronized (lock) {
      return readError;
    }
  }

  /** The cap the host exceeded ({@code "line too long: ..."}, {@code "literal too large: ..."}), if any. */
  public Optional<String> limitExceeded() {
    synchronized (lock) {
      return Optional.ofNullable(limitExceeded);
    }
  }

  /** True when the socket failed under the attempt rather than the host answering. */
  public boolean connectionFailed() {
    synchronized (lock) {
      return failure != null;
    }
  }

  /**
   * What went wrong on the socket first, as a reason for the attempt's outcome
   * ({@code "no complete greeting in 250 ms"}, {@code "connection closed by the host"},
   * {@code "line too long: more than 16384 bytes without a line end"}), if anything.
   */
  public Optional<String> failure() {
    synchronized (lock) {
      return Optional.ofNullable(failure);
    }
  }

  /** True when the host sent a complete first line. */
  public boolean greetingComplete() {
    synchronized (lock) {
      return greetingComplete;
    }
  }

  /**
   * The first line the host sent (at most 512 bytes, complete or not), as the
   * host sent it, or empty: pass it through {@link ServerText#printable} before
   * showing it.
   */
  public String greetingLine() {
    synchronized (lock) {
      return greeting == null ? "" : new String(greeting, StandardCharsets.ISO_8859_1).strip();
    }
  }

  /** Bytes read from the host's sockets so far (TLS records included). */
  public long bytesRead() {
    return bytesRead.get();
  }

  // ---- for the sockets ----

  ObservedSocketFactory factory() {
    return factory;
  }

  AttemptContext context() {
    return ctx;
  }

  void add(GuardedSocket s) {
    sockets.add(s);
    if (!served) {
      ctx.onCancel(s);
    }
  }

  boolean isTarget(InetSocketAddress endpoint) {
    return endpoint.getPort() == targetPort && targetName.equalsIgnoreCase(endpoint.getHostString());
  }

  InetSocketAddress target() {
    return target;
  }

  int connectTimeoutMillis() {
    return millis(ctx.connectTimeout());
  }

  Duration responseTimeout() {
    return ctx.responseTimeout();
  }

  void countRead(int n) {
    bytesRead.addAndGet(n);
  }

  void greetingBytes(byte[] line, int length, boolean complete) {
    synchronized (lock) {
      if (greetingComplete) {
        return;
      }
      greeting = java.util.Arrays.copyOf(line, Math.min(length, MAX_GREETING_KEPT));
      greetingComplete = complete;
    }
  }

  boolean goodGreeting(byte[] line, int length) {
    return factory.goodGreeting().test(new String(line, 0, Math.min(length, MAX_GREETING_KEPT),
        StandardCharsets.ISO_8859_1));
  }

  SocketTimeoutException timedOut(String why, SocketTimeoutException e) {
    synchronized (lock) {
      timedOut = true;
      first(why);
    }
    return e;
  }

  void endOfStream(String why) {
    synchronized (lock) {
      endOfStream = true;
      first(why);
    }
  }

  IOException readFailed(IOException e) {
    synchronized (lock) {
      if (readError == null) {
        readError = e;
      }
      first("read failed: " + e.getClass().getSimpleName()
          + (e.getMessage() == null ? "" : " " + ServerText.printable(e.getMessage())));
    }
    return e;
  }

  IOException limitExceeded(String why) {
    synchronized (lock) {
      if (limitExceeded == null) {
        limitExceeded = why;
      }
      first(why);
    }
    return new IOException(why);
  }

  void writeTimedOut(String why) {
    synchronized (lock) {
      timedOut = true;
      first(why);
    }
  }

  private void first(String why) {
    if (failure == null) {
      failure = why;
    }
  }

  static int millis(Duration d) {
    long ms = Math.max(1, d.toMillis());
    return (int) Math.min(Integer.MAX_VALUE, ms);
  }
}
