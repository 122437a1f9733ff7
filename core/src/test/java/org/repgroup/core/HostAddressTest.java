package org.repgroup.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.OptionalInt;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(5)
class HostAddressTest {

  @Test
  void parsesHostWithAndWithoutPort() {
    assertThat(HostAddress.parse("Store1.Example.com")).isEqualTo(new HostAddress("store1.example.com", OptionalInt.empty()));
    assertThat(HostAddress.parse("store1:1143")).isEqualTo(HostAddress.of("store1", 1143));
  }

  @Test
  void parsesBracketedIpv6WithAndWithoutPort() {
    HostAddress a = HostAddress.parse("[2001:db8::1]:143");
    assertThat(a.host()).isEqualTo("2001:db8::1");
    assertThat(a.port()).hasValue(143);
    assertThat(a.toString()).isEqualTo("[2001:db8::1]:143");
    assertThat(HostAddress.parse("[::1]").port()).isEmpty();
  }

  @Test
  void rejectsBareIpv6AndBadPortsNamingTheText() {
    assertThatThrownBy(() -> HostAddress.parse("2001:db8::1"))
        .hasMessageContaining("\"2001:db8::1\"").hasMessageContaining("brackets");
    assertThatThrownBy(() -> HostAddress.parse("h:99999")).hasMessageContaining("port 99999 is not in 1-65535");
    assertThatThrownBy(() -> HostAddress.parse("h:abc")).hasMessageContaining("port \"abc\" is not a number");
    assertThatThrownBy(() -> HostAddress.parse("[2001:db8::1")).hasMessageContaining("missing ']'");
    assertThatThrownBy(() -> HostAddress.parse("user@h")).hasMessageContaining("illegal character '@'");
  }

  @Test
  void defaultPortFillsOnlyAMissingPort() {
    assertThat(HostAddress.of("h").withDefaultPort(143)).isEqualTo(HostAddress.of("h", 143));
    assertThat(HostAddress.of("h", 1143).withDefaultPort(143)).isEqualTo(HostAddress.of("h", 1143));
  }

  @Test
  void hostNamesAreLimitedToTheDnsLengthOf253() {
    String label = "a".repeat(63);
    String longest = String.join(".", label, label, label, "a".repeat(61));
    assertThat(longest).hasSize(253);
    assertThat(HostAddress.parse(longest).host()).isEqualTo(longest);
    assertThat(HostAddress.parse(longest + ".").host()).as("a trailing dot is not counted").endsWith(".");

    assertThatThrownBy(() -> HostAddress.parse(longest + "b"))
        .hasMessageContaining("host name is 254 characters long, longer than 253");
  }

  @Test
  void labelsOfNamesAreLimitedTo63ButIpLiteralsHaveNoLabels() {
    assertThat(HostAddress.parse("a".repeat(63) + ".example.com").host()).startsWith("aaa");
    assertThatThrownBy(() -> HostAddress.parse("a".repeat(64) + ".example.com"))
        .hasMessageContaining("is 64 characters long, longer than 63");
    assertThat(HostAddress.parse("[fe80:0000:0000:0000:0204:61ff:fe9d:f156%eth0]:143").host())
        .isEqualTo("fe80:0000:0000:0000:0204:61ff:fe9d:f156%eth0");
  }

  @Test
  void aHugeHostNameGivesAShortPrintableMessage() {
    String huge = "x\u001b[2J" + "x".repeat(1 << 20);

    assertThatThrownBy(() -> HostAddress.parse(huge + ":143")).satisfies(e -> {
      assertThat(e.getMessage()).hasSizeLessThan(300).doesNotContain("\u001b").contains("\\x1b[2J")
          .contains("longer than 253");
    });
    assertThatThrownBy(() -> HostAddress.parse("h:" + "9".repeat(1 << 20)))
        .satisfies(e -> assertThat(e.getMessage()).hasSizeLessThan(300));
    assertThatThrownBy(() -> StoreHostList.parse("a " + huge))
        .satisfies(e -> assertThat(e.getMessage()).hasSizeLessThan(600).doesNotContain("\u001b"));
  }

  @Test
  void aControlCharacterIsNamedPrintably() {
    assertThatThrownBy(() -> HostAddress.of("a\u001bb")).hasMessage("host address \"a\\x1bb\": illegal character '\\x1b'");
  }
}
