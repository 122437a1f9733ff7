package org.repgroup.testkit;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.repgroup.core.Protocol;

/** The backend of a persona used on its own: always master, its own store and users. */
final class StandaloneBackend implements Backend {

  private final MailStore store = new MailStore();
  private final Map<String, String> users = new ConcurrentHashMap<>();

  /** Adds a user. */
  void user(String name, String password) {
    users.put(name, password);
  }

  @Override
  public MailStore store() {
    return store;
  }

  @Override
  public String authenticate(String authzid, String authcid, String password) {
    String expected = users.get(authcid);
    if (expected == null || !expected.equals(password)) {
      return null;
    }
    return authzid == null || authzid.isEmpty() ? authcid : authzid;
  }

  @Override
  public RoleView role(Protocol protocol) {
    return new RoleView(RoleView.Kind.MASTER, null);
  }

  @Override
  public long recordWrite() {
    // A standalone server keeps no log.
    return 0;
  }

  @Override
  public ImapReferralStyle imapReferralStyle() {
    return ImapReferralStyle.NO;
  }

  @Override
  public boolean portlessReferrals() {
    return false;
  }

  @Override
  public String nodeName() {
    return "testkit";
  }
}
