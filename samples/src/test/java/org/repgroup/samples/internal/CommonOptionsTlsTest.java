package org.repgroup.samples.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.repgroup.core.Protocol;
import org.repgroup.core.TlsPolicy;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/** The group a probe builds carries the TLS the command line and the configuration file ask for. */
@Timeout(10)
class CommonOptionsTlsTest {

  @Command(name = "t")
  static final class Holder {
    @Mixin
    CommonOptions common;
  }

  static CommonOptions parse(String... args) {
    Holder h = new Holder();
    new CommandLine(h).parseArgs(args);
    return h.common;
  }

  @Test
  void tlsFlagsSetTheGroupsPolicy(@TempDir Path dir) throws Exception {
    Path store = Files.write(dir.resolve("trust.jks"), new byte[] {1});
    Path pw = Files.writeString(dir.resolve("pw"), "changeit\n");

    TlsPolicy tls = parse("--hosts", "a b", "--tls", "implicit", "--truststore", store.toString(),
        "--truststore-password-file", pw.toString(), "--truststore-type", "JKS", "--no-hostname-check")
        .group(Protocol.IMAP).tls();

    assertThat(tls.mode()).isEqualTo(TlsPolicy.Mode.IMPLICIT);
    assertThat(tls.trustStore()).hasValue(store);
    assertThat(tls.trustStorePassword()).hasValue("changeit");
    assertThat(tls.trustStoreType()).hasValue("JKS");
    assertThat(tls.checkHostName()).isFalse();
  }

  @Test
  void withoutFlagsTheGroupKeepsTheConfigurationsTls(@TempDir Path dir) throws Exception {
    Path store = Files.write(dir.resolve("trust.p12"), new byte[] {1});
    Path cfg = Files.writeString(dir.resolve("ms.cfg"), "proxy:g.storehostlist a\nproxy:g.tls starttls\n"
        + "proxy:g.truststore " + store + "\nproxy:g.truststorepass s3cret\n");

    TlsPolicy configured = parse("--config", cfg.toString(), "--group", "g").group(Protocol.POP).tls();
    TlsPolicy implicit = parse("--config", cfg.toString(), "--group", "g", "--tls", "implicit").group(Protocol.POP).tls();
    TlsPolicy none = parse("--config", cfg.toString(), "--group", "g", "--tls", "none").group(Protocol.POP).tls();

    assertThat(configured.mode()).isEqualTo(TlsPolicy.Mode.STARTTLS);
    assertThat(configured.trustStorePassword()).hasValue("s3cret");
    assertThat(implicit.mode()).isEqualTo(TlsPolicy.Mode.IMPLICIT);
    assertThat(implicit.trustStore()).as("the file's trust store stays").hasValue(store);
    assertThat(none).isEqualTo(TlsPolicy.NONE);
  }

  @Test
  void aTrustStoreThatIsNotAFileIsAUsageError(@TempDir Path dir) {
    assertThatThrownBy(() -> parse("--hosts", "a", "--tls", "starttls", "--truststore", dir.resolve("nope").toString())
        .group(Protocol.IMAP)).isInstanceOf(UsageException.class).hasMessageContaining("is not a readable file");
    assertThatThrownBy(() -> parse("--hosts", "a", "--tls", "starttls", "--truststore-type", "JKS").group(Protocol.IMAP))
        .isInstanceOf(UsageException.class).hasMessageContaining("need --truststore FILE");
  }
}
