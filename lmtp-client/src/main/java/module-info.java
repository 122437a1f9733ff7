/** Repgroup's LMTP failover client (delivery, with its own LMTP wire code). */
module org.repgroup.lmtp {
  requires transitive org.repgroup.core;

  exports org.repgroup.lmtp;
}
