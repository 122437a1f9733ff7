package org.repgroup.testkit;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.repgroup.core.Protocol;

/**
 * A scripted POP3 server: CAPA (RESP-CODES, AUTH-RESP-CODE, SASL PLAIN), USER/PASS,
 * AUTH PLAIN (initial response or continuation; an admin may log in for a user
 * through the authorization identity), STAT, LIST, UIDL, RETR (dot-stuffed),
 * TOP, DELE, RSET, NOOP, QUIT (commits deletions). APOP is refused.
 *
 * <p>On a replica, USER and AUTH are answered with {@code -ERR [SYS/REFER/master] ...};
 * in a group without master with {@code -ERR [SYS/TEMP] ...}; a bad password with
 * {@code -ERR [AUTH] Authentication failed.}
 */
public final class Pop3Server extends ScriptedServer {

  private static final String USER = "user";
  private static final String LOGGED_IN = "loggedIn";
  private static final String DROP = "drop";
  private static final String DELETED = "deleted";

  /** A standalone server (always master) with its own store; add users with {@link #user}. */
  public Pop3Server() {
    this(new StandaloneBackend(), "pop3");
  }

  Pop3Server(Backend backend, String name) {
    super(name, backend);
  }

  /** Adds a user to a standalone server. */
  public Pop3Server user(String name, String password) {
    addUser(name, password);
    return this;
  }

  @Override
  public Pop3Server start() throws IOException {
    super.start();
    return this;
  }

  @Override
  String defaultGreeting(Session s) {
    return "+OK " + backend.nodeName() + " testkit POP3 ready";
  }

  @Override
  void handle(Session s, Command c) throws IOException {
    boolean in = s.state().get(LOGGED_IN) != null;
    switch (c.verb()) {
      case "CAPA" -> {
        s.writeLine("+OK Capability list follows");
        for (String cap : List.of("USER", "SASL PLAIN", "RESP-CODES", "AUTH-RESP-CODE", "PIPELINING", "UIDL", "TOP")) {
          s.writeLine(cap);
        }
        s.writeLine(".");
      }
      case "NOOP" -> s.writeLine("+OK");
      case "QUIT" -> {
        if (in) {
          commit(s);
        }
        s.writeLine("+OK Bye");
        s.close();
      }
      case "APOP" -> s.writeLine("-ERR APOP is not supported");
      case "USER" -> {
        if (refused(s)) {
          return;
        }
        s.state().put(USER, c.arguments().strip());
        s.writeLine("+OK");
      }
      case "PASS" -> {
        String user = (String) s.state().get(USER);
        if (user == null) {
          s.writeLine("-ERR USER first");
          return;
        }
        login(s, backend.authenticate("", user, c.arguments()));
      }
      case "AUTH" -> auth(s, c);
      default -> {
        if (!in) {
          s.writeLine("-ERR not logged in");
          return;
        }
        transaction(s, c);
      }
    }
  }

  /** Refers or refuses when this node may not serve a login; true if it did. */
  private boolean refused(Session s) throws IOException {
    Backend.RoleView role = backend.role(Protocol.POP);
    if (role.kind() == Backend.RoleView.Kind.REPLICA) {
      s.writeLine("-ERR [SYS/REFER/" + role.masterForUrl(backend.portlessReferrals()) + "] Try the master");
      return true;
    }
    if (role.kind() == Backend.RoleView.Kind.NO_MASTER) {
      s.writeLine("-ERR [SYS/TEMP] no master, read-only");
      return true;
    }
    return false;
  }

  private void auth(Session s, Command c) throws IOException {
    String[] p = c.arguments().split(" ", 2);
    if (!p[0].equalsIgnoreCase("PLAIN")) {
      s.writeLine("-ERR only AUTH PLAIN");
      return;
    }
    String initial = SaslPlain.initialResponse(s, p);
    if (initial == null || refused(s)) {
      return;
    }
    SaslPlain plain;
    try {
      plain = SaslPlain.decode(initial);
    } catch (IllegalArgumentException e) {
      s.writeLine("-ERR " + e.getMessage());
      return;
    }
    authorizationId(plain.authzid());
    login(s, backend.authenticate(plain.authzid(), plain.authcid(), plain.password()));
  }

  private void login(Session s, String user) throws IOException {
    if (user == null) {
      s.writeLine("-ERR [AUTH] Authentication failed.");
      return;
    }
    s.state().put(USER, user);
    s.state().put(LOGGED_IN, Boolean.TRUE);
    s.state().put(DROP, new ArrayList<>(backend.visible(user)));
    s.state().put(DELETED, new HashSet<Integer>());
    s.writeLine("+OK Logged in.");
  }

  @SuppressWarnings("unchecked")
  private static List<StoredMessage> drop(Session s) {
    return (List<StoredMessage>) s.state().get(DROP);
  }

  @SuppressWarnings("unchecked")
  private static Set<Integer> deleted(Session s) {
    return (Set<Integer>) s.state().get(DELETED);
  }

  private void transaction(Session s, Command c) throws IOException {
    List<StoredMessage> drop = drop(s);
    Set<Integer> del = deleted(s);
    switch (c.verb()) {
      case "STAT" -> {
        int n = 0;
        long size = 0;
        for (int i = 0; i < drop.size(); i++) {
          if (!del.contains(i + 1)) {
            n++;
            size += drop.get(i).bytes().length;
          }
        }
        s.writeLine("+OK " + n + " " + size);
      }
      case "LIST", "UIDL" -> {
        boolean uidl = c.verb().equals("UIDL");
        if (!c.arguments().isBlank()) {
          Integer i = number(s, c, drop, del);
          if (i != null) {
            s.writeLine("+OK " + i + " " + (uidl ? uid(drop.get(i - 1)) : drop.get(i - 1).bytes().length));
          }
          return;
        }
        s.writeLine("+OK");
        for (int i = 0; i < drop.size(); i++) {
          if (!del.contains(i + 1)) {
            s.writeLine((i + 1) + " " + (uidl ? uid(drop.get(i)) : drop.get(i).bytes().length));
          }
        }
        s.writeLine(".");
      }
      case "RETR", "TOP" -> {
        String[] args = c.arguments().strip().split(" ");
        Integer i = number(s, new Command("", c.verb(), args[0], c.line()), drop, del);
        if (i == null) {
          return;
        }
        byte[] msg = drop.get(i - 1).bytes();
        s.writeLine("+OK " + msg.length + " octets");
        String text = new String(msg, StandardCharsets.ISO_8859_1);
        int bodyLines = c.verb().equals("TOP") && args.length > 1 ? Integer.parseInt(args[1]) : Integer.MAX_VALUE;
        boolean inBody = false;
        if (text.endsWith("\r\n")) {
          text = text.substring(0, text.length() - 2);
        }
        for (String line : text.split("\r\n", -1)) {
          if (inBody && bodyLines-- <= 0) {
            break;
          }
          if (line.isEmpty()) {
            inBody = true;
          }
          s.writeLine(line.startsWith(".") ? "." + line : line);
        }
        s.writeLine(".");
      }
      case "DELE" -> {
        Integer i = number(s, c, drop, del);
        if (i != null) {
          del.add(i);
          s.writeLine("+OK message " + i + " deleted");
        }
      }
      case "RSET" -> {
        del.clear();
        s.writeLine("+OK");
      }
      default -> s.writeLine("-ERR unknown command " + c.verb());
    }
  }

  private static String uid(StoredMessage m) {
    return String.format("%08x", m.uid());
  }

  private static Integer number(Session s, Command c, List<StoredMessage> drop, Set<Integer> del) throws IOException {
    int i;
    try {
      i = Integer.parseInt(c.arguments().strip());
    } catch (NumberFormatException e) {
      s.writeLine("-ERR bad message number");
      return null;
    }
    if (i < 1 || i > drop.size() || del.contains(i)) {
      s.writeLine("-ERR no such message");
      return null;
    }
    return i;
  }

  private void commit(Session s) {
    String user = (String) s.state().get(USER);
    List<StoredMessage> drop = drop(s);
    for (int i : deleted(s)) {
      if (backend.store().delete(user, drop.get(i - 1).uid())) {
        backend.recordWrite();
      }
    }
  }
}
