package org.repgroup.mail;

import jakarta.mail.MessagingException;
import java.util.Objects;
import org.repgroup.core.FailoverTrace;
import org.repgroup.core.FailureKind;
import org.repgroup.core.GroupFailure;
import org.repgroup.core.StoreUnavailableException;

/**
 * No host of the group served a Jakarta Mail operation (an IMAP or POP login).
 * A {@link MessagingException}, so callers that already catch Jakarta Mail's
 * exceptions catch it; the cause is the engine's {@link StoreUnavailableException},
 * naming every host tried and why.
 */
public class MailGroupUnavailableException extends MessagingException implements GroupFailure {

  private static final long serialVersionUID = 1L;

  private final transient StoreUnavailableException report;

  /** Wraps the engine's report. */
  public MailGroupUnavailableException(StoreUnavailableException report) {
    super(Objects.requireNonNull(report, "report").getMessage(), report);
    this.report = report;
  }

  @Override
  public FailureKind kind() {
    return report.kind();
  }

  @Override
  public FailoverTrace trace() {
    return report.trace();
  }

  /** The engine's report. */
  public StoreUnavailableException report() {
    return report;
  }
}
