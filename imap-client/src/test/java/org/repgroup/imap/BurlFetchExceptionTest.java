package org.repgroup.imap;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.repgroup.core.AttemptRecord;
import org.repgroup.core.FailoverResult;
import org.repgroup.core.FailoverTrace;
import org.repgroup.core.FailureKind;
import org.repgroup.core.FatalReason;
import org.repgroup.core.HostAddress;
import org.repgroup.core.Intent;

/** The SMTP reply a BURL failure gives, by what the engine reported. */
class BurlFetchExceptionTest {

  static FailoverResult.Failed<Object> failed(FailureKind kind, FatalReason why) {
    AttemptRecord last = new AttemptRecord(HostAddress.of("h1", 143), 0,
        why == null ? AttemptRecord.Kind.UNAVAILABLE : AttemptRecord.Kind.FATAL, Duration.ofMillis(3), "what the host said",
        null);
    FailoverTrace trace = new FailoverTrace("store1", Intent.READ_NO_REFERRALS, List.of(last), List.of(), 0, false, 1,
        Duration.ofMillis(3));
    return new FailoverResult.Failed<>(kind, why, null, trace);
  }

  @ParameterizedTest(name = "{0} {1} -> {2}")
  @CsvSource(nullValues = "-", value = {
      "FATAL, CREDENTIALS_REFUSED, LOGIN_REFUSED, 554 5.7.0",
      "FATAL, REQUEST_REFUSED, URL_INVALID, 554 5.6.6",
      "FATAL, CLIENT_ERROR, GROUP_UNAVAILABLE, 451 4.4.1",
      "ALL_UNAVAILABLE, -, GROUP_UNAVAILABLE, 451 4.4.1",
      "DEADLINE_EXCEEDED, -, GROUP_UNAVAILABLE, 451 4.4.1"})
  void replyFollowsWhatWasRefused(FailureKind kind, FatalReason why, BurlFetchException.Reason reason, String reply) {
    BurlFetchException e = new BurlFetchException(failed(kind, why));

    assertThat(e.reason()).isEqualTo(reason);
    assertThat(e.smtpReply()).startsWith(reply);
    assertThat(e.kind()).isEqualTo(kind);
  }
}
