package org.repgroup.ens;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(5)
class EnsEventTest {

  static final String STORE_EVENT = "enp://127.0.0.1/store?evtType=NewMsg&timestamp=1047488403000&hostname=eman"
      + "&process=imta&pid=476&mailboxName=testuser&numMsgs=16&uidValidity=1046993605&imapUid=62&size=877&hdrLen=814";

  @Test
  void parsesTheStoresOwnReferenceIntoTypedFields() throws Exception {
    EnsEvent e = EnsEvent.parse(STORE_EVENT);

    assertThat(e.type()).isEqualTo(EventType.NEW_MSG);
    assertThat(e.timestamp()).contains(Instant.ofEpochMilli(1047488403000L));
    assertThat(e.mailbox()).contains("testuser");
    assertThat(e.uidValidity()).hasValue(1046993605);
    assertThat(e.uid()).hasValue(62);
    assertThat(e.messageCount()).hasValue(16);
    assertThat(e.size()).hasValue(877);
    assertThat(e.parameter("process")).contains("imta");
    assertThat(e.toReference()).isEqualTo(STORE_EVENT);
  }

  @Test
  void unknownTypesAndParametersArePreserved() throws Exception {
    EnsEvent e = EnsEvent.parse("enp://127.0.0.1/store?evtType=FutureThing&x-vendor=1&mailboxName=a");

    assertThat(e.type().isKnown()).isFalse();
    assertThat(e.type().name()).isEqualTo("FutureThing");
    assertThat(e.parameters()).containsKeys("x-vendor");
    assertThat(e.toReference()).isEqualTo("enp://127.0.0.1/store?evtType=FutureThing&x-vendor=1&mailboxName=a");
  }

  @Test
  void builderEncodesValues() throws Exception {
    EnsEvent e = EnsEvent.builder(EventType.NEW_MSG).mailbox("a b/ü&=").uid(1).build();

    assertThat(e.toReference()).isEqualTo("enp://127.0.0.1/store?evtType=NewMsg&mailboxName=a%20b%2F%C3%BC%26%3D&imapUid=1");
    assertThat(EnsEvent.parse(e.toReference())).isEqualTo(e);
  }

  @Test
  void malformedReferencesSayWhatIsWrong() {
    assertThatThrownBy(() -> EnsEvent.parse("http://x/store?evtType=NewMsg")).hasMessageContaining("must start with enp://");
    assertThatThrownBy(() -> EnsEvent.parse("enp://x/store?mailboxName=a")).hasMessageContaining("no evtType");
    assertThatThrownBy(() -> EnsEvent.parse("enp://x/store?evtType=NewMsg&imapUid=abc"))
        .hasMessageContaining("imapUid=\"abc\" is not a number");
    assertThatThrownBy(() -> EnsEvent.parse("enp://x/store?evtType=NewMsg&mailboxName=%zz"))
        .hasMessageContaining("bad %-escape");
    assertThatThrownBy(() -> EnsEvent.parse("enp://x/store?evtType=NewMsg&evtType=Login")).hasMessageContaining("twice");
  }

  @Test
  void payloadIsNeverPrinted() throws Exception {
    EnsEvent e = EnsEvent.builder(EventType.NEW_MSG).payload("secret body".getBytes(java.nio.charset.StandardCharsets.UTF_8)).build();

    assertThat(e.toString()).doesNotContain("secret").contains("payload 11 bytes");
  }
}
