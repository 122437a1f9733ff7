package org.repgroup.core.spi;

/**
 * Caps on what a host may send before it has served an attempt (greeting,
 * capabilities, login replies), enforced on the socket below the protocol
 * library so that a flooding host costs the client a few tens of kilobytes,
 * never the bytes it sends. Immutable.
 *
 * @param maxLineBytes most bytes in one line, line end excluded
 * @param maxResponseBytes most bytes the host may send between two commands of
 *     the client (the greeting counts as one response), literals included
 */
public record InputLimits(int maxLineBytes, int maxResponseBytes) {

  /** Default cap on a line: 16 KiB. */
  public static final int DEFAULT_MAX_LINE_BYTES = 16 * 1024;
  /** Default cap on a response: 64 KiB. */
  public static final int DEFAULT_MAX_RESPONSE_BYTES = 64 * 1024;
  /** {@link #DEFAULT_MAX_LINE_BYTES} and {@link #DEFAULT_MAX_RESPONSE_BYTES}. */
  public static final InputLimits DEFAULT = new InputLimits(DEFAULT_MAX_LINE_BYTES, DEFAULT_MAX_RESPONSE_BYTES);

  /**
   * Checks the caps.
   *
   * @throws IllegalArgumentException when a line cap is below 64 bytes or the response cap is below the line cap
   */
  public InputLimits {
    if (maxLineBytes < 64) {
      throw new IllegalArgumentException("maxLineBytes must be >= 64, was " + maxLineBytes);
    }
    if (maxResponseBytes < maxLineBytes) {
      throw new IllegalArgumentException("maxResponseBytes must be >= maxLineBytes (" + maxLineBytes + "), was "
          + maxResponseBytes);
    }
  }
}
