package org.repgroup.samples;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.repgroup.core.Protocol;
import org.repgroup.core.ReplicationGroup;
import org.repgroup.core.RepgroupResources;
import org.repgroup.core.AttemptRecord;
import org.repgroup.core.FailoverPolicy;
import org.repgroup.core.FailoverTrace;
import org.repgroup.core.Intent;
import org.repgroup.core.spi.ServerText;
import org.repgroup.ens.EnsEvent;
import org.repgroup.ens.EnsListener;
import org.repgroup.ens.EnsPublisher;
import org.repgroup.ens.EnsSubscriber;
import org.repgroup.ens.EventFilter;
import org.repgroup.ens.EventType;
import org.repgroup.ens.HostPublish;
import org.repgroup.ens.MalformedEventException;
import org.repgroup.ens.PublishResult;
import org.repgroup.ens.Subscription;
import org.repgroup.ens.SubscriptionStatus;
import org.repgroup.samples.internal.ProbeCommand;
import org.repgroup.samples.internal.ProbeReport;
import org.repgroup.samples.internal.UsageException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code ens publish} and {@code ens subscribe}. */
@Command(name = "ens", mixinStandardHelpOptions = true, description = "Publish an ENS event, or subscribe to events.",
    subcommands = {EnsProbe.Publish.class, EnsProbe.Subscribe.class})
final class EnsProbe implements Runnable {

  @Override
  public void run() {
    new picocli.CommandLine(this).usage(System.out);
  }

  /** The group with the ENS port from --ens-port when given. */
  static ReplicationGroup group(ProbeCommand cmd, Integer ensPort, ReplicationGroup g) throws UsageException {
    if (ensPort == null) {
      return g;
    }
    try {
      return g.toBuilder().port(Protocol.ENS, ensPort).build();
    } catch (IllegalArgumentException e) {
      throw new UsageException("--ens-port: " + e.getMessage());
    }
  }

  @Command(name = "publish", mixinStandardHelpOptions = true,
      description = "Publish one event to every available host of the group.")
  static final class Publish extends ProbeCommand {
    @Option(names = "--type", required = true, description = "Event type, e.g. NewMsg.")
    String type;

    @Option(names = "--mailbox", required = true, description = "mailboxName of the event.")
    String mailbox;

    @Option(names = "--ens-port", paramLabel = "N", description = "The group's ENS port (default 7997).")
    Integer ensPort;

    @Spec
    CommandSpec publishSpec;

    @Override
    protected ProbeReport probe(RepgroupResources resources) throws Exception {
      EventType t;
      try {
        t = EventType.of(type);
      } catch (IllegalArgumentException e) {
        throw new UsageException("--type: " + e.getMessage());
      }
      ReplicationGroup g = group(this, ensPort, common.group(Protocol.ENS));
      FailoverPolicy policy = common.policy();
      EnsPublisher.Builder publisher = EnsPublisher.builder(resources).policy(policy);
      if (publishSpec.commandLine().getParseResult().hasMatchedOption("--timeout")
          || !policy.responseTimeout().equals(FailoverPolicy.DEFAULT_RESPONSE_TIMEOUT)) {
        // --timeout (or the configuration) set the response timeout: one host's whole exchange gets
        // connect + response, not the library's 2 s default, shorter or longer.
        publisher.perHostTimeout(policy.connectTimeout().plus(policy.responseTimeout()));
      }
      long start = System.nanoTime();
      PublishResult r = publisher.build()
          .publish(g, EnsEvent.builder(t).mailbox(mailbox).timestamp(java.time.Instant.now()).build());
      List<AttemptRecord> attempts = new ArrayList<>();
      for (HostPublish h : r.hosts()) {
        AttemptRecord.Kind kind = h.taken() ? AttemptRecord.Kind.SUCCESS
            : h.outcome() == HostPublish.Outcome.SKIPPED ? AttemptRecord.Kind.CANCELLED : AttemptRecord.Kind.UNAVAILABLE;
        attempts.add(new AttemptRecord(h.host(), 0, kind, h.elapsed(),
            h.outcome().name().toLowerCase(java.util.Locale.ROOT) + ": " + ServerText.printable(h.detail(), 500), null));
      }
      FailoverTrace trace = new FailoverTrace(g.name(), Intent.WRITE, attempts, List.of(), 0, false, 1,
          Duration.ofNanos(System.nanoTime() - start));
      // A failed publish keeps every host's reason in the report, like a served one.
      ProbeReport report = r.takenBy().isEmpty()
          ? ProbeReport.served(null, trace).fail("no host of group " + g.name() + " took the event")
          : ProbeReport.served(r.takenBy().get(0), trace);
      return report.put("events", List.of(Map.of("reference", r.event().toReference())));
    }
  }

  @Command(name = "subscribe", mixinStandardHelpOptions = true,
      description = "Subscribe to the group's events and print the first N.")
  static final class Subscribe extends ProbeCommand {
    @Option(names = "--count", defaultValue = "1", description = "Events to wait for (default 1).")
    int count;

    @Option(names = "--type", description = "Only this event type.")
    String type;

    @Option(names = "--max-wait", paramLabel = "MS", defaultValue = "30000",
        description = "Give up after this long (default 30000 ms).")
    long maxWait;

    @Option(names = "--ens-port", paramLabel = "N", description = "The group's ENS port (default 7997).")
    Integer ensPort;

    @Override
    protected ProbeReport probe(RepgroupResources resources) throws Exception {
      if (count < 1) {
        throw new UsageException("--count must be >= 1");
      }
      ReplicationGroup g = group(this, ensPort, common.group(Protocol.ENS));
      List<Map<String, Object>> events = new ArrayList<>();
      CountDownLatch done = new CountDownLatch(count);
      SubscriptionStatus[] last = new SubscriptionStatus[1];
      EventFilter filter = type == null ? EventFilter.all() : EventFilter.of(EventType.of(type));
      long start = System.nanoTime();
      try (EnsSubscriber subscriber = EnsSubscriber.builder(resources).policy(common.policy()).build();
          Subscription s = subscriber.subscribe(g, filter, new EnsListener() {
            @Override
            public void onEvent(EnsEvent event, String id) {
              synchronized (events) {
                if (events.size() < count) {
                  Map<String, Object> m = new LinkedHashMap<>();
                  m.put("id", id);
                  m.put("reference", event.toReference());
                  events.add(m);
                  done.countDown();
                }
              }
            }

            @Override
            public void onError(MalformedEventException error) {
              synchronized (events) {
                events.add(Map.of("error", error.getMessage()));
              }
            }

            @Override
            public void onStatus(SubscriptionStatus status) {
              last[0] = status;
              if (status.state() == SubscriptionStatus.State.REJECTED) {
                while (done.getCount() > 0) {
                  done.countDown();
                }
              }
            }
          })) {
        boolean all = done.await(maxWait, TimeUnit.MILLISECONDS);
        long millis = (System.nanoTime() - start) / 1_000_000;
        var host = s.host();
        ProbeReport report;
        synchronized (events) {
          report = host.isPresent()
              ? ProbeReport.served(host.get(), new FailoverTrace(g.name(), Intent.READ_NO_REFERRALS, List.of(), List.of(),
                  0, false, 1, Duration.ofMillis(millis))).put("events", List.copyOf(events))
              : ProbeReport.failed(new IllegalStateException("not connected: "
                  + (last[0] == null ? "no status" : last[0].state() + " " + last[0].detail())), millis)
                  .put("events", List.copyOf(events));
        }
        if (!all) {
          report.fail("received " + (count - done.getCount()) + " of " + count + " events in " + maxWait + " ms");
        }
        return report;
      }
    }
  }
}
