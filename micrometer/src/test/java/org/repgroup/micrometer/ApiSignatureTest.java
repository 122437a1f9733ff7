package org.repgroup.micrometer;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.repgroup.core.internal.ApiSignature;

/** The module's public API is the committed {@code api/micrometer.api}: a change to it shows in the diff. */
class ApiSignatureTest {

  @Test
  void publicApiMatchesTheCommittedSignature() throws Exception {
    Path classes = Path.of(RepgroupMetrics.class.getProtectionDomain().getCodeSource().getLocation().toURI());

    assertThat(ApiSignature.check(classes, getClass().getClassLoader(), Path.of("api", "micrometer.api"))).isNull();
  }
}
