/**
 * LMTP delivery to a replication group: {@link org.repgroup.lmtp.LmtpFailoverClient}
 * with per-recipient {@link org.repgroup.lmtp.RecipientResult}s.
 */
package org.repgroup.lmtp;
