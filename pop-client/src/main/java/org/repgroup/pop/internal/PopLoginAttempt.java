package org.repgroup.pop.internal;

import jakarta.mail.AuthenticationFailedException;
import jakarta.mail.MessagingException;
import jakarta.mail.Session;
import java.net.UnknownHostException;
import java.util.Locale;
import java.util.Optional;
import java.util.Properties;
import org.eclipse.angus.mail.pop3.POP3Store;
import org.repgroup.core.HostAddress;
import org.repgroup.core.FatalReason;
import org.repgroup.core.spi.Attempt;
import org.repgroup.core.spi.AttemptContext;
import org.repgroup.core.spi.AttemptOutcome;
import org.repgroup.core.spi.ObservedSocketFactory;
import org.repgroup.pop.PopLoginMode;
import org.repgroup.pop.PopResponseCode;

/**
 * One POP3 login on one host through Angus Mail, and the classification of
 * what the server said (RFC 2449 codes, RFC 3206 hierarchy). A failure that
 * Angus reports as an authentication failure is first checked against what
 * happened on the socket: a timeout or a dropped connection is the host's
 * problem, not the user's.
 */
public final class PopLoginAttempt implements Attempt<POP3Store> {

  private final Properties base;
  private final String user;
  private final String password;
  private final String authorizationId;
  private final PopLoginMode mode;

  /**
   * @param base the user's session properties (copied per attempt)
   * @param user the login (the admin for a proxy login)
   * @param password its password
   * @param authorizationId the user to act as for a proxy login, or {@code null}
   * @param mode USER/PASS or SASL PLAIN
   */
  public PopLoginAttempt(Properties base, String user, String password, String authorizationId, PopLoginMode mode) {
    this.base = base;
    this.user = user;
    this.password = password;
    this.authorizationId = authorizationId;
    this.mode = authorizationId != null ? PopLoginMode.SASL_PLAIN : mode;
  }

  /** A recheck reads the greeting only: it never logs in or sends mail. */
  @Override
  public java.util.Optional<org.repgroup.core.spi.HostProbe> prober() {
    return java.util.Optional.of(org.repgroup.core.spi.GreetingProbe.expecting("+OK"));
  }

  @Override
  public AttemptOutcome<POP3Store> attempt(AttemptContext ctx) {
    ObservedSocketFactory socket;
    try {
      socket = ObservedSocketFactory.forAttempt(ctx, first -> first == '+');
    } catch (UnknownHostException e) {
      return AttemptOutcome.unavailable("unknown host " + ctx.host().host(), e);
    }
    Properties p = SessionProperties.forAttempt(base, ctx, socket);
    p.put("mail.pop3.apop.enable", "false");
    if (mode == PopLoginMode.SASL_PLAIN) {
      p.put("mail.pop3.auth.mechanisms", "PLAIN");
      p.put("mail.pop3.auth.plain.disable", "false");
      if (authorizationId != null) {
        p.put("mail.pop3.sasl.authorizationid", authorizationId);
      }
    } else {
      // Angus' "LOGIN" mechanism for POP3 is USER/PASS.
      p.put("mail.pop3.auth.mechanisms", "LOGIN");
    }
    POP3Store store;
    try {
      store = (POP3Store) Session.getInstance(p).getStore("pop3");
    } catch (MessagingException e) {
      return AttemptOutcome.fatal(FatalReason.CLIENT_ERROR, "no POP3 provider: " + e.getMessage(), e);
    }
    // Not the store: Angus' close() is synchronized with connect() and would wait for it.
    // The observed sockets are registered instead; closing them ends connect() at once.
    try {
      store.connect(ctx.host().host(), ctx.host().port().orElseThrow(), user, password);
      return AttemptOutcome.success(store);
    } catch (AuthenticationFailedException e) {
      closeQuietly(store);
      return classify(e, socket);
    } catch (MessagingException e) {
      closeQuietly(store);
      String greeting = socket.greetingLine();
      if (greeting.startsWith("-ERR")) {
        return AttemptOutcome.unavailable("greeting: " + greeting, e);
      }
      if (!greeting.isEmpty() && !greeting.startsWith("+OK")) {
        return AttemptOutcome.unavailable("not a POP3 greeting: \"" + printable(greeting) + "\"", e);
      }
      return AttemptOutcome.unavailable(describe(e), e);
    }
  }

  static AttemptOutcome<POP3Store> classify(AuthenticationFailedException e, ObservedSocketFactory socket) {
    if (socket.connectionFailed()) {
      String why = socket.timedOut() ? "timed out during login"
          : socket.endOfStream() ? "connection closed during login"
          : "connection failed during login: " + socket.readError().getMessage();
      return AttemptOutcome.unavailable(why, e);
    }
    String text = e.getMessage() == null ? "" : e.getMessage();
    Optional<PopResponseCode> parsed = PopResponseCode.parse(text);
    if (parsed.isEmpty()) {
      // A plain -ERR on a login is the user's problem: never try the password elsewhere.
      return AttemptOutcome.fatal(FatalReason.CREDENTIALS_REFUSED, "login refused: " + text, e);
    }
    PopResponseCode code = parsed.get();
    if (code.is("SYS", "REFER")) {
      try {
        Optional<HostAddress> target = code.referral();
        return AttemptOutcome.referral(target.orElseThrow(), "[" + code + "] " + code.text());
      } catch (IllegalArgumentException bad) {
        return AttemptOutcome.unavailable("malformed referral [" + code + "]: " + bad.getMessage(), e);
      }
    }
    if (code.is("IN-USE")) {
      return AttemptOutcome.declined("[IN-USE] " + code.text(), e);
    }
    if (code.is("SYS", "TEMP")) {
      String t = code.text().toLowerCase(Locale.ROOT);
      return t.contains("read-only") || t.contains("no master")
          ? AttemptOutcome.readOnly("[SYS/TEMP] " + code.text())
          : AttemptOutcome.unavailable("[SYS/TEMP] " + code.text(), e);
    }
    if (code.is("SYS", "PERM") || code.is("AUTH") || code.is("LOGIN-DELAY")) {
      return AttemptOutcome.fatal(FatalReason.CREDENTIALS_REFUSED, "[" + code + "] " + code.text(), e);
    }
    if (code.is("SYS")) {
      // An unknown SYS code is still a problem of the system, not of the user.
      return AttemptOutcome.unavailable("[" + code + "] " + code.text(), e);
    }
    return AttemptOutcome.fatal(FatalReason.CREDENTIALS_REFUSED, "[" + code + "] " + code.text(), e);
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

  private static String printable(String s) {
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < s.length() && i < 80; i++) {
      char c = s.charAt(i);
      sb.append(c < 0x20 || c > 0x7e ? String.format("\\x%02x", (int) c & 0xff) : String.valueOf(c));
    }
    return sb.toString();
  }
}
