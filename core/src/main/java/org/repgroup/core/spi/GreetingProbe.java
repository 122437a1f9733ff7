package org.repgroup.core.spi;

import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.Objects;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import org.repgroup.core.TlsPolicy;

/**
 * A {@link HostProbe} for line protocols: connect, read the greeting line, and
 * call the host alive when it starts with the expected prefix ({@code "* OK"},
 * {@code "+OK"}, {@code "220"}). Sends nothing but closes the connection. The
 * greeting must be complete within the response timeout (one budget for the
 * whole line, not per read) and within {@value #MAX_GREETING} bytes; for a group
 * with {@link TlsPolicy.Mode#IMPLICIT} TLS the probe speaks TLS first (the
 * group's trust store and host-name check).
 */
public final class GreetingProbe implements HostProbe {

  /** Longest greeting line accepted. */
  public static final int MAX_GREETING = 4096;

  private final String prefix;

  private GreetingProbe(String prefix) {
    this.prefix = prefix;
  }

  /** A probe expecting a greeting that starts with {@code prefix}. */
  public static GreetingProbe expecting(String prefix) {
    return new GreetingProbe(Objects.requireNonNull(prefix, "prefix"));
  }

  @Override
  public AttemptOutcome<Void> probe(AttemptContext ctx) throws IOException {
    try (Socket plain = new Socket()) {
      ctx.onCancel(plain);
      plain.connect(ctx.socketAddress(), ObservedConnection.millis(ctx.connectTimeout()));
      long deadline = System.nanoTime() + ctx.responseTimeout().toNanos();
      Socket s = plain;
      TlsPolicy tls = ctx.group().tls();
      if (tls.mode() == TlsPolicy.Mode.IMPLICIT) {
        SSLSocket t = (SSLSocket) TlsSocketFactories.forPolicy(tls)
            .createSocket(plain, ctx.host().host(), ctx.host().port().orElseThrow(), true);
        if (tls.checkHostName()) {
          SSLParameters p = t.getSSLParameters();
          p.setEndpointIdentificationAlgorithm("HTTPS");
          t.setSSLParameters(p);
        }
        plain.setSoTimeout(left(deadline));
        t.startHandshake();
        s = t;
      }
      String line = readLine(plain, s.getInputStream(), deadline);
      if (line == null) {
        return AttemptOutcome.unavailable("recheck: no complete greeting line (closed, or longer than "
            + MAX_GREETING + " bytes)", null);
      }
      return line.startsWith(prefix)
          ? AttemptOutcome.success(null)
          : AttemptOutcome.unavailable("recheck greeting: not \"" + prefix + "...\": \""
              + ServerText.printable(line, 80) + "\"", null);
    } catch (SocketTimeoutException e) {
      return AttemptOutcome.unavailable("recheck: no complete greeting in " + ctx.responseTimeout().toMillis()
          + " ms", e);
    }
  }

  /** The first line without its line end, or null when the host closed or the line is too long. */
  private static String readLine(Socket plain, InputStream in, long deadline) throws IOException {
    byte[] line = new byte[MAX_GREETING + 1];
    int length = 0;
    byte[] buf = new byte[512];
    while (true) {
      plain.setSoTimeout(left(deadline));
      int n = in.read(buf, 0, buf.length);
      if (n < 0) {
        return null;
      }
      for (int i = 0; i < n; i++) {
        if (buf[i] == '\n') {
          int len = length > 0 && line[length - 1] == '\r' ? length - 1 : length;
          return new String(line, 0, len, StandardCharsets.ISO_8859_1);
        }
        if (length == MAX_GREETING) {
          return null;
        }
        line[length++] = buf[i];
      }
    }
  }

  private static int left(long deadline) throws SocketTimeoutException {
    long ms = (deadline - System.nanoTime()) / 1_000_000;
    if (ms <= 0) {
      throw new SocketTimeoutException("greeting budget used up");
    }
    return (int) Math.min(Integer.MAX_VALUE, ms);
  }
}
