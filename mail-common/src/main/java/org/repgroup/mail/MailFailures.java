package org.repgroup.mail;

import jakarta.mail.MessagingException;
import java.util.Objects;
import java.util.function.Function;
import org.repgroup.core.FailoverResult;
import org.repgroup.core.FailureKind;
import org.repgroup.core.ReplicationGroup;
import org.repgroup.core.StoreUnavailableException;
import org.repgroup.core.spi.FailureTranslator;

/**
 * The failure translation of the Jakarta Mail clients: a refused login reaches
 * the caller as Jakarta Mail's own exception (an
 * {@code AuthenticationFailedException}, never retried elsewhere); anything else
 * as the client's {@link MailGroupUnavailableException}.
 */
public final class MailFailures implements FailureTranslator<MessagingException> {

  private final Function<StoreUnavailableException, MailGroupUnavailableException> unavailable;

  private MailFailures(Function<StoreUnavailableException, MailGroupUnavailableException> unavailable) {
    this.unavailable = unavailable;
  }

  /** A translator whose "group unavailable" exception is made by {@code unavailable}. */
  public static MailFailures translatingTo(
      Function<StoreUnavailableException, MailGroupUnavailableException> unavailable) {
    return new MailFailures(Objects.requireNonNull(unavailable, "unavailable"));
  }

  @Override
  public MessagingException failed(FailoverResult.Failed<?> failure) {
    if (failure.kind() == FailureKind.FATAL && failure.fatalCause() instanceof MessagingException m) {
      return m;
    }
    return unavailable.apply(failure.toException());
  }

  @Override
  public MessagingException interrupted(ReplicationGroup group, InterruptedException cause) {
    return new MessagingException("interrupted while connecting to group " + group.name(), cause);
  }
}
