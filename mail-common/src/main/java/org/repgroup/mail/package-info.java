/**
 * What the IMAP and POP clients share on Jakarta Mail: the exception users catch
 * when no host of a group served ({@link org.repgroup.mail.MailGroupUnavailableException})
 * and the translation of the engine's failures into it.
 */
package org.repgroup.mail;
