package org.repgroup.imap;

import jakarta.mail.Message;
import jakarta.mail.MessagingException;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.Objects;
import java.util.Optional;
import java.util.Properties;
import org.eclipse.angus.mail.imap.IMAPStore;
import org.repgroup.core.Credentials;
import org.repgroup.core.Protocol;
import org.repgroup.core.ReplicationGroup;
import org.repgroup.core.RepgroupResources;
import org.repgroup.core.spi.FailoverEngine;
import org.repgroup.core.FailoverPolicy;
import org.repgroup.core.FailoverResult;
import org.repgroup.core.Intent;
import org.repgroup.core.spi.InputLimits;
import org.repgroup.imap.internal.ExactlyOnceAppend;
import org.repgroup.imap.internal.ImapLoginAttempt;
import org.repgroup.imap.internal.MessageIds;
import org.repgroup.mail.MailFailures;
import org.repgroup.imap.internal.ImapSessions;

/**
 * IMAP to a replication group: a connected, logged-in Jakarta Mail
 * {@link IMAPStore} on the master for {@link Intent#WRITE}, on any healthy host
 * for {@link Intent#READ}. Follows RFC 2221 login referrals ({@code NO
 * [REFERRAL]} for every intent; {@code OK [REFERRAL]} moves writers, readers
 * stay), moves on for {@code * BYE}, {@code [UNAVAILABLE]} and dead hosts, and
 * stops at once for {@code [AUTHENTICATIONFAILED]} and kin.
 *
 * <p>The three write roles are one client with different options:
 * <pre>{@code
 * // MMP proxy: log in as the group's admin on the user's behalf (SASL PLAIN authzid)
 * IMAPStore mmp = imap.connectAsAdminFor(group, "alice", Intent.WRITE);
 *
 * // webmail: the user's own credentials
 * IMAPStore web = imap.connect(group, new Credentials("alice", password), Intent.WRITE);
 *
 * // shared folders: referrals may lead outside the store host list, when allowed
 * ReplicationGroup shared = group.toBuilder().allowReferralsTo("shared.example.com").build();
 * IMAPStore folders = imap.connect(shared, new Credentials("alice", password), Intent.WRITE);
 * }</pre>
 *
 * <p>If a session to the master breaks, call {@code connect} again: the engine
 * drops a cached master that fails and finds the new one.
 *
 * <p><b>What is retried.</b> Only the connect and login are failed over: a host
 * that is down, refers elsewhere or says {@code [UNAVAILABLE]} is left for the next,
 * within the policy's deadline. Once {@code connect} has returned the {@code IMAPStore},
 * the session is yours and nothing on it is retried: a command that was in flight when
 * the connection dropped may or may not have been carried out by the server, and Angus
 * Mail reports the drop as a {@code StoreClosedException} or
 * {@code FolderClosedException}. Reads (FETCH, SEARCH, ...) can simply be done again
 * on a new {@code connect}. Writes cannot, blindly: an {@code appendMessages} that
 * dropped may have been stored, and appending again would store it twice. Use
 * {@link #append} for APPEND, which finds out after a drop; for other writes
 * (STORE flags, EXPUNGE, COPY, MOVE) check the mailbox's state on the new session
 * before repeating them.
 */
public final class ImapFailoverClient {

  private static final MailFailures FAILURES = MailFailures.translatingTo(ImapGroupUnavailableException::new);

  private final FailoverEngine engine;
  private final RepgroupResources resources;
  private final ImapSessions sessions;

  private ImapFailoverClient(Builder b) {
    this.resources = b.resources;
    this.engine = new FailoverEngine(b.resources, b.policy);
    this.sessions = new ImapSessions(b.sessionProperties, b.policy, b.resources.scheduler(), InputLimits.DEFAULT);
  }

  /** A builder on shared {@code resources}. */
  public static Builder builder(RepgroupResources resources) {
    return new Builder(resources);
  }

  /**
   * Logs {@code credentials} in on the right host for {@code intent}.
   *
   * @throws jakarta.mail.AuthenticationFailedException for a refused login (never retried elsewhere)
   * @throws ImapGroupUnavailableException when no host served the login
   */
  public IMAPStore connect(ReplicationGroup group, Credentials credentials, Intent intent) throws MessagingException {
    return connectTraced(group, credentials, intent).value();
  }

  /** Like {@link #connect}, with the host that served and everything the engine did. */
  public FailoverResult.Served<IMAPStore> connectTraced(ReplicationGroup group, Credentials credentials,
      Intent intent) throws MessagingException {
    Objects.requireNonNull(credentials, "credentials");
    return run(group, intent, new ImapLoginAttempt(sessions, credentials.user(), credentials.password(),
        null, resources.listener()));
  }

  /**
   * Proxy login as an MMP does: the group's admin ({@code imapadmin}/{@code imapadminpass})
   * authenticates with SASL PLAIN and acts as {@code user}.
   *
   * @throws IllegalArgumentException when the group has no admin
   */
  public IMAPStore connectAsAdminFor(ReplicationGroup group, String user, Intent intent) throws MessagingException {
    Credentials admin = group.admin().orElseThrow(() ->
        new IllegalArgumentException("group " + group.name() + " has no admin (imapadmin/imapadminpass)"));
    return run(group, intent, new ImapLoginAttempt(sessions, admin.user(), admin.password(),
        Objects.requireNonNull(user, "user"), resources.listener())).value();
  }

  /**
   * Appends {@code message} to {@code mailbox} exactly once, even if the connection drops in
   * the middle: logs in with {@link Intent#WRITE}, reads the mailbox's {@code UIDNEXT} and
   * {@code UIDVALIDITY} ({@code STATUS}), then sends the {@code APPEND}. If the connection
   * drops after the APPEND was sent, it connects again through the engine (to the new master,
   * if there is one), searches the mailbox for the message's {@code Message-ID} among UIDs at or
   * above that {@code UIDNEXT} ({@code UID SEARCH UID n:* HEADER Message-ID ...}, so an older
   * copy of the same message is never taken for it), and appends only if it is not there. If
   * the connection drops before the APPEND was sent, it connects again and appends.
   *
   * <p>The message is written once, into memory, and those bytes are what is appended (also the
   * second time): a {@code MimeMessage} whose {@code Message-ID} Jakarta Mail generates when it
   * is first written keeps that one. Its flags are appended with it, and its received date, if
   * it has one, as the internal date. A message without a {@code Message-ID} is appended at most
   * once: after a drop that followed its APPEND the result is {@link AppendResult.Outcome#UNKNOWN}
   * and nothing is sent again. The call ends after at most two engine operations: if the second
   * connection drops too, the result is {@code UNKNOWN} (the message is then in the mailbox at
   * most once).
   *
   * @param mailbox the mailbox, {@code "INBOX"} for the inbox
   * @return {@code APPENDED}, {@code ALREADY_PRESENT} or {@code UNKNOWN}, with the UID when known
   * @throws IllegalArgumentException when the mailbox name holds a control character, or the
   *     message's {@code Message-ID} holds a control or non-ASCII character or is longer than 998
   *     characters (it could not be searched for safely); nothing is sent
   * @throws jakarta.mail.AuthenticationFailedException for a refused login (never retried elsewhere)
   * @throws ImapGroupUnavailableException when no host served the first login
   * @throws MessagingException when the server refused the {@code STATUS} or {@code APPEND}
   *     ({@code NO}, {@code BAD}: the message was not stored), or the message cannot be written
   */
  public AppendResult append(ReplicationGroup group, Credentials credentials, String mailbox, Message message)
      throws MessagingException {
    Objects.requireNonNull(group, "group");
    Objects.requireNonNull(credentials, "credentials");
    Objects.requireNonNull(mailbox, "mailbox");
    Objects.requireNonNull(message, "message");
    if (mailbox.isEmpty() || mailbox.chars().anyMatch(c -> c < 0x20 || c == 0x7f)) {
      throw new IllegalArgumentException("mailbox name is empty or contains control characters");
    }
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try {
      message.writeTo(bytes);
    } catch (IOException e) {
      throw new MessagingException("cannot write the message to append: " + e.getMessage(), e);
    }
    byte[] raw = bytes.toByteArray();
    Optional<String> messageId = MessageIds.of(raw);
    return new ExactlyOnceAppend(() -> connectTraced(group, credentials, Intent.WRITE), mailbox, raw, messageId,
        message.getFlags(), message.getReceivedDate()).run();
  }

  private FailoverResult.Served<IMAPStore> run(ReplicationGroup group, Intent intent, ImapLoginAttempt attempt)
      throws MessagingException {
    Objects.requireNonNull(intent, "intent");
    return engine.serve(group, Protocol.IMAP, intent, attempt, FAILURES);
  }

  /** Builds an {@link ImapFailoverClient}. */
  public static final class Builder {
    private final RepgroupResources resources;
    private FailoverPolicy policy = FailoverPolicy.defaults();
    private Properties sessionProperties = new Properties();

    private Builder(RepgroupResources resources) {
      this.resources = Objects.requireNonNull(resources, "resources");
    }

    /** Failover timeouts, stagger, deadline. Defaults to {@link FailoverPolicy#defaults()}. */
    public Builder policy(FailoverPolicy policy) {
      this.policy = Objects.requireNonNull(policy, "policy");
      return this;
    }

    /**
     * Jakarta Mail session properties ({@code mail.imap.*}: STARTTLS, SSL, SASL...),
     * honoured as given, except: timeouts shorter than the engine's win, longer ones
     * are cut to the engine's (the write timeout is applied by our socket layer, not
     * Angus'); the socket factory is ours (it observes the socket, and does TLS so
     * that it sees the plain text: {@code mail.imap.ssl.socketFactory},
     * {@code .ssl.socketFactory.class} and {@code .ssl.trust} choose the TLS it uses);
     * {@code mail.imap.referralexception} is off (referrals are read from the raw
     * response). A group's {@link ReplicationGroup#tls() TLS policy} other than
     * {@code NONE} overrides the TLS settings: STARTTLS required or IMAPS, the
     * policy's trust store and host-name check. With {@code NONE} they apply as given
     * ({@code mail.imap.starttls.enable} alone is opportunistic and sends the password
     * in plain text to a host that does not offer STARTTLS). Before login each
     * greeting and reply must be complete within the response timeout and within
     * {@link InputLimits#DEFAULT}; after login the session is the user's, with
     * Angus' own read timeout and no caps. The client builds one Jakarta Mail
     * {@code Session} per TLS policy from these properties. Defaults to none.
     */
    public Builder sessionProperties(Properties properties) {
      Properties copy = new Properties();
      copy.putAll(Objects.requireNonNull(properties, "properties"));
      this.sessionProperties = copy;
      return this;
    }

    /** The client. */
    public ImapFailoverClient build() {
      return new ImapFailoverClient(this);
    }
  }
}
