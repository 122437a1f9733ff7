package org.repgroup.lmtp.internal;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.Closeable;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Locale;
import org.repgroup.core.HostAddress;
import org.repgroup.lmtp.LmtpGreeting;
import org.repgroup.lmtp.LmtpProtocolException;

/** One LMTP connection: greeting, LHLO capabilities, commands and replies. Not thread-safe. */
public final class LmtpConnection implements Closeable {

  private Socket socket;
  private final HostAddress host;
  private ReplyReader replies;
  private OutputStream out;
  private final long openedAtNanos;
  private boolean pipelining;
  private boolean startTlsOffered;
  private long sizeLimit;
  private volatile boolean closed;

  private LmtpConnection(Socket socket, HostAddress host, long openedAtNanos) throws IOException {
    this.socket = socket;
    this.host = host;
    this.replies = new ReplyReader(new BufferedInputStream(socket.getInputStream()), host.toString());
    this.out = new BufferedOutputStream(socket.getOutputStream(), 64 * 1024);
    this.openedAtNanos = openedAtNanos;
  }

  /** Connects within {@code connectTimeout}; every read then times out after {@code responseTimeout}. */
  public static LmtpConnection open(InetSocketAddress address, HostAddress host, Duration connectTimeout,
      Duration responseTimeout, long nowNanos) throws IOException {
    Socket s = new Socket();
    try {
      s.connect(address, (int) Math.max(1, connectTimeout.toMillis()));
      s.setSoTimeout((int) Math.max(1, responseTimeout.toMillis()));
      s.setTcpNoDelay(true);
      return new LmtpConnection(s, host, nowNanos);
    } catch (IOException e) {
      s.close();
      throw e;
    }
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
    String line = replies.readLine();
    while (line.length() > 3 && line.charAt(3) == '-' && line.substring(0, 3).chars().allMatch(Character::isDigit)) {
      line = replies.readLine();
    }
    return LmtpGreeting.parse(line);
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
            throw new LmtpProtocolException(host + " advertised a malformed SIZE: \"" + l + "\"");
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
    replies = new ReplyReader(new BufferedInputStream(ssl.getInputStream()), host.toString());
    out = new BufferedOutputStream(ssl.getOutputStream(), 64 * 1024);
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

  /** Sets the read timeout for what follows. */
  public void responseTimeout(Duration timeout) throws IOException {
    socket.setSoTimeout((int) Math.max(1, timeout.toMillis()));
  }

  /** Sends QUIT and waits briefly for 221, ignoring failures, then closes. */
  public void quitQuietly() {
    try {
      socket.setSoTimeout(500);
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
