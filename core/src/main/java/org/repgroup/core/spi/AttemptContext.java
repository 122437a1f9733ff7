package org.repgroup.core.spi;

import org.repgroup.core.Intent;

import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.Optional;
import org.repgroup.core.HostAddress;
import org.repgroup.core.Protocol;
import org.repgroup.core.ReplicationGroup;

/** What an {@link Attempt} needs to know about the try it is making. */
public interface AttemptContext {

  /** The host to try, with its port filled in. */
  HostAddress host();

  /**
   * {@link #host()} resolved now through the resources' {@link org.repgroup.core.HostResolver}
   * (first address), for adapters that open their own sockets. IP literals are
   * returned as they are.
   *
   * @throws UnknownHostException when the name does not resolve (an unavailable host)
   */
  InetSocketAddress socketAddress() throws UnknownHostException;

  /** The group the operation is for. */
  ReplicationGroup group();

  /** The protocol in use. */
  Protocol protocol();

  /** The operation's intent. */
  Intent intent();

  /** The host whose referral led here, if any. */
  Optional<HostAddress> referredBy();

  /** The number of referrals followed to get here (0 for a host from the list). */
  int hop();

  /** Connect timeout for this attempt: the policy's, cut to the time left before the deadline. */
  Duration connectTimeout();

  /** Greeting/response read timeout for this attempt: the policy's, cut to the time left. */
  Duration responseTimeout();

  /** Time left before the operation's deadline (never negative). */
  Duration timeLeft();

  /**
   * Tells the engine the host sent a <em>complete</em> good reply (a whole
   * greeting line, a whole login reply), not merely its first byte: the stagger
   * no longer runs for this attempt, so a long but healthy operation (a big
   * delivery) does not start other hosts in parallel. Calling it more than once
   * is harmless.
   */
  void hostResponded();

  /**
   * Tells the engine the attempt now waits for another reply from the host (a
   * command was sent before the operation was served): the stagger runs again
   * from now, so a host that answered the greeting but trickles or stalls on the
   * next reply lets the next host start in parallel like a silent one. A host
   * that never completes an awaited reply counts as silent when the operation
   * ends. Harmless after the operation ended.
   */
  void awaitingReply();

  /** True once this attempt lost the race or the deadline passed; stop as soon as possible. */
  boolean isCancelled();

  /**
   * Registers something to close if this attempt is cancelled (a socket, a store).
   * If the attempt is already cancelled it is closed at once.
   */
  void onCancel(AutoCloseable resource);
}
