package org.repgroup.pop;

import jakarta.mail.MessagingException;
import org.repgroup.core.FailoverTrace;
import org.repgroup.core.FailureKind;
import org.repgroup.core.StoreUnavailableException;

/**
 * No host of the group served the POP login. The cause (and next exception) is
 * the core's {@link StoreUnavailableException}, naming every host tried and why.
 */
public class PopGroupUnavailableException extends MessagingException {

  private static final long serialVersionUID = 1L;

  private final transient StoreUnavailableException report;

  /** Wraps the engine's report. */
  public PopGroupUnavailableException(StoreUnavailableException report) {
    super(report.getMessage(), report);
    this.report = report;
  }

  /** Why the group failed: every host unavailable, deadline, referral loop, no master... */
  public FailureKind kind() {
    return report.kind();
  }

  /** Every attempt and the referral path. */
  public FailoverTrace trace() {
    return report.trace();
  }

  /** The engine's report. */
  public StoreUnavailableException report() {
    return report;
  }
}
