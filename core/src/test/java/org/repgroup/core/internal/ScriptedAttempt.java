package org.repgroup.core.internal;

import org.repgroup.core.spi.Attempt;
import org.repgroup.core.spi.AttemptContext;
import org.repgroup.core.spi.AttemptOutcome;
import org.repgroup.core.spi.HostProbe;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import org.repgroup.core.HostAddress;

/**
 * An attempt whose outcome per host is scripted: answer at once, or hang until
 * the engine cancels it (a black-holed host). Records every host it was run on.
 */
final class ScriptedAttempt implements Attempt<String> {

  private final Map<HostAddress, Function<AttemptContext, AttemptOutcome<String>>> script = new ConcurrentHashMap<>();
  private final Map<HostAddress, AtomicInteger> counts = new ConcurrentHashMap<>();
  final List<HostAddress> started = new CopyOnWriteArrayList<>();
  final List<String> discarded = new CopyOnWriteArrayList<>();

  ScriptedAttempt on(HostAddress host, Function<AttemptContext, AttemptOutcome<String>> behaviour) {
    script.put(host, behaviour);
    return this;
  }

  ScriptedAttempt succeeds(HostAddress host) {
    return on(host, ctx -> AttemptOutcome.success("served by " + host));
  }

  ScriptedAttempt unavailable(HostAddress host) {
    return on(host, ctx -> AttemptOutcome.unavailable("connection refused", new java.net.ConnectException("refused")));
  }

  ScriptedAttempt refers(HostAddress host, HostAddress target) {
    return on(host, ctx -> AttemptOutcome.referral(target, "try " + target));
  }

  /** Accepts and never answers: returns only when the engine cancels the attempt. */
  ScriptedAttempt hangs(HostAddress host) {
    return on(host, ctx -> {
      CountDownLatch cancelled = new CountDownLatch(1);
      ctx.onCancel(cancelled::countDown);
      try {
        if (!cancelled.await(10, TimeUnit.SECONDS)) {
          throw new AssertionError("hanging attempt on " + host + " was never cancelled");
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      return AttemptOutcome.unavailable("cancelled", null);
    });
  }

  @Override
  public AttemptOutcome<String> attempt(AttemptContext context) {
    started.add(context.host());
    counts.computeIfAbsent(context.host(), h -> new AtomicInteger()).incrementAndGet();
    Function<AttemptContext, AttemptOutcome<String>> b = script.get(context.host());
    if (b == null) {
      throw new AssertionError("no script for " + context.host());
    }
    return b.apply(context);
  }

  @Override
  public void discard(String value) {
    discarded.add(value);
  }

  /** The same script, with {@code probe} as its recheck prober. */
  Attempt<String> withProber(HostProbe probe) {
    ScriptedAttempt scripted = this;
    return new Attempt<>() {
      @Override
      public AttemptOutcome<String> attempt(AttemptContext context) {
        return scripted.attempt(context);
      }

      @Override
      public java.util.Optional<HostProbe> prober() {
        return java.util.Optional.of(probe);
      }
    };
  }

  int count(HostAddress host) {
    AtomicInteger c = counts.get(host);
    return c == null ? 0 : c.get();
  }
}
