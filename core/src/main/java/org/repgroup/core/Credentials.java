package org.repgroup.core;

import java.util.Objects;

/**
 * A user name and password. {@link #toString()} never shows the password, so a
 * {@code Credentials} may be logged.
 *
 * @param user the login name
 * @param password the password; never logged
 */
public record Credentials(String user, String password) {

  /** Both parts are required; the user must not be empty. */
  public Credentials {
    Objects.requireNonNull(user, "user");
    Objects.requireNonNull(password, "password");
    if (user.isEmpty()) {
      throw new IllegalArgumentException("credentials: empty user name");
    }
  }

  /** Shows the user only. */
  @Override
  public String toString() {
    return "Credentials[user=" + user + ", password=****]";
  }
}
