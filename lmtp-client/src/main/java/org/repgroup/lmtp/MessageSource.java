package org.repgroup.lmtp;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Objects;

/**
 * The message to deliver, readable more than once: the client checks it before
 * connecting and may have to send it again on another host if a connection fails
 * before the end of DATA. Build one from bytes or a file, or spool a one-shot
 * {@link InputStream} with {@link #spool(InputStream)}.
 */
@FunctionalInterface
public interface MessageSource {

  /** Messages up to this size are spooled in memory, larger ones to a temporary file: 1 MiB. */
  long MEMORY_SPOOL_LIMIT = 1024 * 1024;

  /** A fresh stream over the message (RFC 5322 text; any line ends). */
  InputStream open() throws IOException;

  /** The message in {@code bytes} (not copied; do not change them during a delivery). */
  static MessageSource of(byte[] bytes) {
    Objects.requireNonNull(bytes, "bytes");
    return () -> new ByteArrayInputStream(bytes);
  }

  /** The message in {@code file}. */
  static MessageSource of(Path file) {
    Objects.requireNonNull(file, "file");
    return () -> Files.newInputStream(file);
  }

  /**
   * Reads {@code in} to its end and keeps it, in memory up to
   * {@link #MEMORY_SPOOL_LIMIT} and in a temporary file (deleted on exit) above.
   */
  static MessageSource spool(InputStream in) throws IOException {
    ByteArrayOutputStream head = new ByteArrayOutputStream();
    byte[] buf = new byte[64 * 1024];
    int n;
    while (head.size() <= MEMORY_SPOOL_LIMIT && (n = in.read(buf)) != -1) {
      head.write(buf, 0, n);
    }
    if (head.size() <= MEMORY_SPOOL_LIMIT) {
      return of(head.toByteArray());
    }
    Path file = Files.createTempFile("repgroup-lmtp-", ".eml");
    file.toFile().deleteOnExit();
    try (OutputStream out = Files.newOutputStream(file)) {
      head.writeTo(out);
      in.transferTo(out);
    }
    return of(file);
  }
}
