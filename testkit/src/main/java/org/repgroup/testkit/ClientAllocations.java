package org.repgroup.testkit;

import java.lang.management.ManagementFactory;
import java.util.HashMap;
import java.util.Map;

/**
 * Bytes allocated on the heap by this JVM's threads since {@link #start()},
 * testkit server threads excepted (a server allocates what it sends): what the
 * client side paid (for tests that assert how much a hostile host made the client buffer).
 */
public final class ClientAllocations {

  private final com.sun.management.ThreadMXBean mx =
      (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
  private final Map<Long, Long> before = new HashMap<>();

  private ClientAllocations() {
    for (Thread t : clientThreads()) {
      before.put(t.getId(), mx.getThreadAllocatedBytes(t.getId()));
    }
  }

  /** Starts counting now. */
  public static ClientAllocations start() {
    return new ClientAllocations();
  }

  /** Bytes the client threads allocated since the start. */
  public long sinceStart() {
    long total = 0;
    for (Thread t : clientThreads()) {
      long now = mx.getThreadAllocatedBytes(t.getId());
      if (now > 0) {
        total += now - before.getOrDefault(t.getId(), 0L);
      }
    }
    return total;
  }

  private static Iterable<Thread> clientThreads() {
    return Thread.getAllStackTraces().keySet().stream().filter(t -> !t.getName().startsWith("testkit-"))
        .toList();
  }
}
