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
import org.repgroup.core.time.Ticker;
import org.repgroup.lmtp.LmtpGreeting;
import org.repgroup.lmtp.MessageSource;
import org.repgroup.lmtp.RecipientResult;
import org.repgroup.lmtp.RecipientStatus;

/**
 * One LMTP transaction as the engine's {@link Attempt}. Anything that fails
 * before the final dot is an outcome the engine may retry on another host
 * (nothing was delivered). Once the final dot is sent the attempt always
 * succeeds with what it knows: replies received, and UNKNOWN_MAYBE_DELIVERED for
 * the rest. Only one attempt of a delivery may start sending the message (the
 * commit token), so staggered parallel attempts never deliver twice.
 */
public final class DeliveryAttempt implements Attempt<List<RecipientResult>> {

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
      try {
        conn.responseTimeout(ctx.responseTimeout());
        if (!conn.command("RSET").positive()) {
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
            ticker.read());
      } catch (IOException e) {
        return AttemptOutcome.unavailable(describe("connect", e), e);
      }
      ctx.onCancel(conn);
      AttemptOutcome<List<RecipientResult>> refused = greet(conn, ctx);
      if (refused != null) {
        return refused;
      }
    }
    ctx.hostResponded();
    return transaction(conn, ctx);
  }

  /** Greeting and LHLO; an outcome when this host will not take the transaction, else {@code null}. */
  private AttemptOutcome<List<RecipientResult>> greet(LmtpConnection conn, AttemptContext ctx) {
    try {
      LmtpGreeting g = conn.readGreeting();
      if (g.referral().isPresent()) {
        conn.quitQuietly();
        return AttemptOutcome.referral(g.referral().get(), "greeting: " + g.text());
      }
      if (!g.ready()) {
        conn.close();
        return AttemptOutcome.unavailable("greeting: " + g.code() + " " + g.text(), null);
      }
      LmtpReply lhlo = conn.lhlo(lhloName);
      if (!lhlo.positive()) {
        conn.quitQuietly();
        return AttemptOutcome.unavailable("LHLO refused: " + lhlo, null);
      }
      if (startTls != null) {
        if (!conn.startTlsOffered()) {
          conn.quitQuietly();
          return AttemptOutcome.unavailable("STARTTLS required but not offered; mail is never sent in plain text", null);
        }
        conn.startTls(startTls);
        ctx.onCancel(conn.socket());
        LmtpReply again = conn.lhlo(lhloName);
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
        mailReply = conn.read();
        for (int i = 0; i < recipients.size(); i++) {
          rcptReplies.add(conn.read());
        }
      } else {
        mailReply = conn.command(mail);
        if (mailReply.positive()) {
          for (String r : recipients) {
            rcptReplies.add(conn.command("RCPT TO:<" + r + ">"));
          }
        }
      }
      if (!mailReply.positive()) {
        return mailRefused(conn, mailReply, results);
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
        conn.command("RSET");
        pool.give(conn);
        return AttemptOutcome.success(Arrays.asList(results));
      }
      LmtpReply data = conn.command("DATA");
      if (!data.intermediate()) {
        if (data.code() >= 500) {
          for (int i : accepted) {
            results[i] = result(recipients.get(i), data);
          }
          conn.command("RSET");
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

  private AttemptOutcome<List<RecipientResult>> mailRefused(LmtpConnection conn, LmtpReply reply,
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
    conn.command("RSET");
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
    try {
      data.finish();
      for (int i : accepted) {
        results[i] = result(recipients.get(i), conn.read());
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
    return new RecipientResult(address, status, r.code(), r.enhancedCode(), r.text());
  }

  private static RecipientResult unknown(String address, String why) {
    return new RecipientResult(address, RecipientStatus.UNKNOWN_MAYBE_DELIVERED, 0, "", why);
  }

  private static String describe(String phase, IOException e) {
    String what = e instanceof SocketTimeoutException ? "timed out" : e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    return phase + ": " + what;
  }

  @Override
  public void discard(List<RecipientResult> value) {
    // Results hold no connection.
  }
}
