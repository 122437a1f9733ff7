/** LMTP wire code and the delivery attempt; not API. */
package org.repgroup.lmtp.internal;
