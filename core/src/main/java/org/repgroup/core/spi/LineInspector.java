package org.repgroup.core.spi;

/**
 * Protocol knowledge the observed socket layer needs to bound what a host sends:
 * how many bytes of raw data (an IMAP literal, {@code {n}}) follow a complete
 * line. The layer refuses a literal larger than the response cap before any of
 * it reaches the protocol library, which would otherwise allocate a buffer of
 * that size up front. Must be fast and must not keep the array.
 */
@FunctionalInterface
public interface LineInspector {

  /** For protocols without literals (POP3). */
  LineInspector NONE = (line, length) -> 0;

  /**
   * The bytes of literal data announced at the end of {@code line}, which follow
   * its line end; 0 when none; {@link Long#MAX_VALUE} for a size too large to parse.
   *
   * @param line the line's bytes (ISO-8859-1), without CR LF, from index 0
   * @param length how many bytes of {@code line} are the line
   */
  long literalAfter(byte[] line, int length);
}
