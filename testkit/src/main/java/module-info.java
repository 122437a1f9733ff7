/**
 * Repgroup testkit: scripted IMAP, POP and LMTP servers, the ENS gateway, the simulated
 * replication group, the Dovecot harness and the JUnit 5 extension.
 *
 * <p>JUnit Jupiter is optional: only {@code org.repgroup.testkit.junit} needs it.
 */
module org.repgroup.testkit {
  requires transitive org.repgroup.core;
  requires org.slf4j;
  requires jdk.httpserver;
  // ClientAllocations reads per-thread allocation counters (com.sun.management.ThreadMXBean).
  requires jdk.management;
  requires static transitive org.junit.jupiter.api;

  exports org.repgroup.testkit;
  exports org.repgroup.testkit.dovecot;
  exports org.repgroup.testkit.junit;
}
