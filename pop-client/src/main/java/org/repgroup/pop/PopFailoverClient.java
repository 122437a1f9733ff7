package org.repgroup.pop;

import jakarta.mail.MessagingException;
import java.util.Objects;
import java.util.Properties;
import org.eclipse.angus.mail.pop3.POP3Store;
import org.repgroup.core.Credentials;
import org.repgroup.core.Protocol;
import org.repgroup.core.ReplicationGroup;
import org.repgroup.core.RepgroupResources;
import org.repgroup.core.spi.FailoverEngine;
import org.repgroup.core.FailoverPolicy;
import org.repgroup.core.FailoverResult;
import org.repgroup.core.Intent;
import org.repgroup.core.spi.InputLimits;
import org.repgroup.pop.internal.PopLoginAttempt;
import org.repgroup.mail.MailFailures;
import org.repgroup.pop.internal.PopSessions;

/**
 * POP3 to a replication group: a connected, logged-in Jakarta Mail
 * {@link POP3Store} on the master (POP deletes, so it writes). Follows
 * {@code -ERR [SYS/REFER/host]} referrals, moves on for {@code [SYS/TEMP]},
 * {@code [IN-USE]} and dead hosts, and stops at once for {@code [AUTH]},
 * {@code [SYS/PERM]} and a plain {@code -ERR}: a password is never tried on
 * other hosts.
 *
 * <pre>{@code
 * PopFailoverClient pop = PopFailoverClient.builder(resources).build();
 * POP3Store store = pop.connect(group, new Credentials("alice", password));
 * Folder inbox = store.getFolder("INBOX");
 * inbox.open(Folder.READ_WRITE);
 *
 * // an MMP proxy logs in as the group's admin on the user's behalf:
 * POP3Store proxied = pop.connectAsAdminFor(group, "alice");
 * }</pre>
 */
public final class PopFailoverClient {

  /** Default login: USER/PASS. */
  public static final PopLoginMode DEFAULT_LOGIN_MODE = PopLoginMode.USER_PASS;

  private static final MailFailures FAILURES = MailFailures.translatingTo(PopGroupUnavailableException::new);

  private final FailoverEngine engine;
  private final PopSessions sessions;
  private final PopLoginMode loginMode;

  private PopFailoverClient(Builder b) {
    this.engine = new FailoverEngine(b.resources, b.policy);
    this.sessions = new PopSessions(b.sessionProperties, b.policy, b.resources.scheduler(), InputLimits.DEFAULT);
    this.loginMode = b.loginMode;
  }

  /** A builder on shared {@code resources}. */
  public static Builder builder(RepgroupResources resources) {
    return new Builder(resources);
  }

  /**
   * Logs {@code credentials} in on the group's master.
   *
   * @throws jakarta.mail.AuthenticationFailedException for a refused login (never retried elsewhere)
   * @throws PopGroupUnavailableException when no host served the login
   */
  public POP3Store connect(ReplicationGroup group, Credentials credentials) throws MessagingException {
    return connectTraced(group, credentials).value();
  }

  /** Like {@link #connect}, with the host that served and everything the engine did. */
  public FailoverResult.Served<POP3Store> connectTraced(ReplicationGroup group, Credentials credentials)
      throws MessagingException {
    Objects.requireNonNull(credentials, "credentials");
    return run(group, new PopLoginAttempt(sessions, credentials.user(), credentials.password(), null, loginMode));
  }

  /**
   * Proxy login as an MMP does: the group's admin ({@code imapadmin}) authenticates
   * with SASL PLAIN and acts as {@code user} (the authorization identity).
   *
   * @throws IllegalArgumentException when the group has no admin
   */
  public POP3Store connectAsAdminFor(ReplicationGroup group, String user) throws MessagingException {
    Credentials admin = group.admin().orElseThrow(() ->
        new IllegalArgumentException("group " + group.name() + " has no admin (imapadmin/imapadminpass)"));
    return run(group, new PopLoginAttempt(sessions, admin.user(), admin.password(),
        Objects.requireNonNull(user, "user"), PopLoginMode.SASL_PLAIN)).value();
  }

  private FailoverResult.Served<POP3Store> run(ReplicationGroup group, PopLoginAttempt attempt)
      throws MessagingException {
    return engine.serve(group, Protocol.POP, Intent.WRITE, attempt, FAILURES);
  }

  /** Builds a {@link PopFailoverClient}. */
  public static final class Builder {
    private final RepgroupResources resources;
    private FailoverPolicy policy = FailoverPolicy.defaults();
    private Properties sessionProperties = new Properties();
    private PopLoginMode loginMode = DEFAULT_LOGIN_MODE;

    private Builder(RepgroupResources resources) {
      this.resources = Objects.requireNonNull(resources, "resources");
    }

    /** Failover timeouts, stagger, deadline. Defaults to {@link FailoverPolicy#defaults()}. */
    public Builder policy(FailoverPolicy policy) {
      this.policy = Objects.requireNonNull(policy, "policy");
      return this;
    }

    /**
     * Jakarta Mail session properties ({@code mail.pop3.*}: STARTTLS, SSL...),
     * honoured as given, except: timeouts shorter than the engine's win, longer
     * ones are cut to the engine's (the write timeout is applied by our socket
     * layer, not Angus'); the socket factory is ours (it observes the socket, and
     * does TLS so that it sees the plain text: {@code mail.pop3.ssl.socketFactory},
     * {@code .ssl.socketFactory.class} and {@code .ssl.trust} choose the TLS it
     * uses); APOP is off. A group's {@link ReplicationGroup#tls() TLS policy} other
     * than {@code NONE} overrides the TLS settings: STLS required or POP3S, the
     * policy's trust store and host-name check. With {@code NONE} they apply as
     * given ({@code mail.pop3.starttls.enable} alone is opportunistic and sends the
     * password in plain text to a host that does not offer STLS). Before login each
     * greeting and reply must be complete within the response timeout and within
     * {@link InputLimits#DEFAULT}; after login the session is the user's, with
     * Angus' own read timeout and no caps. The client builds one Jakarta Mail
     * {@code Session} per TLS policy and login mode from these properties (and one
     * per call for {@link PopFailoverClient#connectAsAdminFor}, whose authorization
     * identity Angus reads from the session). Defaults to none.
     */
    public Builder sessionProperties(Properties properties) {
      Properties copy = new Properties();
      copy.putAll(Objects.requireNonNull(properties, "properties"));
      this.sessionProperties = copy;
      return this;
    }

    /** USER/PASS or SASL PLAIN. Defaults to USER/PASS. See {@link #DEFAULT_LOGIN_MODE}. */
    public Builder loginMode(PopLoginMode mode) {
      this.loginMode = Objects.requireNonNull(mode, "mode");
      return this;
    }

    /** The client. */
    public PopFailoverClient build() {
      return new PopFailoverClient(this);
    }
  }
}
