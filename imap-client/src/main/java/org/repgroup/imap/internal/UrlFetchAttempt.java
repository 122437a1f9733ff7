package org.repgroup.imap.internal;

import java.io.BufferedInputStream;
import java.io.EOFException;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Locale;
import java.util.Optional;
import org.repgroup.core.Credentials;
import org.repgroup.core.FatalReason;
import org.repgroup.core.spi.Attempt;
import org.repgroup.core.spi.AttemptContext;
import org.repgroup.core.spi.AttemptOutcome;
import org.repgroup.core.spi.ObservedConnection;
import org.repgroup.core.spi.ServerText;
import org.repgroup.imap.LoginReferral;

/**
 * One URLFETCH (RFC 4467) on one host, spoken directly so the message can stream:
 * greeting, optional STARTTLS, AUTHENTICATE PLAIN as the submit server, URLFETCH.
 * Succeeds as soon as the literal's size is known, with the socket positioned at
 * its first byte. A referral is reported as such; the engine's read-only intent
 * turns it into "next host".
 */
public final class UrlFetchAttempt implements Attempt<UrlFetchAttempt.OpenFetch> {

  /** Longest response line read (the literal itself is streamed). */
  static final int MAX_LINE = 16 * 1024;

  private final String url;
  private final Credentials identity;
  private final BurlSockets sockets;

  /**
   * @param url the URLAUTH URL to fetch
   * @param identity the submit server's own login
   * @param sockets the fetcher's sockets (TLS per group)
   */
  public UrlFetchAttempt(String url, Credentials identity, BurlSockets sockets) {
    this.url = url;
    this.identity = identity;
    this.sockets = sockets;
  }

  /**
   * A fetch whose literal is about to be read.
   *
   * @param socket the connection
   * @param stream the message bytes; closing it ends the session
   * @param length the literal's size
   */
  public record OpenFetch(Socket socket, InputStream stream, long length) implements AutoCloseable {
    @Override
    public void close() throws IOException {
      socket.close();
    }
  }

  /** A recheck reads the greeting only: it never logs in or sends mail. */
  @Override
  public java.util.Optional<org.repgroup.core.spi.HostProbe> prober() {
    return java.util.Optional.of(org.repgroup.core.spi.GreetingProbe.expecting("* OK"));
  }

  @Override
  public AttemptOutcome<OpenFetch> attempt(AttemptContext ctx) {
    BurlSockets.Entry tls;
    try {
      tls = sockets.forPolicy(ctx.group().tls());
    } catch (IOException e) {
      String why = "TLS for group " + ctx.group().name() + ": " + e.getMessage();
      return AttemptOutcome.fatal(FatalReason.CLIENT_ERROR, why, new IOException(why, e));
    }
    ObservedConnection conn;
    try {
      conn = tls.sockets().watch(ctx);
    } catch (UnknownHostException e) {
      return AttemptOutcome.unavailable("unknown host " + ServerText.printable(ctx.host().host()), e);
    }
    Socket socket = null;
    try {
      socket = conn.openSocket();
      socket.setSoTimeout((int) Math.max(1, Math.min(Integer.MAX_VALUE, ctx.responseTimeout().toMillis())));
      Conversation c = new Conversation(socket);
      String greeting = c.readLine();
      if (greeting.startsWith("* BYE")) {
        socket.close();
        return AttemptOutcome.unavailable("greeting: " + ServerText.printable(greeting), null);
      }
      if (!greeting.startsWith("* OK")) {
        socket.close();
        return AttemptOutcome.unavailable("not an IMAP greeting: \"" + ServerText.printable(greeting, 80) + "\"", null);
      }
      if (tls.startTls()) {
        String r = c.command("t0 STARTTLS");
        if (!r.startsWith("t0 OK")) {
          socket.close();
          return AttemptOutcome.unavailable("STARTTLS refused (" + ServerText.printable(r)
              + "); never fetching in plain text", null);
        }
        socket = conn.startTls(socket);
        c = new Conversation(socket);
      }
      AttemptOutcome<OpenFetch> login = login(c, socket);
      if (login != null) {
        return login;
      }
      AttemptOutcome<OpenFetch> fetched = urlfetch(c, socket);
      if (fetched instanceof AttemptOutcome.Success<OpenFetch>) {
        // The message streams from here: the user's, unbounded.
        conn.served();
      }
      return fetched;
    } catch (IOException e) {
      closeQuietly(socket);
      Optional<String> onSocket = conn.limitExceeded().or(conn::failure);
      if (onSocket.isPresent()) {
        return AttemptOutcome.unavailable(onSocket.get(), e);
      }
      return AttemptOutcome.unavailable(e.getClass().getSimpleName()
          + (e.getMessage() == null ? "" : ": " + ServerText.printable(e.getMessage())), e);
    }
  }

  private AttemptOutcome<OpenFetch> login(Conversation c, Socket socket) throws IOException {
    String plain = Base64.getEncoder().encodeToString(
        ("\0" + identity.user() + "\0" + identity.password()).getBytes(StandardCharsets.UTF_8));
    c.send("t1 AUTHENTICATE PLAIN");
    String r = c.readLine();
    if (r.startsWith("+")) {
      c.send(plain);
      r = c.readLine();
    }
    while (r.startsWith("* ")) {
      r = c.readLine();
    }
    try {
      var referral = LoginReferral.fromResponse(r);
      if (referral.isPresent()) {
        socket.close();
        return AttemptOutcome.referral(referral.get().host(), ServerText.printable(r));
      }
    } catch (IllegalArgumentException bad) {
      socket.close();
      return AttemptOutcome.unavailable("malformed referral: " + bad.getMessage(), null);
    }
    if (r.startsWith("t1 OK")) {
      return null;
    }
    socket.close();
    String code = ImapLoginAttempt.responseCode(r);
    String shown = ServerText.printable(r);
    if (code.equals("UNAVAILABLE") || code.equals("SERVERBUG")) {
      return AttemptOutcome.unavailable(shown, null);
    }
    return AttemptOutcome.fatal(FatalReason.CREDENTIALS_REFUSED, "submit server login refused: " + shown, null);
  }

  private AttemptOutcome<OpenFetch> urlfetch(Conversation c, Socket socket) throws IOException {
    String quoted = "\"" + url.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
    c.send("t2 URLFETCH " + quoted);
    while (true) {
      String line = c.readLine();
      String upper = line.toUpperCase(Locale.ROOT);
      if (upper.startsWith("* URLFETCH ")) {
        if (upper.endsWith(" NIL")) {
          socket.close();
          return AttemptOutcome.fatal(FatalReason.REQUEST_REFUSED,
              "URLFETCH " + ServerText.printable(quoted) + " answered NIL: the URL is not valid", null);
        }
        int open = line.lastIndexOf('{');
        if (open < 0 || !line.endsWith("}")) {
          socket.close();
          return AttemptOutcome.unavailable("unexpected URLFETCH response: " + ServerText.printable(line, 80), null);
        }
        long length;
        try {
          length = Long.parseLong(line.substring(open + 1, line.length() - 1));
        } catch (NumberFormatException e) {
          socket.close();
          return AttemptOutcome.unavailable("bad literal size in: " + ServerText.printable(line, 80), null);
        }
        return AttemptOutcome.success(new OpenFetch(socket, new LiteralStream(c, socket, length), length));
      }
      if (upper.startsWith("T2 NO")) {
        socket.close();
        return AttemptOutcome.unavailable("URLFETCH: " + ServerText.printable(line), null);
      }
      if (upper.startsWith("T2 ")) {
        socket.close();
        return AttemptOutcome.fatal(FatalReason.REQUEST_REFUSED, "URLFETCH refused: " + ServerText.printable(line), null);
      }
    }
  }

  /** Line-level reads and writes on one connection. */
  static final class Conversation {
    final InputStream in;
    final OutputStream out;

    Conversation(Socket s) throws IOException {
      this.in = new BufferedInputStream(s.getInputStream());
      this.out = s.getOutputStream();
    }

    void send(String line) throws IOException {
      out.write((line + "\r\n").getBytes(StandardCharsets.UTF_8));
      out.flush();
    }

    String command(String line) throws IOException {
      send(line);
      String r = readLine();
      while (r.startsWith("* ")) {
        r = readLine();
      }
      return r;
    }

    String readLine() throws IOException {
      StringBuilder sb = new StringBuilder();
      int b;
      while ((b = in.read()) != -1) {
        if (b == '\n') {
          int len = sb.length();
          return len > 0 && sb.charAt(len - 1) == '\r' ? sb.substring(0, len - 1) : sb.toString();
        }
        if (sb.length() >= MAX_LINE) {
          throw new IOException("response line longer than " + MAX_LINE + " bytes");
        }
        sb.append((char) b);
      }
      throw new EOFException("connection closed by the server");
    }
  }

  /** Exactly {@code length} bytes of the literal, straight from the socket. */
  private static final class LiteralStream extends FilterInputStream {
    private final Conversation c;
    private final Socket socket;
    private long left;
    private boolean closed;

    LiteralStream(Conversation c, Socket socket, long length) {
      super(c.in);
      this.c = c;
      this.socket = socket;
      this.left = length;
    }

    @Override
    public int read() throws IOException {
      if (left == 0) {
        return -1;
      }
      int b = in.read();
      if (b < 0) {
        throw new EOFException("connection closed with " + left + " message bytes still to come");
      }
      left--;
      return b;
    }

    @Override
    public int read(byte[] buf, int off, int len) throws IOException {
      if (left == 0) {
        return -1;
      }
      int n = in.read(buf, off, (int) Math.min(len, left));
      if (n < 0) {
        throw new EOFException("connection closed with " + left + " message bytes still to come");
      }
      left -= n;
      return n;
    }

    @Override
    public int available() throws IOException {
      return (int) Math.min(in.available(), left);
    }

    @Override
    public void close() throws IOException {
      if (closed) {
        return;
      }
      closed = true;
      try {
        if (left == 0) {
          String line = c.readLine();
          while (!line.toUpperCase(Locale.ROOT).startsWith("T2 ")) {
            line = c.readLine();
          }
          c.send("t3 LOGOUT");
        }
      } catch (IOException ignored) {
        // The message is complete; the session's end does not matter.
      } finally {
        socket.close();
      }
    }
  }

  private static void closeQuietly(Socket s) {
    if (s == null) {
      return;
    }
    try {
      s.close();
    } catch (IOException ignored) {
      // closing
    }
  }

}
