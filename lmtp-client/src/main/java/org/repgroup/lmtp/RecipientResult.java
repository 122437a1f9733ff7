package org.repgroup.lmtp;

import java.util.Objects;

/**
 * The outcome for one recipient.
 *
 * @param address the recipient as given to {@code deliver}
 * @param status what became of it
 * @param code the final reply code (e.g. 250, 452, 550), or 0 when no reply arrived
 * @param enhancedCode the enhanced status code ({@code 2.0.0}), or empty when the server sent none
 * @param text the reply text, or why there was none
 */
public record RecipientResult(String address, RecipientStatus status, int code, String enhancedCode, String text) {

  /** All fields are required. */
  public RecipientResult {
    Objects.requireNonNull(address, "address");
    Objects.requireNonNull(status, "status");
    Objects.requireNonNull(enhancedCode, "enhancedCode");
    Objects.requireNonNull(text, "text");
  }

  /** True when delivered. */
  public boolean delivered() {
    return status == RecipientStatus.DELIVERED;
  }
}
