/**
 * A harness that runs real Dovecot instances on loopback for integration tests:
 * {@link org.repgroup.testkit.dovecot.DovecotGroup}.
 */
package org.repgroup.testkit.dovecot;
