package org.repgroup.core.spi;

import java.io.IOException;
import java.lang.reflect.InvocationTargetException;
import java.security.GeneralSecurityException;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Properties;
import java.util.function.BiPredicate;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.SSLSocketFactory;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;
import org.repgroup.core.FailoverPolicy;
import org.repgroup.core.TlsPolicy;
import org.repgroup.core.time.Scheduler;

/**
 * The properties of one Jakarta Mail {@code Session} shared by every attempt of
 * a failover client for one {@link TlsPolicy}, and its
 * {@link ObservedSocketFactory}. From the user's properties for the protocol
 * ({@code mail.imap.*}, {@code mail.pop3.*}):
 *
 * <ul>
 *   <li>connect and read timeouts: the user's when shorter than the policy's,
 *       else the policy's; each attempt is further bounded by the socket layer (its
 *       connect timeout and reply budgets, cut to the time left before the
 *       deadline);</li>
 *   <li>the write timeout likewise, applied by the socket layer (the protocol
 *       library's own would wrap the observed socket and start a thread per
 *       connection);</li>
 *   <li>the socket factory is the observed one (no fallback to plain sockets);
 *       {@code ssl.socketFactory}, {@code ssl.socketFactory.class} and
 *       {@code ssl.trust} choose the TLS factory it layers, as they would have
 *       chosen the library's;</li>
 *   <li>with {@link TlsPolicy.Mode#NONE} the user's TLS settings apply as given
 *       ({@code starttls.enable} alone is opportunistic: a host that does not
 *       offer STARTTLS gets the credentials in plain text); with
 *       {@link TlsPolicy.Mode#STARTTLS} STARTTLS is required on every connection
 *       and {@code ssl.enable} is off; with {@link TlsPolicy.Mode#IMPLICIT} every
 *       connection is TLS from the first byte; with either, the policy's trust store
 *       (when set) and host-name check win over the user's.</li>
 * </ul>
 */
public final class MailSessionSetup {

  private final Properties properties;
  private final ObservedSocketFactory sockets;

  private MailSessionSetup(Properties properties, ObservedSocketFactory sockets) {
    this.properties = properties;
    this.sockets = sockets;
  }

  /**
   * The session for {@code protocol} ({@code "imap"}, {@code "pop3"}).
   *
   * @param user the user's session properties (not changed)
   * @param sockets the socket rules (greeting, inspector, limits); TLS and write timeout are set here
   * @param scheduler for write timeouts
   * @throws IOException when the TLS setup cannot be built (unreadable trust store, bad factory class)
   */
  public static MailSessionSetup build(String protocol, Properties user, FailoverPolicy policy, TlsPolicy tls,
      ObservedSocketFactory.Builder sockets, Scheduler scheduler) throws IOException {
    Objects.requireNonNull(protocol, "protocol");
    String pre = "mail." + protocol;
    Properties p = new Properties();
    p.putAll(user);
    p.put(pre + ".connectiontimeout", Long.toString(shorter(user, pre + ".connectiontimeout", policy.connectTimeout())));
    p.put(pre + ".timeout", Long.toString(shorter(user, pre + ".timeout", policy.responseTimeout())));
    sockets.writeTimeout(Duration.ofMillis(shorter(user, pre + ".writetimeout", policy.responseTimeout())), scheduler);
    p.remove(pre + ".writetimeout");
    p.remove(pre + ".executor.writetimeout");

    boolean implicit = tls.mode() == TlsPolicy.Mode.IMPLICIT
        || (tls.mode() == TlsPolicy.Mode.NONE && bool(user, pre + ".ssl.enable", false));
    sockets.implicitTls(implicit);
    configureTls(sockets, pre, user, tls);
    ObservedSocketFactory factory = sockets.build();

    p.put(pre + ".socketFactory", factory);
    p.put(pre + ".socketFactory.fallback", "false");
    for (String gone : List.of(".socketFactory.class", ".socketFactory.port", ".ssl.socketFactory.class",
        ".ssl.socketFactory.port", ".ssl.trust")) {
      p.remove(pre + gone);
    }
    p.put(pre + ".ssl.enable", Boolean.toString(implicit));
    p.put(pre + ".ssl.socketFactory", implicit ? factory : factory.tlsUpgrade());
    switch (tls.mode()) {
      case STARTTLS -> {
        p.put(pre + ".starttls.enable", "true");
        p.put(pre + ".starttls.required", "true");
      }
      case IMPLICIT -> {
        p.remove(pre + ".starttls.enable");
        p.remove(pre + ".starttls.required");
      }
      case NONE -> {
        // the user's settings as given
      }
    }
    if (tls.required()) {
      p.put(pre + ".ssl.checkserveridentity", Boolean.toString(tls.checkHostName()));
    }
    return new MailSessionSetup(p, factory);
  }

  /** The properties to build the {@code Session} from. */
  public Properties properties() {
    return properties;
  }

  /** The session's socket factory. */
  public ObservedSocketFactory sockets() {
    return sockets;
  }

  private static void configureTls(ObservedSocketFactory.Builder sockets, String pre, Properties user, TlsPolicy tls)
      throws IOException {
    sockets.checkHostName(tls.required() ? tls.checkHostName() : bool(user, pre + ".ssl.checkserveridentity", true));
    if (tls.required() && tls.trustStore().isPresent()) {
      sockets.tls(TlsSocketFactories.forPolicy(tls));
      return;
    }
    Object instance = user.get(pre + ".ssl.socketFactory");
    if (instance instanceof SSLSocketFactory f) {
      sockets.tls(f);
      return;
    }
    String className = user.getProperty(pre + ".ssl.socketFactory.class");
    if (className != null && !className.isBlank()) {
      sockets.tls(loadFactory(pre, className.strip()));
      return;
    }
    String trusted = user.getProperty(pre + ".ssl.trust");
    if (trusted != null && !trusted.isBlank()) {
      sockets.tls(trustingAll());
      if (!trusted.strip().equals("*")) {
        List<String> hosts = Arrays.asList(trusted.strip().split("\\s+"));
        BiPredicate<String, SSLSocket> listed = (host, socket) -> hosts.contains(host);
        sockets.peerCheck(listed);
      }
    }
  }

  private static SSLSocketFactory loadFactory(String pre, String className) throws IOException {
    try {
      ClassLoader cl = Thread.currentThread().getContextClassLoader();
      Class<?> c = Class.forName(className, true, cl != null ? cl : MailSessionSetup.class.getClassLoader());
      Object f = c.getMethod("getDefault").invoke(null);
      if (f instanceof SSLSocketFactory s) {
        return s;
      }
      throw new IOException(pre + ".ssl.socketFactory.class " + className + ": getDefault() is not an SSLSocketFactory");
    } catch (ReflectiveOperationException | LinkageError e) {
      Throwable cause = e instanceof InvocationTargetException ite && ite.getCause() != null ? ite.getCause() : e;
      throw new IOException(pre + ".ssl.socketFactory.class " + className + " cannot be used: " + cause, cause);
    }
  }

  /** What {@code ssl.trust} asks for: certificates are not checked (the host list is, after the handshake). */
  private static SSLSocketFactory trustingAll() throws IOException {
    X509TrustManager all = new X509TrustManager() {
      @Override
      public void checkClientTrusted(X509Certificate[] chain, String authType) {
        // a client never presents itself here
      }

      @Override
      public void checkServerTrusted(X509Certificate[] chain, String authType) {
        // ssl.trust: the user trusts these hosts whatever their certificate
      }

      @Override
      public X509Certificate[] getAcceptedIssuers() {
        return new X509Certificate[0];
      }
    };
    try {
      SSLContext c = SSLContext.getInstance("TLS");
      c.init(null, new TrustManager[] {all}, null);
      return c.getSocketFactory();
    } catch (GeneralSecurityException e) {
      throw new IOException("cannot build the TLS context for ssl.trust: " + e.getMessage(), e);
    }
  }

  private static boolean bool(Properties p, String key, boolean dflt) {
    Object v = p.get(key);
    if (v == null) {
      return dflt;
    }
    if (v instanceof Boolean b) {
      return b;
    }
    String text = v.toString().strip().toLowerCase(Locale.ROOT);
    return dflt ? !text.equals("false") : text.equals("true");
  }

  /** The user's timeout for {@code key} in milliseconds when positive and shorter than {@code engine}, else the engine's. */
  static long shorter(Properties user, String key, Duration engine) {
    long ours = Math.max(1, engine.toMillis());
    Object theirs = user.get(key);
    if (theirs != null) {
      try {
        long t = Long.parseLong(theirs.toString().strip());
        if (t > 0 && t < ours) {
          return t;
        }
      } catch (NumberFormatException ignored) {
        // not a number: ours applies
      }
    }
    return ours;
  }
}
