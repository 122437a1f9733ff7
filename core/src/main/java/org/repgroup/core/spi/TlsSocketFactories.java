package org.repgroup.core.spi;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocketFactory;
import javax.net.ssl.TrustManagerFactory;
import org.repgroup.core.TlsPolicy;

/** TLS socket factories for a group's {@link TlsPolicy}: its trust store, or the JVM's default trust. */
public final class TlsSocketFactories {

  private TlsSocketFactories() {}

  /**
   * A factory trusting the policy's trust store, or the JVM's default factory
   * when the policy has none. The store is read on every call: keep the result.
   *
   * @throws IOException naming the trust store (never its password) when it cannot be read or used
   */
  public static SSLSocketFactory forPolicy(TlsPolicy policy) throws IOException {
    if (policy.trustStore().isEmpty()) {
      return (SSLSocketFactory) SSLSocketFactory.getDefault();
    }
    var path = policy.trustStore().get();
    String type = policy.trustStoreType().orElseThrow();
    char[] password = policy.trustStorePassword().map(String::toCharArray).orElse(null);
    String what = "trust store " + path + " (" + type + ")";
    try (InputStream in = Files.newInputStream(path)) {
      KeyStore ks = KeyStore.getInstance(type);
      ks.load(in, password);
      TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
      tmf.init(ks);
      SSLContext context = SSLContext.getInstance("TLS");
      context.init(null, tmf.getTrustManagers(), null);
      return context.getSocketFactory();
    } catch (IOException e) {
      throw new IOException(what + " cannot be read: " + e.getClass().getSimpleName()
          + (e.getMessage() == null ? "" : " " + e.getMessage()), e);
    } catch (GeneralSecurityException | RuntimeException e) {
      throw new IOException(what + " cannot be used: " + e.getClass().getSimpleName()
          + (e.getMessage() == null ? "" : " " + e.getMessage()), e);
    } finally {
      if (password != null) {
        java.util.Arrays.fill(password, '\0');
      }
    }
  }
}
