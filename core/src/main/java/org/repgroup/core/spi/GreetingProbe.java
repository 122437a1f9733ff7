package org.repgroup.core.spi;

import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.Objects;
import org.repgroup.core.spi.AttemptContext;
import org.repgroup.core.spi.AttemptOutcome;
import org.repgroup.core.spi.HostProbe;

/**
 * A {@link HostProbe} for line protocols: connect, read the greeting line, and
 * call the host alive when it starts with the expected prefix ({@code "* OK"},
 * {@code "+OK"}, {@code "220"}). Sends nothing but closes the connection.
 */
public final class GreetingProbe implements HostProbe {

  private static final int MAX_GREETING = 4096;

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
    try (Socket s = new Socket()) {
      ctx.onCancel(s);
      s.connect(ctx.socketAddress(), (int) Math.max(1, ctx.connectTimeout().toMillis()));
      s.setSoTimeout((int) Math.max(1, ctx.responseTimeout().toMillis()));
      InputStream in = s.getInputStream();
      StringBuilder line = new StringBuilder();
      int b;
      while ((b = in.read()) != -1 && b != '\n' && line.length() < MAX_GREETING) {
        line.append((char) b);
      }
      return line.toString().startsWith(prefix)
          ? AttemptOutcome.success(null)
          : AttemptOutcome.unavailable("recheck greeting: not \"" + prefix + "...\"", null);
    } catch (SocketTimeoutException e) {
      return AttemptOutcome.unavailable("recheck: no greeting in time", e);
    }
  }
}
