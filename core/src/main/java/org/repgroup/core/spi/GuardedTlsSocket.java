package org.repgroup.core.spi;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.SocketException;
import java.nio.channels.SocketChannel;
import java.util.List;
import java.util.function.BiFunction;
import java.util.function.BiPredicate;
import javax.net.ssl.HandshakeCompletedListener;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSession;
import javax.net.ssl.SSLSocket;

/**
 * A TLS socket whose plain text passes through the {@link ReplyGuard} of the
 * {@link GuardedSocket} beneath it. Everything else is the real TLS socket's,
 * so the protocol library configures and checks it as it would its own. For
 * implicit TLS it is created unconnected and layers TLS when it connects.
 */
final class GuardedTlsSocket extends SSLSocket {

  private final GuardedSocket raw;
  private volatile SSLSocket real;
  private volatile String host;
  private InputStream in;
  private OutputStream out;

  /** Implicit TLS: TLS is layered when connected. */
  GuardedTlsSocket(GuardedSocket raw) {
    this.raw = raw;
  }

  /** STARTTLS: already layered. */
  GuardedTlsSocket(GuardedSocket raw, SSLSocket real, String host) {
    this.raw = raw;
    this.real = real;
    this.host = host;
  }

  private SSLSocket real() throws SocketException {
    SSLSocket r = real;
    if (r == null) {
      throw new SocketException("TLS socket not connected yet");
    }
    return r;
  }

  private SSLSocket realUnchecked() {
    SSLSocket r = real;
    if (r == null) {
      throw new IllegalStateException("TLS socket not connected yet");
    }
    return r;
  }

  @Override
  public void connect(SocketAddress endpoint) throws IOException {
    connect(endpoint, 0);
  }

  @Override
  public void connect(SocketAddress endpoint, int timeout) throws IOException {
    raw.connect(endpoint, timeout);
    String name = endpoint instanceof InetSocketAddress isa ? isa.getHostString() : raw.getInetAddress().getHostAddress();
    this.host = name;
    this.real = raw.layer(name, raw.getPort());
  }

  /** Handshake, then the host-name check (when asked) and the factory's peer check. */
  void handshakeChecked(boolean checkHostName) throws IOException {
    SSLSocket r = real();
    if (checkHostName) {
      SSLParameters p = r.getSSLParameters();
      p.setEndpointIdentificationAlgorithm("HTTPS");
      r.setSSLParameters(p);
    }
    startHandshake();
  }

  @Override
  public void startHandshake() throws IOException {
    SSLSocket r = real();
    r.startHandshake();
    BiPredicate<String, SSLSocket> check = factoryPeerCheck();
    if (check != null && !check.test(host, r)) {
      close();
      throw new SSLHandshakeException("server " + host + " is not trusted");
    }
  }

  private BiPredicate<String, SSLSocket> factoryPeerCheck() {
    return raw.factory().peerCheck();
  }

  @Override
  public synchronized InputStream getInputStream() throws IOException {
    if (in == null) {
      in = new GuardedSocket.HostInput(real().getInputStream(), raw);
    }
    return in;
  }

  @Override
  public synchronized OutputStream getOutputStream() throws IOException {
    if (out == null) {
      out = new GuardedSocket.HostOutput(real().getOutputStream(), raw);
    }
    return out;
  }

  @Override
  public void close() throws IOException {
    SSLSocket r = real;
    try {
      if (r != null) {
        r.close();
      }
    } catch (SSLException ignored) {
      // the peer is gone: the socket below is closed anyway
    } finally {
      raw.close();
    }
  }

  // ---- socket state and options: the socket below (TLS delegates them there too) ----

  @Override
  public void bind(SocketAddress bindpoint) throws IOException {
    raw.bind(bindpoint);
  }

  @Override
  public InetAddress getInetAddress() {
    return raw.getInetAddress();
  }

  @Override
  public InetAddress getLocalAddress() {
    return raw.getLocalAddress();
  }

  @Override
  public int getPort() {
    return raw.getPort();
  }

  @Override
  public int getLocalPort() {
    return raw.getLocalPort();
  }

  @Override
  public SocketAddress getRemoteSocketAddress() {
    return raw.getRemoteSocketAddress();
  }

  @Override
  public SocketAddress getLocalSocketAddress() {
    return raw.getLocalSocketAddress();
  }

  @Override
  public SocketChannel getChannel() {
    return null;
  }

  @Override
  public void setTcpNoDelay(boolean on) throws SocketException {
    raw.setTcpNoDelay(on);
  }

  @Override
  public boolean getTcpNoDelay() throws SocketException {
    return raw.getTcpNoDelay();
  }

  @Override
  public void setSoLinger(boolean on, int linger) throws SocketException {
    raw.setSoLinger(on, linger);
  }

  @Override
  public int getSoLinger() throws SocketException {
    return raw.getSoLinger();
  }

  @Override
  public void setSoTimeout(int timeout) throws SocketException {
    raw.setSoTimeout(timeout);
  }

  @Override
  public int getSoTimeout() {
    return raw.getSoTimeout();
  }

  @Override
  public void setSendBufferSize(int size) throws SocketException {
    raw.setSendBufferSize(size);
  }

  @Override
  public int getSendBufferSize() throws SocketException {
    return raw.getSendBufferSize();
  }

  @Override
  public void setReceiveBufferSize(int size) throws SocketException {
    raw.setReceiveBufferSize(size);
  }

  @Override
  public int getReceiveBufferSize() throws SocketException {
    return raw.getReceiveBufferSize();
  }

  @Override
  public void setKeepAlive(boolean on) throws SocketException {
    raw.setKeepAlive(on);
  }

  @Override
  public boolean getKeepAlive() throws SocketException {
    return raw.getKeepAlive();
  }

  @Override
  public void setTrafficClass(int tc) throws SocketException {
    raw.setTrafficClass(tc);
  }

  @Override
  public int getTrafficClass() throws SocketException {
    return raw.getTrafficClass();
  }

  @Override
  public void setReuseAddress(boolean on) throws SocketException {
    raw.setReuseAddress(on);
  }

  @Override
  public boolean getReuseAddress() throws SocketException {
    return raw.getReuseAddress();
  }

  @Override
  public void shutdownInput() throws IOException {
    real().shutdownInput();
  }

  @Override
  public void shutdownOutput() throws IOException {
    real().shutdownOutput();
  }

  @Override
  public boolean isConnected() {
    return raw.isConnected();
  }

  @Override
  public boolean isBound() {
    return raw.isBound();
  }

  @Override
  public boolean isClosed() {
    SSLSocket r = real;
    return raw.isClosed() || (r != null && r.isClosed());
  }

  @Override
  public boolean isInputShutdown() {
    SSLSocket r = real;
    return r != null ? r.isInputShutdown() : raw.isInputShutdown();
  }

  @Override
  public boolean isOutputShutdown() {
    SSLSocket r = real;
    return r != null ? r.isOutputShutdown() : raw.isOutputShutdown();
  }

  @Override
  public String toString() {
    SSLSocket r = real;
    return "GuardedTlsSocket[" + (r != null ? r : raw) + "]";
  }

  // ---- TLS: the real TLS socket ----

  @Override
  public String[] getSupportedCipherSuites() {
    return realUnchecked().getSupportedCipherSuites();
  }

  @Override
  public String[] getEnabledCipherSuites() {
    return realUnchecked().getEnabledCipherSuites();
  }

  @Override
  public void setEnabledCipherSuites(String[] suites) {
    realUnchecked().setEnabledCipherSuites(suites);
  }

  @Override
  public String[] getSupportedProtocols() {
    return realUnchecked().getSupportedProtocols();
  }

  @Override
  public String[] getEnabledProtocols() {
    return realUnchecked().getEnabledProtocols();
  }

  @Override
  public void setEnabledProtocols(String[] protocols) {
    realUnchecked().setEnabledProtocols(protocols);
  }

  @Override
  public SSLSession getSession() {
    return realUnchecked().getSession();
  }

  @Override
  public SSLSession getHandshakeSession() {
    return realUnchecked().getHandshakeSession();
  }

  @Override
  public void addHandshakeCompletedListener(HandshakeCompletedListener listener) {
    realUnchecked().addHandshakeCompletedListener(listener);
  }

  @Override
  public void removeHandshakeCompletedListener(HandshakeCompletedListener listener) {
    realUnchecked().removeHandshakeCompletedListener(listener);
  }

  @Override
  public void setUseClientMode(boolean mode) {
    realUnchecked().setUseClientMode(mode);
  }

  @Override
  public boolean getUseClientMode() {
    return realUnchecked().getUseClientMode();
  }

  @Override
  public void setNeedClientAuth(boolean need) {
    realUnchecked().setNeedClientAuth(need);
  }

  @Override
  public boolean getNeedClientAuth() {
    return realUnchecked().getNeedClientAuth();
  }

  @Override
  public void setWantClientAuth(boolean want) {
    realUnchecked().setWantClientAuth(want);
  }

  @Override
  public boolean getWantClientAuth() {
    return realUnchecked().getWantClientAuth();
  }

  @Override
  public void setEnableSessionCreation(boolean flag) {
    realUnchecked().setEnableSessionCreation(flag);
  }

  @Override
  public boolean getEnableSessionCreation() {
    return realUnchecked().getEnableSessionCreation();
  }

  @Override
  public SSLParameters getSSLParameters() {
    return realUnchecked().getSSLParameters();
  }

  @Override
  public void setSSLParameters(SSLParameters params) {
    realUnchecked().setSSLParameters(params);
  }

  @Override
  public String getApplicationProtocol() {
    return realUnchecked().getApplicationProtocol();
  }

  @Override
  public String getHandshakeApplicationProtocol() {
    return realUnchecked().getHandshakeApplicationProtocol();
  }

  @Override
  public void setHandshakeApplicationProtocolSelector(BiFunction<SSLSocket, List<String>, String> selector) {
    realUnchecked().setHandshakeApplicationProtocolSelector(selector);
  }

  @Override
  public BiFunction<SSLSocket, List<String>, String> getHandshakeApplicationProtocolSelector() {
    return realUnchecked().getHandshakeApplicationProtocolSelector();
  }
}
