package org.repgroup.core.internal;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import java.time.Duration;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import org.repgroup.core.AffinityCache.CachedHost;
import org.repgroup.core.HostAddress;
import org.repgroup.core.time.Ticker;

/**
 * One cached host per group (its master, or its last good host), each write carrying the
 * sequence number of the observation behind it: an older observation never overwrites a newer
 * one, and a drop removes only what it saw. An entry is forgotten {@code ttl} after its last
 * write. Group names are case-insensitive. Part of {@link AffinityStore}.
 *
 * <p>Every served operation writes here, so a write is one compare-and-set on the group's slot
 * (made once per group), not a write to the Caffeine map, whose {@code compute} and conditional
 * {@code replace} allocate their machinery per call. Caffeine bounds the slots (size, and a
 * slot unused for {@code ttl} goes); the time to live of what a slot holds is checked on read.
 */
final class SequencedHostCache {

  /** What a slot holds: the cached host and when it was written, on the ticker. */
  private record Written(CachedHost host, long atNanos) {}

  /** One group's slot. */
  private static final class Slot extends AtomicReference<Written> {
    private static final long serialVersionUID = 1L;
  }

  private final Cache<String, Slot> slots;
  private final Ticker ticker;
  private final long ttlNanos;

  SequencedHostCache(Ticker ticker, Duration ttl, long maximumSize) {
    this.ticker = ticker;
    this.ttlNanos = ttl.toNanos();
    this.slots = Caffeine.newBuilder()
        .ticker(ticker::read)
        .executor(Runnable::run)
        .expireAfterAccess(ttl)
        .maximumSize(maximumSize)
        .build();
  }

  Optional<CachedHost> get(String group) {
    return Optional.ofNullable(getOrNull(group));
  }

  /** The group's cached host, or {@code null}: the engine's read, without an {@link Optional} per call. */
  CachedHost getOrNull(String group) {
    Slot slot = slots.getIfPresent(key(group));
    return slot == null ? null : live(slot.get(), ticker.read());
  }

  /** Records {@code host}, unless a newer observation is cached; true when the host changed. */
  boolean record(String group, HostAddress host, long seq, boolean confirmed) {
    Objects.requireNonNull(host, "host");
    Slot slot = slots.get(key(group), k -> new Slot());
    long now = ticker.read();
    while (true) {
      Written w = slot.get();
      CachedHost old = live(w, now);
      if (old != null && old.sequence() > seq) {
        return false;
      }
      boolean sameHost = old != null && old.host().equals(host);
      CachedHost next = confirmed ? new CachedHost(host, seq, true, now)
          : sameHost ? new CachedHost(host, seq, old.confirmed(), old.confirmedAtNanos())
          : new CachedHost(host, seq, false, Long.MIN_VALUE);
      if (slot.compareAndSet(w, new Written(next, now))) {
        return !sameHost;
      }
    }
  }

  /** Forgets the group's host if it is {@code host} and was observed no later than {@code seq}. */
  boolean drop(String group, HostAddress host, long seq) {
    Slot slot = slots.getIfPresent(key(group));
    if (slot == null) {
      return false;
    }
    while (true) {
      Written w = slot.get();
      CachedHost old = live(w, ticker.read());
      if (old == null || !old.host().equals(host) || old.sequence() > seq) {
        return false;
      }
      if (slot.compareAndSet(w, null)) {
        return true;
      }
    }
  }

  void clear() {
    slots.invalidateAll();
  }

  /** The host {@code w} holds while it is younger than the time to live, else {@code null}. */
  private CachedHost live(Written w, long now) {
    return w != null && now - w.atNanos() < ttlNanos ? w.host() : null;
  }

  static String key(String group) {
    return group.toLowerCase(Locale.ROOT);
  }
}
