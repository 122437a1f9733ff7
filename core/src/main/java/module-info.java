/**
 * Repgroup core: host lists, replication groups, configuration, the affinity cache and the
 * failover engine. Knows no protocol.
 *
 * <p>{@code org.repgroup.core.internal} is the engine's implementation, exported only to the
 * sibling modules that use it (the testkit's ENS gateway and the ENS client share its JSON reader
 * and affinity store); it is not API.
 */
module org.repgroup.core {
  requires org.slf4j;
  requires com.github.benmanes.caffeine;
  requires io.github.resilience4j.core;
  requires io.github.resilience4j.retry;

  exports org.repgroup.core;
  exports org.repgroup.core.config;
  exports org.repgroup.core.time;
  exports org.repgroup.core.spi;
  exports org.repgroup.core.internal to
      org.repgroup.testkit,
      org.repgroup.ens;
}
