package org.repgroup.core.spi;

/**
 * A side-effect-free liveness check of {@link AttemptContext#host()} (see
 * {@link Attempt#prober()}): success when the host answers like a live server,
 * unavailable otherwise.
 */
@FunctionalInterface
public interface HostProbe {

  /** Checks the host within the context's timeouts. */
  AttemptOutcome<Void> probe(AttemptContext context) throws Exception;
}
