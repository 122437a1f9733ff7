package org.repgroup.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The scripted IMAP server's UIDNEXT and SEARCH, which an exactly-once append relies on. */
@Timeout(30)
class ImapSearchTest {

  final ImapServer imap = new ImapServer().user("alice", "secret");

  @AfterEach
  void stop() {
    imap.close();
  }

  private void store(String messageId, String body) {
    String header = messageId == null ? "" : "Message-ID: " + messageId + "\r\n";
    imap.store().append("alice", (header + "Subject: s\r\n\r\n" + body + "\r\n").getBytes(StandardCharsets.US_ASCII));
  }

  private LineClient loggedIn() throws Exception {
    LineClient c = new LineClient(imap.start().address());
    c.readLine();
    assertThat(c.command("a LOGIN alice secret")).startsWith("a OK");
    return c;
  }

  private static List<String> selectAndSearch(LineClient c, String search) throws Exception {
    c.send("b EXAMINE INBOX");
    c.readUntil("b OK");
    c.send("c " + search);
    return c.readUntil("c ");
  }

  @Test
  void uidNextDoesNotGoBackWhenTheNewestMessageIsDeleted() throws Exception {
    store("<1@x>", "one");
    store("<2@x>", "two");
    imap.store().delete("alice", 2);

    try (LineClient c = loggedIn()) {
      c.send("b STATUS INBOX (UIDNEXT)");
      assertThat(c.readUntil("b OK")).first().asString().contains("UIDNEXT 3");
      c.send("d SELECT INBOX");
      assertThat(c.readUntil("d OK")).contains("* OK [UIDNEXT 3] Predicted next UID");
    }
  }

  @Test
  void aChangedUidValidityIsWhatSelectAndStatusReport() throws Exception {
    imap.store().setUidValidity(42);

    try (LineClient c = loggedIn()) {
      c.send("b STATUS INBOX (UIDVALIDITY)");
      assertThat(c.readUntil("b OK")).first().asString().contains("UIDVALIDITY 42");
      c.send("d SELECT INBOX");
      assertThat(c.readUntil("d OK")).contains("* OK [UIDVALIDITY 42] UIDs valid");
    }
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> imap.store().setUidValidity(0))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("was 0");
  }

  @Test
  void uidSearchByHeaderFindsTheMessageIdCaseInsensitively() throws Exception {
    store("<one@x>", "one");
    store("<Two@X>", "two");
    store(null, "three");

    try (LineClient c = loggedIn()) {
      assertThat(selectAndSearch(c, "UID SEARCH HEADER Message-ID \"<two@x>\""))
          .containsExactly("* SEARCH 2", "c OK SEARCH completed");
    }
  }

  @Test
  void uidRangeToStarFollowsRfc3501AndIncludesTheHighestUidWhenTheStartIsAboveIt() throws Exception {
    store("<a@x>", "one");
    store("<a@x>", "two");

    try (LineClient c = loggedIn()) {
      // 5:* is 2:5 when the highest UID is 2 (RFC 3501 section 6.4.8): the client must filter.
      assertThat(selectAndSearch(c, "UID SEARCH UID 5:* HEADER Message-ID \"<a@x>\""))
          .containsExactly("* SEARCH 2", "c OK SEARCH completed");
    }
  }

  @Test
  void searchKeysAreAndedAndSequenceSetsCount() throws Exception {
    store("<a@x>", "one");
    store("<b@x>", "two");
    store("<a@x>", "three");

    try (LineClient c = loggedIn()) {
      assertThat(selectAndSearch(c, "UID SEARCH UID 2:3 HEADER Message-ID \"<a@x>\""))
          .containsExactly("* SEARCH 3", "c OK SEARCH completed");
      c.send("d SEARCH 1:2 ALL");
      assertThat(c.readUntil("d ")).containsExactly("* SEARCH 1 2", "d OK SEARCH completed");
    }
  }

  @Test
  void quotedSearchStringsKeepEscapedQuotesAndBackslashes() throws Exception {
    store("<\"odd\\\\id\"@x>", "one");

    try (LineClient c = loggedIn()) {
      assertThat(selectAndSearch(c, "UID SEARCH HEADER Message-ID \"<\\\"odd\\\\\\\\id\\\"@x>\""))
          .containsExactly("* SEARCH 1", "c OK SEARCH completed");
    }
  }

  @Test
  void foldedHeadersAreUnfoldedBeforeMatching() throws Exception {
    imap.store().append("alice", "Message-ID:\r\n <folded@x>\r\n\r\nbody\r\n".getBytes(StandardCharsets.US_ASCII));

    try (LineClient c = loggedIn()) {
      assertThat(selectAndSearch(c, "UID SEARCH HEADER MESSAGE-ID \"<folded@x>\""))
          .containsExactly("* SEARCH 1", "c OK SEARCH completed");
    }
  }

  @Test
  void searchNeedsASelectedMailboxAndRefusesUnknownKeysAndLiterals() throws Exception {
    store("<a@x>", "one");

    try (LineClient c = loggedIn()) {
      assertThat(c.command("b UID SEARCH ALL")).isEqualTo("b NO no mailbox selected");
      c.send("c EXAMINE INBOX");
      c.readUntil("c OK");
      assertThat(c.command("d UID SEARCH FLAGGED")).isEqualTo("d BAD unsupported search key FLAGGED");
      assertThat(c.command("e UID SEARCH HEADER Message-ID {5}")).startsWith("e BAD literals");
    }
  }
}
