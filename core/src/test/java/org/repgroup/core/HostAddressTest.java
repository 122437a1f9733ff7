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
}
