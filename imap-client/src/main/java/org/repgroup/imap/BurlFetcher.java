package org.repgroup.imap;

import java.util.Objects;
import javax.net.ssl.SSLSocketFactory;
import org.repgroup.core.Credentials;
import org.repgroup.core.Protocol;
import org.repgroup.core.ReplicationGroup;
import org.repgroup.core.RepgroupResources;
import org.repgroup.core.spi.FailoverEngine;
import org.repgroup.core.spi.FailureTranslator;
import org.repgroup.core.FailoverPolicy;
import org.repgroup.core.FailoverResult;
import org.repgroup.core.Intent;
import org.repgroup.imap.internal.BurlSockets;
import org.repgroup.imap.internal.UrlFetchAttempt;

/**
 * The MTA's read-only BURL client (RFC 4468): fetches an {@code imap://...;urlauth=...}
 * URL with URLFETCH (RFC 4467) from any host of the group, in list order with the
 * last good host first. It never follows a referral: a referral means "try the
 * next host". The message streams; it is never loaded whole into memory.
 *
 * <pre>{@code
 * BurlFetcher burl = BurlFetcher.builder(resources, new Credentials("submit", secret)).build();
 * try (UrlFetchResult msg = burl.fetch(group, url)) {
 *   msg.stream().transferTo(smtpData);
 * } catch (BurlFetchException e) {
 *   reply(e.smtpReply());   // "451 4.4.1 ..." when the store is down
 * }
 * }</pre>
 */
public final class BurlFetcher {

  private static final FailureTranslator<BurlFetchException> FAILURES = new FailureTranslator<>() {
    @Override
    public BurlFetchException failed(FailoverResult.Failed<?> failure) {
      return new BurlFetchException(failure);
    }

    @Override
    public BurlFetchException interrupted(ReplicationGroup group, InterruptedException cause) {
      return new BurlFetchException(group.name(), cause);
    }
  };

  private final FailoverEngine engine;
  private final Credentials identity;
  private final BurlSockets sockets;

  private BurlFetcher(Builder b) {
    this.engine = new FailoverEngine(b.resources, b.policy);
    this.identity = b.identity;
    this.sockets = new BurlSockets(b.startTls);
  }

  /** A builder on shared {@code resources}, logging in as the submit server ({@code identity}). */
  public static Builder builder(RepgroupResources resources, Credentials identity) {
    return new Builder(resources, identity);
  }

  /**
   * Fetches {@code url}; read the result's stream, then close it.
   *
   * @throws BurlFetchException with {@link BurlFetchException#smtpReply()} for the BURL command's reply
   */
  public UrlFetchResult fetch(ReplicationGroup group, String url) throws BurlFetchException {
    Objects.requireNonNull(group, "group");
    Objects.requireNonNull(url, "url");
    if (url.chars().anyMatch(c -> c < 0x20 || c == 0x7f)) {
      throw new IllegalArgumentException("BURL URL contains control characters");
    }
    FailoverResult.Served<UrlFetchAttempt.OpenFetch> s = engine.serve(group, Protocol.IMAP,
        Intent.READ_NO_REFERRALS, new UrlFetchAttempt(url, identity, sockets), FAILURES);
    return new UrlFetchResult(s.value().stream(), s.value().length(), s.host(), s.trace());
  }

  /** Builds a {@link BurlFetcher}. */
  public static final class Builder {
    private final RepgroupResources resources;
    private final Credentials identity;
    private FailoverPolicy policy = FailoverPolicy.defaults();
    private SSLSocketFactory startTls;

    private Builder(RepgroupResources resources, Credentials identity) {
      this.resources = Objects.requireNonNull(resources, "resources");
      this.identity = Objects.requireNonNull(identity, "identity");
    }

    /** Failover timeouts, stagger, deadline. Defaults to {@link FailoverPolicy#defaults()}. */
    public Builder policy(FailoverPolicy policy) {
      this.policy = Objects.requireNonNull(policy, "policy");
      return this;
    }

    /**
     * Requires STARTTLS before logging in, with {@code factory}, for groups whose
     * {@link ReplicationGroup#tls() TLS policy} is {@code NONE}; a group that asks
     * for TLS gets it either way (its trust store when it names one, else this
     * factory's trust). Defaults to none (plain text unless the group asks).
     */
    public Builder startTls(SSLSocketFactory factory) {
      this.startTls = Objects.requireNonNull(factory, "factory");
      return this;
    }

    /** The fetcher. */
    public BurlFetcher build() {
      return new BurlFetcher(this);
    }
  }
}
