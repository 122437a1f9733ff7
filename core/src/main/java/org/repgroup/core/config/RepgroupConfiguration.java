package org.repgroup.core.config;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import org.repgroup.core.FailoverPolicy;
import org.repgroup.core.GroupRegistry;

/**
 * What an operator's configuration says: the groups (from the {@code proxy:*}
 * options), the SDK's own timeouts (the {@code repgroup.*} options), the store's
 * own options such as {@code store.dbreplicate.*} (kept as written), and the
 * options in the SDK's namespaces that it does not read (reported, never silently
 * dropped).
 *
 * <p>Two file syntaxes are read, as operators already write them:
 * <ul>
 *   <li>Unified Configuration recipes:
 *       {@code set_option("proxy:store1\\.example\\.com.storehostlist", "a b c");}
 *       (dots inside the group name are escaped);</li>
 *   <li>{@code msconfig} lines: {@code proxy:store1.example.com.imapport 1143}, also
 *       pasted as commands: {@code msconfig set proxy:cluster1.storehostlist "huey dewey louie"}.</li>
 * </ul>
 *
 * <h2>Options per group, {@code proxy:<group>.<option>}</h2>
 * <ul>
 *   <li>{@code storehostlist} (required): the hosts, space-separated, preferred master first;
 *       two entries may not denote the same address once a protocol's port is filled in;</li>
 *   <li>{@code imapport}, {@code popport}, {@code lmtpport}, {@code ensport}: the group's ports;</li>
 *   <li>{@code imapadmin} and {@code imapadminpass} (together): the proxy-login identity;</li>
 *   <li>{@code referralallowlist}: space-separated host names outside the list that referrals may lead to;</li>
 *   <li>{@code deploymentmode}: {@code replicated}, {@code two-site} or {@code classic}
 *       (see {@link org.repgroup.core.DeploymentMode}); overrides what the
 *       {@code store.dbreplicate.*} options below give;</li>
 *   <li>{@code tls}: {@code none} (the default), {@code starttls} (required on every
 *       connection, never plain text) or {@code implicit} (TLS from the first byte on the
 *       group's ports); {@code truststore} (a key store file; default: the JVM's trust),
 *       {@code truststorepass}, {@code truststoretype} (default: the JVM's default type,
 *       PKCS12), {@code tlshostnamecheck} ({@code 1}, the default, or {@code 0}). The
 *       trust store options need {@code tls} {@code starttls} or {@code implicit}.</li>
 * </ul>
 *
 * <h2>SDK options, {@code repgroup.<option>}</h2>
 * {@code connecttimeout}, {@code responsetimeout}, {@code deadline}, {@code stagger},
 * {@code recheckinterval} (milliseconds, or a number with {@code ms}, {@code s} or
 * {@code m}), {@code maxreferralhops}, {@code maxpasses}.
 *
 * <h2>The store's options the SDK reads</h2>
 * {@code store.dbreplicate.enable} ({@code 0}: classic automatic failover,
 * {@link org.repgroup.core.DeploymentMode#CLASSIC}) and
 * {@code store.dbreplicate.twosites} ({@code 0} or {@code 1}) are options of the
 * store deployment, not of one group: when a file sets either, they give every
 * group in it its mode — replication off is {@code CLASSIC}; replication on (the
 * store's default) with exactly two hosts and {@code twosites} not {@code 1} is
 * {@code TWO_SITE}; otherwise {@code REPLICATED}. A file that sets neither leaves
 * each group {@code REPLICATED} unless its {@code deploymentmode} says otherwise.
 *
 * <h2>Unknown options and secrets</h2>
 * An option in the SDK's namespaces ({@code repgroup.*}, {@code proxy:<group>.*})
 * that it does not read, or a bare name with neither a dot nor a colon, is an
 * {@link UnknownOption}, reported with its file, line and the nearest known option:
 * logged as a warning and listed by {@link #unknownOptions()}, or an error with a
 * {@linkplain Loader#strict(boolean) strict} loader. Every other prefix
 * ({@code partition:}, {@code task:}, {@code imap.}, ...) belongs to another
 * subsystem and is skipped quietly; {@code store.*} is kept in {@link #storeOptions()}.
 * No error, log line or {@code toString()} shows the value of an option whose name
 * ends in {@code pass}, {@code password}, {@code passwd} or {@code secret}, nor any
 * part of a line that cannot be read as an option.
 *
 * @param registry the groups
 * @param policy the failover policy: defaults overridden by {@code repgroup.*} options
 * @param recheckInterval the down-mark recheck interval for the affinity cache
 * @param storeOptions options for the store itself ({@code store.*}), as written
 * @param unknownOptions options in the SDK's namespaces it does not read; report them to the operator
 */
public record RepgroupConfiguration(
    GroupRegistry registry,
    FailoverPolicy policy,
    Duration recheckInterval,
    List<ConfigOption> storeOptions,
    List<UnknownOption> unknownOptions) {

  /** Copies the lists. */
  public RepgroupConfiguration {
    Objects.requireNonNull(registry, "registry");
    Objects.requireNonNull(policy, "policy");
    Objects.requireNonNull(recheckInterval, "recheckInterval");
    storeOptions = List.copyOf(storeOptions);
    unknownOptions = List.copyOf(unknownOptions);
  }

  /** A lenient loader; {@link Loader#strict(boolean)} makes unknown options an error. */
  public static Loader loader() {
    return Loader.LENIENT;
  }

  /**
   * Loads a recipe or msconfig file leniently (unknown options logged and listed),
   * recognising the syntax by its content (a {@code set_option(} statement means a recipe).
   *
   * @throws ConfigurationException naming the file, line and reason
   * @throws IOException if the file cannot be read
   */
  public static RepgroupConfiguration load(Path file) throws ConfigurationException, IOException {
    return loader().load(file);
  }

  /** Parses recipe text leniently; {@code sourceName} is used in error messages. */
  public static RepgroupConfiguration parseRecipe(String text, String sourceName) throws ConfigurationException {
    return loader().parseRecipe(text, sourceName);
  }

  /** Parses msconfig text leniently; {@code sourceName} is used in error messages. */
  public static RepgroupConfiguration parseMsconfig(String text, String sourceName) throws ConfigurationException {
    return loader().parseMsconfig(text, sourceName);
  }

  /** Reads configuration files, leniently or strictly. Immutable. */
  public static final class Loader {

    /** Unknown options are logged and listed, not an error, by default. */
    public static final boolean DEFAULT_STRICT = false;

    private static final Loader LENIENT = new Loader(DEFAULT_STRICT);

    private final boolean strict;

    private Loader(boolean strict) {
      this.strict = strict;
    }

    /**
     * A loader that treats unknown options as an error ({@code true}: a
     * {@link ConfigurationException} naming each with its line and nearest known
     * option) or logs and lists them ({@code false}). Defaults to
     * {@link #DEFAULT_STRICT}.
     */
    public Loader strict(boolean strict) {
      return new Loader(strict);
    }

    /** True when unknown options are an error. */
    public boolean isStrict() {
      return strict;
    }

    /**
     * Loads a recipe or msconfig file, recognising the syntax by its content.
     *
     * @throws ConfigurationException naming the file, line and reason
     * @throws IOException if the file cannot be read
     */
    public RepgroupConfiguration load(Path file) throws ConfigurationException, IOException {
      String text = Files.readString(file, StandardCharsets.UTF_8);
      String name = file.toString();
      return text.contains("set_option(") ? parseRecipe(text, name) : parseMsconfig(text, name);
    }

    /** Parses recipe text; {@code sourceName} is used in error messages. */
    public RepgroupConfiguration parseRecipe(String text, String sourceName) throws ConfigurationException {
      return new ConfigurationReader(sourceName, strict).read(new RecipeSyntax(sourceName).options(text));
    }

    /** Parses msconfig text; {@code sourceName} is used in error messages. */
    public RepgroupConfiguration parseMsconfig(String text, String sourceName) throws ConfigurationException {
      return new ConfigurationReader(sourceName, strict).read(new MsconfigSyntax(sourceName).options(text));
    }
  }
}
