package org.repgroup.testkit.junit;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Injects one node of the group a {@link ReplicationGroupExtension} runs: a
 * {@link org.repgroup.testkit.SimulatedNode} of a simulated group, a
 * {@link org.repgroup.testkit.dovecot.DovecotInstance} of a Dovecot group.
 *
 * <pre>{@code
 * @Test
 * void replicaRefersToTheMaster(@Node(0) SimulatedNode replica, @Node(1) SimulatedNode master) { ... }
 * }</pre>
 */
@Documented
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.PARAMETER)
public @interface Node {
  /** The node's 0-based position in the group (and in its host lists). */
  int value();
}
