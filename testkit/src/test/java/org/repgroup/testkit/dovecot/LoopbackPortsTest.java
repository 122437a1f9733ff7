package org.repgroup.testkit.dovecot;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

class LoopbackPortsTest {

  @Test
  void dovecotPortsAreBelowTheEphemeralRangeSoNoClientSocketCanTakeThem() throws Exception {
    int low = LoopbackPorts.ephemeralLow();

    int[] ports = LoopbackPorts.free(9);

    assertThat(ports).hasSize(9);
    assertThat(Arrays.stream(ports).distinct().count()).isEqualTo(9);
    if (low - LoopbackPorts.FLOOR >= 1000) {
      assertThat(Arrays.stream(ports).boxed().toList()).allMatch(p -> p >= LoopbackPorts.FLOOR && p < low);
    }
    for (int p : ports) {
      try (ServerSocket s = new ServerSocket(p, 1, InetAddress.getLoopbackAddress())) {
        assertThat(s.getLocalPort()).isEqualTo(p);
      }
    }
  }
}
