package org.repgroup.testkit;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.repgroup.core.Protocol;

/**
 * A scripted LMTP server (RFC 2033): LHLO (PIPELINING, ENHANCEDSTATUSCODES,
 * 8BITMIME, SIZE), MAIL, RCPT, DATA with one reply per accepted recipient, RSET,
 * NOOP, QUIT. Delivered messages land in the {@link MailStore} of the recipient's
 * local part, exactly as sent after removing dot-stuffing.
 *
 * <p>A replica's greeting carries {@code [REFERRAL lmtp://master/]} and it
 * refuses MAIL with {@code 451 4.3.0}.
 */
public final class LmtpServer extends ScriptedServer {

  /** The SIZE limit advertised: 50 MiB. */
  public static final long SIZE_LIMIT = 50L * 1024 * 1024;

  private static final String FROM = "from";
  private static final String RCPTS = "rcpts";

  private final Map<String, String> rcptReplies = new ConcurrentHashMap<>();
  private final Map<String, String> dataReplies = new ConcurrentHashMap<>();

  /** A standalone server (always master) with its own store. */
  public LmtpServer() {
    this(new StandaloneBackend(), "lmtp");
  }

  LmtpServer(Backend backend, String name) {
    super(name, backend);
  }

  /** Answers RCPT for {@code address} with {@code reply} (e.g. {@code "550 5.1.1 no such user"}). */
  public LmtpServer rejectRecipient(String address, String reply) {
    rcptReplies.put(address.toLowerCase(Locale.ROOT), reply);
    return this;
  }

  /** After DATA, answers for {@code address} with {@code reply} instead of delivering. */
  public LmtpServer replyAfterData(String address, String reply) {
    dataReplies.put(address.toLowerCase(Locale.ROOT), reply);
    return this;
  }

  /** Removes every scripted recipient reply. */
  public void clearRecipientReplies() {
    rcptReplies.clear();
    dataReplies.clear();
  }

  @Override
  public LmtpServer start() throws IOException {
    super.start();
    return this;
  }

  @Override
  String defaultGreeting(Session s) {
    Backend.RoleView role = backend.role(Protocol.LMTP);
    String g = "220 " + backend.nodeName() + " LMTP Repgroup testkit ready";
    return role.kind() == Backend.RoleView.Kind.REPLICA
        ? g + " [REFERRAL lmtp://" + role.masterForUrl(backend.portlessReferrals()) + "/]"
        : g;
  }

  @Override
  void handle(Session s, Command c) throws IOException {
    switch (c.verb()) {
      case "LHLO" -> {
        s.writeLine("250-" + backend.nodeName());
        s.writeLine("250-PIPELINING");
        s.writeLine("250-ENHANCEDSTATUSCODES");
        s.writeLine("250-8BITMIME");
        if (startTlsContext() != null && !s.isTls()) {
          s.writeLine("250-STARTTLS");
        }
        s.writeLine("250 SIZE " + SIZE_LIMIT);
      }
      case "STARTTLS" -> {
        if (startTlsContext() == null || s.isTls()) {
          s.writeLine("454 4.7.0 TLS not available");
          return;
        }
        s.writeLine("220 2.0.0 Ready to start TLS");
        s.startTls(startTlsContext());
        s.state().clear();
      }
      case "MAIL" -> {
        Backend.RoleView role = backend.role(Protocol.LMTP);
        if (role.kind() != Backend.RoleView.Kind.MASTER) {
          s.writeLine("451 4.3.0 " + (role.kind() == Backend.RoleView.Kind.REPLICA
              ? "replica is read-only" : "no master, read-only"));
          return;
        }
        s.state().put(FROM, path(c.arguments()));
        s.state().put(RCPTS, new ArrayList<String>());
        s.writeLine("250 2.1.0 Ok");
      }
      case "RCPT" -> {
        if (s.state().get(FROM) == null) {
          s.writeLine("503 5.5.1 MAIL first");
          return;
        }
        String rcpt = path(c.arguments());
        String scripted = rcptReplies.get(rcpt.toLowerCase(Locale.ROOT));
        if (scripted != null) {
          s.writeLine(scripted);
          return;
        }
        rcpts(s).add(rcpt);
        s.writeLine("250 2.1.5 Ok");
      }
      case "DATA" -> data(s);
      case "RSET" -> {
        s.state().clear();
        s.writeLine("250 2.0.0 Ok");
      }
      case "NOOP" -> s.writeLine("250 2.0.0 Ok");
      case "QUIT" -> {
        s.writeLine("221 2.0.0 Bye");
        s.close();
      }
      default -> s.writeLine("500 5.5.2 unknown command " + c.verb());
    }
  }

  @SuppressWarnings("unchecked")
  private static List<String> rcpts(Session s) {
    return (List<String>) s.state().get(RCPTS);
  }

  private void data(Session s) throws IOException {
    List<String> rcpts = s.state().get(RCPTS) == null ? List.of() : rcpts(s);
    if (rcpts.isEmpty()) {
      s.writeLine("503 5.5.1 No valid recipients");
      return;
    }
    Fault f = s.fault();
    boolean resetAfterReplies = f instanceof Fault.ResetAfterReplies r && r.verb().equals("DATA");
    if (resetAfterReplies) {
      // Count the per-recipient replies, not the 354.
      s.resetAfterReplies(-1);
    }
    s.writeLine("354 Start mail input; end with <CRLF>.<CRLF>");
    if (resetAfterReplies) {
      s.resetAfterReplies(((Fault.ResetAfterReplies) f).replies());
    }
    ByteArrayOutputStream message = new ByteArrayOutputStream();
    String line;
    while ((line = s.readLine()) != null) {
      if (line.equals(".")) {
        break;
      }
      String unstuffed = line.startsWith(".") ? line.substring(1) : line;
      message.write(unstuffed.getBytes(StandardCharsets.ISO_8859_1));
      message.write('\r');
      message.write('\n');
    }
    if (line == null) {
      return;
    }
    byte[] bytes = message.toByteArray();
    if (s.fault() instanceof Fault.StopDuringWrite stop) {
      stopDuringWrite(s, stop, () -> {
        for (String rcpt : rcpts) {
          commit(rcpt, bytes);
        }
      }, "421 4.3.2 Shutting down");
      return;
    }
    for (String rcpt : rcpts) {
      String scripted = dataReplies.get(rcpt.toLowerCase(Locale.ROOT));
      if (scripted != null) {
        s.writeLine(scripted);
        continue;
      }
      commit(rcpt, bytes);
      s.writeLine("250 2.0.0 <" + rcpt + "> Ok: delivered");
    }
    s.state().clear();
  }

  private void commit(String rcpt, byte[] bytes) {
    long position = backend.recordWrite();
    backend.store().append(localPart(rcpt), bytes, position);
    backend.awaitAcknowledgements(position);
  }

  @Override
  void checkSupported(Fault fault) {
    if (!(fault instanceof Fault.StopDuringWrite w && w.verb().equals("DATA"))) {
      super.checkSupported(fault);
    }
  }

  /** The address inside {@code FROM:<a@b> SIZE=1} or {@code TO:<a@b>}. */
  private static String path(String args) {
    int lt = args.indexOf('<');
    int gt = args.indexOf('>', lt + 1);
    if (lt >= 0 && gt > lt) {
      return args.substring(lt + 1, gt);
    }
    int colon = args.indexOf(':');
    return args.substring(colon + 1).strip().split(" ")[0];
  }

  /** The user a recipient's mail goes to: the local part. */
  static String localPart(String rcpt) {
    int at = rcpt.lastIndexOf('@');
    return at < 0 ? rcpt : rcpt.substring(0, at);
  }
}
