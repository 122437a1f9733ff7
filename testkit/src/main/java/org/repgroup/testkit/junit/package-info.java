/**
 * JUnit 5 support: {@link org.repgroup.testkit.junit.ReplicationGroupExtension}
 * starts a simulated (or real Dovecot) replication group per test or per class,
 * closes it, and injects it and its nodes into test methods. Needs
 * {@code junit-jupiter-api} on the test class path (an optional dependency of the
 * testkit).
 */
package org.repgroup.testkit.junit;
