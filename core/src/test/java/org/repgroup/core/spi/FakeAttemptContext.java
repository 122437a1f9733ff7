package org.repgroup.core.spi;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.repgroup.core.HostAddress;
import org.repgroup.core.Intent;
import org.repgroup.core.Protocol;
import org.repgroup.core.ReplicationGroup;
import org.repgroup.core.StoreHostList;

/** An attempt context for socket-layer tests: a fixed address, fixed timeouts, counted signals. */
final class FakeAttemptContext implements AttemptContext {

  final HostAddress host;
  final InetSocketAddress address;
  final ReplicationGroup group;
  final Duration connectTimeout;
  final Duration responseTimeout;
  final AtomicInteger responded = new AtomicInteger();
  final AtomicInteger awaiting = new AtomicInteger();
  final List<AutoCloseable> registered = new CopyOnWriteArrayList<>();

  FakeAttemptContext(HostAddress host, InetSocketAddress address, ReplicationGroup group, Duration responseTimeout) {
    this.host = host;
    this.address = address;
    this.group = group;
    this.connectTimeout = Duration.ofMillis(500);
    this.responseTimeout = responseTimeout;
  }

  /** A context for {@code host} (any name) that connects to {@code address}. */
  static FakeAttemptContext of(HostAddress host, InetSocketAddress address, Duration responseTimeout) {
    return new FakeAttemptContext(host, address, ReplicationGroup.builder("g", StoreHostList.of(host)).build(),
        responseTimeout);
  }

  @Override
  public HostAddress host() {
    return host;
  }

  @Override
  public InetSocketAddress socketAddress() {
    return address;
  }

  @Override
  public ReplicationGroup group() {
    return group;
  }

  @Override
  public Protocol protocol() {
    return Protocol.IMAP;
  }

  @Override
  public Intent intent() {
    return Intent.WRITE;
  }

  @Override
  public Optional<HostAddress> referredBy() {
    return Optional.empty();
  }

  @Override
  public int hop() {
    return 0;
  }

  @Override
  public Duration connectTimeout() {
    return connectTimeout;
  }

  @Override
  public Duration responseTimeout() {
    return responseTimeout;
  }

  @Override
  public Duration timeLeft() {
    return Duration.ofSeconds(30);
  }

  @Override
  public void hostResponded() {
    responded.incrementAndGet();
  }

  @Override
  public void awaitingReply() {
    awaiting.incrementAndGet();
  }

  @Override
  public boolean isCancelled() {
    return false;
  }

  @Override
  public void onCancel(AutoCloseable resource) {
    registered.add(resource);
  }
}
