package org.repgroup.imap.internal;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.repgroup.core.spi.ServerText;

/** What the server said during one connect: the greeting, the login result, alerts. */
public final class ImapObservation {

  private volatile String greeting;
  private volatile String loginResult;
  private final List<String> alerts = new CopyOnWriteArrayList<>();

  void greeting(String line) {
    this.greeting = line;
    alert(line);
  }

  void loginResult(String line) {
    this.loginResult = line;
    alert(line);
  }

  private void alert(String line) {
    int at = line == null ? -1 : ServerText.indexOfIgnoreCase(line, "[ALERT]");
    if (at >= 0) {
      alerts.add(line.substring(at + "[ALERT]".length()).strip());
    }
  }

  /** The greeting line, or {@code null}. */
  public String greeting() {
    return greeting;
  }

  /** The tagged response to LOGIN/AUTHENTICATE, or {@code null}. */
  public String loginResult() {
    return loginResult;
  }

  /** {@code [ALERT]} texts seen in the greeting and the login result. */
  public List<String> alerts() {
    return List.copyOf(alerts);
  }
}
