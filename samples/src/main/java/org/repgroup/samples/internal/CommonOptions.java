package org.repgroup.samples.internal;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.repgroup.core.Protocol;
import org.repgroup.core.ReplicationGroup;
import org.repgroup.core.StoreHostList;
import org.repgroup.core.config.ConfigurationException;
import org.repgroup.core.config.RepgroupConfiguration;
import org.repgroup.core.FailoverPolicy;
import picocli.CommandLine.Option;

/** Options every probe subcommand takes: where the group is, time bounds, referral allow-list, output. */
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

  @Option(names = "--json", description = "Print exactly one JSON object.")
  boolean json;

  private RepgroupConfiguration loaded;

  /** True when output is JSON. */
  public boolean json() {
    return json;
  }

  /** The group for {@code protocol}, from --hosts or --config/--group. */
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
      g = configuration().registry().groupFor(group);
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
    return b.build();
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

  private RepgroupConfiguration configuration() throws UsageException {
    if (loaded == null) {
      try {
        loaded = RepgroupConfiguration.load(config);
      } catch (ConfigurationException e) {
        throw new UsageException(e.getMessage());
      } catch (IOException e) {
        throw new UsageException("cannot read --config " + config + ": " + e.getMessage());
      }
    }
    return loaded;
  }

  /** The password from --password, --password-file or REPGROUP_PASSWORD, in that order. */
  public static String password(String option, Path file) throws UsageException {
    if (option != null) {
      return option;
    }
    if (file != null) {
      try {
        return Files.readString(file, StandardCharsets.UTF_8).strip();
      } catch (IOException e) {
        throw new UsageException("cannot read --password-file " + file + ": " + e.getMessage());
      }
    }
    String env = System.getenv("REPGROUP_PASSWORD");
    if (env != null) {
      return env;
    }
    throw new UsageException("a password is needed: --password, --password-file FILE or REPGROUP_PASSWORD");
  }
}
