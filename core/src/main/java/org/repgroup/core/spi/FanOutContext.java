package org.repgroup.core.spi;

import java.time.Duration;
import java.util.Optional;
import org.repgroup.core.HostAddress;
import org.repgroup.core.Protocol;
import org.repgroup.core.ReplicationGroup;

/** What a {@link FanOutAttempt} needs to know about the try it is making, and its signals back. */
public interface FanOutContext {

  /** The host to try, with its port filled in. */
  HostAddress host();

  /** The group the fan-out is for. */
  ReplicationGroup group();

  /** The protocol in use. */
  Protocol protocol();

  /** The host whose referral led here, if any. */
  Optional<HostAddress> referredBy();

  /** The number of referrals followed to get here: 0 for a host of the list, 1 for a referral target. */
  int hop();

  /**
   * Connect timeout for this try: the policy's. Not cut to the time left: at the
   * deadline the engine gives the try up itself, without blaming the host.
   */
  Duration connectTimeout();

  /** Read/write timeout for this try: the policy's, not cut to the time left (see {@link #connectTimeout()}). */
  Duration responseTimeout();

  /** Time left before the fan-out's deadline (never negative). */
  Duration timeLeft();

  /**
   * Call when the request actually leaves for the host (after any wait in the
   * adapter's own queue): the host's per-host timeout and its elapsed time start
   * now, never while the request waited. Returns false when the engine already
   * gave this try up (the deadline passed): then nothing may be sent, so a try
   * reported as never sent is never sent later. Calling it again is harmless.
   */
  boolean sending();

  /** True once the engine gave this try up; stop as soon as possible. */
  boolean isCancelled();

  /**
   * Registers something to close when the engine gives this try up (an HTTP call's
   * cancel). If it is already given up, it is closed at once.
   */
  void onCancel(AutoCloseable resource);
}
