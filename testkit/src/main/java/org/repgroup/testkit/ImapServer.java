package org.repgroup.testkit;

import java.io.IOException;
import java.io.InputStream;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.function.Predicate;
import org.repgroup.core.Protocol;
import org.repgroup.testkit.internal.ImapSyntax;

/**
 * A scripted IMAP4rev1 server, enough for Jakarta Mail and the adapters:
 * CAPABILITY, LOGIN, AUTHENTICATE PLAIN (with SASL-IR or continuation; an admin
 * may log in for a user via the PLAIN authorization identity), SELECT/EXAMINE,
 * LIST, STATUS (with the store's real {@code UIDNEXT}), APPEND (synchronising and
 * LITERAL+), FETCH/UID FETCH (flags, UID, size, body sections, partial fetches, a
 * simple BODYSTRUCTURE), SEARCH/UID SEARCH (the keys {@code ALL}, {@code UID set},
 * {@code HEADER field string} and a sequence set, all of them ANDed; quoted strings,
 * no literals), STORE, EXPUNGE, CLOSE, URLFETCH, NOOP, ID, ENABLE, LOGOUT.
 *
 * <p>On a replica of a {@link SimulatedReplicationGroup}, logins are answered
 * with {@code NO [REFERRAL ...]} or {@code OK [REFERRAL ...]} and writes with
 * {@code NO [READ-ONLY]}.
 */
public final class ImapServer extends ScriptedServer {

  /** The capabilities advertised. */
  public static final String CAPABILITIES =
      "IMAP4rev1 LITERAL+ SASL-IR LOGIN-REFERRALS AUTH=PLAIN URLAUTH ID ENABLE UIDPLUS";

  private static final String USER = "user";
  private static final String READ_ONLY = "readOnly";
  private static final String SELECTED = "selected";
  private static final String DELETED = "deleted";

  /** A standalone server (always master) with its own store; add users with {@link #user}. */
  public ImapServer() {
    this(new StandaloneBackend(), "imap");
  }

  ImapServer(Backend backend, String name) {
    super(name, backend);
  }

  /** Adds a user to a standalone server. */
  public ImapServer user(String name, String password) {
    addUser(name, password);
    return this;
  }

  @Override
  public ImapServer start() throws IOException {
    super.start();
    return this;
  }

  @Override
  String defaultGreeting(Session s) {
    return "* OK [CAPABILITY " + CAPABILITIES + (startTlsContext() != null ? " STARTTLS" : "") + "] "
        + backend.nodeName() + " testkit IMAP ready";
  }

  @Override
  Command parse(String line) {
    String[] p = line.split(" ", 3);
    if (p.length < 2) {
      return new Command(p[0], "", "", line);
    }
    return new Command(p[0], p[1].toUpperCase(Locale.ROOT), p.length > 2 ? p[2] : "", line);
  }

  @Override
  void handle(Session s, Command c) throws IOException {
    String tag = c.tag();
    switch (c.verb()) {
      case "CAPABILITY" -> {
        s.writeLine("* CAPABILITY " + CAPABILITIES + (startTlsContext() != null && !s.isTls() ? " STARTTLS" : ""));
        s.writeLine(tag + " OK CAPABILITY completed");
      }
      case "STARTTLS" -> {
        if (startTlsContext() == null || s.isTls()) {
          s.writeLine(tag + " BAD STARTTLS not available");
          return;
        }
        s.writeLine(tag + " OK Begin TLS negotiation now");
        s.startTls(startTlsContext());
      }
      case "NOOP", "ID", "ENABLE", "CHECK" -> s.writeLine(tag + " OK " + c.verb() + " completed");
      case "LOGOUT" -> {
        s.writeLine("* BYE logging out");
        s.writeLine(tag + " OK LOGOUT completed");
        s.close();
      }
      case "LOGIN" -> {
        List<String> args = ImapSyntax.split(c.arguments());
        if (args.size() != 2) {
          s.writeLine(tag + " BAD LOGIN needs a user and a password");
          return;
        }
        login(s, tag, "", args.get(0), args.get(1));
      }
      case "AUTHENTICATE" -> authenticate(s, c);
      case "SELECT", "EXAMINE" -> select(s, c);
      case "LIST", "LSUB" -> {
        s.writeLine("* " + c.verb() + " () \"/\" INBOX");
        s.writeLine(tag + " OK " + c.verb() + " completed");
      }
      case "STATUS" -> {
        if (needsLogin(s, tag)) {
          return;
        }
        List<StoredMessage> msgs = backend.visible(user(s));
        long next = backend.store().uidNext(user(s));
        s.writeLine("* STATUS INBOX (MESSAGES " + msgs.size() + " UIDNEXT " + next + " UIDVALIDITY "
            + backend.store().uidValidity() + " UNSEEN 0 RECENT 0)");
        s.writeLine(tag + " OK STATUS completed");
      }
      case "APPEND" -> append(s, c);
      case "FETCH" -> fetch(s, tag, c.arguments(), false);
      case "SEARCH" -> search(s, tag, c.arguments(), false);
      case "UID" -> {
        String[] p = c.arguments().split(" ", 2);
        String sub = p[0].toUpperCase(Locale.ROOT);
        if (sub.equals("FETCH") && p.length > 1) {
          fetch(s, tag, p[1], true);
        } else if (sub.equals("SEARCH") && p.length > 1) {
          search(s, tag, p[1], true);
        } else {
          s.writeLine(tag + " BAD UID " + sub + " not supported");
        }
      }
      case "STORE" -> store(s, c);
      case "EXPUNGE" -> {
        if (needsWrite(s, tag)) {
          return;
        }
        expunge(s, true);
        s.writeLine(tag + " OK EXPUNGE completed");
      }
      case "CLOSE" -> {
        if (s.state().get(SELECTED) != null && !readOnly(s)) {
          expunge(s, false);
        }
        s.state().remove(SELECTED);
        s.writeLine(tag + " OK CLOSE completed");
      }
      case "URLFETCH" -> urlfetch(s, c);
      default -> s.writeLine(tag + " BAD unknown command " + c.verb());
    }
  }

  private void authenticate(Session s, Command c) throws IOException {
    String[] p = c.arguments().split(" ", 2);
    if (!p[0].equalsIgnoreCase("PLAIN")) {
      s.writeLine(c.tag() + " NO [CANNOT] only AUTHENTICATE PLAIN");
      return;
    }
    String initial = SaslPlain.initialResponse(s, p);
    if (initial == null) {
      return;
    }
    if (initial.equals("*")) {
      s.writeLine(c.tag() + " BAD AUTHENTICATE cancelled");
      return;
    }
    SaslPlain plain;
    try {
      plain = SaslPlain.decode(initial);
    } catch (IllegalArgumentException e) {
      s.writeLine(c.tag() + " BAD " + e.getMessage());
      return;
    }
    authorizationId(plain.authzid());
    login(s, c.tag(), plain.authzid(), plain.authcid(), plain.password());
  }

  private void login(Session s, String tag, String authzid, String authcid, String password) throws IOException {
    String user = backend.authenticate(authzid, authcid, password);
    if (user == null) {
      s.writeLine(tag + " NO [AUTHENTICATIONFAILED] Authentication failed.");
      return;
    }
    Backend.RoleView role = backend.role(Protocol.IMAP);
    switch (role.kind()) {
      case MASTER -> {
        s.state().put(USER, user);
        s.writeLine(tag + " OK [CAPABILITY " + CAPABILITIES + "] Logged in");
      }
      case REPLICA -> {
        String master = role.masterForUrl(backend.portlessReferrals());
        if (backend.imapReferralStyle() == ImapReferralStyle.NO) {
          String urlUser = URLEncoder.encode(user, StandardCharsets.UTF_8).replace("+", "%20");
          s.writeLine(tag + " NO [REFERRAL imap://" + urlUser + ";AUTH=PLAIN@" + master + "/] Try the master");
        } else {
          s.state().put(USER, user);
          s.state().put(READ_ONLY, Boolean.TRUE);
          s.writeLine(tag + " OK [REFERRAL imap://" + master + "/] Logged in on a replica; writes go to the master");
        }
      }
      case NO_MASTER -> {
        s.state().put(USER, user);
        s.state().put(READ_ONLY, Boolean.TRUE);
        s.writeLine(tag + " OK [READ-ONLY] Logged in; the group has no master, read-only");
      }
    }
  }

  private static String user(Session s) {
    return (String) s.state().get(USER);
  }

  private static boolean readOnly(Session s) {
    return Boolean.TRUE.equals(s.state().get(READ_ONLY));
  }

  private static boolean needsLogin(Session s, String tag) throws IOException {
    if (user(s) == null) {
      s.writeLine(tag + " NO not logged in");
      return true;
    }
    return false;
  }

  /** True (after answering NO) when this session may not write. */
  private boolean needsWrite(Session s, String tag) throws IOException {
    if (needsLogin(s, tag)) {
      return true;
    }
    Backend.RoleView role = backend.role(Protocol.IMAP);
    if (role.kind() != Backend.RoleView.Kind.MASTER || readOnly(s)) {
      s.writeLine(tag + " NO [READ-ONLY] " + (role.kind() == Backend.RoleView.Kind.NO_MASTER
          ? "the group has no master" : "this is a replica; writes go to the master"));
      return true;
    }
    return false;
  }

  private void select(Session s, Command c) throws IOException {
    if (needsLogin(s, c.tag())) {
      return;
    }
    List<StoredMessage> msgs = new ArrayList<>(backend.visible(user(s)));
    s.state().put(SELECTED, msgs);
    s.state().put(DELETED, new HashSet<Long>());
    long next = backend.store().uidNext(user(s));
    s.writeLine("* FLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft)");
    s.writeLine("* OK [PERMANENTFLAGS (\\Deleted \\Seen \\*)] Limited");
    s.writeLine("* " + msgs.size() + " EXISTS");
    s.writeLine("* 0 RECENT");
    s.writeLine("* OK [UIDVALIDITY " + backend.store().uidValidity() + "] UIDs valid");
    s.writeLine("* OK [UIDNEXT " + next + "] Predicted next UID");
    boolean ro = c.verb().equals("EXAMINE") || readOnly(s) || backend.role(Protocol.IMAP).kind() != Backend.RoleView.Kind.MASTER;
    s.writeLine(c.tag() + " OK [" + (ro ? "READ-ONLY" : "READ-WRITE") + "] " + c.verb() + " completed");
  }

  private void append(Session s, Command c) throws IOException {
    String args = c.arguments();
    int open = args.lastIndexOf('{');
    if (open < 0 || !args.endsWith("}")) {
      s.writeLine(c.tag() + " BAD APPEND needs a literal");
      return;
    }
    String spec = args.substring(open + 1, args.length() - 1);
    boolean nonSync = spec.endsWith("+");
    int size;
    try {
      size = Integer.parseInt(nonSync ? spec.substring(0, spec.length() - 1) : spec);
    } catch (NumberFormatException e) {
      s.writeLine(c.tag() + " BAD bad literal size");
      return;
    }
    if (!nonSync) {
      s.writeLine("+ Ready for literal data");
    }
    byte[] message = s.readExactly(size);
    String rest = s.readLine();
    if (rest == null) {
      return;
    }
    if (needsWrite(s, c.tag())) {
      return;
    }
    if (s.fault() instanceof Fault.StopDuringWrite stop) {
      stopDuringWrite(s, stop, () -> commit(s, message), "* BYE Server shutting down");
      return;
    }
    StoredMessage m = commit(s, message);
    s.writeLine(c.tag() + " OK [APPENDUID " + backend.store().uidValidity() + " " + m.uid() + "] APPEND completed");
  }

  private StoredMessage commit(Session s, byte[] message) {
    long position = backend.recordWrite();
    StoredMessage m = backend.store().append(user(s), message, position);
    backend.awaitAcknowledgements(position);
    return m;
  }

  @Override
  void checkSupported(Fault fault) {
    if (!(fault instanceof Fault.StopDuringWrite w && w.verb().equals("APPEND"))) {
      super.checkSupported(fault);
    }
  }

  @SuppressWarnings("unchecked")
  private static List<StoredMessage> selected(Session s) {
    return (List<StoredMessage>) s.state().get(SELECTED);
  }

  @SuppressWarnings("unchecked")
  private static Set<Long> deleted(Session s) {
    return (Set<Long>) s.state().get(DELETED);
  }

  private void fetch(Session s, String tag, String args, boolean byUid) throws IOException {
    List<StoredMessage> msgs = selected(s);
    if (msgs == null) {
      s.writeLine(tag + " NO no mailbox selected");
      return;
    }
    String[] p = args.split(" ", 2);
    if (p.length < 2) {
      s.writeLine(tag + " BAD FETCH needs a set and items");
      return;
    }
    List<String> items = ImapSyntax.fetchItems(p[1]);
    for (int i = 0; i < msgs.size(); i++) {
      StoredMessage m = msgs.get(i);
      long key = byUid ? m.uid() : i + 1;
      long max = byUid ? (msgs.isEmpty() ? 0 : msgs.get(msgs.size() - 1).uid()) : msgs.size();
      if (!ImapSyntax.inSet(p[0], key, max)) {
        continue;
      }
      writeFetch(s, i + 1, m, items, byUid);
    }
    s.writeLine(tag + " OK FETCH completed");
  }

  private void search(Session s, String tag, String args, boolean byUid) throws IOException {
    List<StoredMessage> msgs = selected(s);
    if (msgs == null) {
      s.writeLine(tag + " NO no mailbox selected");
      return;
    }
    if (args.endsWith("}")) {
      s.writeLine(tag + " BAD literals are not supported in SEARCH");
      return;
    }
    List<String> keys = ImapSyntax.split(args);
    long maxUid = msgs.isEmpty() ? 0 : msgs.get(msgs.size() - 1).uid();
    List<Predicate<Integer>> criteria = new ArrayList<>();
    for (int k = 0; k < keys.size(); k++) {
      String key = keys.get(k).toUpperCase(Locale.ROOT);
      if (key.equals("ALL")) {
        continue;
      }
      if (key.equals("CHARSET") && k == 0 && keys.size() > 1) {
        k++;
      } else if (key.equals("UID") && k + 1 < keys.size() && isSet(keys.get(k + 1))) {
        String set = keys.get(++k);
        criteria.add(i -> ImapSyntax.inSet(set, msgs.get(i).uid(), maxUid));
      } else if (key.equals("HEADER") && k + 2 < keys.size()) {
        String field = keys.get(++k);
        String wanted = keys.get(++k).toLowerCase(Locale.ROOT);
        criteria.add(i -> headerValues(msgs.get(i).bytes(), field).stream()
            .anyMatch(v -> v.toLowerCase(Locale.ROOT).contains(wanted)));
      } else if (isSet(keys.get(k))) {
        String set = keys.get(k);
        criteria.add(i -> ImapSyntax.inSet(set, i + 1, msgs.size()));
      } else {
        s.writeLine(tag + " BAD unsupported search key " + keys.get(k));
        return;
      }
    }
    StringBuilder found = new StringBuilder("* SEARCH");
    for (int i = 0; i < msgs.size(); i++) {
      int index = i;
      if (criteria.stream().allMatch(c -> c.test(index))) {
        found.append(' ').append(byUid ? msgs.get(i).uid() : i + 1);
      }
    }
    s.writeLine(found.toString());
    s.writeLine(tag + " OK SEARCH completed");
  }

  private static boolean isSet(String token) {
    return !token.isEmpty() && token.chars().allMatch(ch -> Character.isDigit(ch) || ch == ':' || ch == ','
        || ch == '*');
  }

  /** The unfolded values of every {@code field} header of {@code msg}. */
  private static List<String> headerValues(byte[] msg, String field) {
    String header = new String(headerOf(msg), StandardCharsets.ISO_8859_1).replaceAll("\r\n([ \t])", "$1");
    List<String> values = new ArrayList<>();
    for (String line : header.split("\r\n")) {
      int colon = line.indexOf(':');
      if (colon > 0 && line.substring(0, colon).strip().equalsIgnoreCase(field)) {
        values.add(line.substring(colon + 1).strip());
      }
    }
    return values;
  }

  private void writeFetch(Session s, int seq, StoredMessage m, List<String> items, boolean byUid) throws IOException {
    // Text accumulates until a literal: then text, "{n}" CRLF and the literal's bytes go out.
    StringBuilder text = new StringBuilder("* ").append(seq).append(" FETCH (");
    String sep = "";
    boolean sawUid = false;
    for (String item : items) {
      String u = item.toUpperCase(Locale.ROOT);
      if (u.equals("UID")) {
        sawUid = true;
        text.append(sep).append("UID ").append(m.uid());
      } else if (u.equals("FLAGS")) {
        text.append(sep).append("FLAGS (").append(deleted(s).contains(m.uid()) ? "\\Deleted" : "").append(')');
      } else if (u.equals("RFC822.SIZE")) {
        text.append(sep).append("RFC822.SIZE ").append(m.bytes().length);
      } else if (u.equals("INTERNALDATE")) {
        text.append(sep).append("INTERNALDATE \"24-Nov-2026 12:00:00 +0000\"");
      } else if (u.equals("ENVELOPE")) {
        text.append(sep).append("ENVELOPE (NIL NIL NIL NIL NIL NIL NIL NIL NIL NIL)");
      } else if (u.equals("BODYSTRUCTURE") || u.equals("BODY")) {
        byte[] body = bodyOf(m.bytes());
        text.append(sep).append(u).append(" (\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"8bit\" ")
            .append(body.length).append(' ').append(lines(body)).append(')');
      } else if (u.startsWith("BODY[") || u.startsWith("BODY.PEEK[") || u.startsWith("RFC822")) {
        ImapSyntax.Section sec = ImapSyntax.section(u);
        byte[] content = switch (sec.part()) {
          case "HEADER" -> headerOf(m.bytes());
          case "TEXT" -> bodyOf(m.bytes());
          default -> m.bytes();
        };
        int from = Math.min(sec.offset(), content.length);
        int to = sec.count() < 0 ? content.length : Math.min(content.length, from + sec.count());
        text.append(sep).append(sec.responseName()).append(" {").append(to - from).append("}\r\n");
        s.writeRaw(text.toString().getBytes(StandardCharsets.ISO_8859_1));
        s.writeRaw(java.util.Arrays.copyOfRange(content, from, to));
        text.setLength(0);
      } else {
        continue;
      }
      sep = " ";
    }
    if (byUid && !sawUid) {
      text.append(sep).append("UID ").append(m.uid());
    }
    s.writeLine(text.append(')').toString());
  }

  private void store(Session s, Command c) throws IOException {
    if (needsWrite(s, c.tag())) {
      return;
    }
    List<StoredMessage> msgs = selected(s);
    if (msgs == null) {
      s.writeLine(c.tag() + " NO no mailbox selected");
      return;
    }
    String[] p = c.arguments().split(" ", 3);
    boolean add = p.length > 2 && p[1].toUpperCase(Locale.ROOT).startsWith("+FLAGS");
    boolean remove = p.length > 2 && p[1].toUpperCase(Locale.ROOT).startsWith("-FLAGS");
    boolean del = p.length > 2 && p[2].toUpperCase(Locale.ROOT).contains("\\DELETED");
    for (int i = 0; i < msgs.size(); i++) {
      if (ImapSyntax.inSet(p[0], i + 1, msgs.size()) && del) {
        if (add || !remove) {
          deleted(s).add(msgs.get(i).uid());
        } else {
          deleted(s).remove(msgs.get(i).uid());
        }
        s.writeLine("* " + (i + 1) + " FETCH (FLAGS (" + (deleted(s).contains(msgs.get(i).uid()) ? "\\Deleted" : "") + "))");
      }
    }
    s.writeLine(c.tag() + " OK STORE completed");
  }

  private void expunge(Session s, boolean announce) throws IOException {
    List<StoredMessage> msgs = selected(s);
    if (msgs == null) {
      return;
    }
    for (int i = msgs.size() - 1; i >= 0; i--) {
      if (deleted(s).remove(msgs.get(i).uid())) {
        backend.store().delete(user(s), msgs.get(i).uid());
        backend.recordWrite();
        msgs.remove(i);
        if (announce) {
          s.writeLine("* " + (i + 1) + " EXPUNGE");
        }
      }
    }
  }

  private void urlfetch(Session s, Command c) throws IOException {
    if (needsLogin(s, c.tag())) {
      return;
    }
    for (String url : ImapSyntax.split(c.arguments())) {
      var content = backend.store().url(url);
      if (content.isEmpty()) {
        s.writeLine("* URLFETCH " + ImapSyntax.quote(url) + " NIL");
        continue;
      }
      long len = content.get().length();
      s.writeRaw(("* URLFETCH " + ImapSyntax.quote(url) + " {" + len + "}\r\n").getBytes(StandardCharsets.ISO_8859_1));
      try (InputStream in = content.get().content().get()) {
        s.writeStream(in, len);
      }
      s.writeRaw("\r\n".getBytes(StandardCharsets.ISO_8859_1));
    }
    s.writeLine(c.tag() + " OK URLFETCH completed");
  }

  private static int headerEnd(byte[] msg) {
    for (int i = 0; i + 3 < msg.length; i++) {
      if (msg[i] == '\r' && msg[i + 1] == '\n' && msg[i + 2] == '\r' && msg[i + 3] == '\n') {
        return i + 4;
      }
    }
    return msg.length;
  }

  private static byte[] headerOf(byte[] msg) {
    return java.util.Arrays.copyOfRange(msg, 0, headerEnd(msg));
  }

  private static byte[] bodyOf(byte[] msg) {
    return java.util.Arrays.copyOfRange(msg, headerEnd(msg), msg.length);
  }

  private static int lines(byte[] b) {
    int n = 0;
    for (byte x : b) {
      if (x == '\n') {
        n++;
      }
    }
    return n;
  }
}
