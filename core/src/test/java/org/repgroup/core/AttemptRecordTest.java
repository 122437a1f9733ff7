package org.repgroup.core;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(5)
class AttemptRecordTest {

  static final HostAddress H = HostAddress.of("store1.example.com", 143);

  static AttemptRecord record(String detail) {
    return new AttemptRecord(H, 0, AttemptRecord.Kind.UNAVAILABLE, Duration.ofMillis(3), detail, null);
  }

  @Test
  void aHugeDetailIsCutAndCountedNotKept() {
    AttemptRecord r = record("x".repeat(3 * 1024 * 1024));

    assertThat(r.detail()).hasSize(AttemptRecord.MAX_DETAIL + "...(3144704 more)".length())
        .endsWith("...(3144704 more)");
    assertThat(r.toString()).hasSizeLessThan(AttemptRecord.MAX_DETAIL + 200);
  }

  @Test
  void controlCharactersInADetailAreShownEscaped() {
    AttemptRecord r = record("greeting: \u001b[2J* OK\r\n\u009bjunk");

    assertThat(r.detail()).isEqualTo("greeting: \\x1b[2J* OK\\x0d\\x0a\\x9bjunk");
  }

  @Test
  void aPrintableDetailOfBoundedSizeIsKeptAsIs() {
    String detail = "referral to store2.example.com:143, not followed: already failed in this pass \u00e9";

    assertThat(record(detail).detail()).isSameAs(detail);
  }
}
