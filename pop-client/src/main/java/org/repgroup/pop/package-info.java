/** POP3 to a replication group: {@link org.repgroup.pop.PopFailoverClient}. */
package org.repgroup.pop;
