/**
 * Repgroup's IMAP failover client; its connections are Angus Mail {@code IMAPStore}s and its
 * group failure extends the one in {@code org.repgroup.mail}.
 */
module org.repgroup.imap {
  requires transitive org.repgroup.core;
  requires transitive org.eclipse.angus.mail;
  requires transitive org.repgroup.mail;

  exports org.repgroup.imap;
}
