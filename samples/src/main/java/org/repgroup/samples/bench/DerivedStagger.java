package org.repgroup.samples.bench;

import jakarta.mail.MessagingException;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import org.eclipse.angus.mail.imap.IMAPStore;
import org.repgroup.core.AttemptRecord;
import org.repgroup.core.Credentials;
import org.repgroup.core.FailoverPolicy;
import org.repgroup.core.FailoverResult;
import org.repgroup.core.HostAddress;
import org.repgroup.core.Intent;
import org.repgroup.core.ReplicationGroup;
import org.repgroup.core.RepgroupResources;
import org.repgroup.core.internal.AffinityStore;
import org.repgroup.imap.ImapFailoverClient;

/**
 * A stagger derived from measured logins, RFC 8305 style, for {@link AdaptiveStaggerBenchmark}:
 * {@code clamp(3 x p99, FLOOR, CAP)}, the p99 being that of the engine's own attempt time
 * (connect, greeting, CAPABILITY, LOGIN until the tagged OK, as the trace's
 * {@link AttemptRecord#elapsed()} has it) over {@link #LOGINS} logins to the healthy group's
 * master, with the master cached and staggering off so that each login is one attempt. The attempt
 * time bounds every single reply wait the stagger covers, so the derived value errs on the long side.
 *
 * @param logins logins measured
 * @param p50 median attempt time
 * @param p99 99th percentile attempt time
 * @param stagger {@code clamp(3 x p99, FLOOR, CAP)}
 */
record DerivedStagger(int logins, Duration p50, Duration p99, Duration stagger) {

  /** Logins before the measured ones (JIT, connection set-up paths). */
  static final int WARMUP_LOGINS = 500;
  /** Logins measured. */
  static final int LOGINS = 2000;
  /** Shortest derived stagger: 10 ms. */
  static final Duration FLOOR = Duration.ofMillis(10);
  /** Longest derived stagger: the library's default, {@link FailoverPolicy#DEFAULT_STAGGER}. */
  static final Duration CAP = FailoverPolicy.DEFAULT_STAGGER;

  /**
   * Measures {@link #LOGINS} logins to {@code master} of the healthy {@code group}, on resources of
   * its own (so nothing it learns reaches the benchmark's client).
   *
   * @throws IllegalStateException when a login took more than one attempt or another host served it
   */
  static DerivedStagger measure(ReplicationGroup group, HostAddress master, Credentials credentials)
      throws MessagingException {
    long[] nanos = new long[LOGINS];
    try (RepgroupResources resources = RepgroupResources.create()) {
      ImapFailoverClient client = ImapFailoverClient.builder(resources)
          .policy(FailoverPolicy.builder().stagger(Duration.ZERO).build()).build();
      AffinityStore cache = AffinityStore.of(resources.affinityCache());
      for (int i = -WARMUP_LOGINS; i < LOGINS; i++) {
        cache.recordMaster(group.name(), master, cache.nextSequence(), true);
        FailoverResult.Served<IMAPStore> served = client.connectTraced(group, credentials, Intent.WRITE);
        served.value().close();
        List<AttemptRecord> attempts = served.trace().attempts();
        if (attempts.size() != 1 || !served.host().equals(master)) {
          throw new IllegalStateException("calibration login on a healthy group was not one attempt on the master "
              + master + ": " + attempts);
        }
        if (i >= 0) {
          nanos[i] = attempts.get(0).elapsed().toNanos();
        }
      }
    }
    Arrays.sort(nanos);
    Duration p99 = Duration.ofNanos(percentile(nanos, 0.99));
    return new DerivedStagger(LOGINS, Duration.ofNanos(percentile(nanos, 0.50)), p99, derive(p99));
  }

  /** {@code clamp(3 x p99, FLOOR, CAP)}. */
  static Duration derive(Duration p99) {
    Duration tripled = p99.multipliedBy(3);
    return tripled.compareTo(FLOOR) < 0 ? FLOOR : tripled.compareTo(CAP) > 0 ? CAP : tripled;
  }

  /** The {@code q} quantile of sorted {@code values} (nearest rank). */
  private static long percentile(long[] sorted, double q) {
    return sorted[Math.max(0, (int) Math.ceil(q * sorted.length) - 1)];
  }

  /** The stagger a benchmark's {@code stagger} parameter names: {@code derived} or {@code default}. */
  Duration choose(String param) {
    return switch (param) {
      case "derived" -> stagger;
      case "default" -> FailoverPolicy.DEFAULT_STAGGER;
      default -> throw new IllegalArgumentException("stagger must be derived or default, was " + param);
    };
  }

  /** One line for the benchmark's output. */
  @Override
  public String toString() {
    return String.format("calibration: %d logins, attempt p50 %.3f ms, p99 %.3f ms -> derived stagger %.3f ms"
        + " (3 x p99, floor %d ms, cap %d ms)", logins, p50.toNanos() / 1e6, p99.toNanos() / 1e6,
        stagger.toNanos() / 1e6, FLOOR.toMillis(), CAP.toMillis());
  }
}
