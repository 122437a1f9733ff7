package org.repgroup.testkit;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;

/**
 * Keeps a stopped server's port bound but not listening: connections are refused,
 * and the kernel cannot hand the port to a client as its ephemeral source port (a
 * loopback connect to a free ephemeral port can otherwise connect to itself).
 */
final class PortHold {

  private PortHold() {}

  /** Binds {@code port}, or returns {@code null} (best effort: without it, a refused port may rarely self-connect). */
  static Socket bind(InetAddress address, int port) {
    try {
      Socket hold = new Socket();
      hold.setReuseAddress(true);
      hold.bind(new InetSocketAddress(address, port));
      return hold;
    } catch (IOException e) {
      return null;
    }
  }

  /** Releases a hold from {@link #bind}; {@code null} is ignored. */
  static void release(Socket hold) {
    if (hold != null) {
      try {
        hold.close();
      } catch (IOException ignored) {
        // released anyway
      }
    }
  }
}
