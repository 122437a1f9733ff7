package org.repgroup.core.spi;

import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketAddress;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.net.UnknownHostException;
import java.util.function.IntPredicate;
import javax.net.SocketFactory;
import org.repgroup.core.spi.AttemptContext;

/**
 * A socket factory for one attempt that sees what really happened on the
 * socket, for adapters built on a protocol library that hides it (Jakarta Mail
 * reports a read timeout during a POP3 login as an authentication failure, like
 * a wrong password). It records timeouts, end of stream, read errors and the
 * first line the server sent; connects to the address the engine resolved;
 * registers every socket with the attempt so the engine can close it; and tells
 * the engine when the host first answered well.
 */
public final class ObservedSocketFactory extends SocketFactory {

  private final InetSocketAddress target;
  private final String targetName;
  private final IntPredicate goodFirstByte;
  private final AttemptContext ctx;
  private final ByteArrayOutputStream greeting = new ByteArrayOutputStream();
  private volatile boolean timedOut;
  private volatile boolean endOfStream;
  private volatile IOException readError;
  private volatile boolean answered;

  private ObservedSocketFactory(InetSocketAddress target, AttemptContext ctx, IntPredicate goodFirstByte) {
    this.target = target;
    this.targetName = ctx.host().host();
    this.ctx = ctx;
    this.goodFirstByte = goodFirstByte;
  }

  /**
   * A factory for the attempt {@code ctx}: sockets asked for {@code ctx.host()}
   * connect to the address the engine's resolver gives now.
   *
   * @param goodFirstByte true for a first byte that shows a willing server ({@code '+'} for POP3,
   *     {@code '*'} for IMAP): then {@link AttemptContext#hostResponded()} is called
   * @throws UnknownHostException when the host does not resolve
   */
  public static ObservedSocketFactory forAttempt(AttemptContext ctx, IntPredicate goodFirstByte)
      throws UnknownHostException {
    return new ObservedSocketFactory(ctx.socketAddress(), ctx, goodFirstByte);
  }

  /** A read timed out. */
  public boolean timedOut() {
    return timedOut;
  }

  /** The server closed the connection (end of stream). */
  public boolean endOfStream() {
    return endOfStream;
  }

  /** A read failed (reset...), or {@code null}. */
  public IOException readError() {
    return readError;
  }

  /** True when the socket failed under the login rather than the server answering. */
  public boolean connectionFailed() {
    return timedOut || endOfStream || readError != null;
  }

  /** The first line the server sent (the greeting), at most 512 bytes, or empty. */
  public String greetingLine() {
    synchronized (greeting) {
      String s = greeting.toString(StandardCharsets.ISO_8859_1);
      int nl = s.indexOf('\n');
      return (nl >= 0 ? s.substring(0, nl) : s).strip();
    }
  }

  @Override
  public Socket createSocket() {
    Socket s = new ObservedSocket();
    ctx.onCancel(s);
    return s;
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
  public Socket createSocket(InetAddress address, int port, InetAddress localAddress, int localPort) throws IOException {
    Socket s = createSocket();
    s.bind(new InetSocketAddress(localAddress, localPort));
    s.connect(new InetSocketAddress(address, port));
    return s;
  }

  private final class ObservedSocket extends Socket {
    private InputStream observed;

    @Override
    public void connect(SocketAddress endpoint, int timeout) throws IOException {
      SocketAddress to = endpoint;
      if (endpoint instanceof InetSocketAddress isa && targetName.equalsIgnoreCase(isa.getHostString())
          && isa.getPort() == target.getPort()) {
        to = target;
      }
      super.connect(to, timeout);
      // Mail protocols are request/response in small writes: Nagle would add delayed-ACK stalls.
      setTcpNoDelay(true);
    }

    @Override
    public synchronized InputStream getInputStream() throws IOException {
      if (observed == null) {
        observed = new ObservedInput(super.getInputStream());
      }
      return observed;
    }
  }

  private final class ObservedInput extends FilterInputStream {
    ObservedInput(InputStream in) {
      super(in);
    }

    @Override
    public int read() throws IOException {
      try {
        int b = super.read();
        if (b < 0) {
          endOfStream = true;
        } else {
          seen(new byte[] {(byte) b}, 0, 1);
        }
        return b;
      } catch (IOException e) {
        throw failed(e);
      }
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      try {
        int n = super.read(b, off, len);
        if (n < 0) {
          endOfStream = true;
        } else {
          seen(b, off, n);
        }
        return n;
      } catch (IOException e) {
        throw failed(e);
      }
    }

    private IOException failed(IOException e) {
      if (e instanceof SocketTimeoutException) {
        timedOut = true;
      } else if (e instanceof EOFException) {
        endOfStream = true;
      } else {
        readError = e;
      }
      return e;
    }

    private void seen(byte[] b, int off, int n) {
      if (n > 0 && !answered) {
        answered = true;
        if (goodFirstByte.test(b[off] & 0xff)) {
          ctx.hostResponded();
        }
      }
      synchronized (greeting) {
        int room = 512 - greeting.size();
        if (room > 0) {
          greeting.write(b, off, Math.min(room, n));
        }
      }
    }
  }
}
