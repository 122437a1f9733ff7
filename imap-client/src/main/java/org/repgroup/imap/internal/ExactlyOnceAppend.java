package org.repgroup.imap.internal;

import jakarta.mail.Flags;
import jakarta.mail.Folder;
import jakarta.mail.MessagingException;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import org.eclipse.angus.mail.imap.IMAPFolder;
import org.eclipse.angus.mail.imap.IMAPStore;
import org.repgroup.core.FailoverResult;
import org.repgroup.core.FailoverTrace;
import org.repgroup.core.GroupFailure;
import org.repgroup.core.HostAddress;
import org.repgroup.core.spi.ServerText;
import org.repgroup.imap.AppendResult;
import org.repgroup.imap.AppendResult.Outcome;

/**
 * One exactly-once APPEND, in two steps at most, each on a connection the engine
 * found (no failover here):
 * <ol>
 *   <li>on the first connection, {@code STATUS} for UIDVALIDITY and UIDNEXT, then
 *       {@code APPEND};</li>
 *   <li>only if that connection dropped: a second connection, then, if the APPEND may
 *       have reached the server, {@code EXAMINE} and a {@code UID SEARCH} for the
 *       message's Message-ID at or above the UIDNEXT read in step 1; {@code APPEND}
 *       only if it is not there.</li>
 * </ol>
 * A message without a Message-ID, or without a UIDNEXT to bound the search, is never
 * sent twice: a drop after its APPEND left is {@link Outcome#UNKNOWN}.
 */
public final class ExactlyOnceAppend {

  /** Gets a logged-in store on the master, through the engine. */
  @FunctionalInterface
  public interface Connector {
    /** One engine operation. */
    FailoverResult.Served<IMAPStore> connect() throws MessagingException;
  }

  private final Connector connector;
  private final String mailbox;
  private final byte[] message;
  private final Optional<String> messageId;
  private final Flags flags;
  private final Date date;
  private final List<FailoverTrace> traces = new ArrayList<>();

  /**
   * @param connector the engine's connect
   * @param mailbox the mailbox to append to
   * @param message the message's bytes, exactly as appended (each time)
   * @param messageId its Message-ID (checked by {@link MessageIds#of}), if any
   * @param flags the flags to append with, or {@code null}
   * @param date the internal date to append with, or {@code null} for the server's
   */
  public ExactlyOnceAppend(Connector connector, String mailbox, byte[] message, Optional<String> messageId,
      Flags flags, Date date) {
    this.connector = connector;
    this.mailbox = mailbox;
    this.message = message;
    this.messageId = messageId;
    this.flags = flags;
    this.date = date;
  }

  /**
   * Runs the append.
   *
   * @throws MessagingException when nothing was stored: the first connect failed (the engine's
   *     exception), the server refused the APPEND, or the reconnect after a drop that happened
   *     before the APPEND was sent failed
   */
  public AppendResult run() throws MessagingException {
    FailoverResult.Served<IMAPStore> first = connect();
    AppendCommands.Reply<AppendCommands.Baseline> status;
    AppendCommands.Reply<OptionalLong> appended = null;
    try {
      IMAPFolder folder = (IMAPFolder) first.value().getFolder(mailbox);
      status = AppendCommands.status(folder);
      if (status instanceof AppendCommands.Done<AppendCommands.Baseline>) {
        appended = AppendCommands.append(folder, message, flags, date);
      }
    } finally {
      closeQuietly(first.value());
    }
    if (status instanceof AppendCommands.Refused<AppendCommands.Baseline> no) {
      throw new MessagingException("STATUS " + ServerText.printable(mailbox) + " refused: " + no.text());
    }
    if (status instanceof AppendCommands.Dropped<AppendCommands.Baseline> drop) {
      return appendAgain("connection to " + first.host() + " lost before the APPEND was sent (" + drop.detail()
          + ")");
    }
    AppendCommands.Baseline baseline = ((AppendCommands.Done<AppendCommands.Baseline>) status).value();
    if (appended instanceof AppendCommands.Done<OptionalLong> done) {
      return result(Outcome.APPENDED, done.value(), first.host(), "");
    }
    if (appended instanceof AppendCommands.Refused<OptionalLong> no) {
      throw refused(no);
    }
    AppendCommands.Dropped<OptionalLong> drop = (AppendCommands.Dropped<OptionalLong>) appended;
    if (!drop.maybeSent()) {
      return appendAgain("connection to " + first.host() + " lost before the APPEND was sent (" + drop.detail()
          + ")");
    }
    String lost = "connection to " + first.host() + " lost after the APPEND was sent (" + drop.detail() + ")";
    if (messageId.isEmpty()) {
      return result(Outcome.UNKNOWN, OptionalLong.empty(), first.host(), lost + "; the message has no Message-ID");
    }
    if (baseline.uidNext() < 1) {
      return result(Outcome.UNKNOWN, OptionalLong.empty(), first.host(), lost + "; the server gave no UIDNEXT");
    }
    return recheck(first.host(), baseline, lost);
  }

  /** After a drop before anything was sent: a second connection, one APPEND, no further recovery. */
  private AppendResult appendAgain(String why) throws MessagingException {
    FailoverResult.Served<IMAPStore> second = connect();
    AppendCommands.Reply<OptionalLong> appended;
    try {
      appended = AppendCommands.append((IMAPFolder) second.value().getFolder(mailbox), message, flags, date);
    } finally {
      closeQuietly(second.value());
    }
    return afterSecondAppend(appended, second.host(), why);
  }

  private AppendResult recheck(HostAddress firstHost, AppendCommands.Baseline baseline, String lost)
      throws MessagingException {
    FailoverResult.Served<IMAPStore> second;
    try {
      second = connect();
    } catch (MessagingException e) {
      return result(Outcome.UNKNOWN, OptionalLong.empty(), firstHost,
          lost + "; reconnecting to look for it failed: " + ServerText.printable(String.valueOf(e.getMessage())));
    }
    HostAddress host = second.host();
    try {
      IMAPFolder folder = (IMAPFolder) second.value().getFolder(mailbox);
      long uidValidity;
      try {
        folder.open(Folder.READ_ONLY);
        uidValidity = folder.getUIDValidity();
      } catch (MessagingException e) {
        return result(Outcome.UNKNOWN, OptionalLong.empty(), host, lost + "; EXAMINE on " + host + " failed: "
            + ServerText.printable(String.valueOf(e.getMessage())));
      }
      if (uidValidity != baseline.uidValidity()) {
        return result(Outcome.UNKNOWN, OptionalLong.empty(), host, lost + "; UIDVALIDITY changed from "
            + baseline.uidValidity() + " to " + uidValidity + ", so UIDs cannot tell the copies apart");
      }
      AppendCommands.Reply<List<Long>> found = AppendCommands.search(folder, baseline.uidNext(), messageId.get());
      if (found instanceof AppendCommands.Done<List<Long>> uids && !uids.value().isEmpty()) {
        return result(Outcome.ALREADY_PRESENT, OptionalLong.of(uids.value().get(0)), host, "");
      }
      if (!(found instanceof AppendCommands.Done<List<Long>>)) {
        String why = found instanceof AppendCommands.Refused<List<Long>> no ? "refused: " + no.text()
            : ((AppendCommands.Dropped<List<Long>>) found).detail();
        return result(Outcome.UNKNOWN, OptionalLong.empty(), host, lost + "; UID SEARCH on " + host + " " + why);
      }
      // Not there: the dropped APPEND was never stored. Append on the selected (examined) mailbox.
      return afterSecondAppend(AppendCommands.append(folder, message, flags, date), host, lost);
    } finally {
      closeQuietly(second.value());
    }
  }

  private AppendResult afterSecondAppend(AppendCommands.Reply<OptionalLong> appended, HostAddress host, String why)
      throws MessagingException {
    if (appended instanceof AppendCommands.Done<OptionalLong> done) {
      return result(Outcome.APPENDED, done.value(), host, "");
    }
    if (appended instanceof AppendCommands.Refused<OptionalLong> no) {
      throw refused(no);
    }
    AppendCommands.Dropped<OptionalLong> drop = (AppendCommands.Dropped<OptionalLong>) appended;
    if (!drop.maybeSent()) {
      throw new MessagingException(why + "; and again on " + host + " before the APPEND was sent ("
          + drop.detail() + "): the message was not stored");
    }
    return result(Outcome.UNKNOWN, OptionalLong.empty(), host,
        why + "; the APPEND on " + host + " dropped too (" + drop.detail() + ")");
  }

  private FailoverResult.Served<IMAPStore> connect() throws MessagingException {
    try {
      FailoverResult.Served<IMAPStore> s = connector.connect();
      traces.add(s.trace());
      return s;
    } catch (MessagingException e) {
      if (e instanceof GroupFailure f) {
        traces.add(f.trace());
      }
      throw e;
    }
  }

  private static void closeQuietly(IMAPStore store) {
    try {
      store.close();
    } catch (MessagingException ignored) {
      // the connection is gone or going; the outcome is already known
    }
  }

  private MessagingException refused(AppendCommands.Refused<OptionalLong> no) {
    return new MessagingException("APPEND to " + ServerText.printable(mailbox) + " refused: " + no.text());
  }

  private AppendResult result(Outcome outcome, OptionalLong uid, HostAddress host, String detail) {
    return new AppendResult(outcome, mailbox, uid, messageId, host, traces, detail);
  }
}
