package org.repgroup.lmtp.internal;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.repgroup.core.HostAddress;
import org.repgroup.core.time.Ticker;

/**
 * Idle LMTP connections per host: at most {@code maxIdlePerHost} kept, none older
 * than {@code maxAge}. Connections in use are not counted: concurrent deliveries
 * beyond the pool open their own and the extras are closed when returned.
 */
public final class ConnectionPool implements AutoCloseable {

  private final int maxIdlePerHost;
  private final long maxAgeNanos;
  private final Ticker ticker;
  private final Map<HostAddress, Deque<LmtpConnection>> idle = new HashMap<>();
  private boolean closed;

  /** A pool keeping up to {@code maxIdlePerHost} connections per host for at most {@code maxAge}. */
  public ConnectionPool(int maxIdlePerHost, Duration maxAge, Ticker ticker) {
    this.maxIdlePerHost = maxIdlePerHost;
    this.maxAgeNanos = maxAge.toNanos();
    this.ticker = ticker;
  }

  /** An idle connection to {@code host} young enough to reuse, or {@code null}. */
  public LmtpConnection take(HostAddress host) {
    List<LmtpConnection> expired = new ArrayList<>();
    LmtpConnection found = null;
    synchronized (this) {
      Deque<LmtpConnection> q = idle.get(host);
      while (q != null && !q.isEmpty()) {
        LmtpConnection c = q.pollFirst();
        if (c.isClosed() || ticker.read() - c.openedAtNanos() >= maxAgeNanos) {
          expired.add(c);
          continue;
        }
        found = c;
        break;
      }
    }
    expired.forEach(LmtpConnection::quitQuietly);
    return found;
  }

  /** Returns a healthy connection after a finished transaction; closes it when the pool is full. */
  public void give(LmtpConnection c) {
    synchronized (this) {
      if (!closed && !c.isClosed() && ticker.read() - c.openedAtNanos() < maxAgeNanos) {
        Deque<LmtpConnection> q = idle.computeIfAbsent(c.host(), h -> new ArrayDeque<>());
        if (q.size() < maxIdlePerHost) {
          q.addFirst(c);
          return;
        }
      }
    }
    c.quitQuietly();
  }

  /** Idle connections to {@code host}. */
  public synchronized int idleCount(HostAddress host) {
    Deque<LmtpConnection> q = idle.get(host);
    return q == null ? 0 : q.size();
  }

  /** Closes every idle connection. */
  @Override
  public void close() {
    List<LmtpConnection> all = new ArrayList<>();
    synchronized (this) {
      closed = true;
      idle.values().forEach(all::addAll);
      idle.clear();
    }
    all.forEach(LmtpConnection::quitQuietly);
  }
}
