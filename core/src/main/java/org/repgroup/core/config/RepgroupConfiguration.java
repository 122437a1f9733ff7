package org.repgroup.core.config;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import org.repgroup.core.GroupRegistry;
import org.repgroup.core.FailoverPolicy;

/**
 * What an operator's configuration says: the groups (from the {@code proxy:*}
 * options), the SDK's own timeouts (the {@code repgroup.*} options), the store's
 * own options such as {@code store.dbreplicate.*} (kept as written), and the
 * options nobody here understands (kept and reported, never silently dropped).
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
 * <p>Options per group ({@code proxy:<group>.<option>}): {@code storehostlist}
 * (required), {@code imapport}, {@code popport}, {@code lmtpport}, {@code ensport},
 * {@code imapadmin} and {@code imapadminpass} (together), {@code referralallowlist}
 * (space-separated host names). SDK options: {@code repgroup.connecttimeout},
 * {@code repgroup.responsetimeout}, {@code repgroup.deadline}, {@code repgroup.stagger},
 * {@code repgroup.recheckinterval} (milliseconds, or a number with {@code ms}, {@code s}
 * or {@code m}), {@code repgroup.maxreferralhops}, {@code repgroup.maxpasses}.
 *
 * @param registry the groups
 * @param policy the failover policy: defaults overridden by {@code repgroup.*} options
 * @param recheckInterval the down-mark recheck interval for the affinity cache
 * @param storeOptions options for the store itself ({@code store.*}), as written
 * @param unknownOptions options not understood, as written; report them to the operator
 */
public record RepgroupConfiguration(
    GroupRegistry registry,
    FailoverPolicy policy,
    java.time.Duration recheckInterval,
    List<ConfigOption> storeOptions,
    List<ConfigOption> unknownOptions) {

  /** Copies the lists. */
  public RepgroupConfiguration {
    Objects.requireNonNull(registry, "registry");
    Objects.requireNonNull(policy, "policy");
    Objects.requireNonNull(recheckInterval, "recheckInterval");
    storeOptions = List.copyOf(storeOptions);
    unknownOptions = List.copyOf(unknownOptions);
  }

  /**
   * Loads a recipe or msconfig file, recognising the syntax by its content (a
   * {@code set_option(} statement means a recipe).
   *
   * @throws ConfigurationException naming the file, line and reason
   * @throws IOException if the file cannot be read
   */
  public static RepgroupConfiguration load(Path file) throws ConfigurationException, IOException {
    String text = Files.readString(file, StandardCharsets.UTF_8);
    String name = file.toString();
    return text.contains("set_option(") ? parseRecipe(text, name) : parseMsconfig(text, name);
  }

  /** Parses recipe text; {@code sourceName} is used in error messages. */
  public static RepgroupConfiguration parseRecipe(String text, String sourceName) throws ConfigurationException {
    return new ConfigurationReader(sourceName).read(new RecipeSyntax(sourceName).options(text));
  }

  /** Parses msconfig text; {@code sourceName} is used in error messages. */
  public static RepgroupConfiguration parseMsconfig(String text, String sourceName) throws ConfigurationException {
    return new ConfigurationReader(sourceName).read(new MsconfigSyntax(sourceName).options(text));
  }
}
