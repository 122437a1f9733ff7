package org.repgroup.core.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.repgroup.core.Credentials;
import org.repgroup.core.HostAddress;
import org.repgroup.core.Protocol;
import org.repgroup.core.ReplicationGroup;

@Timeout(5)
class RepgroupConfigurationTest {

  @Test
  void recipeWithEscapedDotsDefinesTheGroup() throws Exception {
    String recipe = """
        # store group for the east site
        set_option("proxy:store1\\\\.example\\\\.com.storehostlist", "a.example.com b.example.com c.example.com");
        set_option("proxy:store1\\\\.example\\\\.com.imapport", "1143");
        set_option("proxy:store1\\\\.example\\\\.com.imapadmin", "mmpadmin");
        set_option("proxy:store1\\\\.example\\\\.com.imapadminpass", "s3cret");
        set_option("repgroup.stagger", "100ms");
        """;

    RepgroupConfiguration c = RepgroupConfiguration.parseRecipe(recipe, "east.rcp");

    ReplicationGroup g = c.registry().find("store1.example.com").orElseThrow();
    assertThat(g.hosts().hosts()).containsExactly(
        HostAddress.of("a.example.com"), HostAddress.of("b.example.com"), HostAddress.of("c.example.com"));
    assertThat(g.port(Protocol.IMAP)).isEqualTo(1143);
    assertThat(g.port(Protocol.POP)).isEqualTo(110);
    assertThat(g.admin()).hasValue(new Credentials("mmpadmin", "s3cret"));
    assertThat(c.policy().stagger()).isEqualTo(Duration.ofMillis(100));
  }

  @Test
  void msconfigLinesAndPastedCommandsDefineTheGroup() throws Exception {
    String text = """
        proxy:store1.example.com.storehostlist a b
        proxy:store1.example.com.lmtpport 2424
        msconfig set proxy:cluster1.storehostlist "huey.example.com dewey.example.com louie.example.com"
        msconfig set store.dbreplicate.enable 1
        msconfig set store.dbreplicate.dbpriority 0
        repgroup.deadline 4s
        proxy:cluster1.frobnicate yes
        """;

    RepgroupConfiguration c = RepgroupConfiguration.parseMsconfig(text, "msconfig.txt");

    assertThat(c.registry().find("store1.example.com").orElseThrow().port(Protocol.LMTP)).isEqualTo(2424);
    assertThat(c.registry().find("cluster1").orElseThrow().hosts().size()).isEqualTo(3);
    assertThat(c.policy().deadline()).isEqualTo(Duration.ofSeconds(4));
    assertThat(c.storeOptions()).extracting(ConfigOption::name)
        .containsExactly("store.dbreplicate.enable", "store.dbreplicate.dbpriority");
    assertThat(c.unknownOptions()).singleElement().satisfies(u -> {
      assertThat(u.option().name()).isEqualTo("proxy:cluster1.frobnicate");
      assertThat(u.option().line()).isEqualTo(7);
    });
  }

  @Test
  void loadRecognisesARecipeFileByItsContent(@TempDir Path dir) throws Exception {
    Path f = dir.resolve("groups.rcp");
    Files.writeString(f, "set_option(\"proxy:g1.storehostlist\", \"x y\");\n");

    assertThat(RepgroupConfiguration.load(f).registry().find("g1")).isPresent();
  }

  @Test
  void badPortNamesFileLineAndOption() {
    String text = "proxy:g.storehostlist a\nproxy:g.imapport 14x3\n";

    assertThatThrownBy(() -> RepgroupConfiguration.parseMsconfig(text, "ms.cfg"))
        .isInstanceOf(ConfigurationException.class)
        .hasMessage("ms.cfg:2: proxy:g.imapport: expected a port number 1-65535, got \"14x3\"");
  }

  @Test
  void duplicateHostInListNamesFileAndLine() {
    String recipe = "\n\nset_option(\"proxy:g.storehostlist\", \"a b a\");\n";

    assertThatThrownBy(() -> RepgroupConfiguration.parseRecipe(recipe, "r.rcp"))
        .isInstanceOf(ConfigurationException.class)
        .hasMessageStartingWith("r.rcp:3: group g: store host list \"a b a\": duplicate host \"a\"");
  }

  @Test
  void groupWithoutHostListIsRejected() {
    assertThatThrownBy(() -> RepgroupConfiguration.parseMsconfig("proxy:g.imapport 1143\n", "ms.cfg"))
        .hasMessage("ms.cfg:1: group g has options but no proxy:g.storehostlist");
  }

  @Test
  void adminWithoutPasswordIsRejected() {
    assertThatThrownBy(() -> RepgroupConfiguration.parseMsconfig(
        "proxy:g.storehostlist a\nproxy:g.imapadmin mmp\n", "ms.cfg"))
        .hasMessage("ms.cfg:2: group g: imapadmin and imapadminpass must be set together");
  }

  @Test
  void unterminatedRecipeStringIsRejectedWithTheLine() {
    assertThatThrownBy(() -> RepgroupConfiguration.parseRecipe("set_option(\"proxy:g.storehostlist\", \"a b);\n", "r"))
        .hasMessage("r:1: option value: unterminated string (missing closing \")");
  }

  @Test
  void unsupportedRecipeStatementIsRejected() {
    assertThatThrownBy(() -> RepgroupConfiguration.parseRecipe("delete_option(\"x\");\n", "r"))
        .hasMessageContaining("r:1: unsupported recipe statement \"delete_option\"");
  }

  @Test
  void badDurationNamesTheOption() {
    assertThatThrownBy(() -> RepgroupConfiguration.parseMsconfig("repgroup.stagger soon\n", "ms"))
        .hasMessageContaining("ms:1: repgroup.stagger: expected a duration");
  }

  @Test
  void configOptionToStringHidesPasswords() {
    assertThat(new ConfigOption("proxy:g.imapadminpass", "s3cret", "f", 1).toString()).doesNotContain("s3cret");
  }
}
