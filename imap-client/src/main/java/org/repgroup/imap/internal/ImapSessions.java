package org.repgroup.imap.internal;

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

/**
 * The Jakarta Mail sessions of one IMAP client: one per TLS policy and login
 * kind (the user's own, or an admin's SASL PLAIN proxy login), built once and
 * shared by every attempt. Building a {@code Session} reads the provider files
 * from the class path, which is what a session per attempt used to cost.
 */
public final class ImapSessions {

  /** A greeting that shows a willing server. */
  static boolean goodGreeting(String line) {
    return line.startsWith("* OK") || line.startsWith("* PREAUTH");
  }

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
  public ImapSessions(Properties user, FailoverPolicy policy, Scheduler scheduler, InputLimits limits) {
    this.user = new Properties();
    this.user.putAll(user);
    this.policy = policy;
    this.scheduler = scheduler;
    this.limits = limits;
  }

  /** A session and its socket factory. */
  public record Entry(Session session, ObservedSocketFactory sockets) {}

  private record Key(TlsPolicy tls, boolean proxy) {}

  /**
   * The session for groups with {@code tls}; {@code proxy} for an admin's proxy login (SASL PLAIN only).
   *
   * @throws IOException when the TLS setup cannot be built (an unreadable trust store)
   */
  public Entry session(TlsPolicy tls, boolean proxy) throws IOException {
    Key key = new Key(tls, proxy);
    Entry e = sessions.get(key);
    if (e != null) {
      return e;
    }
    MailSessionSetup setup = MailSessionSetup.build("imap", user, policy, tls,
        ObservedSocketFactory.builder(ImapSessions::goodGreeting).inspector(ImapLiterals.INSTANCE).limits(limits),
        scheduler);
    Properties p = setup.properties();
    // OK [REFERRAL] is judged by the attempt from the raw response, not by Angus.
    p.put("mail.imap.referralexception", "false");
    if (proxy) {
      p.put("mail.imap.auth.mechanisms", "PLAIN");
    }
    Entry made = new Entry(Session.getInstance(p), setup.sockets());
    Entry raced = sessions.putIfAbsent(key, made);
    return raced != null ? raced : made;
  }
}
