package org.repgroup.imap.internal;

import jakarta.mail.Flags;
import jakarta.mail.MessagingException;
import java.io.IOException;
import java.io.OutputStream;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.OptionalLong;
import org.eclipse.angus.mail.iap.Argument;
import org.eclipse.angus.mail.iap.BadCommandException;
import org.eclipse.angus.mail.iap.CommandFailedException;
import org.eclipse.angus.mail.iap.Literal;
import org.eclipse.angus.mail.iap.ProtocolException;
import org.eclipse.angus.mail.iap.Response;
import org.eclipse.angus.mail.imap.AppendUID;
import org.eclipse.angus.mail.imap.IMAPFolder;
import org.eclipse.angus.mail.imap.protocol.IMAPProtocol;
import org.eclipse.angus.mail.imap.protocol.IMAPResponse;
import org.eclipse.angus.mail.imap.protocol.Status;
import org.repgroup.core.spi.ServerText;

/**
 * The three IMAP commands of an exactly-once append, sent through Angus Mail's
 * protocol on a folder of a connected store, each ending in an explicit
 * {@link Reply}: the server answered ({@link Done}), said {@code NO}/{@code BAD}
 * ({@link Refused}), or gave no answer to trust ({@link Dropped}: the connection
 * broke, timed out or sent something unreadable).
 */
public final class AppendCommands {

  private AppendCommands() {}

  /** What a command came to. */
  public sealed interface Reply<T> permits Done, Refused, Dropped {}

  /** The server answered OK. */
  public record Done<T>(T value) implements Reply<T> {}

  /** The server refused the command ({@code NO} or {@code BAD}); {@code text} is printable. */
  public record Refused<T>(String text) implements Reply<T> {}

  /**
   * No answer to trust.
   *
   * @param detail why, printable
   * @param maybeSent whether any of the command may have reached the server
   */
  public record Dropped<T>(String detail, boolean maybeSent) implements Reply<T> {}

  /**
   * The mailbox's state before an APPEND.
   *
   * @param uidValidity its UIDVALIDITY
   * @param uidNext its UIDNEXT, or -1 when the server did not say
   */
  public record Baseline(long uidValidity, long uidNext) {}

  /** {@code STATUS mailbox (UIDNEXT UIDVALIDITY)} on a closed folder. */
  public static Reply<Baseline> status(IMAPFolder folder) {
    return run(folder, p -> {
      Status s = p.status(folder.getFullName(), new String[] {"UIDNEXT", "UIDVALIDITY"});
      return new Baseline(s.uidvalidity, s.uidnext);
    });
  }

  /** {@code APPEND} of {@code message}; the UID when the server answers {@code APPENDUID} (UIDPLUS). */
  public static Reply<OptionalLong> append(IMAPFolder folder, byte[] message, Flags flags, Date date) {
    Literal literal = new Literal() {
      @Override
      public int size() {
        return message.length;
      }

      @Override
      public void writeTo(OutputStream out) throws IOException {
        out.write(message);
      }
    };
    return run(folder, p -> {
      AppendUID uid = p.appenduid(folder.getFullName(), flags, date, literal);
      return uid == null ? OptionalLong.empty() : OptionalLong.of(uid.uid);
    });
  }

  /**
   * {@code UID SEARCH UID <from>:* HEADER Message-ID "<id>"} on an open folder: the UIDs at or
   * above {@code from} whose Message-ID contains {@code messageId}. The server's answer is filtered
   * again here, because {@code from:*} also matches the highest UID when it is below {@code from}
   * (RFC 3501 section 6.4.8).
   */
  public static Reply<List<Long>> search(IMAPFolder folder, long from, String messageId) {
    String quoted = MessageIds.quoted(messageId);
    return run(folder, p -> {
      Argument args = new Argument().writeAtom("UID").writeAtom(from + ":*").writeAtom("HEADER")
          .writeAtom("Message-ID").writeAtom(quoted);
      Response[] r = p.command("UID SEARCH", args);
      List<Long> uids = new ArrayList<>();
      for (int i = 0; i < r.length - 1; i++) {
        if (r[i] instanceof IMAPResponse ir && ir.keyEquals("SEARCH")) {
          long uid;
          while ((uid = ir.readLong()) != -1) {
            if (uid >= from) {
              uids.add(uid);
            }
          }
          r[i] = null;
        }
      }
      p.notifyResponseHandlers(r);
      p.handleResult(r[r.length - 1]);
      return uids;
    });
  }

  /** A command on Angus' protocol object. */
  @FunctionalInterface
  private interface Step<T> {
    T run(IMAPProtocol p) throws ProtocolException;
  }

  @SuppressWarnings("unchecked")
  private static <T> Reply<T> run(IMAPFolder folder, Step<T> step) {
    boolean[] started = {false};
    try {
      return (Reply<T>) folder.doCommand(p -> {
        started[0] = true;
        try {
          return new Done<>(step.run(p));
        } catch (CommandFailedException | BadCommandException e) {
          return new Refused<T>(ServerText.printable(String.valueOf(e.getMessage())));
        } catch (ProtocolException e) {
          // ConnectionException (a drop, a timeout, BYE) or a reply Angus could not parse.
          return new Dropped<T>(describe(e), true);
        }
      });
    } catch (MessagingException e) {
      // No protocol to send on (the connection is gone): the command did not leave.
      return new Dropped<>(describe(e), started[0]);
    }
  }

  private static String describe(Exception e) {
    Throwable cause = e.getCause() != null ? e.getCause() : e;
    return ServerText.printable(cause.getClass().getSimpleName()
        + (cause.getMessage() == null ? "" : ": " + cause.getMessage()));
  }
}
