package org.repgroup.pop;

import org.repgroup.core.StoreUnavailableException;
import org.repgroup.mail.MailGroupUnavailableException;

/**
 * No host of the group served the POP login. The cause is the core's
 * {@link StoreUnavailableException}, naming every host tried and why.
 */
public class PopGroupUnavailableException extends MailGroupUnavailableException {

  private static final long serialVersionUID = 1L;

  /** Wraps the engine's report. */
  public PopGroupUnavailableException(StoreUnavailableException report) {
    super(report);
  }
}
