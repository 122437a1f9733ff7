package org.repgroup.samples.internal;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.stream.Collectors;
import org.repgroup.core.FailoverPolicy;
import org.repgroup.core.Protocol;
import org.repgroup.core.ReplicationGroup;
import org.repgroup.core.StoreHostList;
import org.repgroup.core.TlsPolicy;
import org.repgroup.core.config.ConfigurationException;
import org.repgroup.core.config.RepgroupConfiguration;
import org.repgroup.core.spi.ServerText;
import picocli.CommandLine.Option;

/**
 * Options every probe subcommand takes: where the group is, time bounds, referral
 * allow-list, TLS, output. A configuration file is read strictly: an unknown
 * option, or a {@code --group} it does not define, is a usage error (exit 2).
 */
public final class CommonOptions {

  @Option(names = "--hosts", paramLabel = "\"H1[:PORT] H2 ...\"", description = "The store host list, preferred master first.")
  String hosts;

  @Option(names = "--config", paramLabel = "FILE", description = "A recipe or msconfig file defining the group.")
  Path config;

  @Option(names = "--group", paramLabel = "NAME", description = "The group (mailHost) to use from --config; names the --hosts group.")
  String group;

  @Option(names = "--port", paramLabel = "N", description = "The group's port for this protocol (default: the protocol's port).")
  Integer port;

  @Option(names = "--connect-timeout", paramLabel = "MS", description = "Connect timeout per attempt, ms.")
  Long connectTimeoutMs;

  @Option(names = "--timeout", paramLabel = "MS", description = "Greeting/response timeout per attempt, ms.")
  Long timeoutMs;

  @Option(names = "--deadline", paramLabel = "MS", description = "Overall deadline of the operation, ms.")
  Long deadlineMs;

  @Option(names = "--stagger", paramLabel = "MS", description = "Stagger before the next host starts in parallel, ms (0: sequential).")
  Long staggerMs;

  @Option(names = "--allow-referral", paramLabel = "HOST", description = "Allow referrals to HOST outside the list (repeatable).")
  List<String> allowReferral = new ArrayList<>();

  @Option(names = "--tls", paramLabel = "none|starttls|implicit",
      description = "TLS the group requires: none, starttls (never plain text) or implicit (TLS from the first byte). "
          + "Default: the configuration's proxy:<group>.tls, else none.")
  String tls;

  @Option(names = "--truststore", paramLabel = "FILE", description = "Check server certificates against this key store (needs TLS).")
  Path trustStore;

  @Option(names = "--truststore-password-file", paramLabel = "FILE", description = "File holding the trust store's password.")
  Path trustStorePasswordFile;

  @Option(names = "--truststore-type", paramLabel = "TYPE", description = "The trust store's type, e.g. PKCS12 (default) or JKS.")
  String trustStoreType;

  @Option(names = "--no-hostname-check", description = "Do not match certificates against host names (tests only).")
  boolean noHostNameCheck;

  @Option(names = "--json", description = "Print exactly one JSON object.")
  boolean json;

  private RepgroupConfiguration loaded;

  /** True when output is JSON. */
  public boolean json() {
    return json;
  }

  /** The group for {@code protocol}, from --hosts or --config/--group, with the command line's changes. */
  public ReplicationGroup group(Protocol protocol) throws UsageException {
    if ((hosts == null) == (config == null)) {
      throw new UsageException("give either --hosts \"h1 h2 ...\" or --config FILE --group NAME");
    }
    ReplicationGroup g;
    if (hosts != null) {
      try {
        g = ReplicationGroup.builder(group == null ? "cli" : group, StoreHostList.parse(hosts)).build();
      } catch (IllegalArgumentException e) {
        throw new UsageException("--hosts: " + e.getMessage());
      }
    } else {
      if (group == null) {
        throw new UsageException("--config needs --group NAME");
      }
      g = configuredGroup(group);
    }
    ReplicationGroup.Builder b = g.toBuilder();
    if (port != null) {
      try {
        b.port(protocol, port);
      } catch (IllegalArgumentException e) {
        throw new UsageException("--port: " + e.getMessage());
      }
    }
    for (String h : allowReferral) {
      try {
        b.allowReferralsTo(h);
      } catch (IllegalArgumentException e) {
        throw new UsageException("--allow-referral: " + e.getMessage());
      }
    }
    b.tls(tls(g.tls()));
    try {
      return b.build();
    } catch (IllegalArgumentException e) {
      throw new UsageException(e.getMessage());
    }
  }

  /** The file's group called {@code name}; never a group of one made up from a typo. */
  private ReplicationGroup configuredGroup(String name) throws UsageException {
    RepgroupConfiguration c = configuration();
    Optional<ReplicationGroup> found = c.registry().find(name);
    if (found.isPresent()) {
      return found.get();
    }
    String defined = c.registry().groups().stream().map(ReplicationGroup::name).sorted()
        .collect(Collectors.joining(", "));
    throw new UsageException("--group \"" + ServerText.printable(name, 100) + "\" is not defined in " + config
        + (defined.isEmpty() ? " (it defines no group)" : " (it defines: " + defined + ")"));
  }

  /** The group's TLS policy with the command line's --tls and trust store flags applied. */
  private TlsPolicy tls(TlsPolicy configured) throws UsageException {
    TlsPolicy policy = configured;
    if (tls != null) {
      TlsPolicy.Mode mode = switch (tls.toLowerCase(Locale.ROOT)) {
        case "none" -> TlsPolicy.Mode.NONE;
        case "starttls" -> TlsPolicy.Mode.STARTTLS;
        case "implicit" -> TlsPolicy.Mode.IMPLICIT;
        default -> throw new UsageException("--tls must be none, starttls or implicit, was "
            + ServerText.printable(tls, 40));
      };
      policy = withMode(configured, mode);
    }
    boolean trustFlags = trustStore != null || trustStorePasswordFile != null || trustStoreType != null
        || noHostNameCheck;
    if (trustFlags && !policy.required()) {
      throw new UsageException("--truststore, --truststore-password-file, --truststore-type and --no-hostname-check"
          + " need --tls starttls or implicit");
    }
    if (trustStore != null) {
      if (!Files.isRegularFile(trustStore) || !Files.isReadable(trustStore)) {
        throw new UsageException("--truststore: " + trustStore + " is not a readable file");
      }
      String password = trustStorePasswordFile == null ? null
          : readSecret(trustStorePasswordFile, "--truststore-password-file");
      String type = trustStoreType != null ? trustStoreType : KeyStore.getDefaultType();
      try {
        policy = policy.withTrustStore(trustStore, password, type);
      } catch (IllegalArgumentException e) {
        throw new UsageException("--truststore-type: " + e.getMessage());
      }
    } else if (trustStorePasswordFile != null || trustStoreType != null) {
      if (policy.trustStore().isEmpty()) {
        throw new UsageException("--truststore-password-file and --truststore-type need --truststore FILE"
            + " (or proxy:<group>.truststore in --config)");
      }
      String password = trustStorePasswordFile != null
          ? readSecret(trustStorePasswordFile, "--truststore-password-file")
          : policy.trustStorePassword().orElse(null);
      String type = trustStoreType != null ? trustStoreType : policy.trustStoreType().orElseThrow();
      try {
        policy = policy.withTrustStore(policy.trustStore().get(), password, type);
      } catch (IllegalArgumentException e) {
        throw new UsageException("--truststore-type: " + e.getMessage());
      }
    }
    if (noHostNameCheck) {
      policy = policy.withHostNameCheck(false);
    }
    return policy;
  }

  /** {@code base}'s trust settings under {@code mode}; none at all for {@link TlsPolicy.Mode#NONE}. */
  private static TlsPolicy withMode(TlsPolicy base, TlsPolicy.Mode mode) {
    if (mode == TlsPolicy.Mode.NONE) {
      return TlsPolicy.NONE;
    }
    TlsPolicy p = TlsPolicy.of(mode).withHostNameCheck(base.checkHostName());
    if (base.trustStore().isPresent()) {
      p = p.withTrustStore(base.trustStore().get(), base.trustStorePassword().orElse(null),
          base.trustStoreType().orElseThrow());
    }
    return p;
  }

  /** The failover policy: defaults, then the config file's, then the command line's. */
  public FailoverPolicy policy() throws UsageException {
    FailoverPolicy.Builder b = (config != null ? configuration().policy() : FailoverPolicy.defaults()).toBuilder();
    try {
      if (connectTimeoutMs != null) {
        b.connectTimeout(Duration.ofMillis(connectTimeoutMs));
      }
      if (timeoutMs != null) {
        b.responseTimeout(Duration.ofMillis(timeoutMs));
      }
      if (deadlineMs != null) {
        b.deadline(Duration.ofMillis(deadlineMs));
      }
      if (staggerMs != null) {
        b.stagger(Duration.ofMillis(staggerMs));
      }
      return b.build();
    } catch (IllegalArgumentException e) {
      throw new UsageException(e.getMessage());
    }
  }

  /** The --config file, read strictly: the probe is a checking tool, an unknown option is an error. */
  private RepgroupConfiguration configuration() throws UsageException {
    if (loaded == null) {
      try {
        loaded = RepgroupConfiguration.loader().strict(true).load(config);
      } catch (ConfigurationException e) {
        throw new UsageException(e.getMessage());
      } catch (IOException e) {
        throw new UsageException("cannot read --config " + config + ": " + e.getMessage());
      }
    }
    return loaded;
  }

  /** The password from --password, --password-file or REPGROUP_PASSWORD, in that order. */
  static String password(String option, Path file) throws UsageException {
    if (option != null) {
      return option;
    }
    if (file != null) {
      return readSecret(file, "--password-file");
    }
    String env = System.getenv("REPGROUP_PASSWORD");
    if (env != null) {
      return env;
    }
    throw new UsageException("a password is needed: --password, --password-file FILE or REPGROUP_PASSWORD");
  }

  /** A secret kept in a file, without its trailing line end. */
  private static String readSecret(Path file, String option) throws UsageException {
    try {
      return Files.readString(file, StandardCharsets.UTF_8).strip();
    } catch (IOException e) {
      throw new UsageException("cannot read " + option + " " + file + ": " + e.getMessage());
    }
  }
}
