package org.repgroup.imap.internal;

import jakarta.mail.AuthenticationFailedException;
import jakarta.mail.MessagingException;
import java.io.IOException;
import java.net.UnknownHostException;
import java.util.Locale;
import java.util.Optional;
import org.eclipse.angus.mail.imap.IMAPStore;
import org.repgroup.core.FailoverListener;
import org.repgroup.core.FatalReason;
import org.repgroup.core.spi.Attempt;
import org.repgroup.core.spi.AttemptContext;
import org.repgroup.core.spi.AttemptOutcome;
import org.repgroup.core.spi.GreetingProbe;
import org.repgroup.core.spi.HostProbe;
import org.repgroup.core.spi.ObservedConnection;
import org.repgroup.core.spi.ServerText;
import org.repgroup.imap.LoginReferral;

/**
 * One IMAP login on one host through Angus Mail, and what it came to: RFC 2221
 * referrals (both {@code NO} and, for writers, {@code OK}), RFC 5530 response
 * codes, {@code BYE} greetings, and failures of the connection itself, judged by
 * what happened on the socket (timeouts, exceeded caps) before what Angus says.
 */
public final class ImapLoginAttempt implements Attempt<IMAPStore> {

  private final ImapSessions sessions;
  private final String user;
  private final String password;
  private final String authorizationId;
  private final FailoverListener listener;

  /**
   * @param sessions the client's sessions
   * @param user the login (the admin for a proxy login)
   * @param password its password
   * @param authorizationId the user to act as (SASL PLAIN authzid), or {@code null}
   * @param listener receives {@code [ALERT]} texts
   */
  public ImapLoginAttempt(ImapSessions sessions, String user, String password, String authorizationId,
      FailoverListener listener) {
    this.sessions = sessions;
    this.user = user;
    this.password = password;
    this.authorizationId = authorizationId;
    this.listener = listener;
  }

  /** A recheck reads the greeting only: it never logs in or sends mail. */
  @Override
  public Optional<HostProbe> prober() {
    return Optional.of(GreetingProbe.expecting("* OK"));
  }

  @Override
  public AttemptOutcome<IMAPStore> attempt(AttemptContext ctx) {
    ImapSessions.Entry session;
    try {
      session = sessions.session(ctx.group().tls(), authorizationId != null);
    } catch (IOException e) {
      // The same for every host: a configuration error, reported at once.
      String why = "TLS for group " + ctx.group().name() + ": " + e.getMessage();
      return AttemptOutcome.fatal(FatalReason.CLIENT_ERROR, why, new MessagingException(why, e));
    }
    ObservedConnection conn;
    try {
      conn = session.sockets().watch(ctx);
    } catch (UnknownHostException e) {
      return AttemptOutcome.unavailable("unknown host " + ServerText.printable(ctx.host().host()), e);
    }
    ImapObservation seen = new ImapObservation();
    IMAPStore store = new ObservedImapStore(session.session(), seen, conn, authorizationId);
    // Not the store: Angus' close() is synchronized with connect() and would wait for it.
    // The observed sockets are registered instead; closing them ends connect() at once.
    try (ObservedConnection.Scope ignored = conn.enter()) {
      store.connect(ctx.host().host(), ctx.host().port().orElseThrow(), user, password);
    } catch (AuthenticationFailedException e) {
      closeQuietly(store);
      reportAlerts(ctx, seen);
      return loginRefused(e, seen, conn);
    } catch (MessagingException e) {
      closeQuietly(store);
      reportAlerts(ctx, seen);
      return connectFailed(e, seen, conn);
    }
    conn.served();
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
        return AttemptOutcome.referral(referral.get().host(), "OK " + ServerText.printable(referral.get().url()));
      }
      if (responseCode(String.valueOf(seen.loginResult())).equals("READ-ONLY")) {
        // Logged in, but the host says the group has no master: a writer cannot be served anywhere.
        closeQuietly(store);
        return AttemptOutcome.readOnly(ServerText.printable(seen.loginResult()));
      }
    }
    return AttemptOutcome.success(store);
  }

  private void reportAlerts(AttemptContext ctx, ImapObservation seen) {
    for (String alert : seen.alerts()) {
      listener.serverAlert(ctx.host(), ServerText.printable(alert));
    }
  }

  private static AttemptOutcome<IMAPStore> loginRefused(AuthenticationFailedException e, ImapObservation seen,
      ObservedConnection conn) {
    Optional<String> limit = conn.limitExceeded();
    if (limit.isPresent()) {
      return AttemptOutcome.unavailable(limit.get(), e);
    }
    String result = seen.loginResult();
    if (result == null && conn.connectionFailed()) {
      return AttemptOutcome.unavailable(conn.timedOut() ? "timed out during login" : "connection lost during login",
          e);
    }
    try {
      Optional<LoginReferral> referral = LoginReferral.fromResponse(result != null ? result : e.getMessage());
      if (referral.isPresent()) {
        return AttemptOutcome.referral(referral.get().host(), "NO " + ServerText.printable(referral.get().url()));
      }
    } catch (IllegalArgumentException bad) {
      return AttemptOutcome.unavailable("malformed referral: " + bad.getMessage(), e);
    }
    String text = ServerText.printable(result != null ? result : String.valueOf(e.getMessage()));
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
        return AttemptOutcome.fatal(FatalReason.CREDENTIALS_REFUSED, "login refused: " + text, printableCopy(e));
      }
    }
  }

  private static AttemptOutcome<IMAPStore> connectFailed(MessagingException e, ImapObservation seen,
      ObservedConnection conn) {
    Optional<String> limit = conn.limitExceeded();
    if (limit.isPresent()) {
      return AttemptOutcome.unavailable(limit.get(), e);
    }
    String greeting = seen.greeting();
    if (greeting != null && greeting.startsWith("* BYE")) {
      return AttemptOutcome.unavailable("greeting: " + ServerText.printable(greeting), e);
    }
    String raw = conn.greetingLine();
    boolean junk = greeting == null && !raw.isEmpty() && !raw.startsWith("*");
    if (junk && conn.greetingComplete()) {
      return AttemptOutcome.unavailable("not an IMAP greeting: \"" + ServerText.printable(raw, 80) + "\"", e);
    }
    if (conn.connectionFailed()) {
      return AttemptOutcome.unavailable(conn.failure().orElseThrow(), e);
    }
    if (junk) {
      return AttemptOutcome.unavailable("not an IMAP greeting: \"" + ServerText.printable(raw, 80) + "\"", e);
    }
    Throwable cause = e.getCause() != null ? e.getCause() : e.getNextException();
    String detail = cause != null && cause != e
        ? cause.getClass().getSimpleName() + (cause.getMessage() == null ? "" : ": " + cause.getMessage())
        : String.valueOf(e.getMessage());
    return AttemptOutcome.unavailable(ServerText.printable(detail), e);
  }

  /** Angus puts the server's text in the message: the user gets it printable and capped. */
  private static AuthenticationFailedException printableCopy(AuthenticationFailedException e) {
    String m = e.getMessage();
    if (m == null || ServerText.printable(m).equals(m)) {
      return e;
    }
    AuthenticationFailedException copy = new AuthenticationFailedException(ServerText.printable(m));
    copy.setStackTrace(e.getStackTrace());
    return copy;
  }

  /** The RFC 5530 code after NO/BAD/OK in a tagged response, upper case, or "". */
  static String responseCode(String response) {
    int open = response.indexOf('[');
    if (open < 0) {
      return "";
    }
    int end = open + 1;
    while (end < response.length() && (Character.isLetterOrDigit(response.charAt(end))
        || response.charAt(end) == '-')) {
      end++;
    }
    return response.substring(open + 1, end).toUpperCase(Locale.ROOT);
  }

  private static void closeQuietly(IMAPStore store) {
    try {
      store.close();
    } catch (MessagingException ignored) {
      // already broken
    }
  }
}
