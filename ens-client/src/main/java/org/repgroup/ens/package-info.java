/**
 * ENS over HTTP: {@link org.repgroup.ens.EnsPublisher} (fan-out to every host of
 * the group) and {@link org.repgroup.ens.EnsSubscriber} (one host at a time,
 * failover with resume), with the event model {@link org.repgroup.ens.EnsEvent}.
 * The wire protocol is in {@code ens-client/PROTOCOL.md}.
 */
package org.repgroup.ens;
