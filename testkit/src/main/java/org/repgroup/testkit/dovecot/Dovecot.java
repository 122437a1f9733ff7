package org.repgroup.testkit.dovecot;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Whether a real Dovecot can be used here. Integration tests skip when it is
 * missing, unless {@code REPGROUP_REQUIRE_DOVECOT=1} (set by CI), then they fail:
 *
 * <pre>{@code
 * @BeforeAll
 * static void dovecot() {
 *   DovecotAssumptions.assumeInstalled(); // org.repgroup.testkit.junit
 * }
 * }</pre>
 */
public final class Dovecot {

  /** What to install. */
  public static final String INSTALL_HINT =
      "Dovecot is not installed: apt-get install dovecot-imapd dovecot-pop3d dovecot-lmtpd";

  private Dovecot() {}

  /** The dovecot binary, when installed (and usable: the harness needs root to switch to the mail user). */
  public static Optional<Path> binary() {
    for (String candidate : new String[] {"/usr/sbin/dovecot", "/usr/local/sbin/dovecot"}) {
      Path p = Path.of(candidate);
      if (Files.isExecutable(p)) {
        return Optional.of(p);
      }
    }
    return Optional.empty();
  }

  /** True when the environment demands the Dovecot tests ({@code REPGROUP_REQUIRE_DOVECOT=1}). */
  public static boolean required() {
    return "1".equals(System.getenv("REPGROUP_REQUIRE_DOVECOT"));
  }
}
