package org.repgroup.samples.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.function.Consumer;
import org.repgroup.core.HostAddress;
import org.repgroup.testkit.ImapReferralStyle;

/**
 * A benchmark-only IMAP responder on 127.0.0.1 that answers from prepared
 * buffers, so a login benchmark measures the client, not the server (the
 * testkit's scripted server parses, logs and keeps a mailbox per user, and
 * allocates more per login than the client does). It reads only each
 * command's tag and command word and answers:
 * <ul>
 *   <li>the greeting {@code * OK [CAPABILITY IMAP4rev1 LOGIN-REFERRALS] ...}, whose
 *       capabilities spare Angus Mail its {@code CAPABILITY} command, and whose lack
 *       of {@code AUTH=} makes it log in with {@code LOGIN};</li>
 *   <li>{@code CAPABILITY}, {@code NOOP};</li>
 *   <li>{@code LOGIN}: on a master {@code OK [CAPABILITY ...]} (which spares the
 *       {@code CAPABILITY} Angus would send after login); on a replica the RFC 2221
 *       referral to the master that Repgroup's IMAP writer follows ({@code NO
 *       [REFERRAL imap://master/]}, or {@code OK [REFERRAL ...]} by choice);</li>
 *   <li>{@code LOGOUT}: {@code * BYE} and the tagged {@code OK}, then it closes the
 *       connection first (so TIME_WAIT stays on the responder's side, not on the
 *       client's ephemeral ports);</li>
 *   <li>anything else: {@code BAD}. Synchronizing literals ({@code {n}}) get a
 *       continuation and are skipped.</li>
 * </ul>
 * Any user name and password log in. Angus Mail 2.0.5's {@code IMAPStore.connect}
 * then {@code close} sends exactly {@code LOGIN} and {@code LOGOUT} here (no
 * {@code ID}: only with a Yahoo GUID; no {@code ENABLE}: only for {@code UTF8=ACCEPT};
 * no {@code NAMESPACE}: only when a folder is asked for).
 *
 * <p>One selector thread serves every connection (thousands at once), with
 * pooled per-connection buffers: after warm-up a login allocates only what the
 * JDK allocates to accept a socket, so {@code -prof gc} mostly counts the client.
 * Not a test double: it checks nothing.
 */
final class PreparedImapResponder implements AutoCloseable {

  /** What the greeting and the login advertise. */
  static final String CAPABILITIES = "IMAP4rev1 LOGIN-REFERRALS";

  private static final byte[] GREETING = bytes("* OK [CAPABILITY " + CAPABILITIES + "] bench IMAP ready\r\n");
  private static final byte[] CAPABILITY_DATA = bytes("* CAPABILITY " + CAPABILITIES + "\r\n");
  private static final byte[] CAPABILITY_DONE = bytes(" OK CAPABILITY completed\r\n");
  private static final byte[] MASTER_LOGIN = bytes(" OK [CAPABILITY " + CAPABILITIES + "] Logged in\r\n");
  private static final byte[] NOOP_DONE = bytes(" OK NOOP completed\r\n");
  private static final byte[] BYE = bytes("* BYE bench IMAP logging out\r\n");
  private static final byte[] LOGOUT_DONE = bytes(" OK LOGOUT completed\r\n");
  private static final byte[] BAD = bytes(" BAD not a command of the bench responder\r\n");
  private static final byte[] UNTAGGED = bytes("*");
  private static final byte[] GO_AHEAD = bytes("+ go ahead\r\n");

  private static final int NONE = 0;
  private static final int CAPABILITY = 1;
  private static final int LOGIN = 2;
  private static final int NOOP = 3;
  private static final int LOGOUT = 4;
  private static final int OTHER = 5;
  private static final int NOTHING = 0;
  private static final int ANSWER = 1;
  private static final int CONTINUE = 2;
  private static final byte[][] VERBS = {null, bytes("CAPABILITY"), bytes("LOGIN"), bytes("NOOP"), bytes("LOGOUT")};

  private static final int LINE_CAPACITY = 1024;
  private static final int OUT_CAPACITY = 1024;
  private static final int MAX_TAG = 64;
  private static final int MAX_POOLED = 4096;

  private final byte[] loginReply;
  private final ServerSocketChannel server;
  private final Selector selector;
  private final Thread loop;
  private final Consumer<SelectionKey> onReady = this::ready;
  private final ArrayDeque<Connection> pool = new ArrayDeque<>();
  private volatile boolean open = true;

  /** A master: every login succeeds. */
  static PreparedImapResponder master() throws IOException {
    return new PreparedImapResponder(MASTER_LOGIN, "master");
  }

  /** A replica that points writers to {@code master} ({@code style} NO: login refused; OK: logged in). */
  static PreparedImapResponder replicaOf(HostAddress master, ImapReferralStyle style) throws IOException {
    String url = "imap://" + master + "/";
    String reply = style == ImapReferralStyle.NO
        ? " NO [REFERRAL " + url + "] Try the master\r\n"
        : " OK [REFERRAL " + url + "] Logged in on a replica; writes go to the master\r\n";
    return new PreparedImapResponder(bytes(reply), "replica");
  }

  private PreparedImapResponder(byte[] loginReply, String role) throws IOException {
    this.loginReply = loginReply;
    selector = Selector.open();
    server = ServerSocketChannel.open();
    try {
      server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 4096);
      server.configureBlocking(false);
      server.register(selector, SelectionKey.OP_ACCEPT);
    } catch (IOException e) {
      server.close();
      selector.close();
      throw e;
    }
    loop = new Thread(this::run, "prepared-imap-" + role + "-" + port());
    loop.setDaemon(true);
    loop.start();
  }

  /** Where it listens. */
  HostAddress address() {
    return HostAddress.of("127.0.0.1", port());
  }

  private int port() {
    try {
      return ((InetSocketAddress) server.getLocalAddress()).getPort();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private void run() {
    try {
      while (open) {
        selector.select(onReady);
      }
    } catch (IOException e) {
      // The selector broke: nothing more to serve.
    } finally {
      for (SelectionKey k : selector.keys()) {
        closeQuietly(k);
      }
      try {
        selector.close();
      } catch (IOException ignored) {
        // closing anyway
      }
    }
  }

  private void ready(SelectionKey key) {
    if (key.channel() == server) {
      accept();
      return;
    }
    Connection c = (Connection) key.attachment();
    try {
      if (key.isReadable()) {
        int n = c.channel.read(c.in);
        if (n < 0) {
          release(key, c);
          return;
        }
        serve(key, c);
      } else if (key.isWritable()) {
        if (flush(key, c) && !c.closing) {
          serve(key, c);
        }
      }
    } catch (IOException | RuntimeException e) {
      // The client went away, or its connection broke.
      release(key, c);
    }
  }

  private void accept() {
    SocketChannel ch;
    try {
      while ((ch = server.accept()) != null) {
        Connection c = pool.isEmpty() ? new Connection() : pool.pop();
        c.channel = ch;
        try {
          ch.configureBlocking(false);
          ch.setOption(StandardSocketOptions.TCP_NODELAY, Boolean.TRUE);
          SelectionKey key = ch.register(selector, SelectionKey.OP_READ, c);
          c.out.put(GREETING);
          flush(key, c);
        } catch (IOException e) {
          c.reset();
          pool.push(c);
          ch.close();
        }
      }
    } catch (IOException e) {
      // Closed, or out of descriptors: the next select tries again.
    }
  }

  /**
   * Answers every complete command in {@code c.in}, until input runs out or the
   * output is full (then it waits for the client to read; the answer stays pending).
   */
  private void serve(SelectionKey key, Connection c) throws IOException {
    ByteBuffer in = c.in;
    in.flip();
    while (!c.closing) {
      if (c.pending != NOTHING) {
        if (!(c.pending == ANSWER ? answer(key, c) : reply(key, c, GO_AHEAD, null, null))) {
          break;
        }
        c.pending = NOTHING;
        continue;
      }
      if (!in.hasRemaining()) {
        break;
      }
      if (c.literalLeft > 0) {
        int skip = (int) Math.min(c.literalLeft, in.remaining());
        in.position(in.position() + skip);
        c.literalLeft -= skip;
        continue;
      }
      int start = in.position();
      int lf = indexOf(in, start, in.limit(), (byte) '\n');
      if (lf < 0) {
        if (c.skippingLine) {
          in.position(in.limit());
        } else if (start == 0 && in.limit() == in.capacity()) {
          // A line longer than the buffer: keep its tag and command word, drop the rest.
          if (c.verb == NONE) {
            begin(c, in, start, in.limit());
          }
          c.verb = OTHER;
          c.skippingLine = true;
          in.position(in.limit());
        }
        break;
      }
      int end = lf > start && in.get(lf - 1) == '\r' ? lf - 1 : lf;
      in.position(lf + 1);
      if (c.skippingLine) {
        c.skippingLine = false;
        c.pending = ANSWER;
        continue;
      }
      if (c.verb == NONE) {
        begin(c, in, start, end);
      }
      long literal = literalAtEnd(in, start, end);
      if (literal >= 0) {
        c.literalLeft = literal;
        if (in.get(end - 2) != '+') {
          c.pending = CONTINUE;
        }
        continue;
      }
      c.pending = ANSWER;
    }
    in.compact();
    flush(key, c);
  }

  /** Reads the tag and command word at the start of a command. */
  private static void begin(Connection c, ByteBuffer in, int start, int end) {
    int sp = indexOf(in, start, end, (byte) ' ');
    int tagEnd = sp < 0 ? end : sp;
    int tagLength = tagEnd - start;
    if (tagLength > 0 && tagLength <= MAX_TAG) {
      in.get(start, c.tag, 0, tagLength);
      c.tagLength = tagLength;
    } else {
      c.tagLength = 0;
    }
    c.verb = OTHER;
    if (sp < 0 || c.tagLength == 0) {
      return;
    }
    int wordStart = sp + 1;
    int wordEnd = indexOf(in, wordStart, end, (byte) ' ');
    if (wordEnd < 0) {
      wordEnd = end;
    }
    for (int v = CAPABILITY; v <= LOGOUT; v++) {
      if (equalsIgnoreCase(in, wordStart, wordEnd, VERBS[v])) {
        c.verb = v;
        return;
      }
    }
  }

  /** Answers the command just completed; false when the output had no room (the command stays pending). */
  private boolean answer(SelectionKey key, Connection c) throws IOException {
    boolean done = switch (c.verb) {
      case CAPABILITY -> reply(key, c, CAPABILITY_DATA, c.tag, CAPABILITY_DONE);
      case LOGIN -> reply(key, c, null, c.tag, loginReply);
      case NOOP -> reply(key, c, null, c.tag, NOOP_DONE);
      case LOGOUT -> reply(key, c, BYE, c.tag, LOGOUT_DONE);
      default -> reply(key, c, null, c.tagLength > 0 ? c.tag : null, BAD);
    };
    if (!done) {
      return false;
    }
    if (c.verb == LOGOUT) {
      c.closing = true;
    }
    c.verb = NONE;
    return true;
  }

  /**
   * Queues {@code untagged}, then the tag (or {@code *} for a null tag when
   * {@code tagged} follows), then {@code tagged}; false when they do not fit even
   * after writing what was queued.
   */
  private boolean reply(SelectionKey key, Connection c, byte[] untagged, byte[] tag, byte[] tagged)
      throws IOException {
    int tagLength = tag == null ? (tagged == null ? 0 : UNTAGGED.length) : c.tagLength;
    int need = (untagged == null ? 0 : untagged.length) + tagLength + (tagged == null ? 0 : tagged.length);
    if (c.out.remaining() < need && !(flush(key, c) && c.out.remaining() >= need)) {
      return false;
    }
    if (untagged != null) {
      c.out.put(untagged);
    }
    if (tagged != null) {
      c.out.put(tag == null ? UNTAGGED : tag, 0, tagLength);
      c.out.put(tagged);
    }
    return true;
  }

  /**
   * Writes what is queued; true when all of it went. While some is left the
   * connection waits for the client (write interest only); once drained it reads
   * again, or is closed after LOGOUT.
   */
  private boolean flush(SelectionKey key, Connection c) throws IOException {
    ByteBuffer out = c.out;
    if (out.position() > 0) {
      out.flip();
      c.channel.write(out);
      out.compact();
    }
    if (out.position() > 0) {
      key.interestOps(SelectionKey.OP_WRITE);
      return false;
    }
    if (c.closing) {
      release(key, c);
      return false;
    }
    if (key.interestOps() != SelectionKey.OP_READ) {
      key.interestOps(SelectionKey.OP_READ);
    }
    return true;
  }

  private void release(SelectionKey key, Connection c) {
    closeQuietly(key);
    if (c.channel != null) {
      c.reset();
      if (pool.size() < MAX_POOLED) {
        pool.push(c);
      }
    }
  }

  private static void closeQuietly(SelectionKey key) {
    key.cancel();
    try {
      key.channel().close();
    } catch (IOException ignored) {
      // gone already
    }
  }

  /** The n of a literal {@code {n}} or {@code {n+}} that ends the line, or -1. */
  private static long literalAtEnd(ByteBuffer in, int start, int end) {
    if (end - start < 3 || in.get(end - 1) != '}') {
      return -1;
    }
    int i = end - 2;
    if (in.get(i) == '+') {
      i--;
    }
    long n = 0;
    long scale = 1;
    int digits = 0;
    while (i > start && in.get(i) >= '0' && in.get(i) <= '9' && digits < 12) {
      n += (in.get(i) - '0') * scale;
      scale *= 10;
      digits++;
      i--;
    }
    return digits > 0 && in.get(i) == '{' ? n : -1;
  }

  private static int indexOf(ByteBuffer in, int from, int to, byte b) {
    for (int i = from; i < to; i++) {
      if (in.get(i) == b) {
        return i;
      }
    }
    return -1;
  }

  private static boolean equalsIgnoreCase(ByteBuffer in, int start, int end, byte[] upper) {
    if (end - start != upper.length) {
      return false;
    }
    for (int i = 0; i < upper.length; i++) {
      int b = in.get(start + i);
      if ((b >= 'a' && b <= 'z' ? b - 32 : b) != upper[i]) {
        return false;
      }
    }
    return true;
  }

  /** Stops listening and closes every connection. */
  @Override
  public void close() throws IOException {
    open = false;
    selector.wakeup();
    try {
      loop.join(Duration.ofSeconds(5).toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    server.close();
  }

  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.US_ASCII);
  }

  /** One connection's state, pooled: buffers, the pending command's tag and word. */
  private static final class Connection {
    final ByteBuffer in = ByteBuffer.allocateDirect(LINE_CAPACITY);
    final ByteBuffer out = ByteBuffer.allocateDirect(OUT_CAPACITY);
    final byte[] tag = new byte[MAX_TAG];
    SocketChannel channel;
    int tagLength;
    int verb = NONE;
    int pending = NOTHING;
    long literalLeft;
    boolean skippingLine;
    boolean closing;

    void reset() {
      in.clear();
      out.clear();
      channel = null;
      tagLength = 0;
      verb = NONE;
      pending = NOTHING;
      literalLeft = 0;
      skippingLine = false;
      closing = false;
    }
  }
}
