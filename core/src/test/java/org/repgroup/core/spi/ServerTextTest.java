package org.repgroup.core.spi;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class ServerTextTest {

  @Test
  void indexOfIgnoreCaseIsAnIndexIntoTheTextItself() {
    // "ß".toUpperCase() is "SS": an index found in an upper-cased copy would be one too far here.
    String text = "a1 NO Straße [referral imap://h/]";

    assertThat(ServerText.indexOfIgnoreCase(text, "[REFERRAL ")).isEqualTo(text.indexOf('['));
  }

  @Test
  void indexOfIgnoreCaseFindsTheFirstAndReportsAbsence() {
    assertThat(ServerText.indexOfIgnoreCase("* OK [alert] one [ALERT] two", "[ALERT]")).isEqualTo(5);
    assertThat(ServerText.indexOfIgnoreCase("* OK ready", "[ALERT]")).isEqualTo(-1);
    assertThat(ServerText.indexOfIgnoreCase("[AL", "[ALERT]")).isEqualTo(-1);
    assertThat(ServerText.indexOfIgnoreCase("", "")).isEqualTo(0);
  }

  @Test
  void printableEscapesControlAndNonAsciiAndCaps() {
    assertThat(ServerText.printable("a\u001b[2Jb\u00e9\u2603", 200)).isEqualTo("a\\x1b[2Jb\\xe9\\u2603");
    assertThat(ServerText.printable("abcdef", 3)).isEqualTo("abc...(3 more)");
  }
}
