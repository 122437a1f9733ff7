package org.repgroup.core.config;

import static org.repgroup.core.config.OptionNames.PROXY;
import static org.repgroup.core.config.OptionNames.SDK;
import static org.repgroup.core.config.OptionNames.STORE;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.repgroup.core.AffinityCache;
import org.repgroup.core.DeploymentMode;
import org.repgroup.core.FailoverPolicy;
import org.repgroup.core.GroupRegistry;
import org.repgroup.core.Protocol;
import org.repgroup.core.StoreHostList;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns options, whatever syntax they came in, into a {@link RepgroupConfiguration}.
 * Options in the SDK's namespaces that it does not read, and bare names, are
 * {@link UnknownOption}s: logged (lenient) or an error (strict). Every other
 * prefix belongs to another subsystem and is skipped quietly; {@code store.*} is
 * kept as {@link RepgroupConfiguration#storeOptions()}.
 */
final class ConfigurationReader {

  private static final Logger LOG = LoggerFactory.getLogger(RepgroupConfiguration.class);

  private final String source;
  private final boolean strict;

  ConfigurationReader(String source, boolean strict) {
    this.source = source;
    this.strict = strict;
  }

  RepgroupConfiguration read(List<ConfigOption> options) throws ConfigurationException {
    Map<String, GroupOptions> groups = new LinkedHashMap<>();
    FailoverPolicy.Builder policy = FailoverPolicy.builder();
    Duration recheck = AffinityCache.DEFAULT_RECHECK_INTERVAL;
    List<ConfigOption> store = new ArrayList<>();
    List<ConfigOption> unread = new ArrayList<>();
    StoreReplication replication = new StoreReplication();
    for (ConfigOption o : options) {
      String name = o.name().toLowerCase(Locale.ROOT);
      if (name.startsWith(PROXY)) {
        int dot = name.lastIndexOf('.');
        if (dot <= PROXY.length()) {
          throw error(o, "option \"" + o.shownName() + "\" names no group: expected proxy:<group>.<option>");
        }
        String option = name.substring(dot + 1);
        if (OptionNames.GROUP.contains(option)) {
          String group = name.substring(PROXY.length(), dot);
          groups.computeIfAbsent(group, g -> new GroupOptions(this, g, o)).accept(option, o);
        } else {
          unread.add(o);
        }
      } else if (name.startsWith(SDK)) {
        try {
          switch (name.substring(SDK.length())) {
            case "connecttimeout" -> policy.connectTimeout(duration(o));
            case "responsetimeout" -> policy.responseTimeout(duration(o));
            case "deadline" -> policy.deadline(duration(o));
            case "stagger" -> policy.stagger(duration(o));
            case "maxreferralhops" -> policy.maxReferralHops(integer(o));
            case "maxpasses" -> policy.maxPasses(integer(o));
            case "recheckinterval" -> recheck = positive(o, duration(o));
            default -> unread.add(o);
          }
        } catch (IllegalArgumentException e) {
          throw error(o, e.getMessage());
        }
      } else if (name.startsWith(STORE)) {
        store.add(o);
        replication.accept(name, o);
      } else if (name.indexOf('.') < 0 && name.indexOf(':') < 0) {
        unread.add(o);
      }
      // Any other prefix (partition:, task:, imap., ...) belongs to another subsystem.
    }
    List<UnknownOption> unknown = new ArrayList<>();
    for (ConfigOption o : unread) {
      unknown.add(new UnknownOption(o, OptionNames.suggestion(o.name(), groups.keySet())));
    }
    if (strict && !unknown.isEmpty()) {
      throw unknownOptions(unknown);
    }
    for (UnknownOption u : unknown) {
      LOG.warn("{}; ignored", u.message());
    }
    GroupRegistry.Builder registry = GroupRegistry.builder();
    for (GroupOptions g : groups.values()) {
      registry.add(g.build(replication, unknown));
    }
    FailoverPolicy built;
    try {
      built = policy.build();
    } catch (IllegalArgumentException e) {
      throw new ConfigurationException(source, 0, e.getMessage());
    }
    return new RepgroupConfiguration(registry.build(), built, recheck, store, unknown);
  }

  /** One error for every unknown option, located at the first. */
  private static ConfigurationException unknownOptions(List<UnknownOption> unknown) {
    UnknownOption first = unknown.get(0);
    StringBuilder reason = new StringBuilder(first.reason());
    for (UnknownOption u : unknown.subList(1, unknown.size())) {
      reason.append("; ").append(u.message());
    }
    return new ConfigurationException(first.option().source(), first.option().line(), reason.toString());
  }

  ConfigurationException error(ConfigOption o, String reason) {
    return new ConfigurationException(o.source(), o.line(), reason);
  }

  private Duration positive(ConfigOption o, Duration d) throws ConfigurationException {
    if (d.isZero()) {
      throw error(o, o.shownName() + ": must be > 0");
    }
    return d;
  }

  /** Milliseconds, or a number with {@code ms}, {@code s} or {@code m}. */
  private static Duration duration(ConfigOption o) {
    String v = o.value().strip().toLowerCase(Locale.ROOT);
    try {
      if (v.endsWith("ms")) {
        return Duration.ofMillis(Long.parseLong(v.substring(0, v.length() - 2).strip()));
      } else if (v.endsWith("s")) {
        return Duration.ofSeconds(Long.parseLong(v.substring(0, v.length() - 1).strip()));
      } else if (v.endsWith("m")) {
        return Duration.ofMinutes(Long.parseLong(v.substring(0, v.length() - 1).strip()));
      }
      return Duration.ofMillis(Long.parseLong(v));
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(o.shownName() + ": expected a duration (milliseconds, or e.g. 250ms, 2s, 1m),"
          + " got " + o.shownValue());
    }
  }

  private static int integer(ConfigOption o) {
    try {
      return Integer.parseInt(o.value().strip());
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(o.shownName() + ": expected an integer, got " + o.shownValue());
    }
  }

  /** {@code 0} or {@code 1}, as the store's own flags are written. */
  boolean flag(ConfigOption o) throws ConfigurationException {
    return switch (o.value().strip()) {
      case "0" -> false;
      case "1" -> true;
      default -> throw error(o, o.shownName() + ": expected 0 or 1, got " + o.shownValue());
    };
  }

  int port(ConfigOption o) throws ConfigurationException {
    String v = o.value().strip();
    int p;
    try {
      p = Integer.parseInt(v);
    } catch (NumberFormatException e) {
      throw error(o, o.shownName() + ": expected a port number 1-65535, got " + o.shownValue());
    }
    if (p < 1 || p > 65535) {
      throw error(o, o.shownName() + ": port " + p + " is not in 1-65535");
    }
    return p;
  }

  StoreHostList hostList(String group, ConfigOption o) throws ConfigurationException {
    try {
      return StoreHostList.parse(o.value());
    } catch (IllegalArgumentException e) {
      throw error(o, "group " + group + ": " + e.getMessage());
    }
  }

  /**
   * The store's replication options, {@code store.dbreplicate.enable} and
   * {@code store.dbreplicate.twosites}: they apply to every group of the file, as
   * the store reads them for the whole deployment.
   */
  final class StoreReplication {
    private ConfigOption enable;
    private ConfigOption twoSites;
    private boolean enabled = true;
    private boolean twoSitesOn;

    void accept(String name, ConfigOption o) throws ConfigurationException {
      if (name.equals(OptionNames.REPLICATION_ENABLE)) {
        enabled = flag(o);
        enable = o;
      } else if (name.equals(OptionNames.REPLICATION_TWO_SITES)) {
        twoSitesOn = flag(o);
        twoSites = o;
      }
    }

    /**
     * The mode these options give a group of {@code hosts} hosts, or null when the
     * file sets neither: replication off is classic failover; replication with
     * exactly two hosts and two-site mode off cannot elect; else replicated.
     */
    DeploymentMode modeFor(int hosts) {
      if (enable == null && twoSites == null) {
        return null;
      }
      if (!enabled) {
        return DeploymentMode.CLASSIC;
      }
      return hosts == 2 && !twoSitesOn ? DeploymentMode.TWO_SITE : DeploymentMode.REPLICATED;
    }
  }

  /** The port option names, by protocol. */
  static Protocol portProtocol(String option) {
    return switch (option) {
      case "imapport" -> Protocol.IMAP;
      case "popport" -> Protocol.POP;
      case "lmtpport" -> Protocol.LMTP;
      case "ensport" -> Protocol.ENS;
      default -> null;
    };
  }
}
