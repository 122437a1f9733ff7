/** What the two Jakarta Mail clients of Repgroup (IMAP and POP) share. */
module org.repgroup.mail {
  requires transitive org.repgroup.core;
  requires transitive jakarta.mail;

  exports org.repgroup.mail;
}
