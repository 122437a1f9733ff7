package org.repgroup.ens.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(10)
class SseReaderTest {

  /** What a reader handed over, one string per event: {@code id|type|data} or {@code oversized id bytes}. */
  static List<String> read(byte[] stream, int chunk, long max) throws IOException {
    List<String> out = new ArrayList<>();
    InputStream in = new ByteArrayInputStream(stream) {
      @Override
      public synchronized int read(byte[] b, int off, int len) {
        // Hands the bytes over in small reads, so line ends fall across reads.
        return super.read(b, off, Math.min(len, chunk));
      }
    };
    new SseReader(in, max, new SseReader.Handler() {
      @Override
      public void event(String id, String type, String data) {
        out.add(id + "|" + type + "|" + data);
      }

      @Override
      public void oversized(String id, long bytes) {
        out.add("oversized " + id + " " + bytes);
      }
    }).readAll();
    return out;
  }

  static List<String> read(String stream) throws IOException {
    return read(stream.getBytes(StandardCharsets.UTF_8), 8192, 1024);
  }

  @Test
  void loneCarriageReturnsEndLines() throws Exception {
    assertThat(read("id: 1\revent: ens\rdata: {\"a\":1}\r\rid: 2\rdata: x\r\r"))
        .containsExactly("1|ens|{\"a\":1}", "2|message|x");
  }

  @Test
  void lineFeedsAndCrlfEndLinesToo() throws Exception {
    assertThat(read("id: 1\ndata: a\n\nid: 2\r\ndata: b\r\n\r\nid: 3\rdata: c\n\r\n"))
        .containsExactly("1|message|a", "2|message|b", "3|message|c");
  }

  @Test
  void crlfSplitAcrossReadsIsOneLineEnd() throws Exception {
    byte[] stream = "id: 1\r\ndata: a\r\n\r\nid: 2\r\ndata: b\r\n\r\n".getBytes(StandardCharsets.US_ASCII);

    assertThat(read(stream, 1, 1024)).containsExactly("1|message|a", "2|message|b");
  }

  @Test
  void dataLinesJoinWithLineFeedsAndCommentsAreIgnored() throws Exception {
    assertThat(read(": keep-alive\n\ndata: one\n: inside\ndata:two\ndata\n\n"))
        .containsExactly("null|message|one\ntwo\n");
  }

  @Test
  void theLastEventIdCarriesOverAndAnIdWithNulIsIgnored() throws Exception {
    assertThat(read("id: 7\ndata: a\n\ndata: b\n\nid: 8\u0000\ndata: c\n\n"))
        .containsExactly("7|message|a", "7|message|b", "7|message|c");
  }

  @Test
  void leadingByteOrderMarkIsSkipped() throws Exception {
    byte[] text = "id: 1\ndata: a\n\n".getBytes(StandardCharsets.UTF_8);
    byte[] stream = new byte[text.length + 3];
    stream[0] = (byte) 0xef;
    stream[1] = (byte) 0xbb;
    stream[2] = (byte) 0xbf;
    System.arraycopy(text, 0, stream, 3, text.length);

    assertThat(read(stream, 1, 1024)).containsExactly("1|message|a");
  }

  @Test
  void eventNotEndedByABlankLineIsDropped() throws Exception {
    assertThat(read("id: 1\ndata: a\n\nid: 2\ndata: cut")).containsExactly("1|message|a");
  }

  @Test
  void eventOverTheCapIsSkippedAndTheStreamGoesOn() throws Exception {
    String big = "x".repeat(5000);

    assertThat(read(("id: 1\ndata: " + big + "\ndata: " + big + "\n\nid: 2\ndata: small\n\n")
        .getBytes(StandardCharsets.US_ASCII), 512, 1024))
        .containsExactly("oversized 1 10002", "2|message|small");
  }

  @Test
  void endlessLineIsNeverBufferedWhole() throws Exception {
    // 4 MiB without a line end, cap 1 KiB: skipped at the blank line, the reader keeps a few KiB at most.
    StringBuilder sb = new StringBuilder("id: 1\ndata: ");
    sb.append("y".repeat(4 * 1024 * 1024)).append("\n\nid: 2\ndata: ok\n\n");

    assertThat(read(sb.toString().getBytes(StandardCharsets.US_ASCII), 8192, 1024))
        .containsExactly("oversized 1 4194305", "2|message|ok");
  }
}
