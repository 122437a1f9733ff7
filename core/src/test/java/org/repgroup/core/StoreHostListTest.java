package org.repgroup.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(5)
class StoreHostListTest {

  @Test
  void keepsTheOperatorsOrder() {
    StoreHostList list = StoreHostList.parse("  c.example.com a.example.com:1143\tb.example.com ");

    assertThat(list.hosts()).containsExactly(
        HostAddress.of("c.example.com"), HostAddress.of("a.example.com", 1143), HostAddress.of("b.example.com"));
    assertThat(list.first()).isEqualTo(HostAddress.of("c.example.com"));
    assertThat(list).hasToString("c.example.com a.example.com:1143 b.example.com");
  }

  @Test
  void rejectsDuplicatesNamingTheHost() {
    assertThatThrownBy(() -> StoreHostList.parse("a b A"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("store host list \"a b A\": duplicate host \"A\"");
  }

  @Test
  void rejectsAnEmptyList() {
    assertThatThrownBy(() -> StoreHostList.parse("   ")).hasMessageContaining("no hosts");
  }

  @Test
  void rejectsABadEntryNamingTheList() {
    assertThatThrownBy(() -> StoreHostList.parse("a b:0"))
        .hasMessageContaining("store host list \"a b:0\"").hasMessageContaining("port 0");
  }

  @Test
  void groupMembershipUsesTheGroupsPort() {
    ReplicationGroup g = ReplicationGroup.builder("Store1", StoreHostList.parse("a b:2143"))
        .port(Protocol.IMAP, 1143).build();

    assertThat(g.name()).isEqualTo("store1");
    assertThat(g.isMember(HostAddress.of("a", 1143), Protocol.IMAP)).isTrue();
    assertThat(g.isMember(HostAddress.of("a"), Protocol.IMAP)).isTrue();
    assertThat(g.isMember(HostAddress.of("a", 143), Protocol.IMAP)).isFalse();
    assertThat(g.isMember(HostAddress.of("b"), Protocol.IMAP)).as("b is listed with its own port").isFalse();
    assertThat(g.listedEntry(HostAddress.of("b", 2143), Protocol.IMAP)).hasValue(HostAddress.of("b", 2143));
  }

  @Test
  void unconfiguredMailHostIsAGroupOfOne() {
    GroupRegistry registry = GroupRegistry.of(ReplicationGroup.builder("store1", StoreHostList.parse("a b")).build());

    assertThat(registry.groupFor("STORE1").hosts().size()).isEqualTo(2);
    ReplicationGroup single = registry.groupFor("solo.example.com");
    assertThat(single.hosts().hosts()).containsExactly(HostAddress.of("solo.example.com"));
  }

  @Test
  void groupNameWithAControlCharacterIsRefusedByName() {
    org.assertj.core.api.Assertions.assertThatThrownBy(
        () -> ReplicationGroup.builder("store\u00001", StoreHostList.parse("a")))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("control character").hasMessageContaining("store?1");
  }

  @Test
  void groupToStringNeverShowsTheAdminPassword() {
    ReplicationGroup g = ReplicationGroup.builder("g", StoreHostList.parse("a"))
        .admin(new Credentials("mmpadmin", "s3cret")).build();

    assertThat(g.toString()).contains("mmpadmin").doesNotContain("s3cret");
    assertThat(new Credentials("u", "s3cret").toString()).doesNotContain("s3cret");
  }

  @Test
  void anEntryWithoutAPortAndOneWithTheGroupsPortAreTheSameHost() {
    assertThatThrownBy(() -> ReplicationGroup.builder("g", StoreHostList.parse("h h:143")).build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("group g: store host list entries \"h\" and \"h:143\" are the same host for IMAP (h:143)");
    assertThatThrownBy(() -> ReplicationGroup.builder("g", StoreHostList.parse("a h:2424 h")).port(Protocol.LMTP, 2424)
        .build()).hasMessage("group g: store host list entries \"h:2424\" and \"h\" are the same host for LMTP (h:2424)");
    assertThat(ReplicationGroup.builder("g", StoreHostList.parse("h h:1143")).build().hosts().size())
        .as("h:1143 is another address than h on every default port").isEqualTo(2);
  }
}
