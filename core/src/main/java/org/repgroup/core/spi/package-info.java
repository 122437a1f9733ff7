/**
 * For adapter authors: what a protocol adapter implements and calls. An
 * {@link org.repgroup.core.spi.Attempt} tries one host and classifies the
 * server's answer into an {@link org.repgroup.core.spi.AttemptOutcome}; the
 * {@link org.repgroup.core.spi.FailoverEngine} decides which host comes next.
 * {@link org.repgroup.core.spi.ObservedSocketFactory} and
 * {@link org.repgroup.core.spi.GreetingProbe} serve adapters built on protocol
 * libraries that hide the socket.
 */
package org.repgroup.core.spi;
