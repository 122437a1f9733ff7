package org.repgroup.lmtp;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.repgroup.core.HostAddress;
import org.repgroup.core.Protocol;
import org.repgroup.core.ReplicationGroup;
import org.repgroup.core.RepgroupResources;
import org.repgroup.core.spi.FailoverEngine;
import org.repgroup.core.FailoverPolicy;
import org.repgroup.core.FailoverResult;
import org.repgroup.core.Intent;
import org.repgroup.core.StoreUnavailableException;
import org.repgroup.lmtp.internal.ConnectionPool;
import org.repgroup.lmtp.internal.DeliveryAttempt;
import org.repgroup.lmtp.internal.MessageCheck;

/**
 * Delivers mail to a replication group over LMTP (RFC 2033), the MTA's
 * affinity-list channel: the cached master first, then the store host list;
 * a replica's greeting referral is followed; one result per recipient.
 *
 * <p>Nothing is lost and nothing is duplicated silently: a transaction that
 * fails before its final dot is retried whole on the next host; once the dot is
 * sent, recipients keep the replies they got and the others are
 * {@link RecipientStatus#UNKNOWN_MAYBE_DELIVERED}, not redelivered unless the
 * client is {@linkplain Builder#atLeastOnce(boolean) at-least-once}: a
 * {@code 421} from a stopping node, a closed connection or a reply not complete
 * within the response timeout is not a reply for them, only a per-recipient
 * {@code 4xx} is a {@link RecipientStatus#TEMPORARY_FAILURE}.
 *
 * <p>A host is alive when it sends complete replies, not bytes: each reply must be
 * complete within the policy's response timeout, and while a reply before DATA is
 * awaited the stagger runs, so a host that trickles or stalls its greeting, LHLO,
 * MAIL or RCPT reply is left for the next host and marked down.
 *
 * <pre>{@code
 * try (LmtpFailoverClient lmtp = LmtpFailoverClient.builder(resources).build()) {
 *   DeliveryResult r = lmtp.deliver(group, "sender@example.com",
 *       List.of("alice@example.com", "bob@example.com"), MessageSource.of(path));
 *   for (RecipientResult rcpt : r.recipients()) {
 *     switch (rcpt.status()) {
 *       case DELIVERED -> dequeue(rcpt.address());
 *       case TEMPORARY_FAILURE -> retryLater(rcpt.address());
 *       case PERMANENT_FAILURE -> bounce(rcpt.address(), rcpt.text());
 *       case UNKNOWN_MAYBE_DELIVERED -> holdForReview(rcpt.address());
 *     }
 *   }
 * }
 * }</pre>
 */
public final class LmtpFailoverClient implements AutoCloseable {

  /** Default idle connections kept per host: 4. */
  public static final int DEFAULT_POOL_SIZE = 4;
  /** Default oldest pooled connection reused: 60 s. */
  public static final Duration DEFAULT_MAX_CONNECTION_AGE = Duration.ofSeconds(60);
  /** Default largest message accepted: 50 MiB. */
  public static final long DEFAULT_MAX_MESSAGE_SIZE = 50L * 1024 * 1024;
  /** Default LHLO name: {@code localhost}. */
  public static final String DEFAULT_LHLO_NAME = "localhost";

  private final FailoverEngine engine;
  private final ConnectionPool pool;
  private final RepgroupResources resources;
  private final boolean atLeastOnce;
  private final long maxMessageSize;
  private final String lhloName;
  private final javax.net.ssl.SSLSocketFactory startTls;

  private LmtpFailoverClient(Builder b) {
    this.resources = b.resources;
    this.engine = new FailoverEngine(b.resources, b.policy);
    this.pool = new ConnectionPool(b.poolSize, b.maxConnectionAge, b.resources.ticker());
    this.atLeastOnce = b.atLeastOnce;
    this.maxMessageSize = b.maxMessageSize;
    this.lhloName = b.lhloName;
    this.startTls = b.startTls;
  }

  /** A builder on shared {@code resources}. */
  public static Builder builder(RepgroupResources resources) {
    return new Builder(resources);
  }

  /**
   * Delivers {@code message} from {@code from} to {@code recipients} through {@code group}.
   *
   * @return one result per recipient, in order, and the host that took it
   * @throws MessageRejectedException when the message cannot be sent as it is (checked before connecting)
   * @throws StoreUnavailableException when no host took the transaction; nothing was delivered
   * @throws IOException when the message source cannot be read
   * @throws InterruptedException when the calling thread is interrupted
   */
  public DeliveryResult deliver(ReplicationGroup group, String from, List<String> recipients, MessageSource message)
      throws MessageRejectedException, StoreUnavailableException, IOException, InterruptedException {
    Objects.requireNonNull(group, "group");
    Objects.requireNonNull(from, "from");
    Objects.requireNonNull(message, "message");
    if (recipients.isEmpty()) {
      throw new IllegalArgumentException("a delivery needs at least one recipient");
    }
    for (String r : recipients) {
      checkAddress(r);
    }
    if (!from.isEmpty()) {
      checkAddress(from);
    }
    long size = MessageCheck.check(message, maxMessageSize);
    DeliveryResult first = deliverOnce(group, from, recipients, message, size);
    if (!atLeastOnce) {
      return first;
    }
    List<String> unknown = new ArrayList<>();
    for (RecipientResult r : first.recipients()) {
      if (r.status() == RecipientStatus.UNKNOWN_MAYBE_DELIVERED) {
        unknown.add(r.address());
      }
    }
    if (unknown.isEmpty()) {
      return first;
    }
    DeliveryResult again = deliverOnce(group, from, unknown, message, size);
    List<RecipientResult> merged = new ArrayList<>();
    int j = 0;
    for (RecipientResult r : first.recipients()) {
      merged.add(r.status() == RecipientStatus.UNKNOWN_MAYBE_DELIVERED ? again.recipients().get(j++) : r);
    }
    return new DeliveryResult(merged, again.host(), again.trace());
  }

  private DeliveryResult deliverOnce(ReplicationGroup group, String from, List<String> recipients,
      MessageSource message, long size) throws StoreUnavailableException, InterruptedException {
    DeliveryAttempt attempt = new DeliveryAttempt(from, recipients, message, size, lhloName, pool, resources.ticker(),
        startTls);
    FailoverResult<List<RecipientResult>> result = engine.execute(group, Protocol.LMTP, Intent.WRITE, attempt);
    if (result instanceof FailoverResult.Served<List<RecipientResult>> s) {
      return new DeliveryResult(s.value(), s.host(), s.trace());
    }
    FailoverResult.Failed<List<RecipientResult>> f = (FailoverResult.Failed<List<RecipientResult>>) result;
    if (attempt.dotSent()) {
      // The operation ended (deadline) after the message went out: report what is known, never "failed".
      HostAddress host = attempt.committedHost();
      return new DeliveryResult(attempt.committedResults(), host, f.trace());
    }
    throw f.toException();
  }

  /** Closes pooled connections (politely, with QUIT). */
  @Override
  public void close() {
    pool.close();
  }

  private static void checkAddress(String address) {
    for (int i = 0; i < address.length(); i++) {
      char c = address.charAt(i);
      if (c == '\r' || c == '\n' || c == '<' || c == '>' || c < 0x20) {
        throw new IllegalArgumentException("address \"" + address.replace("\r", "\\r").replace("\n", "\\n")
            + "\" contains a character not allowed in an envelope address");
      }
    }
  }

  /** Builds an {@link LmtpFailoverClient}. */
  public static final class Builder {
    private final RepgroupResources resources;
    private FailoverPolicy policy = FailoverPolicy.defaults();
    private int poolSize = DEFAULT_POOL_SIZE;
    private Duration maxConnectionAge = DEFAULT_MAX_CONNECTION_AGE;
    private boolean atLeastOnce;
    private long maxMessageSize = DEFAULT_MAX_MESSAGE_SIZE;
    private String lhloName = DEFAULT_LHLO_NAME;
    private javax.net.ssl.SSLSocketFactory startTls;

    private Builder(RepgroupResources resources) {
      this.resources = Objects.requireNonNull(resources, "resources");
    }

    /** Failover timeouts, stagger, deadline. Defaults to {@link FailoverPolicy#defaults()}. */
    public Builder policy(FailoverPolicy policy) {
      this.policy = Objects.requireNonNull(policy, "policy");
      return this;
    }

    /** Idle connections kept per host, 0-100 (0: no reuse). Defaults to 4. See {@link #DEFAULT_POOL_SIZE}. */
    public Builder poolSize(int size) {
      if (size < 0 || size > 100) {
        throw new IllegalArgumentException("poolSize must be in 0-100, was " + size);
      }
      this.poolSize = size;
      return this;
    }

    /** Oldest connection reused, &gt; 0. Defaults to 60 s. See {@link #DEFAULT_MAX_CONNECTION_AGE}. */
    public Builder maxConnectionAge(Duration age) {
      Objects.requireNonNull(age, "age");
      if (age.isNegative() || age.isZero()) {
        throw new IllegalArgumentException("maxConnectionAge must be > 0, was " + age);
      }
      this.maxConnectionAge = age;
      return this;
    }

    /**
     * At-least-once delivery: recipients whose reply never arrived after the
     * message was sent are delivered again, once (they may get two copies).
     * Defaults to off: such recipients are reported UNKNOWN_MAYBE_DELIVERED.
     */
    public Builder atLeastOnce(boolean on) {
      this.atLeastOnce = on;
      return this;
    }

    /** Largest message, &gt; 0 octets. Defaults to 50 MiB. See {@link #DEFAULT_MAX_MESSAGE_SIZE}. */
    public Builder maxMessageSize(long octets) {
      if (octets <= 0) {
        throw new IllegalArgumentException("maxMessageSize must be > 0, was " + octets);
      }
      this.maxMessageSize = octets;
      return this;
    }

    /** The name sent with LHLO. Defaults to {@code localhost}. */
    public Builder lhloName(String name) {
      Objects.requireNonNull(name, "name");
      if (name.isBlank() || name.chars().anyMatch(c -> c <= 0x20)) {
        throw new IllegalArgumentException("lhloName must be one word, was \"" + name + "\"");
      }
      this.lhloName = name;
      return this;
    }

    /**
     * Requires STARTTLS on every connection, with {@code factory}; the server's
     * certificate must match the host name. A host that does not offer STARTTLS is
     * treated as unavailable: mail is never sent in plain text. Defaults to none.
     */
    public Builder startTls(javax.net.ssl.SSLSocketFactory factory) {
      this.startTls = Objects.requireNonNull(factory, "factory");
      return this;
    }

    /** The client. */
    public LmtpFailoverClient build() {
      return new LmtpFailoverClient(this);
    }
  }
}
