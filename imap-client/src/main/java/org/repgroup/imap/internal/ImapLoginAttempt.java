package org.repgroup.imap.internal;

import jakarta.mail.AuthenticationFailedException;
import jakarta.mail.MessagingException;
import jakarta.mail.Session;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.Locale;
import java.util.Optional;
import java.util.Properties;
import org.eclipse.angus.mail.imap.IMAPStore;
import org.repgroup.core.FatalReason;
import org.repgroup.core.spi.Attempt;
import org.repgroup.core.spi.AttemptContext;
import org.repgroup.core.spi.AttemptOutcome;
import org.repgroup.core.FailoverListener;
import org.repgroup.core.spi.ObservedSocketFactory;
import org.repgroup.imap.LoginReferral;

/**
 * One IMAP login on one host through Angus Mail, and what it came to: RFC 2221
 * referrals (both {@code NO} and, for writers, {@code OK}), RFC 5530 response
 * codes, {@code BYE} greetings, and failures of the connection itself.
 */
public final class ImapLoginAttempt implements Attempt<IMAPStore> {

  private final Properties base;
  private final String user;
  private final String password;
  private final String authorizationId;
  private final FailoverListener listener;

  /**
   * @param base the user's session properties (copied per attempt)
   * @param user the login (the admin for a proxy login)
   * @param password its password
   * @param authorizationId the user to act as (SASL PLAIN authzid), or {@code null}
   * @param listener receives {@code [ALERT]} texts
   */
  public ImapLoginAttempt(Properties base, String user, String password, String authorizationId,
      FailoverListener listener) {
    this.base = base;
    this.user = user;
    this.password = password;
    this.authorizationId = authorizationId;
    this.listener = listener;
  }

  /** A recheck reads the greeting only: it never logs in or sends mail. */
  @Override
  public java.util.Optional<org.repgroup.core.spi.HostProbe> prober() {
    return java.util.Optional.of(org.repgroup.core.spi.GreetingProbe.expecting("* OK"));
  }

  @Override
  public AttemptOutcome<IMAPStore> attempt(AttemptContext ctx) {
    ObservedSocketFactory socket;
    try {
      socket = ObservedSocketFactory.forAttempt(ctx, first -> first == '*');
    } catch (UnknownHostException e) {
      return AttemptOutcome.unavailable("unknown host " + ctx.host().host(), e);
    }
    Properties p = new Properties();
    p.putAll(base);
    p.put("mail.imap.connectiontimeout", shorter("mail.imap.connectiontimeout", ctx.connectTimeout()));
    p.put("mail.imap.timeout", shorter("mail.imap.timeout", ctx.responseTimeout()));
    p.put("mail.imap.writetimeout", shorter("mail.imap.writetimeout", ctx.responseTimeout()));
    p.put("mail.imap.socketFactory", socket);
    p.put("mail.imap.socketFactory.fallback", "false");
    // OK [REFERRAL] is judged here from the raw response, not by Angus.
    p.put("mail.imap.referralexception", "false");
    if (authorizationId != null) {
      p.put("mail.imap.sasl.authorizationid", authorizationId);
      p.put("mail.imap.auth.mechanisms", "PLAIN");
    }
    ImapObservation seen = new ImapObservation();
    IMAPStore store = new ObservedImapStore(Session.getInstance(p), seen);
    // Not the store: Angus' close() is synchronized with connect() and would wait for it.
    // The observed sockets are registered instead; closing them ends connect() at once.
    try {
      store.connect(ctx.host().host(), ctx.host().port().orElseThrow(), user, password);
    } catch (AuthenticationFailedException e) {
      closeQuietly(store);
      reportAlerts(ctx, seen);
      return loginRefused(e, seen, socket);
    } catch (MessagingException e) {
      closeQuietly(store);
      reportAlerts(ctx, seen);
      return connectFailed(e, seen, socket);
    }
    reportAlerts(ctx, seen);
    if (ctx.intent().needsMaster()) {
      Optional<LoginReferral> referral;
      try {
        referral = LoginReferral.fromResponse(seen.loginResult());
      } catch (IllegalArgumentException bad) {
        closeQuietly(store);
        return AttemptOutcome.unavailable("malformed referral: " + bad.getMessage(), null);
      }
      if (referral.isPresent()) {
        // Logged in on a replica: fine for readers, a writer moves to the master.
        closeQuietly(store);
        return AttemptOutcome.referral(referral.get().host(), "OK " + referral.get().url());
      }
      if (responseCode(String.valueOf(seen.loginResult())).equals("READ-ONLY")) {
        // Logged in, but the host says the group has no master: a writer cannot be served anywhere.
        closeQuietly(store);
        return AttemptOutcome.readOnly(seen.loginResult());
      }
    }
    return AttemptOutcome.success(store);
  }

  private void reportAlerts(AttemptContext ctx, ImapObservation seen) {
    for (String alert : seen.alerts()) {
      listener.serverAlert(ctx.host(), alert);
    }
  }

  private static AttemptOutcome<IMAPStore> loginRefused(AuthenticationFailedException e, ImapObservation seen,
      ObservedSocketFactory socket) {
    String result = seen.loginResult();
    if (result == null && socket.connectionFailed()) {
      return AttemptOutcome.unavailable(socket.timedOut() ? "timed out during login" : "connection lost during login", e);
    }
    try {
      Optional<LoginReferral> referral = LoginReferral.fromResponse(result != null ? result : e.getMessage());
      if (referral.isPresent()) {
        return AttemptOutcome.referral(referral.get().host(), "NO " + referral.get().url());
      }
    } catch (IllegalArgumentException bad) {
      return AttemptOutcome.unavailable("malformed referral: " + bad.getMessage(), e);
    }
    String text = result != null ? result : String.valueOf(e.getMessage());
    String code = responseCode(text);
    switch (code) {
      case "UNAVAILABLE", "SERVERBUG" -> {
        return AttemptOutcome.unavailable("[" + code + "] " + text, e);
      }
      case "INUSE", "LIMIT" -> {
        return AttemptOutcome.declined("[" + code + "] " + text, e);
      }
      default -> {
        // AUTHENTICATIONFAILED, AUTHORIZATIONFAILED, EXPIRED, no code: the user's problem, never retried.
        return AttemptOutcome.fatal(FatalReason.CREDENTIALS_REFUSED, "login refused: " + text, e);
      }
    }
  }

  private static AttemptOutcome<IMAPStore> connectFailed(MessagingException e, ImapObservation seen,
      ObservedSocketFactory socket) {
    String greeting = seen.greeting();
    if (greeting != null && greeting.startsWith("* BYE")) {
      return AttemptOutcome.unavailable("greeting: " + greeting, e);
    }
    if (greeting == null && !socket.greetingLine().isEmpty() && !socket.greetingLine().startsWith("*")) {
      return AttemptOutcome.unavailable("not an IMAP greeting: \"" + printable(socket.greetingLine()) + "\"", e);
    }
    if (socket.timedOut()) {
      return AttemptOutcome.unavailable(greeting == null ? "no greeting (timed out)" : "timed out", e);
    }
    Throwable cause = e.getCause() != null ? e.getCause() : e.getNextException();
    String detail = cause != null && cause != e
        ? cause.getClass().getSimpleName() + (cause.getMessage() == null ? "" : ": " + cause.getMessage())
        : String.valueOf(e.getMessage());
    return AttemptOutcome.unavailable(detail, e);
  }

  /** The RFC 5530 code after NO/BAD/OK in a tagged response, upper case, or "". */
  static String responseCode(String response) {
    int open = response.indexOf('[');
    if (open < 0) {
      return "";
    }
    int end = open + 1;
    while (end < response.length() && Character.isLetterOrDigit(response.charAt(end)) || end < response.length()
        && response.charAt(end) == '-') {
      end++;
    }
    return response.substring(open + 1, end).toUpperCase(Locale.ROOT);
  }

  private String shorter(String key, Duration engine) {
    long ours = Math.max(1, engine.toMillis());
    Object theirs = base.get(key);
    if (theirs != null) {
      try {
        long t = Long.parseLong(theirs.toString().strip());
        if (t > 0 && t < ours) {
          return Long.toString(t);
        }
      } catch (NumberFormatException ignored) {
        // not a number: ours applies
      }
    }
    return Long.toString(ours);
  }

  private static void closeQuietly(IMAPStore store) {
    try {
      store.close();
    } catch (MessagingException ignored) {
      // already broken
    }
  }

  private static String printable(String s) {
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < s.length() && i < 80; i++) {
      char c = s.charAt(i);
      sb.append(c < 0x20 || c > 0x7e ? String.format("\\x%02x", (int) c & 0xff) : String.valueOf(c));
    }
    return sb.toString();
  }
}
