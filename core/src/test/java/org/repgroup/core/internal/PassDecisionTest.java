package org.repgroup.core.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.repgroup.core.internal.PassDecision.Evidence;

/** "Another pass?" as a table. */
class PassDecisionTest {

  static final Duration MS100 = Duration.ofMillis(100);
  static final Duration S5 = Duration.ofSeconds(5);

  static Stream<Arguments> table() {
    return Stream.of(
        // what, writer, canElect, readOnly, answered, passes, cap, backoff, left, expected
        row("writer during an election waits", true, true, false, true, 3, 0, MS100, S5, "retry 100"),
        row("writer in a total outage waits", true, true, false, false, 3, 0, MS100, S5, "retry 100"),
        row("read-only answers from a group that can elect are waited out", true, true, true, true, 1, 0, MS100, S5,
            "retry 100"),
        row("read-only answers from a two-site group end at once", true, false, true, true, 1, 0, MS100, S5,
            "fail NO_MASTER"),
        row("a reader never waits for a master but retries its hosts", false, false, true, true, 1, 0, MS100, S5,
            "retry 100"),
        row("no time for another pass: a writer that heard hosts", true, true, false, true, 9, 0, S5, MS100,
            "fail MASTER_UNREACHABLE"),
        row("no time for another pass: nobody answered", true, true, false, false, 9, 0, S5, MS100,
            "fail ALL_UNAVAILABLE"),
        row("no time for another pass: a reader", false, true, false, true, 9, 0, S5, MS100,
            "fail ALL_UNAVAILABLE"),
        row("explicit cap reached", true, true, false, true, 2, 2, MS100, S5, "fail MASTER_UNREACHABLE"),
        row("explicit cap not reached", true, true, false, true, 1, 2, MS100, S5, "retry 100"),
        row("the retry gave up", true, true, false, false, 3, 3, null, S5, "fail ALL_UNAVAILABLE"),
        row("back-off exactly the time left: a last pass halfway to the deadline", true, true, false, true, 3, 0, S5,
            S5, "retry 2500"),
        row("back-off outlasting the time left: a last pass halfway to the deadline", true, true, false, false, 3, 0,
            Duration.ofSeconds(1), Duration.ofMillis(300), "retry 150"),
        row("half the time left is less than a pass is worth", true, true, false, true, 3, 0, Duration.ofSeconds(1),
            Duration.ofMillis(199), "fail MASTER_UNREACHABLE"),
        row("exactly twice the floor left", false, true, false, true, 3, 0, Duration.ofSeconds(1),
            Duration.ofMillis(200), "retry 100"));
  }

  static Arguments row(String what, boolean writer, boolean canElect, boolean readOnly, boolean answered,
      int passes, int cap, Duration backoff, Duration left, String expected) {
    return Arguments.of(what, new Evidence(writer, canElect, readOnly, answered, passes, cap, backoff, left),
        expected);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("table")
  void decides(String what, Evidence evidence, String expected) {
    PassDecision.Next next = PassDecision.afterPass(evidence);

    String label = next instanceof PassDecision.Retry r ? "retry " + r.delay().toMillis()
        : "fail " + ((PassDecision.Fail) next).kind();
    assertThat(label).isEqualTo(expected);
  }
}
