/** Repgroup's POP3 failover client; its connections are Angus Mail {@code POP3Store}s. */
module org.repgroup.pop {
  requires transitive org.repgroup.core;
  requires transitive org.eclipse.angus.mail;
  requires transitive org.repgroup.mail;

  exports org.repgroup.pop;
}
