package org.repgroup.testkit;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocketFactory;
import javax.net.ssl.TrustManagerFactory;

/**
 * A self-signed certificate for {@code 127.0.0.1}/{@code localhost}, made with the
 * JDK's {@code keytool}, for STARTTLS tests: {@link #serverContext()} for the
 * testkit servers, {@link #clientSocketFactory()} trusting exactly this certificate.
 */
public final class TestCertificates {

  private static final char[] PASSWORD = "testkit".toCharArray();
  private static TestCertificates instance;

  private final SSLContext server;
  private final SSLContext client;

  private TestCertificates(KeyStore keys) throws GeneralSecurityException {
    KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
    kmf.init(keys, PASSWORD);
    server = SSLContext.getInstance("TLS");
    server.init(kmf.getKeyManagers(), null, null);
    TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    tmf.init(keys);
    client = SSLContext.getInstance("TLS");
    client.init(null, tmf.getTrustManagers(), null);
  }

  /** The certificates (generated once per JVM). */
  public static synchronized TestCertificates get() throws IOException {
    if (instance == null) {
      Path dir = Files.createTempDirectory("repgroup-testkit-tls");
      Path store = dir.resolve("keystore.p12");
      Path keytool = Path.of(System.getProperty("java.home"), "bin", "keytool");
      Process p = new ProcessBuilder(List.of(keytool.toString(), "-genkeypair", "-alias", "testkit", "-keyalg", "EC",
          "-groupname", "secp256r1", "-dname", "CN=localhost", "-ext", "SAN=ip:127.0.0.1,dns:localhost",
          "-validity", "2", "-storetype", "PKCS12", "-keystore", store.toString(),
          "-storepass", new String(PASSWORD), "-keypass", new String(PASSWORD)))
          .redirectErrorStream(true).start();
      try {
        String out = new String(p.getInputStream().readAllBytes());
        if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
          throw new IOException("keytool failed: " + out);
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IOException(e);
      }
      try (InputStream in = Files.newInputStream(store)) {
        KeyStore ks = KeyStore.getInstance("PKCS12");
        ks.load(in, PASSWORD);
        instance = new TestCertificates(ks);
      } catch (GeneralSecurityException e) {
        throw new IOException("cannot load the test keystore: " + e.getMessage(), e);
      } finally {
        Files.deleteIfExists(store);
        Files.deleteIfExists(dir);
      }
    }
    return instance;
  }

  /** For servers: presents the certificate. */
  public SSLContext serverContext() {
    return server;
  }

  /** For clients: trusts this certificate only. */
  public SSLSocketFactory clientSocketFactory() {
    return client.getSocketFactory();
  }
}
