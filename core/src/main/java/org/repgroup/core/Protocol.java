package org.repgroup.core;

/** The protocols a replication group serves, each with its well-known default port. */
public enum Protocol {
  /** IMAP4rev1, default port 143. */
  IMAP(143),
  /** POP3, default port 110. */
  POP(110),
  /** LMTP, default port 24. */
  LMTP(24),
  /** ENS event notification over HTTP, default port 7997. */
  ENS(7997);

  private final int defaultPort;

  Protocol(int defaultPort) {
    this.defaultPort = defaultPort;
  }

  /** The protocol's well-known port, used when a group configures none. */
  public int defaultPort() {
    return defaultPort;
  }
}
