package org.repgroup.ens.internal;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import org.repgroup.core.spi.AttemptContext;
import org.repgroup.core.spi.AttemptOutcome;
import org.repgroup.core.spi.HostProbe;

/**
 * The recheck of an ENS host marked down: one {@code HEAD /ens/v1/events} on a
 * fresh connection. Any HTTP status below 500 (a gateway answers {@code 405} to
 * HEAD) shows the host is back; a 5xx, garbage or silence keeps it down. It
 * never opens a stream or publishes.
 */
public final class HttpStatusProbe implements HostProbe {

  private static final int MAX_STATUS_LINE = 1024;

  @Override
  public AttemptOutcome<Void> probe(AttemptContext ctx) throws IOException {
    try (Socket s = new Socket()) {
      ctx.onCancel(s);
      s.connect(ctx.socketAddress(), (int) Math.max(1, ctx.connectTimeout().toMillis()));
      s.setSoTimeout((int) Math.max(1, ctx.responseTimeout().toMillis()));
      OutputStream out = s.getOutputStream();
      out.write(("HEAD /ens/v1/events HTTP/1.1\r\nHost: " + ctx.host().hostForUrl() + ":"
          + ctx.host().port().orElseThrow() + "\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
      out.flush();
      InputStream in = s.getInputStream();
      StringBuilder line = new StringBuilder();
      int b;
      while ((b = in.read()) != -1 && b != '\n' && line.length() < MAX_STATUS_LINE) {
        line.append((char) b);
      }
      String[] parts = line.toString().strip().split(" ", 3);
      if (parts.length < 2 || !parts[0].startsWith("HTTP/1.")) {
        return AttemptOutcome.unavailable("recheck: not an HTTP answer", null);
      }
      int status;
      try {
        status = Integer.parseInt(parts[1]);
      } catch (NumberFormatException e) {
        return AttemptOutcome.unavailable("recheck: bad HTTP status line", null);
      }
      return status < 500 ? AttemptOutcome.success(null)
          : AttemptOutcome.unavailable("recheck: HTTP " + status, null);
    } catch (SocketTimeoutException e) {
      return AttemptOutcome.unavailable("recheck: no HTTP answer in time", e);
    }
  }
}
