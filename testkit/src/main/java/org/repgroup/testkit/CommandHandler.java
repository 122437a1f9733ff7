package org.repgroup.testkit;

/**
 * Overrides a server's reply to a command, for scripting:
 * {@code pop.onCommand("PASS", c -> "-ERR [SYS/TEMP] try later")}. The returned
 * text (one or more CRLF-separated lines, without the final CRLF) is sent
 * instead of the normal reply; {@code null} falls through to the normal reply.
 */
@FunctionalInterface
public interface CommandHandler {

  /** The reply to send for {@code command}, or {@code null} for the persona's own reply. */
  String reply(Command command);
}
