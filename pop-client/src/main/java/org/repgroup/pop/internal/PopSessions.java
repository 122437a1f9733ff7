package org.repgroup.pop.internal;

import jakarta.mail.Session;
import java.io.IOException;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ConcurrentHashMap;
import org.repgroup.core.FailoverPolicy;
import org.repgroup.core.TlsPolicy;
import org.repgroup.core.spi.InputLimits;
import org.repgroup.core.spi.MailSessionSetup;
import org.repgroup.core.spi.ObservedSocketFactory;
import org.repgroup.core.time.Scheduler;
import org.repgroup.pop.PopLoginMode;

/**
 * The Jakarta Mail sessions of one POP client: one per TLS policy and login mode,
 * built once and shared by every attempt. An admin's proxy login is the exception:
 * Angus reads the SASL authorization identity only from the session's properties,
 * so each proxy login gets a session of its own (the socket factory stays shared).
 */
public final class PopSessions {

  private final Properties user;
  private final FailoverPolicy policy;
  private final Scheduler scheduler;
  private final InputLimits limits;
  private final Map<Key, Entry> sessions = new ConcurrentHashMap<>();

  /**
   * @param user the user's session properties (copied)
   * @param policy the client's failover policy (its timeouts bound the session's)
   * @param scheduler checks write timeouts
   * @param limits what a host may send before login
   */
  public PopSessions(Properties user, FailoverPolicy policy, Scheduler scheduler, InputLimits limits) {
    this.user = new Properties();
    this.user.putAll(user);
    this.policy = policy;
    this.scheduler = scheduler;
    this.limits = limits;
  }

  /** A session and its socket factory. */
  public record Entry(Session session, ObservedSocketFactory sockets) {}

  private record Key(TlsPolicy tls, PopLoginMode mode) {}

  /**
   * The session for groups with {@code tls}, logging in with {@code mode}, acting
   * as {@code authorizationId} when not {@code null}.
   *
   * @throws IOException when the TLS setup cannot be built (an unreadable trust store)
   */
  public Entry session(TlsPolicy tls, PopLoginMode mode, String authorizationId) throws IOException {
    Key key = new Key(tls, mode);
    Entry shared = sessions.get(key);
    if (shared == null) {
      MailSessionSetup setup = MailSessionSetup.build("pop3", user, policy, tls,
          ObservedSocketFactory.builder(line -> line.startsWith("+OK")).limits(limits), scheduler);
      Properties p = setup.properties();
      p.put("mail.pop3.apop.enable", "false");
      if (mode == PopLoginMode.SASL_PLAIN) {
        p.put("mail.pop3.auth.mechanisms", "PLAIN");
        p.put("mail.pop3.auth.plain.disable", "false");
      } else {
        // Angus' "LOGIN" mechanism for POP3 is USER/PASS.
        p.put("mail.pop3.auth.mechanisms", "LOGIN");
      }
      Entry made = new Entry(Session.getInstance(p), setup.sockets());
      Entry raced = sessions.putIfAbsent(key, made);
      shared = raced != null ? raced : made;
    }
    if (authorizationId == null) {
      return shared;
    }
    Properties p = new Properties();
    p.putAll(shared.session().getProperties());
    p.put("mail.pop3.sasl.authorizationid", authorizationId);
    return new Entry(Session.getInstance(p), shared.sockets());
  }
}
