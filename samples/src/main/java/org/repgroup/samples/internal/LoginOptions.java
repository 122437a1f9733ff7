package org.repgroup.samples.internal;

import java.nio.file.Path;
import java.util.Optional;
import org.repgroup.core.Credentials;
import picocli.CommandLine.Option;

/** {@code --user}, {@code --password}, {@code --password-file}: the login of the probes that log in. */
public final class LoginOptions {

  @Option(names = "--user", description = "Login name (required by imap, pop and burl; status logs in only with it).")
  String user;

  @Option(names = "--password", description = "Password (or --password-file, or REPGROUP_PASSWORD).")
  String password;

  @Option(names = "--password-file", paramLabel = "FILE", description = "File holding the password.")
  Path passwordFile;

  /** The credentials; {@code --user} is required. */
  public Credentials credentials() throws UsageException {
    if (user == null) {
      throw new UsageException("--user is required");
    }
    return login(user);
  }

  /** The credentials when {@code --user} was given, else empty (no password is asked for). */
  public Optional<Credentials> optionalCredentials() throws UsageException {
    return user == null ? Optional.empty() : Optional.of(login(user));
  }

  private Credentials login(String name) throws UsageException {
    if (name.isEmpty()) {
      throw new UsageException("--user: empty user name");
    }
    return new Credentials(name, CommonOptions.password(password, passwordFile));
  }
}
