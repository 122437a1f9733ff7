package org.repgroup.testkit.junit;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.repgroup.core.Protocol;

/**
 * Injects the {@link org.repgroup.core.ReplicationGroup} that clients of
 * {@link #value()} configure for the group a {@link ReplicationGroupExtension}
 * runs: its nodes' addresses for that protocol, in order.
 *
 * <pre>{@code
 * @Test
 * void delivers(@GroupFor(Protocol.LMTP) ReplicationGroup group) { ... }
 * }</pre>
 */
@Documented
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.PARAMETER)
public @interface GroupFor {
  /** The protocol whose ports the group's host list carries. */
  Protocol value();
}
