package org.repgroup.testkit;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLServerSocket;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;

/**
 * A PKCS12 trust store file holding the certificate a server context presents (captured in a
 * loopback handshake), for clients told to trust exactly the testkit's certificate.
 */
public final class TestTrustStore {

  /** The store's password. */
  public static final String PASSWORD = "trust-pass";

  private TestTrustStore() {}

  /** Writes {@code dir/trust.p12} trusting the certificate {@code server} presents; returns its path. */
  public static Path of(SSLContext server, Path dir) throws IOException, GeneralSecurityException {
    Certificate[] chain = presented(server);
    KeyStore ks = KeyStore.getInstance("PKCS12");
    ks.load(null, null);
    ks.setCertificateEntry("server", chain[0]);
    Path file = dir.resolve("trust.p12");
    try (OutputStream out = Files.newOutputStream(file)) {
      ks.store(out, PASSWORD.toCharArray());
    }
    return file;
  }

  private static Certificate[] presented(SSLContext server) throws IOException, GeneralSecurityException {
    Certificate[][] seen = new Certificate[1][];
    X509TrustManager capture = new X509TrustManager() {
      @Override
      public void checkClientTrusted(X509Certificate[] chain, String authType) {
        // not a server
      }

      @Override
      public void checkServerTrusted(X509Certificate[] chain, String authType) {
        seen[0] = chain;
      }

      @Override
      public X509Certificate[] getAcceptedIssuers() {
        return new X509Certificate[0];
      }
    };
    SSLContext client = SSLContext.getInstance("TLS");
    client.init(null, new TrustManager[] {capture}, null);
    try (SSLServerSocket ss = (SSLServerSocket) server.getServerSocketFactory().createServerSocket(0, 1,
        InetAddress.getLoopbackAddress())) {
      Thread accept = new Thread(() -> {
        try (SSLSocket s = (SSLSocket) ss.accept()) {
          s.startHandshake();
        } catch (IOException ignored) {
          // the client has what it needs
        }
      });
      accept.setDaemon(true);
      accept.start();
      try (SSLSocket c = (SSLSocket) client.getSocketFactory().createSocket(InetAddress.getLoopbackAddress(),
          ss.getLocalPort())) {
        c.startHandshake();
      }
    }
    return seen[0];
  }
}
