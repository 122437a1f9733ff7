package org.repgroup.core.spi;

import java.io.IOException;
import java.net.InetAddress;
import java.net.Socket;
import javax.net.ssl.SSLSocketFactory;

/**
 * The {@link SSLSocketFactory} a protocol library's STARTTLS must use: it turns
 * an observed socket into an observed TLS socket in place. Other sockets are
 * refused, since their plain text could not be bounded nor their peer checked.
 */
final class TlsUpgrade extends SSLSocketFactory {

  private final ObservedSocketFactory factory;

  TlsUpgrade(ObservedSocketFactory factory) {
    this.factory = factory;
  }

  @Override
  public Socket createSocket(Socket s, String host, int port, boolean autoClose) throws IOException {
    if (s instanceof GuardedSocket g && g.factory() == factory) {
      return g.layerTls(host, port, false);
    }
    throw new IOException("STARTTLS on a socket this factory did not make: " + s.getClass().getName());
  }

  @Override
  public String[] getDefaultCipherSuites() {
    return factory.tls().getDefaultCipherSuites();
  }

  @Override
  public String[] getSupportedCipherSuites() {
    return factory.tls().getSupportedCipherSuites();
  }

  @Override
  public Socket createSocket(String host, int port) throws IOException {
    return layered(factory.createSocket(host, port), host, port);
  }

  @Override
  public Socket createSocket(String host, int port, InetAddress localHost, int localPort) throws IOException {
    return layered(factory.createSocket(host, port, localHost, localPort), host, port);
  }

  @Override
  public Socket createSocket(InetAddress host, int port) throws IOException {
    return layered(factory.createSocket(host, port), host.getHostAddress(), port);
  }

  @Override
  public Socket createSocket(InetAddress address, int port, InetAddress localAddress, int localPort)
      throws IOException {
    return layered(factory.createSocket(address, port, localAddress, localPort), address.getHostAddress(), port);
  }

  private Socket layered(Socket s, String host, int port) throws IOException {
    if (s instanceof GuardedSocket g) {
      try {
        return g.layerTls(host, port, false);
      } catch (IOException | RuntimeException e) {
        s.close();
        throw e;
      }
    }
    // The factory speaks implicit TLS already.
    return s;
  }
}
