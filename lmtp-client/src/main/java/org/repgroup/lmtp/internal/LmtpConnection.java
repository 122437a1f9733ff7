package org.repgroup.lmtp.internal;

import java.io.BufferedOutputStream;
import java.io.Closeable;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Locale;
import java.util.Objects;
import java.util.function.Supplier;
import org.repgroup.core.HostAddress;
import org.repgroup.core.spi.ServerText;
import org.repgroup.core.time.Ticker;
import org.repgroup.lmtp.LmtpGreeting;
import org.repgroup.lmtp.LmtpProtocolException;

/** One LMTP connection: greeting, LHLO capabilities, commands and replies. Not thread-safe. */
public final class LmtpConnection implements Closeable {

  /** The reply budget when no attempt set one (pooled, closing): 1 s. */
  private static final Duration IDLE_BUDGET = Duration.ofSeconds(1);
  /** The budget for QUIT's reply on the way out. */
  private static final Duration QUIT_BUDGET = Duration.ofMillis(500);
  /**
   * The write buffer: 8 KiB, what {@code transferTo} hands the DATA stream at a time, and far more
   * than a pipelined envelope. It is kept while the connection idles in the pool (64 KiB made a
   * pooled connection weigh ~77 KB).
   */
  static final int WRITE_BUFFER_BYTES = 8 * 1024;

  private Socket socket;
  private final HostAddress host;
  private final Ticker ticker;
  private ReplyReader replies;
  private OutputStream out;
  private final long openedAtNanos;
  private volatile Supplier<Duration> replyBudget = () -> IDLE_BUDGET;
  private boolean pipelining;
  private boolean startTlsOffered;
  private long sizeLimit;
  private volatile boolean closed;

  private LmtpConnection(Socket socket, HostAddress host, Ticker ticker) throws IOException {
    this.socket = socket;
    this.host = host;
    this.ticker = ticker;
    this.replies = new ReplyReader(socket, socket.getInputStream(), host.toString(), ticker, this::budget);
    this.out = new BufferedOutputStream(socket.getOutputStream(), WRITE_BUFFER_BYTES);
    this.openedAtNanos = ticker.read();
  }

  /**
   * Connects within {@code connectTimeout}. Each reply (the greeting included) must
   * then be complete within the budget {@link #replyBudget} gives, {@code responseTimeout}
   * until it is set.
   */
  public static LmtpConnection open(InetSocketAddress address, HostAddress host, Duration connectTimeout,
      Duration responseTimeout, Ticker ticker) throws IOException {
    Socket s = new Socket();
    try {
      s.connect(address, (int) Math.max(1, connectTimeout.toMillis()));
      s.setTcpNoDelay(true);
      LmtpConnection c = new LmtpConnection(s, host, ticker);
      c.replyBudget(() -> responseTimeout);
      return c;
    } catch (IOException e) {
      s.close();
      throw e;
    }
  }

  /**
   * Sets where each reply's time budget comes from (read when a reply starts): the
   * attempt's response timeout, cut to the time left before its deadline.
   */
  public void replyBudget(Supplier<Duration> budget) {
    this.replyBudget = Objects.requireNonNull(budget, "budget");
  }

  private Duration budget() {
    return replyBudget.get();
  }

  /** The host this connection is to. */
  public HostAddress host() {
    return host;
  }

  /** Ticker time when the connection was opened. */
  public long openedAtNanos() {
    return openedAtNanos;
  }

  /** Reads the greeting (all its lines); the last line decides. */
  public LmtpGreeting readGreeting() throws IOException {
    return LmtpGreeting.parse(replies.readGreetingLine());
  }

  /** Sends LHLO and records PIPELINING and SIZE. */
  public LmtpReply lhlo(String name) throws IOException {
    LmtpReply r = command("LHLO " + name);
    pipelining = false;
    startTlsOffered = false;
    sizeLimit = 0;
    if (r.positive()) {
      for (String l : r.lines()) {
        String u = l.toUpperCase(Locale.ROOT);
        if (u.equals("PIPELINING")) {
          pipelining = true;
        } else if (u.equals("STARTTLS")) {
          startTlsOffered = true;
        } else if (u.startsWith("SIZE ")) {
          try {
            sizeLimit = Long.parseLong(u.substring(5).strip());
          } catch (NumberFormatException e) {
            throw new LmtpProtocolException(host + " advertised a malformed SIZE: \"" + ServerText.printable(l) + "\"");
          }
        }
      }
    }
    return r;
  }

  /** True when the server offered STARTTLS in its LHLO reply. */
  public boolean startTlsOffered() {
    return startTlsOffered;
  }

  /**
   * STARTTLS, then the handshake with {@code factory}, checking the server's
   * certificate against the host name; LHLO must be sent again afterwards.
   *
   * @throws IOException when the server refuses or the handshake fails
   */
  public void startTls(javax.net.ssl.SSLSocketFactory factory) throws IOException {
    LmtpReply r = command("STARTTLS");
    if (r.code() != 220) {
      throw new IOException("STARTTLS refused: " + r);
    }
    javax.net.ssl.SSLSocket ssl = (javax.net.ssl.SSLSocket) factory.createSocket(socket, host.host(),
        host.port().orElseThrow(), true);
    javax.net.ssl.SSLParameters params = ssl.getSSLParameters();
    params.setEndpointIdentificationAlgorithm("HTTPS");
    ssl.setSSLParameters(params);
    ssl.startHandshake();
    socket = ssl;
    replies = new ReplyReader(ssl, ssl.getInputStream(), host.toString(), ticker, this::budget);
    out = new BufferedOutputStream(ssl.getOutputStream(), WRITE_BUFFER_BYTES);
  }

  /** The socket (plain, or TLS after {@link #startTls}). */
  public Socket socket() {
    return socket;
  }

  /** True when the server offered PIPELINING. */
  public boolean pipelining() {
    return pipelining;
  }

  /** The server's SIZE limit, 0 when none. */
  public long sizeLimit() {
    return sizeLimit;
  }

  /** Sends a command and reads its reply. */
  public LmtpReply command(String line) throws IOException {
    send(line);
    flush();
    return replies.read();
  }

  /** Queues a command line (sent on {@link #flush()}). */
  public void send(String line) throws IOException {
    out.write((line + "\r\n").getBytes(StandardCharsets.UTF_8));
  }

  /** Sends queued commands. */
  public void flush() throws IOException {
    out.flush();
  }

  /** Reads one reply. */
  public LmtpReply read() throws IOException {
    return replies.read();
  }

  /** The raw output for DATA content (wrap it in a {@link DotStuffingOutputStream}). */
  public OutputStream output() {
    return out;
  }

  /** Sends QUIT and waits briefly for 221, ignoring failures, then closes. */
  public void quitQuietly() {
    try {
      replyBudget(() -> QUIT_BUDGET);
      command("QUIT");
    } catch (IOException ignored) {
      // leaving anyway
    }
    close();
  }

  /** True once closed. */
  public boolean isClosed() {
    return closed || socket.isClosed();
  }

  @Override
  public void close() {
    closed = true;
    try {
      socket.close();
    } catch (IOException ignored) {
      // closed
    }
  }
}
