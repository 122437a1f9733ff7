package org.repgroup.core.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** No configuration error, whatever is broken in the line, shows a password. */
@Timeout(20)
class ConfigSecretsTest {

  static final String SECRET = "Zq9sEcReT7x";
  static final String PREFIX = "proxy:g.storehostlist a b\nproxy:g.imapadmin mmp\n";

  static final RepgroupConfiguration.Loader STRICT = RepgroupConfiguration.loader().strict(true);

  @Test
  void unterminatedQuoteNamesTheOptionButNotTheAdminPassword() {
    assertThatThrownBy(() -> STRICT.parseMsconfig(PREFIX + "proxy:g.imapadminpass \"" + SECRET + "\n", "ms.cfg"))
        .isInstanceOf(ConfigurationException.class)
        .hasMessage("ms.cfg:3: option \"proxy:g.imapadminpass\": unterminated quoted value (missing closing \")");
  }

  @Test
  void msconfigSetWithTwoSpacesIsReadAsACommand() throws Exception {
    RepgroupConfiguration c = STRICT.parseMsconfig(
        "msconfig  set proxy:g.storehostlist a\nmsconfig\tset  proxy:g.imapadmin mmp\n"
            + "msconfig  set   proxy:g.imapadminpass " + SECRET + "\n", "ms.cfg");

    assertThat(c.registry().find("g").orElseThrow().admin().orElseThrow().password()).isEqualTo(SECRET);
  }

  @Test
  void anotherMsconfigCommandIsNamedWithoutTheRestOfTheLine() {
    assertThatThrownBy(() -> STRICT.parseMsconfig("msconfig unset proxy:g.imapadminpass " + SECRET + "\n", "ms.cfg"))
        .hasMessageStartingWith("ms.cfg:1: only \"msconfig set <option> <value>\" commands are read, not \"msconfig unset\"")
        .hasMessageNotContaining(SECRET);
  }

  @Test
  void aStrayWordOnItsOwnLineIsNotShown() {
    assertThatThrownBy(() -> STRICT.parseMsconfig(PREFIX + SECRET + "\n", "ms.cfg"))
        .hasMessageStartingWith("ms.cfg:3: a single word and no value").hasMessageNotContaining(SECRET);
    assertThatThrownBy(() -> STRICT.parseRecipe(SECRET + "\");\n", "r.rcp"))
        .hasMessageStartingWith("r.rcp:1: not a set_option").hasMessageNotContaining(SECRET);
  }

  @Test
  void configOptionToStringHidesEverySecretSuffix() {
    for (String name : List.of("proxy:g.imapadminpass", "proxy:g.truststorepass", "x.PASSWORD", "x.ldappasswd",
        "x.sharedsecret")) {
      assertThat(new ConfigOption(name, SECRET, "f", 1).toString()).as(name).doesNotContain(SECRET).contains("****");
    }
    assertThat(new ConfigOption("proxy:g.imapport", "\u001b[2J", "f", 1).toString()).doesNotContain("\u001b");
  }

  /**
   * Every line of a valid file holding a password, with every single-character
   * deletion and with each of a few syntax characters inserted at every position:
   * whatever the loader makes of it, its error never contains the password.
   */
  @Test
  void fuzzedBrokenLinesNeverShowThePassword() {
    List<String> msconfig = List.of(
        "proxy:g.imapadminpass \"" + SECRET + "\"",
        "msconfig set proxy:g.imapadminpass \"" + SECRET + "\"",
        "proxy:g.imapadminpass " + SECRET,
        "proxy:g.truststorepass \"" + SECRET + "\"");
    List<String> recipe = List.of(
        "set_option(\"proxy:g.imapadminpass\", \"" + SECRET + "\");",
        "set_option(\"proxy:g.truststorepass\", \"" + SECRET + "\");",
        "set_option(\"proxy:g.imapadminpass\", " + SECRET + ");");
    int errors = 0;
    for (String line : msconfig) {
      for (String broken : mutations(line)) {
        errors += checkNoSecret(() -> STRICT.parseMsconfig(PREFIX + broken + "\n", "ms.cfg"), broken);
        errors += checkNoSecret(() -> RepgroupConfiguration.parseMsconfig(PREFIX + broken + "\n", "ms.cfg"), broken);
      }
    }
    String recipePrefix = "set_option(\"proxy:g.storehostlist\", \"a b\");\nset_option(\"proxy:g.imapadmin\", \"mmp\");\n";
    for (String line : recipe) {
      for (String broken : mutations(line)) {
        errors += checkNoSecret(() -> STRICT.parseRecipe(recipePrefix + broken + "\n", "r.rcp"), broken);
      }
    }
    assertThat(errors).as("the fuzzing produced errors to check").isGreaterThan(100);
  }

  interface Load {
    RepgroupConfiguration run() throws ConfigurationException;
  }

  private static int checkNoSecret(Load load, String line) {
    try {
      RepgroupConfiguration c = load.run();
      assertThat(c.toString()).as(line).doesNotContain(SECRET);
      for (UnknownOption u : c.unknownOptions()) {
        assertThat(u.message()).as(line).doesNotContain(SECRET).doesNotContain("sEcReT");
      }
      return 0;
    } catch (ConfigurationException e) {
      assertThat(e.getMessage()).as(line).doesNotContain(SECRET).doesNotContain("sEcReT");
      return 1;
    } catch (RuntimeException e) {
      throw new AssertionError("loader threw " + e + " for " + line, e);
    }
  }

  private static Set<String> mutations(String line) {
    Set<String> out = new LinkedHashSet<>();
    List<String> inserts = new ArrayList<>(List.of("\"", "=", "(", ")", ",", ";", "\\", " ", "#"));
    for (int i = 0; i < line.length(); i++) {
      out.add(line.substring(0, i) + line.substring(i + 1));
    }
    for (int i = 0; i <= line.length(); i++) {
      for (String ins : inserts) {
        out.add(line.substring(0, i) + ins + line.substring(i));
      }
    }
    return out;
  }
}
