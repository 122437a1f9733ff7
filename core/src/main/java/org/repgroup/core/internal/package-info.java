/**
 * The failover engine's machinery: the operation loop, its pure rules (host
 * order, referrals, passes), the write side of the affinity cache and the
 * discovery flights. Not API: exported only to Repgroup's own modules.
 */
package org.repgroup.core.internal;
