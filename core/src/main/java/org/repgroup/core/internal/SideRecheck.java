package org.repgroup.core.internal;

import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import org.repgroup.core.spi.AttemptOutcome;
import org.repgroup.core.spi.HostProbe;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The single recheck of a host whose down mark expired, run on the side by the
 * attempt's {@link HostProbe} while other hosts serve the operation: its result
 * only updates the host's health; the operation neither waits for it nor uses it.
 */
final class SideRecheck {

  private static final Logger LOG = LoggerFactory.getLogger("org.repgroup.attempts");

  private SideRecheck() {}

  static void run(HostProbe probe, AttemptRun run, GroupState state, Executor executor) {
    try {
      executor.execute(() -> {
        String failure;
        try {
          AttemptOutcome<Void> outcome = probe.probe(run);
          failure = outcome instanceof AttemptOutcome.Unavailable<Void> u ? u.reason() : null;
        } catch (Throwable t) {
          failure = AttemptLauncher.describe(t);
        }
        state.rechecked(run.target.resolved(), failure, run.sequence);
      });
    } catch (RejectedExecutionException e) {
      LOG.debug("no thread for the recheck of {}", run.target.resolved());
    }
  }
}
