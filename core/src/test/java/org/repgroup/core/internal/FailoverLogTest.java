package org.repgroup.core.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.repgroup.core.FailoverPolicy;
import org.repgroup.core.FailoverResult;
import org.repgroup.core.HostAddress;
import org.repgroup.core.Intent;
import org.repgroup.core.Protocol;
import org.repgroup.core.ReplicationGroup;
import org.repgroup.core.RepgroupResources;
import org.repgroup.core.StoreHostList;
import org.repgroup.core.spi.Attempt;
import org.repgroup.core.spi.AttemptContext;
import org.repgroup.core.spi.AttemptOutcome;
import org.repgroup.core.spi.FailoverEngine;

/**
 * What operators read: one INFO line per operation that failed over (group,
 * from, to, why, elapsed), nothing for one served by its first host, every
 * attempt at DEBUG. The build points slf4j-simple at {@code target/repgroup-test.log}.
 */
@Timeout(10)
class FailoverLogTest {

  static final HostAddress H1 = HostAddress.of("h1.example.com", 143);
  static final HostAddress H2 = HostAddress.of("h2.example.com", 143);

  final RepgroupResources resources = RepgroupResources.create();
  final FailoverPolicy policy = FailoverPolicy.builder().stagger(Duration.ZERO).build();
  final String name = "log-" + UUID.randomUUID();
  final ReplicationGroup group = ReplicationGroup.builder(name, StoreHostList.of(H1, H2)).build();

  @AfterEach
  void tearDown() {
    resources.close();
  }

  static List<String> logLinesFor(String group) throws Exception {
    Path log = Path.of(System.getProperty("org.slf4j.simpleLogger.logFile"));
    return Files.readAllLines(log, StandardCharsets.UTF_8).stream().filter(l -> l.contains(group)).toList();
  }

  @Test
  void failoverIsOneInfoLineNamingGroupFromToWhyAndElapsed() throws Exception {
    ScriptedAttempt a = new ScriptedAttempt().unavailable(H1).succeeds(H2);

    new FailoverEngine(resources, policy).execute(group, Protocol.IMAP, Intent.WRITE, a);

    List<String> info = logLinesFor(name).stream().filter(l -> l.contains(" INFO ")).toList();
    assertThat(info).singleElement().satisfies(l -> assertThat(l).contains("org.repgroup.failover",
        "failover group=" + name, "protocol=IMAP", "intent=WRITE", "from=h1.example.com:143",
        "to=h2.example.com:143", "why=\"connection refused\"", "elapsed="));
    assertThat(logLinesFor(name)).filteredOn(l -> l.contains(" DEBUG org.repgroup.attempts ")).hasSize(2);
  }

  @Test
  void operationServedByItsFirstHostLogsNothingAboveDebug() throws Exception {
    new FailoverEngine(resources, policy).execute(group, Protocol.IMAP, Intent.WRITE,
        new ScriptedAttempt().succeeds(H1));

    assertThat(logLinesFor(name)).allSatisfy(l -> assertThat(l).contains(" DEBUG "));
  }

  @Test
  void failedOperationIsOneInfoLineWithItsKind() throws Exception {
    FailoverPolicy once = policy.toBuilder().maxPasses(1).build();
    new FailoverEngine(resources, once).execute(group, Protocol.LMTP, Intent.WRITE,
        new ScriptedAttempt().unavailable(H1).unavailable(H2));

    assertThat(logLinesFor(name)).filteredOn(l -> l.contains(" INFO ")).singleElement()
        .satisfies(l -> assertThat(l).contains("failed group=" + name, "kind=ALL_UNAVAILABLE"));
  }

  @Test
  void staggeredAttemptTheFirstHostBeatIsNoFailover() throws Exception {
    // H1 answers only once the stagger has started H2; H2 never answers and is cancelled.
    CountDownLatch h2Started = new CountDownLatch(1);
    Attempt<String> a = ctx -> {
      if (ctx.host().equals(H2)) {
        h2Started.countDown();
        return hangUntilCancelled(ctx);
      }
      h2Started.await(5, TimeUnit.SECONDS);
      return AttemptOutcome.success("on h1");
    };
    FailoverPolicy staggered = policy.toBuilder().stagger(Duration.ofMillis(20)).build();

    FailoverResult<String> r = new FailoverEngine(resources, staggered).execute(group, Protocol.IMAP, Intent.WRITE, a);

    assertThat(((FailoverResult.Served<String>) r).host()).isEqualTo(H1);
    assertThat(r.trace().attempts()).hasSize(2);
    assertThat(logLinesFor(name)).noneSatisfy(l -> assertThat(l).contains(" INFO "));
  }

  @Test
  void silentFirstHostBeatenByAStaggeredOneIsAFailoverFromIt() throws Exception {
    Attempt<String> a = ctx -> ctx.host().equals(H1) ? hangUntilCancelled(ctx) : AttemptOutcome.success("on h2");
    FailoverPolicy staggered = policy.toBuilder().stagger(Duration.ofMillis(20)).build();

    new FailoverEngine(resources, staggered).execute(group, Protocol.IMAP, Intent.WRITE, a);

    assertThat(logLinesFor(name)).filteredOn(l -> l.contains(" INFO ")).singleElement().satisfies(l -> assertThat(l)
        .contains("from=h1.example.com:143", "to=h2.example.com:143", "why=\"another host answered first\""));
  }

  static AttemptOutcome<String> hangUntilCancelled(AttemptContext ctx) throws InterruptedException {
    CountDownLatch cancelled = new CountDownLatch(1);
    ctx.onCancel(cancelled::countDown);
    cancelled.await(5, TimeUnit.SECONDS);
    return AttemptOutcome.unavailable("cancelled", null);
  }
}
