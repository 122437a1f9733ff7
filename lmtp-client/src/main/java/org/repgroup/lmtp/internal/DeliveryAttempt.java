package org.repgroup.lmtp.internal;

import java.io.IOException;
import java.io.InputStream;
import java.net.SocketTimeoutException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.repgroup.core.HostAddress;
import org.repgroup.core.spi.Attempt;
import org.repgroup.core.spi.AttemptContext;
import org.repgroup.core.spi.AttemptOutcome;
import org.repgroup.core.spi.ServerText;
import org.repgroup.core.time.Ticker;
import org.repgroup.lmtp.LmtpGreeting;
import org.repgroup.lmtp.MessageSource;
import org.repgroup.lmtp.RecipientResult;
import org.repgroup.lmtp.RecipientStatus;

/**
 * One LMTP transaction as the engine's {@link Attempt}. Anything that fails
 * before the final dot is an outcome the engine may retry on another host
 * (nothing was delivered). Every reply awaited before DATA runs under the
 * engine's stagger ({@link AttemptContext#awaitingReply()}), and each reply must be
 * complete within the response timeout, so a host that trickles or stalls any
 * reply before DATA is left for the next host like a silent one.
 *
 * <p>Once the final dot is sent the attempt always succeeds with what it knows:
 * a per-recipient reply is definite (2xx delivered, 4xx temporary, 5xx
 * permanent); a {@code 421} where a recipient's reply was due, a closed
 * connection, a malformed reply or a reply not complete within the response
 * timeout leave that recipient and every one still waiting
 * UNKNOWN_MAYBE_DELIVERED: the host may have stored the message. Only one attempt
 * of a delivery may start sending the message (the commit token), so staggered
 * parallel attempts never deliver twice.
 */
public final class DeliveryAttempt implements Attempt<List<RecipientResult>> {

  /** Cap on a server's reply text kept in a {@link RecipientResult}. */
  private static final int RESULT_TEXT_MAX = 512;
  /** Cap on an attempt's detail (what the trace and the failure report show). */
  private static final int DETAIL_MAX = 500;

  private final String from;
  private final List<String> recipients;
  private final MessageSource message;
  private final long size;
  private final String lhloName;
  private final ConnectionPool pool;
  private final Ticker ticker;
  private final javax.net.ssl.SSLSocketFactory startTls;
  private final AtomicReference<HostAddress> commitToken = new AtomicReference<>();
  private volatile RecipientResult[] committedResults;
  private volatile boolean dotSent;

  /** A transaction of {@code message} ({@code size} octets as sent) from {@code from} to {@code recipients}. */
  public DeliveryAttempt(String from, List<String> recipients, MessageSource message, long size, String lhloName,
      ConnectionPool pool, Ticker ticker, javax.net.ssl.SSLSocketFactory startTls) {
    this.from = from;
    this.recipients = List.copyOf(recipients);
    this.message = message;
    this.size = size;
    this.lhloName = lhloName;
    this.pool = pool;
    this.ticker = ticker;
    this.startTls = startTls;
  }

  /** True once some attempt sent the final dot: the message may be delivered, never send it again. */
  public boolean dotSent() {
    return dotSent;
  }

  /** The host that was sent the message, if any. */
  public HostAddress committedHost() {
    return commitToken.get();
  }

  /** What is known after the dot: replies received, UNKNOWN_MAYBE_DELIVERED for the others. */
  public List<RecipientResult> committedResults() {
    RecipientResult[] r = committedResults;
    List<RecipientResult> out = new ArrayList<>();
    for (int i = 0; i < recipients.size(); i++) {
      out.add(r != null && r[i] != null ? r[i] : unknown(recipients.get(i), "the operation ended before the reply"));
    }
    return out;
  }

  /** A recheck reads the greeting only: it never logs in or sends mail. */
  @Override
  public java.util.Optional<org.repgroup.core.spi.HostProbe> prober() {
    return java.util.Optional.of(org.repgroup.core.spi.GreetingProbe.expecting("220"));
  }

  @Override
  public AttemptOutcome<List<RecipientResult>> attempt(AttemptContext ctx) throws Exception {
    LmtpConnection conn = pool.take(ctx.host());
    if (conn != null) {
      ctx.onCancel(conn);
      conn.replyBudget(ctx::responseTimeout);
      try {
        if (!command(conn, ctx, "RSET").positive()) {
          conn.close();
          conn = null;
        }
      } catch (IOException e) {
        // A pooled connection that went stale says nothing about the host: open a fresh one.
        conn.close();
        conn = null;
      }
    }
    if (conn == null) {
      try {
        conn = LmtpConnection.open(ctx.socketAddress(), ctx.host(), ctx.connectTimeout(), ctx.responseTimeout(),
            ticker);
      } catch (IOException e) {
        return AttemptOutcome.unavailable(describe("connect", e), e);
      }
      ctx.onCancel(conn);
      conn.replyBudget(ctx::responseTimeout);
      AttemptOutcome<List<RecipientResult>> refused = greet(conn, ctx);
      if (refused != null) {
        return refused;
      }
    }
    return transaction(conn, ctx);
  }

  /**
   * Sends {@code line} and reads its reply, before DATA: while the reply is awaited the
   * engine's stagger runs (a host that trickles or stalls lets the next host start), and
   * a complete reply tells it the host answered.
   */
  private static LmtpReply command(LmtpConnection conn, AttemptContext ctx, String line) throws IOException {
    ctx.awaitingReply();
    LmtpReply r = conn.command(line);
    ctx.hostResponded();
    return r;
  }

  /** Reads one more reply of a pipelined batch, before DATA, under the stagger like {@link #command}. */
  private static LmtpReply reply(LmtpConnection conn, AttemptContext ctx) throws IOException {
    ctx.awaitingReply();
    LmtpReply r = conn.read();
    ctx.hostResponded();
    return r;
  }

  /** LHLO under the stagger like {@link #command}. */
  private LmtpReply lhlo(LmtpConnection conn, AttemptContext ctx) throws IOException {
    ctx.awaitingReply();
    LmtpReply r = conn.lhlo(lhloName);
    ctx.hostResponded();
    return r;
  }

  /** Greeting and LHLO; an outcome when this host will not take the transaction, else {@code null}. */
  private AttemptOutcome<List<RecipientResult>> greet(LmtpConnection conn, AttemptContext ctx) {
    try {
      LmtpGreeting g = conn.readGreeting();
      ctx.hostResponded();
      if (g.referral().isPresent()) {
        conn.quitQuietly();
        return AttemptOutcome.referral(g.referral().get(), "greeting: " + ServerText.printable(g.text()));
      }
      if (!g.ready()) {
        conn.close();
        return AttemptOutcome.unavailable("greeting: " + g.code() + " " + ServerText.printable(g.text()), null);
      }
      LmtpReply lhlo = lhlo(conn, ctx);
      if (!lhlo.positive()) {
        conn.quitQuietly();
        return AttemptOutcome.unavailable("LHLO refused: " + lhlo, null);
      }
      if (startTls != null) {
        if (!conn.startTlsOffered()) {
          conn.quitQuietly();
          return AttemptOutcome.unavailable("STARTTLS required but not offered; mail is never sent in plain text", null);
        }
        ctx.awaitingReply();
        conn.startTls(startTls);
        ctx.hostResponded();
        ctx.onCancel(conn.socket());
        LmtpReply again = lhlo(conn, ctx);
        if (!again.positive()) {
          conn.quitQuietly();
          return AttemptOutcome.unavailable("LHLO after STARTTLS refused: " + again, null);
        }
      }
      return null;
    } catch (IOException e) {
      conn.close();
      return AttemptOutcome.unavailable(describe("greeting", e), e);
    }
  }

  private AttemptOutcome<List<RecipientResult>> transaction(LmtpConnection conn, AttemptContext ctx) {
    RecipientResult[] results = new RecipientResult[recipients.size()];
    List<Integer> accepted = new ArrayList<>();
    try {
      if (conn.sizeLimit() > 0 && size > conn.sizeLimit()) {
        String text = "message of " + size + " octets exceeds the server's SIZE limit of " + conn.sizeLimit();
        for (int i = 0; i < results.length; i++) {
          results[i] = new RecipientResult(recipients.get(i), RecipientStatus.PERMANENT_FAILURE, 552, "5.3.4", text);
        }
        pool.give(conn);
        return AttemptOutcome.success(Arrays.asList(results));
      }
      String mail = "MAIL FROM:<" + from + ">" + (conn.sizeLimit() > 0 ? " SIZE=" + size : "");
      LmtpReply mailReply;
      List<LmtpReply> rcptReplies = new ArrayList<>();
      if (conn.pipelining()) {
        conn.send(mail);
        for (String r : recipients) {
          conn.send("RCPT TO:<" + r + ">");
        }
        conn.flush();
        mailReply = reply(conn, ctx);
        for (int i = 0; i < recipients.size(); i++) {
          rcptReplies.add(reply(conn, ctx));
        }
      } else {
        mailReply = command(conn, ctx, mail);
        if (mailReply.positive()) {
          for (String r : recipients) {
            rcptReplies.add(command(conn, ctx, "RCPT TO:<" + r + ">"));
          }
        }
      }
      if (!mailReply.positive()) {
        return mailRefused(conn, ctx, mailReply, results);
      }
      for (int i = 0; i < recipients.size(); i++) {
        LmtpReply r = rcptReplies.get(i);
        if (r.code() == 421) {
          conn.close();
          return AttemptOutcome.unavailable("RCPT: " + r, null);
        }
        if (r.positive()) {
          accepted.add(i);
        } else {
          results[i] = result(recipients.get(i), r);
        }
      }
      if (accepted.isEmpty()) {
        command(conn, ctx, "RSET");
        pool.give(conn);
        return AttemptOutcome.success(Arrays.asList(results));
      }
      LmtpReply data = command(conn, ctx, "DATA");
      if (!data.intermediate()) {
        if (data.code() >= 500) {
          for (int i : accepted) {
            results[i] = result(recipients.get(i), data);
          }
          command(conn, ctx, "RSET");
          pool.give(conn);
          return AttemptOutcome.success(Arrays.asList(results));
        }
        conn.close();
        return AttemptOutcome.unavailable("DATA: " + data, null);
      }
    } catch (IOException e) {
      conn.close();
      return AttemptOutcome.unavailable(describe("before DATA", e), e);
    }
    return sendMessage(conn, ctx, results, accepted);
  }

  private AttemptOutcome<List<RecipientResult>> mailRefused(LmtpConnection conn, AttemptContext ctx, LmtpReply reply,
      RecipientResult[] results) throws IOException {
    if (reply.code() == 421) {
      conn.close();
      return AttemptOutcome.unavailable("MAIL: " + reply, null);
    }
    if (reply.transientFailure()) {
      conn.quitQuietly();
      String t = reply.text().toLowerCase(java.util.Locale.ROOT);
      return t.contains("read-only") || t.contains("read only")
          ? AttemptOutcome.readOnly("MAIL: " + reply)
          : AttemptOutcome.declined("MAIL: " + reply, null);
    }
    // A permanent refusal of the sender applies to every recipient: report it, do not try elsewhere.
    for (int i = 0; i < results.length; i++) {
      results[i] = result(recipients.get(i), reply);
    }
    command(conn, ctx, "RSET");
    pool.give(conn);
    return AttemptOutcome.success(Arrays.asList(results));
  }

  private AttemptOutcome<List<RecipientResult>> sendMessage(LmtpConnection conn, AttemptContext ctx,
      RecipientResult[] results, List<Integer> accepted) {
    if (!commitToken.compareAndSet(null, ctx.host())) {
      conn.close();
      return AttemptOutcome.declined("another host is taking this delivery", null);
    }
    if (ctx.isCancelled()) {
      commitToken.set(null);
      conn.close();
      return AttemptOutcome.unavailable("cancelled before sending the message", null);
    }
    DotStuffingOutputStream data = new DotStuffingOutputStream(conn.output());
    try (InputStream in = message.open()) {
      in.transferTo(data);
    } catch (IOException e) {
      // The final dot was not sent: nothing was delivered, another host may take it.
      commitToken.set(null);
      conn.close();
      return AttemptOutcome.unavailable(describe("sending the message", e), e);
    }
    committedResults = results;
    dotSent = true;
    // From here on the message may be in the store: no stagger (another host would deliver it
    // twice), and only a per-recipient reply is definite; anything else leaves the recipient unknown.
    try {
      data.finish();
      for (int k = 0; k < accepted.size(); k++) {
        int i = accepted.get(k);
        LmtpReply r = conn.read();
        if (r.code() == 421) {
          // The host is closing the session (a stopping node's last words), not answering for this
          // recipient: the message may have been stored for it and for every one still waiting.
          conn.close();
          String why = "the host closed the session where this recipient's reply was due (" + r
              + "): it may have been delivered";
          for (int rest : accepted.subList(k, accepted.size())) {
            results[rest] = unknown(recipients.get(rest), why);
          }
          return AttemptOutcome.success(Arrays.asList(results));
        }
        results[i] = result(recipients.get(i), r);
      }
    } catch (IOException e) {
      conn.close();
      for (int i : accepted) {
        if (results[i] == null) {
          results[i] = unknown(recipients.get(i), "no reply after the message: " + describe("after DATA", e));
        }
      }
      return AttemptOutcome.success(Arrays.asList(results));
    }
    pool.give(conn);
    return AttemptOutcome.success(Arrays.asList(results));
  }

  private static RecipientResult result(String address, LmtpReply r) {
    RecipientStatus status = r.positive() ? RecipientStatus.DELIVERED
        : r.transientFailure() ? RecipientStatus.TEMPORARY_FAILURE : RecipientStatus.PERMANENT_FAILURE;
    return new RecipientResult(address, status, r.code(), r.enhancedCode(), ServerText.printable(r.text(), RESULT_TEXT_MAX));
  }

  private static RecipientResult unknown(String address, String why) {
    return new RecipientResult(address, RecipientStatus.UNKNOWN_MAYBE_DELIVERED, 0, "", why);
  }

  private static String describe(String phase, IOException e) {
    String m = e.getMessage();
    String what = m != null && !m.isBlank() ? m
        : e instanceof SocketTimeoutException ? "timed out" : e.getClass().getSimpleName();
    return phase + ": " + ServerText.printable(what, DETAIL_MAX);
  }

  @Override
  public void discard(List<RecipientResult> value) {
    // Results hold no connection.
  }
}
