package org.repgroup.core.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(5)
class UnknownOptionsTest {

  static final String TYPOS = """
      proxy:g.storehostlist a b
      proxy:g.imapprot 1143
      repgroup.dedline 4s
      imapport 1143
      """;

  @Test
  void typosInTheSdksNamespacesAndBareNamesAreListedWithTheNearestKnownOption() throws Exception {
    RepgroupConfiguration c = RepgroupConfiguration.parseMsconfig(TYPOS, "ms.cfg");

    assertThat(c.unknownOptions()).extracting(UnknownOption::message).containsExactly(
        "ms.cfg:2: unknown option \"proxy:g.imapprot\" (did you mean \"proxy:g.imapport\"?)",
        "ms.cfg:3: unknown option \"repgroup.dedline\" (did you mean \"repgroup.deadline\"?)",
        "ms.cfg:4: unknown option \"imapport\" (did you mean \"proxy:g.imapport\"?)");
    assertThat(c.registry().find("g").orElseThrow().port(org.repgroup.core.Protocol.IMAP)).isEqualTo(143);
  }

  @Test
  void aStrictLoaderRejectsThemNamingEachLine() {
    assertThatThrownBy(() -> RepgroupConfiguration.loader().strict(true).parseMsconfig(TYPOS, "ms.cfg"))
        .isInstanceOf(ConfigurationException.class)
        .hasMessage("ms.cfg:2: unknown option \"proxy:g.imapprot\" (did you mean \"proxy:g.imapport\"?); "
            + "ms.cfg:3: unknown option \"repgroup.dedline\" (did you mean \"repgroup.deadline\"?); "
            + "ms.cfg:4: unknown option \"imapport\" (did you mean \"proxy:g.imapport\"?)")
        .satisfies(e -> assertThat(((ConfigurationException) e).line()).isEqualTo(2));
  }

  @Test
  void otherSubsystemsOptionsAreSkippedQuietly() throws Exception {
    RepgroupConfiguration c = RepgroupConfiguration.loader().strict(true).parseMsconfig("""
        proxy:g.storehostlist a
        partition:primary.path /var/store
        task:purge.enable 1
        imap.enable 1
        store.dbreplicate.frobnicate yes
        """, "ms.cfg");

    assertThat(c.unknownOptions()).isEmpty();
    assertThat(c.storeOptions()).extracting(ConfigOption::name).containsExactly("store.dbreplicate.frobnicate");
  }

  @Test
  void aNameFarFromEveryKnownOptionGetsNoSuggestion() throws Exception {
    RepgroupConfiguration c = RepgroupConfiguration.parseRecipe(
        "set_option(\"proxy:g.storehostlist\", \"a\");\nset_option(\"proxy:g.frobnicate\", \"yes\");\n", "r.rcp");

    assertThat(c.unknownOptions()).singleElement().extracting(UnknownOption::message)
        .isEqualTo("r.rcp:2: unknown option \"proxy:g.frobnicate\" (no known option is close)");
  }

  @Test
  void aMisspelledHostListIsNamedWhenTheGroupThenHasNone() {
    assertThatThrownBy(() -> RepgroupConfiguration.parseMsconfig(
        "proxy:g.storehostlst a b\nproxy:g.imapport 1143\n", "ms.cfg"))
        .hasMessage("ms.cfg:2: group g has options but no proxy:g.storehostlist (ms.cfg:1: unknown option "
            + "\"proxy:g.storehostlst\" (did you mean \"proxy:g.storehostlist\"?))");
  }

  @Test
  void aGroupWithOnlyUnknownOptionsIsNotAGroup() throws Exception {
    RepgroupConfiguration c = RepgroupConfiguration.parseMsconfig("proxy:h.frobnicate 1\n", "ms.cfg");

    assertThat(c.registry().groups()).isEmpty();
    assertThat(c.unknownOptions()).hasSize(1);
  }

  @Test
  void editDistanceCountsASwapAsOneEdit() {
    assertThat(OptionNames.distance("imapprot", "imapport")).isEqualTo(1);
    assertThat(OptionNames.distance("dedline", "deadline")).isEqualTo(1);
    assertThat(OptionNames.distance("", "abc")).isEqualTo(3);
  }

  @Test
  void aLenientLoadLogsEachUnknownOptionAsAWarningWithoutItsValue() throws Exception {
    String source = "ms-" + UUID.randomUUID() + ".cfg";

    RepgroupConfiguration.parseMsconfig("proxy:g.storehostlist a\nproxy:g.imapadminpas Zq9sEcReT7x\n", source);

    // The build points slf4j-simple at target/repgroup-test.log.
    Path log = Path.of(System.getProperty("org.slf4j.simpleLogger.logFile"));
    List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8).stream().filter(l -> l.contains(source)).toList();
    assertThat(lines).singleElement().satisfies(l -> assertThat(l).contains(" WARN ")
        .contains(source + ":2: unknown option \"proxy:g.imapadminpas\" (did you mean \"proxy:g.imapadminpass\"?); ignored")
        .doesNotContain("Zq9sEcReT7x"));
  }
}
