package org.repgroup.pop.internal;

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
import javax.net.SocketFactory;

/**
 * What really happened on the socket of one login, seen from below Jakarta Mail:
 * Angus reports a read timeout or a dropped connection during login as an
 * {@code AuthenticationFailedException}, exactly like a wrong password. Handed
 * to Angus as {@code mail.pop3.socketFactory}, it records timeouts, end of
 * stream, errors and the greeting line, connects to the address the engine
 * resolved, and tells the engine when the host first answered.
 */
public final class SocketObservation extends SocketFactory {

  private final InetSocketAddress target;
  private final String targetName;
  private final Runnable onFirstBytes;
  private final AutoCloseableRegistry registry;
  private final ByteArrayOutputStream greeting = new ByteArrayOutputStream();
  private volatile boolean timedOut;
  private volatile boolean endOfStream;
  private volatile IOException readError;
  private volatile boolean answered;

  /** Registers sockets so the engine can close them when the attempt is cancelled. */
  @FunctionalInterface
  public interface AutoCloseableRegistry {
    /** Registers a resource to close on cancel. */
    void register(AutoCloseable resource);
  }

  /**
   * @param target where to connect (resolved by the engine's resolver)
   * @param targetName the host name Angus will ask for
   * @param onFirstBytes called once when the server's first bytes arrive and start with {@code +}
   * @param registry registers each socket with the attempt
   */
  public SocketObservation(InetSocketAddress target, String targetName, Runnable onFirstBytes,
      AutoCloseableRegistry registry) {
    this.target = target;
    this.targetName = targetName;
    this.onFirstBytes = onFirstBytes;
    this.registry = registry;
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
    registry.register(s);
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
        if (b[off] == '+') {
          onFirstBytes.run();
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
