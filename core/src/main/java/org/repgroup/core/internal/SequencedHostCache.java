package org.repgroup.core.internal;

import com.github.benmanes.caffeine.cache.Cache;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import org.repgroup.core.AffinityCache.CachedHost;
import org.repgroup.core.HostAddress;
import org.repgroup.core.time.Ticker;

/**
 * One cached host per group (its master, or its last good host), each write carrying the
 * sequence number of the observation behind it: an older observation never overwrites a newer
 * one, and a drop removes only what it saw. Group names are case-insensitive. Part of
 * {@link AffinityStore}.
 */
final class SequencedHostCache {

  private final Cache<String, CachedHost> cache;
  private final Ticker ticker;

  SequencedHostCache(Cache<String, CachedHost> cache, Ticker ticker) {
    this.cache = cache;
    this.ticker = ticker;
  }

  Optional<CachedHost> get(String group) {
    return Optional.ofNullable(cache.getIfPresent(key(group)));
  }

  /** Records {@code host}, unless a newer observation is cached; true when the host changed. */
  boolean record(String group, HostAddress host, long seq, boolean confirmed) {
    Objects.requireNonNull(host, "host");
    boolean[] changed = new boolean[1];
    long now = ticker.read();
    cache.asMap().compute(key(group), (k, old) -> {
      if (old != null && old.sequence() > seq) {
        return old;
      }
      changed[0] = old == null || !old.host().equals(host);
      if (confirmed) {
        return new CachedHost(host, seq, true, now);
      }
      boolean sameHost = old != null && old.host().equals(host);
      return sameHost ? new CachedHost(host, seq, old.confirmed(), old.confirmedAtNanos())
          : new CachedHost(host, seq, false, Long.MIN_VALUE);
    });
    return changed[0];
  }

  /** Forgets the group's host if it is {@code host} and was observed no later than {@code seq}. */
  boolean drop(String group, HostAddress host, long seq) {
    boolean[] dropped = new boolean[1];
    cache.asMap().computeIfPresent(key(group), (k, old) -> {
      if (old.host().equals(host) && old.sequence() <= seq) {
        dropped[0] = true;
        return null;
      }
      return old;
    });
    return dropped[0];
  }

  void clear() {
    cache.invalidateAll();
  }

  static String key(String group) {
    return group.toLowerCase(Locale.ROOT);
  }
}
