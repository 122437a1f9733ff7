package org.repgroup.samples;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import jakarta.mail.Folder;
import jakarta.mail.Message;
import jakarta.mail.Session;
import jakarta.mail.internet.MimeMessage;
import java.io.ByteArrayInputStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.eclipse.angus.mail.imap.IMAPStore;
import org.eclipse.angus.mail.pop3.POP3Store;
import org.repgroup.core.Credentials;
import org.repgroup.core.FailoverPolicy;
import org.repgroup.core.FailoverResult;
import org.repgroup.core.FailoverTrace;
import org.repgroup.core.HostAddress;
import org.repgroup.core.Intent;
import org.repgroup.core.Protocol;
import org.repgroup.core.RepgroupResources;
import org.repgroup.core.ReplicationGroup;
import org.repgroup.core.internal.Json;
import org.repgroup.ens.EnsEvent;
import org.repgroup.ens.EnsListener;
import org.repgroup.ens.EnsPublisher;
import org.repgroup.ens.EnsSubscriber;
import org.repgroup.ens.EventFilter;
import org.repgroup.ens.EventType;
import org.repgroup.ens.PublishResult;
import org.repgroup.ens.Subscription;
import org.repgroup.ens.SubscriptionStatus;
import org.repgroup.imap.AppendResult;
import org.repgroup.imap.ImapFailoverClient;
import org.repgroup.lmtp.DeliveryResult;
import org.repgroup.lmtp.LmtpFailoverClient;
import org.repgroup.lmtp.MessageSource;
import org.repgroup.lmtp.RecipientStatus;
import org.repgroup.micrometer.RepgroupMetrics;
import org.repgroup.pop.PopFailoverClient;
import org.repgroup.testkit.RollingUpgrade;
import org.repgroup.testkit.SimulatedNode;
import org.repgroup.testkit.SimulatedReplicationGroup;
import org.repgroup.testkit.StoredMessage;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code demo}: an embedded simulated group, writers on IMAP, POP and LMTP and
 * an ENS subscriber, the master killed, the election, every client's failover,
 * the old master back as a replica, and a summary proving nothing was lost.
 */
@Command(name = "demo", mixinStandardHelpOptions = true,
    description = "Start an embedded simulated group, run writers and a subscriber, break the group as --mode says, show every client's failover.")
final class DemoCommand implements Callable<Integer> {

  @Option(names = "--nodes", defaultValue = "3", description = "Nodes in the group, 3-5 (default 3).")
  int nodes;

  @Option(names = "--json", description = "Print the timeline and summary as one JSON object.")
  boolean json;

  @Option(names = "--pace", paramLabel = "MS", defaultValue = "250", description = "Pause between rounds (default 250 ms).")
  long paceMillis;

  @Option(names = "--metrics", description = "Record what the clients did in a Micrometer registry (repgroup-micrometer) and print it.")
  boolean metrics;

  @Option(names = "--mode", defaultValue = "replicated",
      description = "replicated (master killed, election), two-site (two nodes, master killed: read-only), "
          + "classic (no replication: primary stopped, standby started) or rolling (every node restarted in turn).")
  String mode;

  private static final int ROUNDS = 8;
  private static final int KILL_AFTER = 3;
  private static final int RESTART_AFTER = 6;
  /** Rolling mode: rounds go on while the upgrade runs, at most this many. */
  private static final int MAX_ROUNDS = 200;
  /** Rolling mode: rounds run while a node is down before it starts again, and after, before the next stops. */
  private static final int ROUNDS_PER_STEP = 2;
  private static final Credentials ALICE = new Credentials("alice", "wonderland");

  private final List<Map<String, Object>> timeline = new CopyOnWriteArrayList<>();
  private final Map<String, Stats> stats = new LinkedHashMap<>();
  private final Map<HostAddress, String> names = new HashMap<>();
  /** Message-IDs of the writes reported stored (each must be in the mailbox exactly once). */
  private final Set<String> storedIds = ConcurrentHashMap.newKeySet();
  /** Message-IDs of deliveries whose outcome is unknown (a node stopped where the reply was due): at most once. */
  private final Set<String> maybeIds = ConcurrentHashMap.newKeySet();
  private long start;
  private PrintWriter out;

  @Spec
  CommandSpec spec;
  private boolean colour;

  @Override
  public Integer call() throws Exception {
    if (nodes < 3 || nodes > 5) {
      spec.commandLine().getErr().println("repgroup-probe demo: --nodes must be in 3-5, was " + nodes);
      return 2;
    }
    if (!List.of("replicated", "two-site", "classic", "rolling").contains(mode)) {
      spec.commandLine().getErr().println(
          "repgroup-probe demo: --mode must be replicated, two-site, classic or rolling, was " + mode);
      return 2;
    }
    out = spec.commandLine().getOut();
    colour = !json && System.console() != null;
    start = System.nanoTime();
    FailoverPolicy policy = FailoverPolicy.builder().stagger(Duration.ofMillis(100)).connectTimeout(Duration.ofSeconds(1))
        .responseTimeout(Duration.ofSeconds(1)).deadline(Duration.ofSeconds(5)).build();
    SimulatedReplicationGroup.Builder builder = SimulatedReplicationGroup.builder().user("alice", "wonderland")
        .nodes(mode.equals("two-site") ? 2 : nodes);
    if (mode.equals("classic")) {
      builder.classicFailover(true);
    } else {
      builder.startAsMaster(0);
    }
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    try (SimulatedReplicationGroup g = builder.build();
         RepgroupResources resources = resources(g, registry);
         LmtpFailoverClient lmtp = LmtpFailoverClient.builder(resources).policy(policy).build()) {
      for (SimulatedNode n : g.nodes()) {
        for (Protocol p : Protocol.values()) {
          names.put(n.address(p), n.name());
        }
      }
      header(g);
      ImapFailoverClient imap = ImapFailoverClient.builder(resources).policy(policy).build();
      PopFailoverClient pop = PopFailoverClient.builder(resources).policy(policy).build();
      EnsPublisher publisher = EnsPublisher.builder(resources).policy(policy).build();
      List<String> received = new CopyOnWriteArrayList<>();
      int published = 0;
      try (EnsSubscriber subscriber = EnsSubscriber.builder(resources).policy(policy).build();
          Subscription sub = subscriber.subscribe(g.replicationGroup(Protocol.ENS), EventFilter.of(EventType.NEW_MSG),
              new EnsListener() {
                @Override
                public void onEvent(EnsEvent event, String id) {
                  received.add(id);
                }

                @Override
                public void onStatus(SubscriptionStatus status) {
                  event("subscriber", status.state().name().toLowerCase(Locale.ROOT).replace('_', ' ')
                      + status.host().map(h -> " " + name(h)).orElse(""), null, -1, 0, status.detail());
                }
              })) {
        RollingDriver roll = null;
        for (int round = 1; round <= ROUNDS || roll != null && !roll.isDone() && round <= MAX_ROUNDS; round++) {
          deliver(lmtp, g, round);
          append(imap, g, round);
          stat(pop, g);
          if (publish(publisher, g, round)) {
            published++;
          }
          if (mode.equals("two-site")) {
            read(imap, g);
          }
          if (mode.equals("rolling")) {
            if (roll == null) {
              roll = new RollingDriver(g);
              roll.start();
            }
            roll.roundDone(round);
          } else {
            chaos(g, round);
          }
          pause();
        }
        if (roll != null && !roll.finish()) {
          stats.computeIfAbsent("upgrade", c -> new Stats()).failed++;
          event("upgrade", "FAILED: the rolling upgrade did not finish within " + MAX_ROUNDS + " rounds", null, -1, 0, "");
        }
        waitForEvents(received, published);
      }
      return summary(g, published, received, registry);
    }
  }

  /** The demo's resources; with {@code --metrics}, reporting to {@code registry} through the Micrometer binding. */
  private RepgroupResources resources(SimulatedReplicationGroup g, SimpleMeterRegistry registry) {
    if (!metrics) {
      return RepgroupResources.create();
    }
    List<ReplicationGroup> groups = new ArrayList<>();
    for (Protocol p : Protocol.values()) {
      groups.add(g.replicationGroup(p));
    }
    RepgroupMetrics binding = RepgroupMetrics.of(groups);
    binding.bindTo(registry);
    return RepgroupResources.builder().listener(binding).build();
  }

  /** Every meter the registry holds, sorted: name, tags (host tags as node names), and what it measured. */
  private List<Map<String, Object>> meters(SimpleMeterRegistry registry) {
    List<Map<String, Object>> out = new ArrayList<>();
    for (Meter m : registry.getMeters()) {
      Map<String, Object> row = new LinkedHashMap<>();
      row.put("name", m.getId().getName());
      Map<String, Object> tags = new LinkedHashMap<>();
      for (Tag t : m.getId().getTags()) {
        boolean host = t.getKey().equals("host") || t.getKey().equals("target") || t.getKey().equals("master");
        tags.put(t.getKey(), host ? nodeName(t.getValue()) : t.getValue());
      }
      row.put("tags", tags);
      if (m instanceof Timer t) {
        row.put("count", t.count());
        row.put("totalMillis", Math.round(t.totalTime(TimeUnit.MILLISECONDS)));
        row.put("maxMillis", Math.round(t.max(TimeUnit.MILLISECONDS)));
      } else if (m instanceof Counter c) {
        row.put("count", Math.round(c.count()));
      } else if (m instanceof Gauge ga) {
        row.put("value", Math.round(ga.value()));
      }
      out.add(row);
    }
    out.sort(Comparator.comparing((Map<String, Object> r) -> (String) r.get("name"))
        .thenComparing(r -> r.get("tags").toString()));
    return out;
  }

  /** A host tag as the node's name when it is one of the group's addresses. */
  private String nodeName(String tag) {
    try {
      return name(HostAddress.parse(tag));
    } catch (IllegalArgumentException notAnAddress) {
      return tag;
    }
  }

  /** What happens to the group after {@code round}, per mode. */
  private void chaos(SimulatedReplicationGroup g, int round) {
    switch (mode) {
      case "replicated", "two-site" -> {
        if (round == KILL_AFTER) {
          SimulatedNode old = g.master().orElseThrow();
          event("chaos", "killing the master " + old.name(), null, -1, 0, "its ports now refuse connections");
          old.kill();
          event("election", g.master().map(m -> m.name() + " is the new master (log " + m.logPosition()
              + ", priority " + m.priority() + ")").orElse("no master: a two-site group stays read-only"),
              null, -1, 0, "");
        }
        if (round == RESTART_AFTER) {
          SimulatedNode back = g.node(0);
          back.start();
          event("restart", back.name() + " is back as " + back.role().name().toLowerCase(Locale.ROOT), null, -1, 0, "");
        }
      }
      case "classic" -> {
        if (round == KILL_AFTER) {
          event("chaos", "stopping the primary " + g.node(0).name() + " (no replication, standbys not running)",
              null, -1, 0, "");
          g.node(0).stop();
          g.node(1).start();
          event("standby", g.node(1).name() + " started on the shared disk and serves now", null, -1, 0, "");
        }
      }
      default -> throw new IllegalStateException(mode);
    }
  }

  private void read(ImapFailoverClient imap, SimulatedReplicationGroup g) {
    long t0 = System.nanoTime();
    try {
      FailoverResult.Served<IMAPStore> s = imap.connectTraced(g.replicationGroup(Protocol.IMAP), ALICE, Intent.READ);
      int count;
      try (IMAPStore store = s.value()) {
        Folder inbox = store.getFolder("INBOX");
        inbox.open(Folder.READ_ONLY);
        count = inbox.getMessageCount();
      }
      record("imap-read", true, s.host(), s.trace(), t0, "read INBOX: " + count + " messages");
    } catch (Exception e) {
      record("imap-read", false, null, null, t0, e.getMessage());
    }
  }

  private void header(SimulatedReplicationGroup g) {
    if (json) {
      return;
    }
    out.println(bold("Repgroup demo") + ": simulated group " + g.name() + ", " + g.nodes().size() + " nodes on 127.0.0.1");
    for (SimulatedNode n : g.nodes()) {
      out.printf("  %-6s %-8s imap %-16s pop %-16s lmtp %-16s ens %s%n", n.name(), n.role(),
          n.address(Protocol.IMAP), n.address(Protocol.POP), n.address(Protocol.LMTP), n.address(Protocol.ENS));
    }
    out.println();
  }

  private void deliver(LmtpFailoverClient lmtp, SimulatedReplicationGroup g, int round) {
    long t0 = System.nanoTime();
    try {
      String id = "delivery-" + round + "@demo.repgroup";
      DeliveryResult r = lmtp.deliver(g.replicationGroup(Protocol.LMTP), "demo@example.com", List.of("alice@example.com"),
          MessageSource.of(("Message-ID: <" + id + ">\r\nSubject: delivery " + round + "\r\n\r\nround " + round
              + "\r\n").getBytes(StandardCharsets.US_ASCII)));
      boolean ok = r.allDelivered();
      boolean unknown = !ok && r.recipients().get(0).status() == RecipientStatus.UNKNOWN_MAYBE_DELIVERED;
      if (ok) {
        storedIds.add(id);
      } else if (unknown) {
        // The node stopped where its reply was due: stored or not, never sent twice. Honest, not failed.
        maybeIds.add(id);
        stats.computeIfAbsent("lmtp", c -> new Stats()).unknown++;
        event("lmtp", "unknown: " + r.recipients().get(0).text() + " (maybe delivered, not sent again)", r.host(),
            (System.nanoTime() - t0) / 1_000_000, r.trace().attempts().size(), "");
        return;
      }
      record("lmtp", ok, r.host(), r.trace(), t0, ok ? "delivered to alice" : "not delivered: " + r.recipients());
    } catch (Exception e) {
      refusedOrFailed("lmtp", e, t0);
    }
  }

  private void append(ImapFailoverClient imap, SimulatedReplicationGroup g, int round) {
    long t0 = System.nanoTime();
    try {
      String id = "append-" + round + "@demo.repgroup";
      MimeMessage m = new MimeMessage(Session.getInstance(new Properties()), new ByteArrayInputStream(
          ("Message-ID: <" + id + ">\r\nSubject: append " + round + "\r\n\r\nappended\r\n")
              .getBytes(StandardCharsets.US_ASCII)));
      // Exactly once across a drop: a node stopped in the middle of the APPEND is looked at again.
      AppendResult r = imap.append(g.replicationGroup(Protocol.IMAP), ALICE, "INBOX", m);
      FailoverTrace last = r.traces().get(r.traces().size() - 1);
      boolean ok = r.isStored();
      if (ok) {
        storedIds.add(id);
      }
      record("imap", ok, r.host(), last, t0, switch (r.outcome()) {
        case APPENDED -> "appended to INBOX";
        case ALREADY_PRESENT -> "appended to INBOX (the connection dropped after the APPEND; found there, not sent again)";
        case UNKNOWN -> "append unknown: " + r.detail();
      });
    } catch (Exception e) {
      refusedOrFailed("imap", e, t0);
    }
  }

  private void stat(PopFailoverClient pop, SimulatedReplicationGroup g) {
    long t0 = System.nanoTime();
    try {
      FailoverResult.Served<POP3Store> s = pop.connectTraced(g.replicationGroup(Protocol.POP), ALICE);
      int count;
      try (POP3Store store = s.value()) {
        Folder inbox = store.getFolder("INBOX");
        inbox.open(Folder.READ_ONLY);
        count = inbox.getMessageCount();
        inbox.close(false);
      }
      record("pop", true, s.host(), s.trace(), t0, "STAT: " + count + " messages");
    } catch (Exception e) {
      refusedOrFailed("pop", e, t0);
    }
  }

  private boolean publish(EnsPublisher publisher, SimulatedReplicationGroup g, int round) {
    long t0 = System.nanoTime();
    try {
      PublishResult r = publisher.publish(g.replicationGroup(Protocol.ENS),
          EnsEvent.builder(EventType.NEW_MSG).mailbox("alice").uid(round).build());
      boolean ok = r.anyTaken();
      record("ens", ok, ok ? r.takenBy().get(0) : null, null, t0, ok ? "published NewMsg " + round + ", taken by "
          + r.takenBy().stream().map(this::name).toList() : "no host took the event");
      return ok;
    } catch (Exception e) {
      record("ens", false, null, null, t0, e.getMessage());
      return false;
    }
  }

  /** A write refused because the group has no master is what a two-site group must do: counted apart. */
  private void refusedOrFailed(String client, Exception e, long t0) {
    boolean noMaster = false;
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof org.repgroup.core.NoMasterException) {
        noMaster = true;
      }
    }
    if (noMaster) {
      stats.computeIfAbsent(client, c -> new Stats()).refused++;
      event(client, "refused: the group has no master (read-only)", null, (System.nanoTime() - t0) / 1_000_000, 1, "");
    } else {
      record(client, false, null, null, t0, e.getMessage());
    }
  }

  private void record(String client, boolean ok, HostAddress host, FailoverTrace trace, long t0, String detail) {
    long millis = (System.nanoTime() - t0) / 1_000_000;
    int attempts = trace == null ? 1 : trace.attempts().size();
    Stats s = stats.computeIfAbsent(client, c -> new Stats());
    s.ops++;
    s.failed += ok ? 0 : 1;
    s.failovers += attempts > 1 ? 1 : 0;
    s.maxMillis = Math.max(s.maxMillis, millis);
    if (host != null) {
      s.hosts.add(name(host));
    }
    String what = (ok ? "" : "FAILED: ") + detail + (host == null ? "" : " on " + name(host))
        + (attempts > 1 ? " after " + attempts + " attempts (failover)" : "");
    event(client, what, host, millis, attempts, "");
  }

  private void event(String actor, String what, HostAddress host, long millis, int attempts, String detail) {
    long t = (System.nanoTime() - start) / 1_000_000;
    Map<String, Object> e = new LinkedHashMap<>();
    e.put("tMillis", t);
    e.put("actor", actor);
    e.put("event", what);
    e.put("host", host == null ? null : host.toString());
    e.put("millis", millis < 0 ? null : millis);
    e.put("attempts", attempts);
    e.put("detail", detail);
    timeline.add(e);
    if (!json) {
      String line = String.format("[%7.3fs] %-10s %s%s", t / 1000.0, actor, what, millis >= 0 ? " in " + millis + " ms" : "");
      boolean highlight = actor.equals("chaos") || actor.equals("election") || what.contains("failover");
      synchronized (out) {
        out.println(highlight ? yellow(line) : line);
      }
    }
  }

  private void waitForEvents(List<String> received, int published) {
    long end = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    while (received.size() < published && System.nanoTime() < end) {
      pauseMillis(20);
    }
  }

  private int summary(SimulatedReplicationGroup g, int published, List<String> received, SimpleMeterRegistry registry) {
    Stats l = stats.getOrDefault("lmtp", new Stats());
    Stats i = stats.getOrDefault("imap", new Stats());
    Map<String, Integer> copies = new HashMap<>();
    int unidentified = 0;
    for (StoredMessage m : g.mailbox("alice")) {
      Matcher id = MESSAGE_ID.matcher(m.text());
      if (id.find()) {
        copies.merge(id.group(1), 1, Integer::sum);
      } else {
        unidentified++;
      }
    }
    long maybeStored = maybeIds.stream().filter(copies::containsKey).count();
    int expected = storedIds.size() + (int) maybeStored;
    int inMailbox = g.mailbox("alice").size();
    boolean exactlyOnce = unidentified == 0 && storedIds.stream().allMatch(id -> copies.getOrDefault(id, 0) == 1)
        && copies.values().stream().allMatch(n -> n == 1)
        && copies.keySet().stream().allMatch(id -> storedIds.contains(id) || maybeIds.contains(id));
    boolean eventsExact = received.size() == published && received.stream().distinct().count() == received.size();
    int failedOps = stats.values().stream().mapToInt(s -> s.failed).sum();
    boolean ok = failedOps == 0 && exactlyOnce && inMailbox == expected && eventsExact;
    if (json) {
      Map<String, Object> sum = new LinkedHashMap<>();
      List<Map<String, Object>> clients = new ArrayList<>();
      stats.forEach((c, s) -> {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("client", c);
        m.put("ops", s.ops);
        m.put("failed", s.failed);
        m.put("refusedNoMaster", s.refused);
        m.put("failovers", s.failovers);
        m.put("unknown", s.unknown);
        m.put("maxMillis", s.maxMillis);
        m.put("hosts", List.copyOf(s.hosts));
        clients.add(m);
      });
      sum.put("clients", clients);
      sum.put("messagesExpected", expected);
      sum.put("messagesInMailbox", inMailbox);
      sum.put("exactlyOnce", exactlyOnce);
      sum.put("deliveriesUnknown", maybeIds.size());
      sum.put("deliveriesUnknownStored", maybeStored);
      sum.put("eventsPublished", published);
      sum.put("eventsReceived", received.size());
      sum.put("master", g.master().map(SimulatedNode::name).orElse(null));
      sum.put("mode", mode);
      if (metrics) {
        sum.put("metrics", meters(registry));
      }
      Map<String, Object> doc = new LinkedHashMap<>();
      doc.put("ok", ok);
      doc.put("host", null);
      doc.put("elapsedMillis", (System.nanoTime() - start) / 1_000_000);
      doc.put("referrals", 0);
      doc.put("attempts", List.of());
      doc.put("error", ok ? null : "something was lost or failed: see summary");
      doc.put("timeline", timeline);
      doc.put("summary", sum);
      out.println(Json.write(doc));
      return ok ? 0 : 1;
    }
    out.println();
    out.println(bold("Summary") + " (mode " + mode + ")");
    out.printf("  %-9s %4s %7s %8s %10s %7s  %s%n", "client", "ops", "failed", "refused", "failovers", "max ms",
        "hosts used");
    stats.forEach((c, s) -> out.printf("  %-9s %4d %7d %8d %10d %7d  %s%n", c, s.ops, s.failed, s.refused, s.failovers,
        s.maxMillis, String.join(",", s.hosts)));
    if (stats.values().stream().anyMatch(s -> s.refused > 0)) {
      out.println("  (refused: writes the group turned away because it has no master, as a two-site group must)");
    }
    out.printf("  alice's mailbox: %d messages, %d expected (LMTP deliveries + IMAP appends): %s%n", inMailbox, expected,
        exactlyOnce && inMailbox == expected ? "none lost, none duplicated" : "MISMATCH");
    if (!maybeIds.isEmpty()) {
      out.printf("  (%d deliveries unknown: a node stopped where the reply was due; %d of them stored, once, none sent twice)%n",
          maybeIds.size(), maybeStored);
    }
    out.printf("  ENS: %d published, %d received by the subscriber: %s%n", published, received.size(),
        eventsExact ? "none lost, none repeated" : "MISMATCH");
    out.printf("  master now: %s; elapsed %.1f s%n", g.master().map(SimulatedNode::name).orElse("none"),
        (System.nanoTime() - start) / 1e9);
    if (metrics) {
      out.println();
      out.println(bold("Metrics") + " (what the Micrometer binding recorded; host tags shown as node names)");
      for (Map<String, Object> m : meters(registry)) {
        Map<?, ?> tags = (Map<?, ?>) m.get("tags");
        String measured = m.containsKey("totalMillis")
            ? m.get("count") + " in " + m.get("totalMillis") + " ms (max " + m.get("maxMillis") + " ms)"
            : m.containsKey("value") ? "value " + m.get("value") : "count " + m.get("count");
        out.printf("  %-24s %-70s %s%n", m.get("name"), tags.toString().replace(" ", ""), measured);
      }
    }
    out.println(ok ? green("OK") : red("FAILED"));
    return ok ? 0 : 1;
  }

  private String name(HostAddress h) {
    return names.getOrDefault(h, h.toString());
  }

  private void pause() {
    pauseMillis(paceMillis);
  }

  private static void pauseMillis(long ms) {
    // The demo is paced for people watching it; nothing waits on this.
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private String bold(String s) {
    return colour ? "\u001b[1m" + s + "\u001b[0m" : s;
  }

  private String yellow(String s) {
    return colour ? "\u001b[33m" + s + "\u001b[0m" : s;
  }

  private String green(String s) {
    return colour ? "\u001b[32m" + s + "\u001b[0m" : s;
  }

  private String red(String s) {
    return colour ? "\u001b[31m" + s + "\u001b[0m" : s;
  }

  private static final Pattern MESSAGE_ID = Pattern.compile("(?im)^Message-ID:\\s*<([^>]+)>");

  /**
   * Rolling mode: restarts every node in turn (RollingUpgrade's order, the master's stop followed
   * by its election) on a thread of its own while the demo's rounds go on, so the writes meet each
   * node while it is down and may be cut in the middle by its stop. Each node stays down for
   * {@link #ROUNDS_PER_STEP} rounds, and the next one stops only after as many rounds with all up:
   * paced by the rounds done, never by the clock.
   */
  private final class RollingDriver extends Thread {
    private final SimulatedReplicationGroup group;
    private final RollingUpgrade upgrade;
    private final java.util.concurrent.atomic.AtomicInteger rounds = new java.util.concurrent.atomic.AtomicInteger();
    private final java.util.concurrent.CountDownLatch done = new java.util.concurrent.CountDownLatch(1);
    private volatile boolean stopping;
    private volatile boolean finished;

    RollingDriver(SimulatedReplicationGroup group) {
      super("demo-rolling-upgrade");
      setDaemon(true);
      this.group = group;
      this.upgrade = RollingUpgrade.of(group);
    }

    void roundDone(int round) {
      rounds.set(round);
    }

    boolean isDone() {
      return done.getCount() == 0;
    }

    /** Ends the upgrade (starting a node it left down) and says whether it had gone through. */
    boolean finish() throws InterruptedException {
      stopping = true;
      join(10_000);
      upgrade.close();
      return finished;
    }

    @Override
    public void run() {
      try {
        for (Optional<RollingUpgrade.Step> s = upgrade.step(); s.isPresent() && !stopping; s = upgrade.step()) {
          RollingUpgrade.Step step = s.get();
          boolean stop = step.action() == RollingUpgrade.Step.Action.STOP;
          event(stop ? "chaos" : "upgrade", (stop ? "upgrade: " : "") + step.detail().toLowerCase(Locale.ROOT)
              + (stop ? ", writes go on" : ""), null, -1, 0, "");
          if (!stop) {
            group.awaitMaster(Duration.ofSeconds(10));
          }
          int until = rounds.get() + ROUNDS_PER_STEP;
          while (rounds.get() < until && !stopping) {
            pauseMillis(1);
          }
        }
        finished = !stopping;
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      } catch (java.util.concurrent.TimeoutException e) {
        event("upgrade", "FAILED: no master after a restart", null, -1, 0, e.getMessage());
      } finally {
        done.countDown();
      }
    }
  }

  private static final class Stats {
    int ops;
    int failed;
    int refused;
    int failovers;
    int unknown;
    long maxMillis;
    final TreeSet<String> hosts = new TreeSet<>();
  }
}
