package org.repgroup.core.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.repgroup.core.DeploymentMode;
import org.repgroup.core.ReplicationGroup;
import org.repgroup.core.TlsPolicy;

@Timeout(5)
class GroupModeAndTlsConfigTest {

  static final String GROUPS = "proxy:two.storehostlist a b\nproxy:three.storehostlist c d e\n";

  static DeploymentMode mode(RepgroupConfiguration c, String group) {
    return c.registry().find(group).orElseThrow().deploymentMode();
  }

  @Test
  void withoutStoreOptionsEveryGroupIsReplicated() throws Exception {
    RepgroupConfiguration c = RepgroupConfiguration.parseMsconfig(GROUPS, "ms");

    assertThat(mode(c, "two")).isEqualTo(DeploymentMode.REPLICATED);
    assertThat(mode(c, "three")).isEqualTo(DeploymentMode.REPLICATED);
  }

  @Test
  void replicationOnMakesATwoHostGroupTwoSiteUnlessTwoSitesIsOn() throws Exception {
    RepgroupConfiguration on = RepgroupConfiguration.parseMsconfig(GROUPS + "msconfig set store.dbreplicate.enable 1\n", "ms");
    RepgroupConfiguration twoSites = RepgroupConfiguration.parseMsconfig(
        GROUPS + "store.dbreplicate.enable 1\nstore.dbreplicate.twosites 1\n", "ms");

    assertThat(mode(on, "two")).isEqualTo(DeploymentMode.TWO_SITE);
    assertThat(mode(on, "three")).isEqualTo(DeploymentMode.REPLICATED);
    assertThat(mode(twoSites, "two")).isEqualTo(DeploymentMode.REPLICATED);
  }

  @Test
  void twoSitesOffAloneImpliesReplication() throws Exception {
    RepgroupConfiguration c = RepgroupConfiguration.parseMsconfig(GROUPS + "store.dbreplicate.twosites 0\n", "ms");

    assertThat(mode(c, "two")).isEqualTo(DeploymentMode.TWO_SITE);
  }

  @Test
  void replicationOffIsClassicFailoverForEveryGroup() throws Exception {
    RepgroupConfiguration c = RepgroupConfiguration.parseRecipe(
        "set_option(\"proxy:two.storehostlist\", \"a b\");\nset_option(\"store.dbreplicate.enable\", 0);\n", "r");

    assertThat(mode(c, "two")).isEqualTo(DeploymentMode.CLASSIC);
  }

  @Test
  void aGroupsOwnDeploymentModeOverridesTheStoreOptions() throws Exception {
    RepgroupConfiguration c = RepgroupConfiguration.parseMsconfig(GROUPS
        + "store.dbreplicate.enable 1\nproxy:two.deploymentmode replicated\nproxy:three.deploymentmode CLASSIC\n", "ms");

    assertThat(mode(c, "two")).isEqualTo(DeploymentMode.REPLICATED);
    assertThat(mode(c, "three")).isEqualTo(DeploymentMode.CLASSIC);
  }

  @Test
  void badModeValuesNameFileLineAndTheChoices() {
    assertThatThrownBy(() -> RepgroupConfiguration.parseMsconfig(GROUPS + "store.dbreplicate.enable yes\n", "ms"))
        .hasMessage("ms:3: store.dbreplicate.enable: expected 0 or 1, got \"yes\"");
    assertThatThrownBy(() -> RepgroupConfiguration.parseMsconfig(GROUPS + "proxy:two.deploymentmode twosite\n", "ms"))
        .hasMessage("ms:3: proxy:two.deploymentmode: expected replicated, two-site or classic, got \"twosite\"");
  }

  @Test
  void tlsAndTrustStoreComeFromTheGroupsOptions(@TempDir Path dir) throws Exception {
    Path store = Files.write(dir.resolve("trust.p12"), new byte[] {1});
    RepgroupConfiguration c = RepgroupConfiguration.parseRecipe(String.join("\n",
        "set_option(\"proxy:g.storehostlist\", \"a b\");",
        "set_option(\"proxy:g.tls\", \"starttls\");",
        "set_option(\"proxy:g.truststore\", \"" + store + "\");",
        "set_option(\"proxy:g.truststorepass\", \"tr0ubadour\");",
        "set_option(\"proxy:g.truststoretype\", \"JKS\");",
        "set_option(\"proxy:g.tlshostnamecheck\", \"0\");", ""), "r.rcp");

    ReplicationGroup g = c.registry().find("g").orElseThrow();
    assertThat(g.tls().mode()).isEqualTo(TlsPolicy.Mode.STARTTLS);
    assertThat(g.tls().trustStore()).hasValue(store);
    assertThat(g.tls().trustStorePassword()).hasValue("tr0ubadour");
    assertThat(g.tls().trustStoreType()).hasValue("JKS");
    assertThat(g.tls().checkHostName()).isFalse();
    assertThat(g.toString()).doesNotContain("tr0ubadour");
  }

  @Test
  void implicitTlsWithTheJvmsTrust() throws Exception {
    RepgroupConfiguration c = RepgroupConfiguration.parseMsconfig("proxy:g.storehostlist a\nproxy:g.tls Implicit\n", "ms");

    TlsPolicy tls = c.registry().find("g").orElseThrow().tls();
    assertThat(tls).isEqualTo(TlsPolicy.implicit());
  }

  @Test
  void badTlsSettingsNameFileLineAndWhatIsMissing(@TempDir Path dir) throws Exception {
    String g = "proxy:g.storehostlist a\n";
    assertThatThrownBy(() -> RepgroupConfiguration.parseMsconfig(g + "proxy:g.tls ssl\n", "ms"))
        .hasMessage("ms:2: proxy:g.tls: expected none, starttls or implicit, got \"ssl\"");
    assertThatThrownBy(() -> RepgroupConfiguration.parseMsconfig(g + "proxy:g.truststore /etc/x.p12\n", "ms"))
        .hasMessage("ms:2: group g: proxy:g.truststore needs proxy:g.tls starttls or implicit");
    assertThatThrownBy(() -> RepgroupConfiguration.parseMsconfig(
        g + "proxy:g.tls none\nproxy:g.tlshostnamecheck 0\n", "ms"))
        .hasMessage("ms:3: group g: proxy:g.tlshostnamecheck needs proxy:g.tls starttls or implicit (line 2 says none)");
    assertThatThrownBy(() -> RepgroupConfiguration.parseMsconfig(
        g + "proxy:g.tls starttls\nproxy:g.truststorepass s3cr3tpw\n", "ms"))
        .hasMessage("ms:3: group g: proxy:g.truststorepass needs proxy:g.truststore");
    Path missing = dir.resolve("missing.p12");
    assertThatThrownBy(() -> RepgroupConfiguration.parseMsconfig(
        g + "proxy:g.tls starttls\nproxy:g.truststore " + missing + "\n", "ms"))
        .hasMessage("ms:3: proxy:g.truststore: trust store \"" + missing + "\" is not a readable file");
    assertThatThrownBy(() -> RepgroupConfiguration.parseMsconfig(g + "proxy:g.tls starttls\nproxy:g.tlshostnamecheck no\n", "ms"))
        .hasMessage("ms:3: proxy:g.tlshostnamecheck: expected 0 or 1, got \"no\"");
  }

  @Test
  void theTrustStorePasswordIsNeverShownInAnError() {
    assertThatThrownBy(() -> RepgroupConfiguration.parseMsconfig(
        "proxy:g.storehostlist a\nproxy:g.tls starttls\nproxy:g.truststorepass s3cr3tpw\n", "ms"))
        .hasMessageNotContaining("s3cr3tpw");
    assertThatThrownBy(() -> RepgroupConfiguration.parseMsconfig(
        "proxy:g.storehostlist a\nproxy:g.truststorepass \"s3cr3tpw\n", "ms"))
        .hasMessageNotContaining("s3cr3tpw");
  }

  @Test
  void theSameHostTwiceOnceTheGroupsPortIsFilledInIsRejected() {
    assertThatThrownBy(() -> RepgroupConfiguration.parseMsconfig(
        "proxy:g.imapport 1143\nproxy:g.storehostlist h h:1143\n", "ms"))
        .isInstanceOf(ConfigurationException.class)
        .hasMessage("ms:2: group g: store host list entries \"h\" and \"h:1143\" are the same host for IMAP (h:1143)");
  }
}
