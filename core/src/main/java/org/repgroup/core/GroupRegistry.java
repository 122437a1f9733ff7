package org.repgroup.core;

import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * Maps a user's {@code mailHost} value to its {@link ReplicationGroup}. A
 * mailHost with no configured group is a group of one host: the mailHost itself.
 * Immutable; build one with {@link #builder()}.
 */
public final class GroupRegistry {

  private final Map<String, ReplicationGroup> groups;

  private GroupRegistry(Map<String, ReplicationGroup> groups) {
    this.groups = Map.copyOf(groups);
  }

  /** An empty builder. */
  public static Builder builder() {
    return new Builder();
  }

  /** A registry of exactly these groups. */
  public static GroupRegistry of(ReplicationGroup... groups) {
    Builder b = builder();
    for (ReplicationGroup g : groups) {
      b.add(g);
    }
    return b.build();
  }

  /** The configured group named {@code mailHost} (case-insensitive), if any. */
  public Optional<ReplicationGroup> find(String mailHost) {
    Objects.requireNonNull(mailHost, "mailHost");
    return Optional.ofNullable(groups.get(mailHost.strip().toLowerCase(Locale.ROOT)));
  }

  /** The group for {@code mailHost}: the configured one, else a group of that one host. */
  public ReplicationGroup groupFor(String mailHost) {
    return find(mailHost).orElseGet(() -> ReplicationGroup.ofSingleHost(mailHost.strip()));
  }

  /** All configured groups. */
  public Collection<ReplicationGroup> groups() {
    return groups.values();
  }

  @Override
  public String toString() {
    return "GroupRegistry" + groups.values();
  }

  /** Builds a {@link GroupRegistry}. */
  public static final class Builder {
    private final Map<String, ReplicationGroup> groups = new LinkedHashMap<>();

    private Builder() {}

    /** Adds {@code group}; a second group of the same name is rejected. */
    public Builder add(ReplicationGroup group) {
      Objects.requireNonNull(group, "group");
      if (groups.putIfAbsent(group.name(), group) != null) {
        throw new IllegalArgumentException("group registry: group " + group.name() + " configured twice");
      }
      return this;
    }

    /** The registry. */
    public GroupRegistry build() {
      return new GroupRegistry(groups);
    }
  }
}
