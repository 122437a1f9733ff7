package org.repgroup.imap;

import org.repgroup.core.StoreUnavailableException;
import org.repgroup.mail.MailGroupUnavailableException;

/**
 * No host of the group served the IMAP login. The cause is the core's
 * {@link StoreUnavailableException}, naming every host tried and why.
 */
public class ImapGroupUnavailableException extends MailGroupUnavailableException {

  private static final long serialVersionUID = 1L;

  /** Wraps the engine's report. */
  public ImapGroupUnavailableException(StoreUnavailableException report) {
    super(report);
  }
}
