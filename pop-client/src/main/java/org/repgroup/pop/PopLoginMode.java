package org.repgroup.pop;

/** How the client logs in. APOP is never used. */
public enum PopLoginMode {
  /** {@code USER} then {@code PASS}. */
  USER_PASS,
  /** {@code AUTH PLAIN} (RFC 5034); also what a proxy login as the group's admin uses, with an authorization identity. */
  SASL_PLAIN
}
