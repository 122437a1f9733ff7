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
 * The recheck of an ENS host marked down, the health request of PROTOCOL.md:
 * {@code HEAD /ens/v1/events} on a fresh connection. A 2xx is up; a 5xx but
 * {@code 501}, garbage or silence keeps the host down; {@code 405} (a gateway with
 * no HEAD handler) and other 4xx are an HTTP server answering, so up. A
 * {@code 501} says the server has no HEAD at all, not that it is down: the
 * probe then asks {@code GET /ens/v1/events?match=enp://127.0.0.1/store} for an
 * event stream, reads only the status line and hangs up, and judges that status
 * the same way. It never publishes, and never reads a stream's events.
 */
public final class HttpStatusProbe implements HostProbe {

  private static final int MAX_STATUS_LINE = 1024;
  private static final int NOT_IMPLEMENTED = 501;
  /** The fallback's filter: every store event, percent-encoded. */
  private static final String FALLBACK_TARGET = "/ens/v1/events?match=enp%3A%2F%2F127.0.0.1%2Fstore";

  @Override
  public AttemptOutcome<Void> probe(AttemptContext ctx) throws IOException {
    Status head = ask(ctx, "HEAD", "/ens/v1/events", "");
    if (head.failure() != null) {
      return AttemptOutcome.unavailable("recheck: " + head.failure(), null);
    }
    if (head.code() != NOT_IMPLEMENTED) {
      return judge(head.code(), "HEAD");
    }
    Status get = ask(ctx, "GET", FALLBACK_TARGET, "Accept: text/event-stream\r\n");
    if (get.failure() != null) {
      return AttemptOutcome.unavailable("recheck (GET after HEAD 501): " + get.failure(), null);
    }
    return judge(get.code(), "GET after HEAD 501");
  }

  private static AttemptOutcome<Void> judge(int code, String how) {
    return code < 500 ? AttemptOutcome.success(null)
        : AttemptOutcome.unavailable("recheck (" + how + "): HTTP " + code, null);
  }

  /** A status code, or why none came. */
  private record Status(int code, String failure) {}

  private static Status ask(AttemptContext ctx, String method, String target, String headers) throws IOException {
    try (Socket s = new Socket()) {
      ctx.onCancel(s);
      s.connect(ctx.socketAddress(), (int) Math.max(1, ctx.connectTimeout().toMillis()));
      s.setSoTimeout((int) Math.max(1, ctx.responseTimeout().toMillis()));
      OutputStream out = s.getOutputStream();
      out.write((method + " " + target + " HTTP/1.1\r\nHost: " + ctx.host().hostForUrl() + ":"
          + ctx.host().port().orElseThrow() + "\r\n" + headers + "Connection: close\r\n\r\n")
          .getBytes(StandardCharsets.US_ASCII));
      out.flush();
      InputStream in = s.getInputStream();
      StringBuilder line = new StringBuilder();
      int b;
      while ((b = in.read()) != -1 && b != '\n' && line.length() < MAX_STATUS_LINE) {
        line.append((char) b);
      }
      String[] parts = line.toString().strip().split(" ", 3);
      if (parts.length < 2 || !parts[0].startsWith("HTTP/1.")) {
        return new Status(0, "not an HTTP answer");
      }
      try {
        return new Status(Integer.parseInt(parts[1]), null);
      } catch (NumberFormatException e) {
        return new Status(0, "bad HTTP status line");
      }
    } catch (SocketTimeoutException e) {
      return new Status(0, "no HTTP answer in time");
    }
  }
}
