package org.repgroup.lmtp;

import java.util.List;
import java.util.Objects;
import org.repgroup.core.HostAddress;
import org.repgroup.core.FailoverTrace;

/**
 * The result of one delivery: one {@link RecipientResult} per recipient, in the
 * order given, the host that took the transaction and what the failover engine did.
 *
 * @param recipients one result per recipient, in the order given
 * @param host the host the message was sent to, or {@code null} when none was (every recipient refused at RCPT on no host)
 * @param trace every attempt and referral
 */
public record DeliveryResult(List<RecipientResult> recipients, HostAddress host, FailoverTrace trace) {

  /** Copies the list. */
  public DeliveryResult {
    recipients = List.copyOf(recipients);
    Objects.requireNonNull(trace, "trace");
  }

  /** True when every recipient was delivered. */
  public boolean allDelivered() {
    return recipients.stream().allMatch(RecipientResult::delivered);
  }

  /** The result for {@code address}. */
  public RecipientResult recipient(String address) {
    return recipients.stream().filter(r -> r.address().equals(address)).findFirst()
        .orElseThrow(() -> new IllegalArgumentException("no recipient " + address + " in this delivery"));
  }
}
