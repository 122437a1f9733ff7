package org.repgroup.core.config;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.repgroup.core.Credentials;
import org.repgroup.core.GroupRegistry;
import org.repgroup.core.Protocol;
import org.repgroup.core.ReplicationGroup;
import org.repgroup.core.StoreHostList;
import org.repgroup.core.AffinityCache;
import org.repgroup.core.FailoverPolicy;

/** Turns options, whatever syntax they came in, into a {@link RepgroupConfiguration}. */
final class ConfigurationReader {

  private static final String PROXY = "proxy:";
  private static final String SDK = "repgroup.";
  private static final String STORE = "store.";

  private final String source;

  ConfigurationReader(String source) {
    this.source = source;
  }

  RepgroupConfiguration read(List<ConfigOption> options) throws ConfigurationException {
    Map<String, GroupOptions> groups = new LinkedHashMap<>();
    FailoverPolicy.Builder policy = FailoverPolicy.builder();
    Duration recheck = AffinityCache.DEFAULT_RECHECK_INTERVAL;
    List<ConfigOption> store = new ArrayList<>();
    List<ConfigOption> unknown = new ArrayList<>();
    for (ConfigOption o : options) {
      String name = o.name().toLowerCase(Locale.ROOT);
      if (name.startsWith(PROXY)) {
        int dot = name.lastIndexOf('.');
        if (dot <= PROXY.length()) {
          throw error(o, "option \"" + o.name() + "\" names no group: expected proxy:<group>.<option>");
        }
        String group = name.substring(PROXY.length(), dot);
        String option = name.substring(dot + 1);
        if (!groups.computeIfAbsent(group, g -> new GroupOptions(g, o)).accept(option, o)) {
          unknown.add(o);
        }
      } else if (name.startsWith(SDK)) {
        String option = name.substring(SDK.length());
        try {
          switch (option) {
            case "connecttimeout" -> policy.connectTimeout(duration(o));
            case "responsetimeout" -> policy.responseTimeout(duration(o));
            case "deadline" -> policy.deadline(duration(o));
            case "stagger" -> policy.stagger(duration(o));
            case "maxreferralhops" -> policy.maxReferralHops(integer(o));
            case "maxpasses" -> policy.maxPasses(integer(o));
            case "recheckinterval" -> recheck = positive(o, duration(o));
            default -> unknown.add(o);
          }
        } catch (IllegalArgumentException e) {
          throw error(o, e.getMessage());
        }
      } else if (name.startsWith(STORE)) {
        store.add(o);
      } else {
        unknown.add(o);
      }
    }
    GroupRegistry.Builder registry = GroupRegistry.builder();
    for (GroupOptions g : groups.values()) {
      registry.add(g.build());
    }
    FailoverPolicy built;
    try {
      built = policy.build();
    } catch (IllegalArgumentException e) {
      throw new ConfigurationException(source, 0, e.getMessage());
    }
    return new RepgroupConfiguration(registry.build(), built, recheck, store, unknown);
  }

  private ConfigurationException error(ConfigOption o, String reason) {
    return new ConfigurationException(o.source(), o.line(), reason);
  }

  private Duration positive(ConfigOption o, Duration d) throws ConfigurationException {
    if (d.isZero()) {
      throw error(o, o.name() + ": must be > 0");
    }
    return d;
  }

  /** Milliseconds, or a number with {@code ms}, {@code s} or {@code m}. */
  private Duration duration(ConfigOption o) {
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
      throw new IllegalArgumentException(o.name() + ": expected a duration (milliseconds, or e.g. 250ms, 2s, 1m), got \""
          + o.value() + "\"");
    }
  }

  private static int integer(ConfigOption o) {
    try {
      return Integer.parseInt(o.value().strip());
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(o.name() + ": expected an integer, got \"" + o.value() + "\"");
    }
  }

  /** The options of one group, collected until all are read. */
  private final class GroupOptions {
    final String name;
    final ConfigOption first;
    StoreHostList hosts;
    final Map<Protocol, Integer> ports = new LinkedHashMap<>();
    ConfigOption admin;
    ConfigOption adminPass;
    final List<String> allow = new ArrayList<>();

    GroupOptions(String name, ConfigOption first) {
      this.name = name;
      this.first = first;
    }

    /** False when the option is not a group option. */
    boolean accept(String option, ConfigOption o) throws ConfigurationException {
      switch (option) {
        case "storehostlist" -> {
          try {
            hosts = StoreHostList.parse(o.value());
          } catch (IllegalArgumentException e) {
            throw error(o, "group " + name + ": " + e.getMessage());
          }
        }
        case "imapport" -> ports.put(Protocol.IMAP, port(o));
        case "popport" -> ports.put(Protocol.POP, port(o));
        case "lmtpport" -> ports.put(Protocol.LMTP, port(o));
        case "ensport" -> ports.put(Protocol.ENS, port(o));
        case "imapadmin" -> admin = o;
        case "imapadminpass" -> adminPass = o;
        case "referralallowlist" -> {
          for (String h : o.value().strip().split("\\s+")) {
            if (!h.isEmpty()) {
              allow.add(h);
            }
          }
        }
        default -> {
          return false;
        }
      }
      return true;
    }

    private int port(ConfigOption o) throws ConfigurationException {
      String v = o.value().strip();
      int p;
      try {
        p = Integer.parseInt(v);
      } catch (NumberFormatException e) {
        throw error(o, o.name() + ": expected a port number 1-65535, got \"" + v + "\"");
      }
      if (p < 1 || p > 65535) {
        throw error(o, o.name() + ": port " + p + " is not in 1-65535");
      }
      return p;
    }

    ReplicationGroup build() throws ConfigurationException {
      if (hosts == null) {
        throw error(first, "group " + name + " has options but no proxy:" + name + ".storehostlist");
      }
      if ((admin == null) != (adminPass == null)) {
        ConfigOption present = admin != null ? admin : adminPass;
        throw error(present, "group " + name + ": imapadmin and imapadminpass must be set together");
      }
      ReplicationGroup.Builder b = ReplicationGroup.builder(name, hosts);
      ports.forEach(b::port);
      if (admin != null) {
        try {
          b.admin(new Credentials(admin.value(), adminPass.value()));
        } catch (IllegalArgumentException e) {
          throw error(admin, "group " + name + ": " + e.getMessage());
        }
      }
      for (String h : allow) {
        try {
          b.allowReferralsTo(h);
        } catch (IllegalArgumentException e) {
          throw error(first, "group " + name + ": referral allow-list: " + e.getMessage());
        }
      }
      return b.build();
    }
  }
}
