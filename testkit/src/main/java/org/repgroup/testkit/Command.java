package org.repgroup.testkit;

/**
 * A command line a client sent, as a {@link CommandHandler} sees it.
 *
 * @param tag the IMAP tag, or empty for POP and LMTP
 * @param verb the command verb in upper case ({@code LOGIN}, {@code PASS}, {@code RCPT})
 * @param arguments the rest of the line after the verb
 * @param line the whole line as sent, without CRLF
 */
public record Command(String tag, String verb, String arguments, String line) {}
