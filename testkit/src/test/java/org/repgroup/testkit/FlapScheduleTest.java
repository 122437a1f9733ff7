package org.repgroup.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.net.ConnectException;
import java.net.Socket;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(30)
class FlapScheduleTest {

  static final Duration FIVE = Duration.ofSeconds(5);

  @Test
  void downThenUpEveryPeriodUntilStable() {
    FlapSchedule flap = FlapSchedule.every(FIVE).stableFrom(Duration.ofSeconds(20));

    assertThat(flap.isUpAt(Duration.ZERO)).isFalse();
    assertThat(flap.isUpAt(Duration.ofMillis(4999))).isFalse();
    assertThat(flap.isUpAt(FIVE)).isTrue();
    assertThat(flap.isUpAt(Duration.ofSeconds(10))).isFalse();
    assertThat(flap.isUpAt(Duration.ofSeconds(15))).isTrue();
    assertThat(flap.isUpAt(Duration.ofSeconds(20))).as("stable from 20 s").isTrue();
    assertThat(flap.isUpAt(Duration.ofSeconds(30))).isTrue();
    assertThat(FlapSchedule.every(FIVE).startingUp().isUpAt(Duration.ZERO)).isTrue();
  }

  @Test
  void badScheduleIsRefusedByName() {
    assertThatThrownBy(() -> FlapSchedule.every(Duration.ZERO)).hasMessageContaining("flap period");
    assertThatThrownBy(() -> FlapSchedule.every(FIVE).isUpAt(Duration.ofSeconds(-1)))
        .hasMessageContaining("before the schedule began");
  }

  @Test
  void appliedToAServerItRefusesAndAcceptsOnTheSamePort() throws Exception {
    try (ImapServer imap = new ImapServer()) {
      imap.start();
      int port = imap.address().port().orElseThrow();
      FlapSchedule flap = FlapSchedule.every(FIVE);

      assertThat(flap.applyTo(imap, Duration.ZERO)).isFalse();
      assertThatThrownBy(() -> connect(port)).isInstanceOf(ConnectException.class);
      assertThat(flap.applyTo(imap, FIVE)).isTrue();
      assertThat(connect(port)).startsWith("* OK");
      assertThat(imap.address().port()).hasValue(port);
    }
  }

  static String connect(int port) throws IOException {
    try (Socket s = new Socket("127.0.0.1", port)) {
      s.setSoTimeout(2000);
      StringBuilder line = new StringBuilder();
      int b;
      while ((b = s.getInputStream().read()) != -1 && b != '\n') {
        line.append((char) b);
      }
      return line.toString();
    }
  }
}
