package org.repgroup.core.spi;

/**
 * One try of an operation on one host: connect, greet, log in, and classify what
 * the server said. Written once per protocol adapter; the engine calls it for
 * each host it picks, possibly several at once (stagger), each on its own thread.
 *
 * <p>An attempt must honour {@link AttemptContext#connectTimeout()} and
 * {@link AttemptContext#responseTimeout()} and register what it opens with
 * {@link AttemptContext#onCancel(AutoCloseable)}, so the engine can abort it when
 * another host wins or the deadline passes.
 *
 * @param <T> what a successful attempt produces
 */
@FunctionalInterface
public interface Attempt<T> {

  /**
   * Tries the operation on {@code context.host()}. An exception thrown here is
   * treated as {@link AttemptOutcome#unavailable unavailable} with that cause.
   */
  AttemptOutcome<T> attempt(AttemptContext context) throws Exception;

  /**
   * A cheap check that a host is alive which changes nothing on the server
   * (connect and read the greeting, say), for the single recheck of a host whose
   * down mark expired while other hosts serve the operation: the check runs on
   * the side and the operation does not wait for it. It must never perform the
   * operation itself (an LMTP probe must not deliver). Defaults to none: such a
   * host is then rechecked only when an operation reaches it in order.
   */
  default java.util.Optional<HostProbe> prober() {
    return java.util.Optional.empty();
  }

  /**
   * Releases a value that succeeded but lost the race (another host answered
   * first, or the operation had already ended): close the connection. Defaults
   * to closing an {@link AutoCloseable} value quietly.
   */
  default void discard(T value) {
    if (value instanceof AutoCloseable c) {
      try {
        c.close();
      } catch (Exception ignored) {
        // The value is being thrown away; nothing more to do.
      }
    }
  }
}
