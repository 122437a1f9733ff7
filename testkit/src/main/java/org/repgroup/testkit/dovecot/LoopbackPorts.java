package org.repgroup.testkit.dovecot;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashSet;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Free loopback ports for a Dovecot instance, chosen <em>below</em> the kernel's
 * ephemeral range. A port from {@code new ServerSocket(0)} is an ephemeral port:
 * between closing it and Dovecot binding it (or while an instance is stopped for a
 * restart), any outgoing connection on the machine may take it as its source port,
 * and Dovecot then fails with "Address already in use" (seen in a CI run while other
 * modules' tests opened thousands of connections). Ports below the range are never
 * handed out as source ports, so only another listener could take them.
 */
final class LoopbackPorts {

  static final Path EPHEMERAL_RANGE = Path.of("/proc/sys/net/ipv4/ip_local_port_range");
  /** The lowest port handed out: above the well-known and most registered service ports. */
  static final int FLOOR = 10000;

  private LoopbackPorts() {}

  /** {@code n} distinct ports that were free on 127.0.0.1 a moment ago. */
  static int[] free(int n) throws IOException {
    int ephemeralLow = ephemeralLow();
    if (ephemeralLow - FLOOR < 1000) {
      return fromKernel(n);
    }
    Set<Integer> chosen = new LinkedHashSet<>();
    for (int tries = 0; chosen.size() < n && tries < 10_000; tries++) {
      int port = ThreadLocalRandom.current().nextInt(FLOOR, ephemeralLow);
      if (!chosen.contains(port) && bindable(port)) {
        chosen.add(port);
      }
    }
    if (chosen.size() < n) {
      throw new IOException("no " + n + " free loopback ports in " + FLOOR + "-" + (ephemeralLow - 1));
    }
    return chosen.stream().mapToInt(Integer::intValue).toArray();
  }

  /** The low end of the ephemeral range ({@value #FLOOR} when it cannot be read: then the kernel picks). */
  static int ephemeralLow() {
    try {
      String[] range = Files.readString(EPHEMERAL_RANGE, StandardCharsets.US_ASCII).trim().split("\\s+");
      return Integer.parseInt(range[0]);
    } catch (IOException | RuntimeException unreadable) {
      return FLOOR;
    }
  }

  private static boolean bindable(int port) {
    try (ServerSocket s = new ServerSocket(port, 1, InetAddress.getLoopbackAddress())) {
      return true;
    } catch (IOException taken) {
      return false;
    }
  }

  private static int[] fromKernel(int n) throws IOException {
    int[] ports = new int[n];
    ServerSocket[] held = new ServerSocket[n];
    try {
      for (int i = 0; i < n; i++) {
        held[i] = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
        ports[i] = held[i].getLocalPort();
      }
    } finally {
      for (ServerSocket s : held) {
        if (s != null) {
          s.close();
        }
      }
    }
    return ports;
  }
}
