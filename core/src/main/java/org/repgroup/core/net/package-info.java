/**
 * Socket helpers for adapters built on protocol libraries: an
 * {@link org.repgroup.core.net.ObservedSocketFactory} that shows what happened on
 * the wire of one attempt.
 */
package org.repgroup.core.net;
