package org.repgroup.core;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.List;

/**
 * Turns a host name into addresses, fresh for every attempt, so a group whose
 * hosts come back on new addresses is found again without a restart. Injected
 * through {@link RepgroupResources}; tests pass one they control.
 */
@FunctionalInterface
public interface HostResolver {

  /** The JDK's resolver ({@link InetAddress#getAllByName}), subject to the JVM's DNS cache settings. */
  HostResolver SYSTEM = host -> List.of(InetAddress.getAllByName(host));

  /**
   * The addresses of {@code host}, preferred first; never empty.
   *
   * @throws UnknownHostException when the name does not resolve
   */
  List<InetAddress> resolve(String host) throws UnknownHostException;
}
