package org.repgroup.testkit;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;

/**
 * The bounded event log an ENS gateway keeps: the newest {@code capacity} events,
 * each with a group-wide increasing id, so a subscriber that resumes on another
 * host with {@code Last-Event-ID} gets exactly what it missed. Shared by the
 * gateways of one simulated group (the log is replicated). Thread-safe.
 */
public final class EnsEventLog {

  private final int capacity;
  private final Deque<Entry> entries = new ArrayDeque<>();
  private final java.util.Map<String, Long> idsByKey = new java.util.HashMap<>();
  private final java.util.Map<Long, String> keysById = new java.util.HashMap<>();
  private long lastId;

  /** A log keeping the newest {@code capacity} events. */
  public EnsEventLog(int capacity) {
    if (capacity < 1) {
      throw new IllegalArgumentException("capacity must be >= 1, was " + capacity);
    }
    this.capacity = capacity;
  }

  /**
   * One retained event.
   *
   * @param id its id
   * @param data the SSE {@code data} JSON as sent to subscribers
   * @param reference the event reference, or {@code null} for raw (malformed) data
   */
  public record Entry(long id, String data, String reference) {}

  /** Appends an event (its JSON data and reference) and wakes waiting streams; returns its id. */
  public synchronized long append(String reference, String data) {
    lastId++;
    entries.addLast(new Entry(lastId, data, reference));
    while (entries.size() > capacity) {
      String key = keysById.remove(entries.removeFirst().id());
      if (key != null) {
        idsByKey.remove(key);
      }
    }
    notifyAll();
    return lastId;
  }

  /**
   * Appends an event published with an idempotency key, once: when an event with
   * {@code key} is still retained, nothing is appended and its id is returned.
   *
   * @return the id and whether this call appended it
   */
  public synchronized Appended append(String reference, String data, String key) {
    Long existing = idsByKey.get(key);
    if (existing != null) {
      return new Appended(existing, false);
    }
    long id = append(reference, data);
    idsByKey.put(key, id);
    keysById.put(id, key);
    return new Appended(id, true);
  }

  /**
   * The result of a keyed append.
   *
   * @param id the event's id
   * @param appended false when the key was already in the log (a repeated publish)
   */
  public record Appended(long id, boolean appended) {}

  /** Appends raw {@code data} that is not a valid event, to test a subscriber's error handling. */
  public long appendMalformed(String data) {
    return append(null, data);
  }

  /** The retained events after {@code afterId}, oldest first. */
  public synchronized List<Entry> after(long afterId) {
    List<Entry> out = new ArrayList<>();
    for (Entry e : entries) {
      if (e.id() > afterId) {
        out.add(e);
      }
    }
    return out;
  }

  /** The retained events after {@code afterId}, waiting up to {@code wait} when there are none. */
  public synchronized List<Entry> awaitAfter(long afterId, Duration wait) throws InterruptedException {
    long end = System.nanoTime() + wait.toNanos();
    while (lastId <= afterId) {
      long left = end - System.nanoTime();
      if (left <= 0) {
        return List.of();
      }
      wait(Math.max(1, left / 1_000_000));
    }
    return after(afterId);
  }

  /** The id of the newest event, 0 when empty. */
  public synchronized long lastId() {
    return lastId;
  }

  /** Every retained entry. */
  public synchronized List<Entry> entries() {
    return List.copyOf(entries);
  }
}
