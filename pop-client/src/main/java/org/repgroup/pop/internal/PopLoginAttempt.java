package org.repgroup.pop.internal;

import jakarta.mail.AuthenticationFailedException;
import jakarta.mail.MessagingException;
import jakarta.mail.URLName;
import java.io.IOException;
import java.net.UnknownHostException;
import java.util.Locale;
import java.util.Optional;
import org.eclipse.angus.mail.pop3.POP3Store;
import org.repgroup.core.FatalReason;
import org.repgroup.core.HostAddress;
import org.repgroup.core.spi.Attempt;
import org.repgroup.core.spi.AttemptContext;
import org.repgroup.core.spi.AttemptOutcome;
import org.repgroup.core.spi.GreetingProbe;
import org.repgroup.core.spi.HostProbe;
import org.repgroup.core.spi.ObservedConnection;
import org.repgroup.core.spi.ServerText;
import org.repgroup.pop.PopLoginMode;
import org.repgroup.pop.PopResponseCode;

/**
 * One POP3 login on one host through Angus Mail, and the classification of
 * what the server said (RFC 2449 codes, RFC 3206 hierarchy). A failure that
 * Angus reports as an authentication failure is first checked against what
 * happened on the socket: a timeout, a dropped connection or an exceeded cap is
 * the host's problem, not the user's; so is a host that does not offer the STLS
 * a group requires (Angus reports that as a failed login too, before any
 * credentials are sent).
 */
public final class PopLoginAttempt implements Attempt<POP3Store> {

  private final PopSessions sessions;
  private final String user;
  private final String password;
  private final String authorizationId;
  private final PopLoginMode mode;

  /**
   * @param sessions the client's sessions
   * @param user the login (the admin for a proxy login)
   * @param password its password
   * @param authorizationId the user to act as for a proxy login, or {@code null}
   * @param mode USER/PASS or SASL PLAIN
   */
  public PopLoginAttempt(PopSessions sessions, String user, String password, String authorizationId,
      PopLoginMode mode) {
    this.sessions = sessions;
    this.user = user;
    this.password = password;
    this.authorizationId = authorizationId;
    this.mode = authorizationId != null ? PopLoginMode.SASL_PLAIN : mode;
  }

  /** A recheck reads the greeting only: it never logs in or sends mail. */
  @Override
  public Optional<HostProbe> prober() {
    return Optional.of(GreetingProbe.expecting("+OK"));
  }

  @Override
  public AttemptOutcome<POP3Store> attempt(AttemptContext ctx) {
    PopSessions.Entry session;
    try {
      session = sessions.session(ctx.group().tls(), mode, authorizationId);
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
    POP3Store store = new POP3Store(session.session(), new URLName("pop3", null, -1, null, null, null));
    // Not the store: Angus' close() is synchronized with connect() and would wait for it.
    // The observed sockets are registered instead; closing them ends connect() at once.
    try (ObservedConnection.Scope ignored = conn.enter()) {
      store.connect(ctx.host().host(), ctx.host().port().orElseThrow(), user, password);
    } catch (AuthenticationFailedException e) {
      closeQuietly(store);
      return classify(e, conn);
    } catch (MessagingException e) {
      closeQuietly(store);
      Optional<String> limit = conn.limitExceeded();
      if (limit.isPresent()) {
        return AttemptOutcome.unavailable(limit.get(), e);
      }
      String greeting = conn.greetingLine();
      if (greeting.startsWith("-ERR")) {
        return AttemptOutcome.unavailable("greeting: " + ServerText.printable(greeting), e);
      }
      if (!greeting.isEmpty() && !greeting.startsWith("+OK")) {
        return AttemptOutcome.unavailable("not a POP3 greeting: \"" + ServerText.printable(greeting, 80) + "\"", e);
      }
      if (conn.connectionFailed()) {
        return AttemptOutcome.unavailable(conn.failure().orElseThrow(), e);
      }
      return AttemptOutcome.unavailable(ServerText.printable(describe(e)), e);
    }
    conn.served();
    return AttemptOutcome.success(store);
  }

  static AttemptOutcome<POP3Store> classify(AuthenticationFailedException e, ObservedConnection conn) {
    Optional<String> limit = conn.limitExceeded();
    if (limit.isPresent()) {
      return AttemptOutcome.unavailable(limit.get(), e);
    }
    if (conn.connectionFailed()) {
      String why = !conn.greetingComplete() ? conn.failure().orElseThrow()
          : conn.timedOut() ? "timed out during login"
          : conn.endOfStream() ? "connection closed during login"
          : "connection failed during login: " + conn.failure().orElseThrow();
      return AttemptOutcome.unavailable(why, e);
    }
    String text = e.getMessage() == null ? "" : e.getMessage();
    if (text.startsWith("STLS required")) {
      // Raised by Angus before USER/AUTH: the host does not offer (or refused) the STLS the group requires.
      return AttemptOutcome.unavailable("TLS required: " + ServerText.printable(text) + "; no credentials sent", e);
    }
    Optional<PopResponseCode> parsed = PopResponseCode.parse(text);
    if (parsed.isEmpty()) {
      // A plain -ERR on a login is the user's problem: never try the password elsewhere.
      return AttemptOutcome.fatal(FatalReason.CREDENTIALS_REFUSED, "login refused: " + ServerText.printable(text),
          printableCopy(e));
    }
    PopResponseCode code = parsed.get();
    String shown = "[" + ServerText.printable(code.toString(), 80) + "] " + ServerText.printable(code.text());
    if (code.is("SYS", "REFER")) {
      try {
        Optional<HostAddress> target = code.referral();
        return AttemptOutcome.referral(target.orElseThrow(), shown);
      } catch (IllegalArgumentException bad) {
        return AttemptOutcome.unavailable("malformed referral from this host: " + bad.getMessage(), e);
      }
    }
    if (code.is("IN-USE")) {
      return AttemptOutcome.declined(shown, e);
    }
    if (code.is("SYS", "TEMP")) {
      String t = code.text().toLowerCase(Locale.ROOT);
      return t.contains("read-only") || t.contains("no master")
          ? AttemptOutcome.readOnly(shown)
          : AttemptOutcome.unavailable(shown, e);
    }
    if (code.is("SYS")) {
      if (code.is("SYS", "PERM")) {
        return AttemptOutcome.fatal(FatalReason.CREDENTIALS_REFUSED, shown, printableCopy(e));
      }
      // An unknown SYS code is still a problem of the system, not of the user.
      return AttemptOutcome.unavailable(shown, e);
    }
    // AUTH, LOGIN-DELAY and unknown codes: the user's problem.
    return AttemptOutcome.fatal(FatalReason.CREDENTIALS_REFUSED, shown, printableCopy(e));
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

  private static void closeQuietly(POP3Store store) {
    try {
      store.close();
    } catch (MessagingException ignored) {
      // already broken
    }
  }

  private static String describe(MessagingException e) {
    Throwable cause = e.getCause() != null ? e.getCause() : e.getNextException();
    String m = e.getMessage();
    if (cause != null && cause != e) {
      String cm = cause.getMessage();
      return (m == null ? "" : m + ": ") + cause.getClass().getSimpleName() + (cm == null ? "" : " " + cm);
    }
    return m == null ? e.getClass().getSimpleName() : m;
  }
}
