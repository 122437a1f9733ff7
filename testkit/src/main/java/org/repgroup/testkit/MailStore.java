package org.repgroup.testkit;

import java.io.InputStream;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

/**
 * The mailbox storage every node of a simulated group mounts (one INBOX per
 * user), plus the URLAUTH URLs that URLFETCH can resolve. Thread-safe.
 */
public final class MailStore {

  private final Map<String, List<StoredMessage>> inboxes = new HashMap<>();
  private final Map<String, Long> nextUid = new HashMap<>();
  private final Map<String, UrlContent> urls = new ConcurrentHashMap<>();
  private volatile long uidValidity = 1_700_000_000L;

  /** An empty store. */
  public MailStore() {}

  /** The user's messages, oldest first. */
  public synchronized List<StoredMessage> messages(String user) {
    return List.copyOf(inboxes.getOrDefault(key(user), List.of()));
  }

  /** Adds a message to the user's INBOX; returns it with its new UID. */
  public StoredMessage append(String user, byte[] bytes) {
    return append(user, bytes, 0);
  }

  /** Adds a message written at replication log position {@code logPosition}. */
  public synchronized StoredMessage append(String user, byte[] bytes, long logPosition) {
    Objects.requireNonNull(bytes, "bytes");
    String k = key(user);
    long uid = nextUid.merge(k, 1L, Long::sum);
    StoredMessage m = new StoredMessage(uid, bytes.clone(), logPosition);
    inboxes.computeIfAbsent(k, x -> new ArrayList<>()).add(m);
    return m;
  }

  /**
   * The UID the user's next message will get (IMAP {@code UIDNEXT}): one more than the highest
   * UID ever given in the INBOX, so it does not go back when the newest message is deleted.
   */
  public synchronized long uidNext(String user) {
    return nextUid.getOrDefault(key(user), 0L) + 1;
  }

  /** Removes the message with {@code uid}; true if it was there. */
  public synchronized boolean delete(String user, long uid) {
    List<StoredMessage> box = inboxes.get(key(user));
    return box != null && box.removeIf(m -> m.uid() == uid);
  }

  /**
   * Removes every message written after log position {@code position} (writes a
   * new master never received are lost with the old one) and returns them.
   */
  public synchronized List<StoredMessage> truncateAfter(long position) {
    List<StoredMessage> lost = new ArrayList<>();
    for (List<StoredMessage> box : inboxes.values()) {
      box.removeIf(m -> {
        if (m.logPosition() > position) {
          lost.add(m);
          return true;
        }
        return false;
      });
    }
    return lost;
  }

  /** The UIDVALIDITY of every INBOX. Defaults to 1700000000. */
  public long uidValidity() {
    return uidValidity;
  }

  /**
   * Changes the UIDVALIDITY of every INBOX, as a server that rebuilt its mailboxes does: UIDs seen
   * before mean nothing afterwards.
   *
   * @param value the new UIDVALIDITY, 1 to 4294967295
   */
  public void setUidValidity(long value) {
    if (value < 1 || value > 0xFFFF_FFFFL) {
      throw new IllegalArgumentException("UIDVALIDITY must be 1 to 4294967295, was " + value);
    }
    this.uidValidity = value;
  }

  /** Makes URLFETCH of {@code url} return {@code length} bytes from {@code content} (opened per fetch). */
  public void registerUrl(String url, long length, Supplier<InputStream> content) {
    urls.put(url, new UrlContent(length, content));
  }

  /** Makes URLFETCH of {@code url} return {@code bytes}. */
  public void registerUrl(String url, byte[] bytes) {
    byte[] copy = bytes.clone();
    registerUrl(url, copy.length, () -> new java.io.ByteArrayInputStream(copy));
  }

  /** What URLFETCH of {@code url} returns, if it is valid. */
  public Optional<UrlContent> url(String url) {
    return Optional.ofNullable(urls.get(url));
  }

  private static String key(String user) {
    return user.toLowerCase(Locale.ROOT);
  }

  /**
   * A URL's content.
   *
   * @param length its size in bytes
   * @param content opens the bytes, once per fetch
   */
  public record UrlContent(long length, Supplier<InputStream> content) {}
}
