package org.repgroup.pop.internal;

import java.time.Duration;
import java.util.Properties;
import javax.net.SocketFactory;
import org.repgroup.core.spi.AttemptContext;

/**
 * The session properties of one POP3 attempt: the user's, plus ours. Angus
 * defaults every timeout to infinite; each attempt gets the engine's timeouts,
 * or the user's when they are shorter (a user's longer timeout cannot stretch
 * an attempt past the engine's deadline).
 */
final class SessionProperties {

  private SessionProperties() {}

  static Properties forAttempt(Properties base, AttemptContext ctx, SocketFactory socketFactory) {
    Properties p = new Properties();
    p.putAll(base);
    p.put("mail.pop3.connectiontimeout", shorter(base, "mail.pop3.connectiontimeout", ctx.connectTimeout()));
    p.put("mail.pop3.timeout", shorter(base, "mail.pop3.timeout", ctx.responseTimeout()));
    p.put("mail.pop3.writetimeout", shorter(base, "mail.pop3.writetimeout", ctx.responseTimeout()));
    p.put("mail.pop3.socketFactory", socketFactory);
    p.put("mail.pop3.socketFactory.fallback", "false");
    return p;
  }

  private static String shorter(Properties base, String key, Duration engine) {
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
}
