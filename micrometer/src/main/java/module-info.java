/** The failover engine's listener events as Micrometer meters. */
module org.repgroup.micrometer {
  requires transitive org.repgroup.core;
  requires transitive micrometer.core;

  exports org.repgroup.micrometer;
}
