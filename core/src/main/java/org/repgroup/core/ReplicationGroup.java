package org.repgroup.core;

import java.util.EnumMap;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * A replication group as clients see it: a name (the users' {@code mailHost}
 * value), its {@link StoreHostList}, a port per protocol, optional admin
 * credentials for proxy logins, and the hosts outside the list that referrals
 * may lead to.
 *
 * <p>Immutable; build one with {@link #builder(String, StoreHostList)}.
 */
public final class ReplicationGroup {

  private final String name;
  private final StoreHostList hosts;
  private final Map<Protocol, Integer> ports;
  private final Credentials admin;
  private final Set<String> referralAllowList;
  private final DeploymentMode deploymentMode;
  private final TlsPolicy tls;

  private ReplicationGroup(Builder b) {
    this.name = b.name;
    this.hosts = b.hosts;
    this.ports = Map.copyOf(b.ports);
    this.admin = b.admin;
    this.referralAllowList = Set.copyOf(b.referralAllowList);
    this.deploymentMode = b.deploymentMode;
    this.tls = b.tls;
  }

  /** A builder for a group called {@code name} (the mailHost value) with these hosts. */
  public static Builder builder(String name, StoreHostList hosts) {
    return new Builder(name, hosts);
  }

  /**
   * A group of one host, used for a mailHost with no configured group: the
   * host is the mailHost itself.
   */
  public static ReplicationGroup ofSingleHost(String mailHost) {
    HostAddress h = HostAddress.parse(mailHost);
    return builder(h.host(), StoreHostList.of(h)).build();
  }

  /** The group's name, the users' {@code mailHost} value, in lower case. */
  public String name() {
    return name;
  }

  /** The store host list, preferred master first. */
  public StoreHostList hosts() {
    return hosts;
  }

  /** The group's port for {@code protocol}, or the protocol's default port. */
  public int port(Protocol protocol) {
    // No getOrDefault: boxing a default port above 127 would allocate on every lookup.
    Integer p = ports.get(protocol);
    return p != null ? p : protocol.defaultPort();
  }

  /** {@code address} with the group's port for {@code protocol} filled in when it has none. */
  public HostAddress resolve(HostAddress address, Protocol protocol) {
    return address.withDefaultPort(port(protocol));
  }

  /** The admin identity for proxy logins ({@code imapadmin}/{@code imapadminpass}), if configured. */
  public Optional<Credentials> admin() {
    return Optional.ofNullable(admin);
  }

  /** How the group's hosts share the store: decides whether writers wait out a master-less group. */
  public DeploymentMode deploymentMode() {
    return deploymentMode;
  }

  /** What transport security every connection to the group's hosts requires, referral targets included. */
  public TlsPolicy tls() {
    return tls;
  }

  /** Host names outside the store host list that referrals may lead to (lower case). */
  public Set<String> referralAllowList() {
    return referralAllowList;
  }

  /**
   * The store host list entry that {@code address} denotes for {@code protocol}:
   * the entry that, with the group's port filled in, equals {@code address} with
   * the group's port filled in. Empty when {@code address} is not a member.
   */
  public Optional<HostAddress> listedEntry(HostAddress address, Protocol protocol) {
    return Optional.ofNullable(listedOrNull(address, protocol));
  }

  /** True when {@code address} (port filled in for {@code protocol}) is one of the group's hosts. */
  public boolean isMember(HostAddress address, Protocol protocol) {
    return listedOrNull(address, protocol) != null;
  }

  // Asked several times per operation: an indexed loop, no iterator.
  private HostAddress listedOrNull(HostAddress address, Protocol protocol) {
    HostAddress target = resolve(address, protocol);
    List<HostAddress> listed = hosts.hosts();
    for (int i = 0; i < listed.size(); i++) {
      HostAddress h = listed.get(i);
      if (resolve(h, protocol).equals(target)) {
        return h;
      }
    }
    return null;
  }

  /**
   * True when a referral may lead to {@code address}: a member of the group, or a
   * host whose name is on the referral allow-list.
   */
  public boolean mayReferTo(HostAddress address, Protocol protocol) {
    return isMember(address, protocol) || referralAllowList.contains(address.host());
  }

  /** A builder holding this group's values, to copy and change. */
  public Builder toBuilder() {
    Builder b = new Builder(name, hosts);
    b.ports.putAll(ports);
    b.admin = admin;
    b.referralAllowList.addAll(referralAllowList);
    b.deploymentMode = deploymentMode;
    b.tls = tls;
    return b;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof ReplicationGroup g
        && name.equals(g.name)
        && hosts.equals(g.hosts)
        && ports.equals(g.ports)
        && Objects.equals(admin, g.admin)
        && referralAllowList.equals(g.referralAllowList)
        && deploymentMode == g.deploymentMode
        && tls.equals(g.tls);
  }

  @Override
  public int hashCode() {
    return Objects.hash(name, hosts, ports, admin, referralAllowList, deploymentMode, tls);
  }

  /** Name, hosts and ports; never the admin password. */
  @Override
  public String toString() {
    return "ReplicationGroup[" + name + ": \"" + hosts + "\", ports=" + ports
        + (admin == null ? "" : ", admin=" + admin.user())
        + (referralAllowList.isEmpty() ? "" : ", allow=" + referralAllowList)
        + (deploymentMode == DeploymentMode.REPLICATED ? "" : ", mode=" + deploymentMode)
        + (tls.required() ? ", tls=" + tls : "") + "]";
  }

  /** Builds a {@link ReplicationGroup}. Ports default to each protocol's well-known port. */
  public static final class Builder {
    private final String name;
    private final StoreHostList hosts;
    private final Map<Protocol, Integer> ports = new EnumMap<>(Protocol.class);
    private Credentials admin;
    private final Set<String> referralAllowList = new LinkedHashSet<>();
    private DeploymentMode deploymentMode = DeploymentMode.REPLICATED;
    private TlsPolicy tls = TlsPolicy.NONE;

    private Builder(String name, StoreHostList hosts) {
      Objects.requireNonNull(name, "name");
      Objects.requireNonNull(hosts, "hosts");
      if (name.isBlank()) {
        throw new IllegalArgumentException("replication group: empty name");
      }
      if (name.chars().anyMatch(Character::isISOControl)) {
        throw new IllegalArgumentException("replication group name contains a control character: \""
            + name.replaceAll("\\p{Cntrl}", "?") + "\"");
      }
      this.name = name.strip().toLowerCase(Locale.ROOT);
      this.hosts = hosts;
    }

    /** The group's port for {@code protocol}, 1-65535. Defaults to {@link Protocol#defaultPort()}. */
    public Builder port(Protocol protocol, int port) {
      Objects.requireNonNull(protocol, "protocol");
      if (port < 1 || port > 65535) {
        throw new IllegalArgumentException("group " + name + ": " + protocol + " port " + port + " is not in 1-65535");
      }
      ports.put(protocol, port);
      return this;
    }

    /** Admin identity used for proxy logins on behalf of users. Defaults to none. */
    public Builder admin(Credentials admin) {
      this.admin = Objects.requireNonNull(admin, "admin");
      return this;
    }

    /** Allows referrals to {@code hostName}, a host outside the list. Defaults to none. */
    public Builder allowReferralsTo(String hostName) {
      Objects.requireNonNull(hostName, "hostName");
      referralAllowList.add(HostAddress.parse(hostName).host());
      return this;
    }

    /**
     * How the group is deployed. Defaults to {@link DeploymentMode#REPLICATED} (a
     * group that elects a new master when its master dies).
     */
    public Builder deploymentMode(DeploymentMode mode) {
      this.deploymentMode = Objects.requireNonNull(mode, "mode");
      return this;
    }

    /**
     * Transport security required on every connection, referral targets included.
     * Defaults to {@link TlsPolicy#NONE}.
     */
    public Builder tls(TlsPolicy tls) {
      this.tls = Objects.requireNonNull(tls, "tls");
      return this;
    }

    /**
     * The group.
     *
     * @throws IllegalArgumentException when two entries of the store host list
     *     denote the same address once the group's port for a protocol is filled in
     *     ({@code "h h:143"} for IMAP on 143), naming the group, both entries and the protocol
     */
    public ReplicationGroup build() {
      for (Protocol p : Protocol.values()) {
        int port = ports.getOrDefault(p, p.defaultPort());
        Map<HostAddress, HostAddress> seen = new HashMap<>();
        for (HostAddress entry : hosts.hosts()) {
          HostAddress resolved = entry.withDefaultPort(port);
          HostAddress earlier = seen.putIfAbsent(resolved, entry);
          if (earlier != null) {
            throw new IllegalArgumentException("group " + name + ": store host list entries \"" + earlier
                + "\" and \"" + entry + "\" are the same host for " + p + " (" + resolved + ")");
          }
        }
      }
      return new ReplicationGroup(this);
    }
  }
}
