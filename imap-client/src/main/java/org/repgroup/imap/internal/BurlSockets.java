package org.repgroup.imap.internal;

import java.io.IOException;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import javax.net.ssl.SSLSocketFactory;
import org.repgroup.core.TlsPolicy;
import org.repgroup.core.spi.InputLimits;
import org.repgroup.core.spi.ObservedSocketFactory;
import org.repgroup.core.spi.TlsSocketFactories;

/**
 * The sockets of one BURL fetcher, per group TLS policy: a group's policy wins;
 * under {@link TlsPolicy.Mode#NONE} the fetcher's own STARTTLS factory, when it
 * has one, makes STARTTLS required.
 */
public final class BurlSockets {

  private final SSLSocketFactory startTls;
  private final Map<TlsPolicy, Entry> byPolicy = new ConcurrentHashMap<>();

  /** @param startTls the fetcher's STARTTLS factory, or {@code null} */
  public BurlSockets(SSLSocketFactory startTls) {
    this.startTls = startTls;
  }

  /**
   * The factory for one policy.
   *
   * @param sockets observes and bounds the fetch's sockets (implicit TLS when the policy says so)
   * @param startTls true when STARTTLS is required before logging in
   */
  public record Entry(ObservedSocketFactory sockets, boolean startTls) {}

  /**
   * The sockets for groups with {@code tls}.
   *
   * @throws IOException when the policy's trust store cannot be read
   */
  public Entry forPolicy(TlsPolicy tls) throws IOException {
    Entry e = byPolicy.get(tls);
    if (e != null) {
      return e;
    }
    SSLSocketFactory factory = tls.trustStore().isPresent() ? TlsSocketFactories.forPolicy(tls)
        : startTls != null ? startTls : (SSLSocketFactory) SSLSocketFactory.getDefault();
    ObservedSocketFactory sockets = ObservedSocketFactory.builder(line -> line.startsWith("* OK"))
        // No literal inspector: the fetch is served at the URLFETCH literal's size line, and the
        // literal (the message) streams to the caller unbounded.
        .limits(new InputLimits(UrlFetchAttempt.MAX_LINE, InputLimits.DEFAULT_MAX_RESPONSE_BYTES))
        .implicitTls(tls.mode() == TlsPolicy.Mode.IMPLICIT)
        .tls(factory)
        .checkHostName(!tls.required() || tls.checkHostName())
        .build();
    boolean required = tls.mode() == TlsPolicy.Mode.STARTTLS || (tls.mode() == TlsPolicy.Mode.NONE && startTls != null);
    Entry made = new Entry(sockets, required);
    Entry raced = byPolicy.putIfAbsent(tls, made);
    return raced != null ? raced : made;
  }
}
