package org.repgroup.lmtp.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class DotStuffingOutputStreamTest {

  private static String stuffed(String... writes) throws IOException {
    ByteArrayOutputStream sink = new ByteArrayOutputStream();
    DotStuffingOutputStream out = new DotStuffingOutputStream(sink);
    for (String w : writes) {
      byte[] b = ("xx" + w + "yy").getBytes(StandardCharsets.US_ASCII);
      out.write(b, 2, b.length - 4);
    }
    out.finish();
    return sink.toString(StandardCharsets.US_ASCII);
  }

  @Test
  void bulkWritesStuffLeadingDotsAndNormaliseLineEnds() throws IOException {
    assertThat(stuffed(".first\nsecond\r.third\r\n..fourth\nlast"))
        .isEqualTo("..first\r\nsecond\r\n..third\r\n...fourth\r\nlast\r\n.\r\n");
  }

  @Test
  void aLineEndSplitAcrossWritesIsOneLineEnd() throws IOException {
    assertThat(stuffed("one\r", "\n.two", "\r", "\nthree.", ".\n"))
        .isEqualTo("one\r\n..two\r\nthree..\r\n.\r\n");
  }

  @Test
  void aDotInsideALineIsLeftAlone() throws IOException {
    assertThat(stuffed("a.b", ".c\r\n")).isEqualTo("a.b.c\r\n.\r\n");
  }
}
