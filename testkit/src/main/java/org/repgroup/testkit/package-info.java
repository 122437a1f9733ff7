/**
 * Scripted mock IMAP, POP3, LMTP servers and an ENS gateway on real loopback sockets
 * ({@link org.repgroup.testkit.MockServer}), named {@link org.repgroup.testkit.Fault}s as
 * values, per-connection {@link org.repgroup.testkit.ConnectionScript}s, and a
 * {@link org.repgroup.testkit.SimulatedReplicationGroup} that follows the store's
 * election and referral rules (with {@link org.repgroup.testkit.ElectionWindow}s and
 * {@link org.repgroup.testkit.RollingUpgrade}s): test your own code against a misbehaving group.
 */
package org.repgroup.testkit;
