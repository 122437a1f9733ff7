/**
 * Scripted mock IMAP, POP3 and LMTP servers on real loopback sockets, named
 * {@link org.repgroup.testkit.Fault}s, and a
 * {@link org.repgroup.testkit.SimulatedReplicationGroup} that follows the store's
 * election and referral rules: test your own code against a misbehaving group.
 */
package org.repgroup.testkit;
