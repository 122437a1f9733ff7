package org.repgroup.core.spi;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.Objects;
import java.util.function.BiPredicate;
import java.util.function.Predicate;
import javax.net.SocketFactory;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.SSLSocketFactory;
import org.repgroup.core.time.Scheduler;

/**
 * The socket factory of a protocol library's session (Jakarta Mail's
 * {@code mail.<protocol>.socketFactory}), installed once per session and shared
 * by every attempt. A socket created on a thread inside
 * {@link ObservedConnection#enter()} belongs to that attempt: it connects to the
 * address the engine resolved within the attempt's connect timeout, registers
 * with the attempt so the engine can close it, and until the attempt is served:
 *
 * <ul>
 *   <li>gives every greeting and reply one time budget, the attempt's response
 *       timeout, from the moment the client starts waiting (connect, or its first
 *       write after the host spoke) to the next command: {@code SO_TIMEOUT} is set
 *       per read to what is left, so a host that trickles a byte now and then is
 *       timed out like a silent one, and the protocol library's own read timeout
 *       can shorten the bound but never lengthen it;</li>
 *   <li>caps what the host sends ({@link InputLimits}: bytes per line and per
 *       response, literals announced by the {@link LineInspector} included) before
 *       the bytes reach the protocol library, which would otherwise buffer a whole
 *       line or allocate a literal's announced size;</li>
 *   <li>tells the engine about progress: {@link AttemptContext#hostResponded()}
 *       for each complete line after a good greeting (never for a first byte), and
 *       {@link AttemptContext#awaitingReply()} when the client sends a command.</li>
 * </ul>
 *
 * <p>TLS is done by this layer, so the caps and budgets see the plain text: with
 * {@link Builder#implicitTls} every socket speaks TLS from the first byte, and
 * {@link #tlsUpgrade()} is the {@link SSLSocketFactory} a STARTTLS upgrade must
 * use ({@code mail.<protocol>.ssl.socketFactory}). The sockets it returns are
 * {@link SSLSocket}s, so the protocol library still configures protocols,
 * cipher suites and the host-name check on them. Sockets created outside an
 * attempt, or of an attempt already served, are plain sockets with a write
 * timeout (when one is set) and nothing else.
 */
public final class ObservedSocketFactory extends SocketFactory {

  /** The attempt whose sockets are being created on this thread. */
  static final ThreadLocal<ObservedConnection> CURRENT = new ThreadLocal<>();

  private final Predicate<String> goodGreeting;
  private final LineInspector inspector;
  private final InputLimits limits;
  private final boolean implicitTls;
  private final SSLSocketFactory tls;
  private final BiPredicate<String, SSLSocket> peerCheck;
  private final boolean checkHostName;
  private final Duration writeTimeout;
  private final Scheduler scheduler;
  private final SSLSocketFactory upgrade;

  private ObservedSocketFactory(Builder b) {
    this.goodGreeting = b.goodGreeting;
    this.inspector = b.inspector;
    this.limits = b.limits;
    this.implicitTls = b.implicitTls;
    this.tls = b.tls;
    this.peerCheck = b.peerCheck;
    this.checkHostName = b.checkHostName;
    this.writeTimeout = b.writeTimeout;
    this.scheduler = b.scheduler;
    this.upgrade = new TlsUpgrade(this);
  }

  /**
   * A builder.
   *
   * @param goodGreeting true for a first line that shows a willing server
   *     ({@code "* OK ..."}, {@code "+OK ..."}); only after one does a complete line
   *     count as the host having answered
   */
  public static Builder builder(Predicate<String> goodGreeting) {
    return new Builder(goodGreeting);
  }

  /**
   * The connection of attempt {@code ctx}: sockets asked for {@code ctx.host()}
   * connect to the address the engine's resolver gives now.
   *
   * @throws UnknownHostException when the host does not resolve
   */
  public ObservedConnection watch(AttemptContext ctx) throws UnknownHostException {
    return new ObservedConnection(this, ctx, ctx.socketAddress());
  }

  /** The factory a STARTTLS upgrade must use, so that the upgraded socket stays observed. */
  public SSLSocketFactory tlsUpgrade() {
    return upgrade;
  }

  /** True when every socket speaks TLS from the first byte. */
  public boolean implicitTls() {
    return implicitTls;
  }

  @Override
  public Socket createSocket() {
    ObservedConnection conn = CURRENT.get();
    if (conn != null && conn.factory() != this) {
      conn = null;
    }
    GuardedSocket raw = new GuardedSocket(this, conn);
    return implicitTls ? new GuardedTlsSocket(raw) : raw;
  }

  @Override
  public Socket createSocket(String host, int port) throws IOException {
    Socket s = createSocket();
    s.connect(new InetSocketAddress(host, port));
    return s;
  }

  @Override
  public Socket createSocket(String host, int port, InetAddress localHost, int localPort) throws IOException {
    Socket s = createSocket();
    s.bind(new InetSocketAddress(localHost, localPort));
    s.connect(new InetSocketAddress(host, port));
    return s;
  }

  @Override
  public Socket createSocket(InetAddress host, int port) throws IOException {
    Socket s = createSocket();
    s.connect(new InetSocketAddress(host, port));
    return s;
  }

  @Override
  public Socket createSocket(InetAddress address, int port, InetAddress localAddress, int localPort)
      throws IOException {
    Socket s = createSocket();
    s.bind(new InetSocketAddress(localAddress, localPort));
    s.connect(new InetSocketAddress(address, port));
    return s;
  }

  // ---- for the sockets ----

  Predicate<String> goodGreeting() {
    return goodGreeting;
  }

  LineInspector inspector() {
    return inspector;
  }

  InputLimits limits() {
    return limits;
  }

  SSLSocketFactory tls() {
    return tls != null ? tls : (SSLSocketFactory) SSLSocketFactory.getDefault();
  }

  BiPredicate<String, SSLSocket> peerCheck() {
    return peerCheck;
  }

  boolean checkHostName() {
    return checkHostName;
  }

  Duration writeTimeout() {
    return writeTimeout;
  }

  Scheduler scheduler() {
    return scheduler;
  }

  /** Builds an {@link ObservedSocketFactory}. */
  public static final class Builder {
    private final Predicate<String> goodGreeting;
    private LineInspector inspector = LineInspector.NONE;
    private InputLimits limits = InputLimits.DEFAULT;
    private boolean implicitTls;
    private SSLSocketFactory tls;
    private BiPredicate<String, SSLSocket> peerCheck;
    private boolean checkHostName = true;
    private Duration writeTimeout;
    private Scheduler scheduler;

    private Builder(Predicate<String> goodGreeting) {
      this.goodGreeting = Objects.requireNonNull(goodGreeting, "goodGreeting");
    }

    /** Literal sizes announced in lines (IMAP). Defaults to {@link LineInspector#NONE}. */
    public Builder inspector(LineInspector inspector) {
      this.inspector = Objects.requireNonNull(inspector, "inspector");
      return this;
    }

    /** Caps before the attempt is served. Defaults to {@link InputLimits#DEFAULT}. */
    public Builder limits(InputLimits limits) {
      this.limits = Objects.requireNonNull(limits, "limits");
      return this;
    }

    /** Every socket speaks TLS from the first byte (IMAPS, POP3S). Defaults to off. */
    public Builder implicitTls(boolean on) {
      this.implicitTls = on;
      return this;
    }

    /**
     * The TLS sockets' factory, layered over the observed plain socket. Defaults
     * to the JVM's default {@link SSLSocketFactory}.
     */
    public Builder tls(SSLSocketFactory factory) {
      this.tls = Objects.requireNonNull(factory, "factory");
      return this;
    }

    /**
     * A check of the peer after each handshake (host name, socket), on top of the
     * trust manager's; a host failing it is refused. Defaults to none.
     */
    public Builder peerCheck(BiPredicate<String, SSLSocket> check) {
      this.peerCheck = Objects.requireNonNull(check, "check");
      return this;
    }

    /**
     * Whether the handshakes this layer completes itself
     * ({@link ObservedConnection#openSocket()}, {@link ObservedConnection#startTls})
     * check the certificate against the host name. Defaults to true. (Handshakes
     * driven by the protocol library follow its own setting.)
     */
    public Builder checkHostName(boolean check) {
      this.checkHostName = check;
      return this;
    }

    /**
     * Closes a socket whose write has been blocked for {@code timeout} (a host
     * that stopped reading), checked on {@code scheduler}. Defaults to none.
     *
     * @throws IllegalArgumentException when {@code timeout} is not positive
     */
    public Builder writeTimeout(Duration timeout, Scheduler scheduler) {
      Objects.requireNonNull(timeout, "timeout");
      if (timeout.isZero() || timeout.isNegative()) {
        throw new IllegalArgumentException("write timeout must be positive, was " + timeout);
      }
      this.writeTimeout = timeout;
      this.scheduler = Objects.requireNonNull(scheduler, "scheduler");
      return this;
    }

    /** The factory. */
    public ObservedSocketFactory build() {
      return new ObservedSocketFactory(this);
    }
  }
}
