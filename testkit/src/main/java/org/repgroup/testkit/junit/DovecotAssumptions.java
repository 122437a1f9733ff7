package org.repgroup.testkit.junit;

import org.junit.jupiter.api.Assumptions;
import org.repgroup.testkit.dovecot.Dovecot;

/**
 * For a test that runs real Dovecot itself (its own {@link org.repgroup.testkit.dovecot.DovecotGroup}
 * rather than {@link ReplicationGroupExtension#dovecot}): call {@link #assumeInstalled()} first,
 * from a {@code @BeforeAll}.
 *
 * <pre>{@code
 * @BeforeAll
 * static void dovecot() {
 *   DovecotAssumptions.assumeInstalled();
 * }
 * }</pre>
 */
public final class DovecotAssumptions {

  private DovecotAssumptions() {}

  /**
   * Returns when Dovecot is installed; otherwise skips the test with {@link Dovecot#INSTALL_HINT}
   * as the reason, or fails it when {@link Dovecot#required()} ({@code REPGROUP_REQUIRE_DOVECOT=1},
   * as CI sets it).
   */
  public static void assumeInstalled() {
    check(Dovecot.binary().isPresent(), Dovecot.required());
  }

  static void check(boolean installed, boolean required) {
    if (installed) {
      return;
    }
    if (required) {
      throw new AssertionError("REPGROUP_REQUIRE_DOVECOT=1, but " + Dovecot.INSTALL_HINT);
    }
    Assumptions.abort(Dovecot.INSTALL_HINT + " (REPGROUP_REQUIRE_DOVECOT=1 makes this a failure)");
  }
}
