package org.repgroup.testkit;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.repgroup.core.HostAddress;
import org.repgroup.core.internal.Json;

/**
 * An ENS-over-HTTP gateway persona (see {@code ens-client/PROTOCOL.md}) on
 * 127.0.0.1: {@code POST /ens/v1/events} appends to an {@link EnsEventLog},
 * {@code GET /ens/v1/events?match=...} streams matching events as Server-Sent
 * Events and resumes after {@code Last-Event-ID}. A replica's gateway answers
 * publishes with {@code 307} to the master. Faults: fail publishes with a
 * status, break streams after N events, stop (connections refused), and the
 * {@link Fault}s an HTTP server can show ({@link #setFault}).
 */
public final class EnsGateway implements AutoCloseable {

  /** Interval of keep-alive comments on an idle stream: 15 s. */
  public static final Duration KEEP_ALIVE = Duration.ofSeconds(15);

  private final EnsEventLog log;
  private final String name;
  private final List<String> published = new CopyOnWriteArrayList<>();
  private final List<OutputStream> streams = new CopyOnWriteArrayList<>();
  private final AtomicInteger subscribeCount = new AtomicInteger();
  private final AtomicInteger publishCount = new AtomicInteger();
  private volatile Supplier<HostAddress> redirectTo = () -> null;
  private volatile int failPublishesWith;
  private volatile int failSubscriptionsWith;
  private volatile int breakStreamsAfter = -1;
  private final AtomicInteger requestCount = new AtomicInteger();
  private final List<Long> requestTimes = new CopyOnWriteArrayList<>();
  private final Object faultLock = new Object();
  private volatile Fault fault;
  private volatile boolean running;
  private volatile InetAddress bindAddress = InetAddress.getLoopbackAddress();
  private HttpServer server;
  private ExecutorService threads;
  private Socket portHold;
  private int port;

  /** A gateway serving {@code log}. */
  public EnsGateway(EnsEventLog log) {
    this(log, "ens");
  }

  EnsGateway(EnsEventLog log, String name) {
    this.log = log;
    this.name = name;
  }

  /** Listens on 127.0.0.1 (an ephemeral port the first time, the same port after a restart). */
  public synchronized EnsGateway start() throws IOException {
    if (server != null) {
      return this;
    }
    if (portHold != null) {
      portHold.close();
      portHold = null;
    }
    HttpServer s = HttpServer.create(new InetSocketAddress(bindAddress, port), 50);
    AtomicInteger n = new AtomicInteger();
    threads = Executors.newCachedThreadPool(r -> {
      Thread t = new Thread(r, "testkit-" + name + "-" + n.incrementAndGet());
      t.setDaemon(true);
      return t;
    });
    s.setExecutor(threads);
    s.createContext("/ens/v1/events", this::handle);
    s.start();
    port = s.getAddress().getPort();
    server = s;
    running = true;
    return this;
  }

  /** Stops listening and cuts every open stream; the port refuses connections until {@link #start()}. */
  public synchronized void stop() {
    if (server == null) {
      return;
    }
    for (OutputStream o : streams) {
      try {
        o.close();
      } catch (IOException ignored) {
        // cut
      }
    }
    streams.clear();
    synchronized (faultLock) {
      running = false;
      faultLock.notifyAll();
    }
    server.stop(0);
    threads.shutdownNow();
    server = null;
    try {
      Socket hold = new Socket();
      hold.setReuseAddress(true);
      hold.bind(new InetSocketAddress(bindAddress, port));
      portHold = hold;
    } catch (IOException e) {
      portHold = null;
    }
  }

  @Override
  public synchronized void close() {
    stop();
    if (portHold != null) {
      try {
        portHold.close();
      } catch (IOException ignored) {
        // released
      }
      portHold = null;
    }
  }

  /** The listening address (127.0.0.1 unless moved) and the port. */
  public synchronized HostAddress address() {
    if (port == 0) {
      throw new IllegalStateException(name + " has not been started");
    }
    return HostAddress.of(bindAddress.getHostAddress(), port);
  }

  /** Listens on {@code address} from the next {@link #start()} on (same port), like a host moved to a new IP. */
  public synchronized void bindAddress(InetAddress address) {
    this.bindAddress = java.util.Objects.requireNonNull(address, "address");
  }

  /**
   * Applies {@code fault} from now on, as HTTP can show it:
   * <ul>
   *   <li>{@link Fault#refuse()}: the port closes (connections refused) until {@link #clearFault()};
   *   <li>{@link Fault#blackHole()}: connections are accepted, requests read and never answered;
   *   <li>{@link Fault#stallAfterGreeting()}: a subscription gets its {@code 200} and the stream's opening
   *       comment, then silence (no events, no keep-alives); a publish is never answered; streams
   *       already open freeze the same way (as they do under {@link Fault#blackHole()});
   *   <li>{@link Fault#slow(Duration)}: every answer, and every event on a stream, comes after the delay.
   * </ul>
   * Held requests are let go (closed unanswered) when the fault is cleared or the gateway stops.
   *
   * @throws IllegalArgumentException for a fault HTTP cannot show here (garbage, resets, oversized lines)
   */
  public void setFault(Fault fault) {
    java.util.Objects.requireNonNull(fault, "fault");
    switch (fault.kind()) {
      case REFUSE, BLACK_HOLE, STALL_AFTER_GREETING, SLOW -> { }
      default -> throw new IllegalArgumentException(
          "the ENS gateway supports refuse, blackHole, stallAfterGreeting and slow, not " + fault.kind());
    }
    synchronized (faultLock) {
      this.fault = fault;
      faultLock.notifyAll();
    }
    if (fault.kind() == Fault.Kind.REFUSE) {
      stop();
    }
  }

  /** Removes the fault; after {@link Fault#refuse()} the gateway listens again on the same port. */
  public void clearFault() {
    Fault previous;
    synchronized (faultLock) {
      previous = fault;
      fault = null;
      faultLock.notifyAll();
    }
    if (previous != null && previous.kind() == Fault.Kind.REFUSE) {
      try {
        start();
      } catch (IOException e) {
        throw new IllegalStateException(name + ": cannot listen again on port " + port + ": " + e.getMessage(), e);
      }
    }
  }

  /** HTTP requests received, any method and outcome (held ones included). */
  public int requestCount() {
    return requestCount.get();
  }

  /** {@link System#nanoTime()} of each request received, in order. */
  public List<Long> requestTimes() {
    return List.copyOf(requestTimes);
  }

  /** Holds the request while {@code f} is in force and the gateway runs. */
  private void hold(Fault f) {
    synchronized (faultLock) {
      while (fault == f && running) {
        try {
          faultLock.wait();
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          return;
        }
      }
    }
  }

  /** The server side of a slow host: waits {@code delay}, less if the gateway stops. */
  private void pause(Duration delay) {
    long end = System.nanoTime() + delay.toNanos();
    synchronized (faultLock) {
      for (long left = end - System.nanoTime(); left > 0 && running; left = end - System.nanoTime()) {
        try {
          java.util.concurrent.TimeUnit.NANOSECONDS.timedWait(faultLock, left);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          return;
        }
      }
    }
  }

  /** The fault in force if it freezes open streams (stall after greeting, black hole), else {@code null}. */
  private Fault freezingFault() {
    Fault f = fault;
    return f != null && (f.kind() == Fault.Kind.STALL_AFTER_GREETING || f.kind() == Fault.Kind.BLACK_HOLE) ? f : null;
  }

  private void delayIfSlow() {
    Fault f = fault;
    if (f != null && f.kind() == Fault.Kind.SLOW) {
      pause(f.delay());
    }
  }

  /** The log this gateway serves. */
  public EnsEventLog log() {
    return log;
  }

  /** Publishes get {@code 307} to this host's gateway while it returns non-null (a replica). */
  public void redirectPublishesTo(Supplier<HostAddress> master) {
    this.redirectTo = master;
  }

  /** Publishes get {@code status} (e.g. 503); 0 restores normal behaviour. */
  public void failPublishesWith(int status) {
    this.failPublishesWith = status;
  }

  /** Subscriptions get {@code status} (e.g. 400, 429, 503) with an error object; 0 restores normal behaviour. */
  public void failSubscriptionsWith(int status) {
    this.failSubscriptionsWith = status;
  }

  /** Every stream opened from now on is closed after sending {@code events} events; -1 disables. */
  public void breakStreamsAfter(int events) {
    this.breakStreamsAfter = events;
  }

  /** References published through this gateway (accepted ones). */
  public List<String> published() {
    return List.copyOf(published);
  }

  /** POST requests received (any outcome). */
  public int publishCount() {
    return publishCount.get();
  }

  /** Subscriptions opened. */
  public int subscribeCount() {
    return subscribeCount.get();
  }

  private void handle(HttpExchange ex) throws IOException {
    requestCount.incrementAndGet();
    requestTimes.add(System.nanoTime());
    try (ex) {
      Fault f = fault;
      if (f != null && (f.kind() == Fault.Kind.BLACK_HOLE
          || (f.kind() == Fault.Kind.STALL_AFTER_GREETING && !ex.getRequestMethod().equals("GET")))) {
        ex.getRequestBody().readAllBytes();
        hold(f);
        return;
      }
      delayIfSlow();
      switch (ex.getRequestMethod()) {
        case "POST" -> publish(ex);
        case "GET" -> subscribe(ex);
        default -> reply(ex, 405, error("method-not-allowed", ex.getRequestMethod()));
      }
    }
  }

  private void publish(HttpExchange ex) throws IOException {
    publishCount.incrementAndGet();
    String body = new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
    HostAddress master = redirectTo.get();
    if (master != null) {
      ex.getResponseHeaders().add("Location", "http://" + master + "/ens/v1/events");
      reply(ex, 307, error("not-master", "publish on the master " + master));
      return;
    }
    if (failPublishesWith != 0) {
      reply(ex, failPublishesWith, error("unavailable", "fault injected"));
      return;
    }
    Map<String, String> event;
    try {
      event = Json.parseFlatObject(body);
    } catch (IllegalArgumentException e) {
      reply(ex, 400, error("bad-request", e.getMessage()));
      return;
    }
    String reference = event.get("reference");
    if (reference == null || !reference.startsWith("enp://")) {
      reply(ex, 400, error("bad-request", "reference must be an enp:// event reference"));
      return;
    }
    Map<String, Object> data = new LinkedHashMap<>();
    data.put("reference", reference);
    data.put("payload", event.get("payload"));
    String key = ex.getRequestHeaders().getFirst("Idempotency-Key");
    if (key == null || key.isBlank()) {
      long id = log.append(reference, Json.write(data));
      published.add(reference);
      reply(ex, 202, Json.write(Map.of("id", Long.toString(id))));
      return;
    }
    EnsEventLog.Appended a = log.append(reference, Json.write(data), key.strip());
    if (a.appended()) {
      published.add(reference);
    }
    // A repeated key (the same publish reaching a second host, e.g. old and new master in a
    // switchover) is answered with the id the group already gave it, and not stored again.
    reply(ex, a.appended() ? 202 : 200, Json.write(Map.of("id", Long.toString(a.id()))));
  }

  private void subscribe(HttpExchange ex) throws IOException {
    subscribeCount.incrementAndGet();
    int failWith = failSubscriptionsWith;
    if (failWith != 0) {
      reply(ex, failWith, error(failWith == 400 ? "bad-request" : "unavailable", "fault injected"));
      return;
    }
    Map<String, String> query = query(ex.getRequestURI().getRawQuery());
    String match = query.getOrDefault("match", "enp://127.0.0.1/store");
    long last = 0;
    String lastId = ex.getRequestHeaders().getFirst("Last-Event-ID");
    if (lastId != null) {
      try {
        last = Long.parseLong(lastId.strip());
      } catch (NumberFormatException e) {
        reply(ex, 400, error("bad-request", "Last-Event-ID must be a number, was \"" + lastId + "\""));
        return;
      }
    }
    Map<String, String> filter = query(match.indexOf('?') < 0 ? "" : match.substring(match.indexOf('?') + 1));
    ex.getResponseHeaders().add("Content-Type", "text/event-stream");
    ex.getResponseHeaders().add("Cache-Control", "no-cache");
    ex.sendResponseHeaders(200, 0);
    OutputStream out = ex.getResponseBody();
    streams.add(out);
    int limit = breakStreamsAfter;
    int sent = 0;
    try {
      out.write(": repgroup testkit ENS gateway\n\n".getBytes(StandardCharsets.UTF_8));
      out.flush();
      long lastWrite = System.nanoTime();
      while (!Thread.currentThread().isInterrupted()) {
        Fault frozen = freezingFault();
        if (frozen != null) {
          // An open stream freezes mid-way: no more events, no keep-alives.
          hold(frozen);
          return;
        }
        if (System.nanoTime() - lastWrite > KEEP_ALIVE.toNanos()) {
          out.write(": keep-alive\n\n".getBytes(StandardCharsets.UTF_8));
          out.flush();
          lastWrite = System.nanoTime();
        }
        for (EnsEventLog.Entry e : log.awaitAfter(last, Duration.ofMillis(200))) {
          lastWrite = System.nanoTime();
          last = e.id();
          if (e.reference() != null && !matches(filter, e.reference())) {
            continue;
          }
          if (limit >= 0 && sent >= limit) {
            return;
          }
          Fault frozenNow = freezingFault();
          if (frozenNow != null) {
            hold(frozenNow);
            return;
          }
          delayIfSlow();
          out.write(("id: " + e.id() + "\nevent: ens\ndata: " + e.data() + "\n\n").getBytes(StandardCharsets.UTF_8));
          out.flush();
          sent++;
        }
        if (limit >= 0 && sent >= limit) {
          return;
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (IOException gone) {
      // the subscriber went away, or the gateway stopped
    } finally {
      streams.remove(out);
    }
  }

  /** Every filter parameter must be present in the event reference with the same value. */
  private static boolean matches(Map<String, String> filter, String reference) {
    int q = reference.indexOf('?');
    Map<String, String> params = query(q < 0 ? "" : reference.substring(q + 1));
    for (Map.Entry<String, String> f : filter.entrySet()) {
      if (!f.getValue().equals(params.get(f.getKey()))) {
        return false;
      }
    }
    return true;
  }

  private static Map<String, String> query(String raw) {
    Map<String, String> out = new LinkedHashMap<>();
    if (raw == null || raw.isEmpty()) {
      return out;
    }
    for (String pair : raw.split("&")) {
      int eq = pair.indexOf('=');
      String k = eq < 0 ? pair : pair.substring(0, eq);
      String v = eq < 0 ? "" : pair.substring(eq + 1);
      out.put(URLDecoder.decode(k, StandardCharsets.UTF_8), URLDecoder.decode(v, StandardCharsets.UTF_8));
    }
    return out;
  }

  private static String error(String code, String detail) {
    return Json.write(Map.of("error", code, "detail", detail));
  }

  private static void reply(HttpExchange ex, int status, String json) throws IOException {
    byte[] body = json.getBytes(StandardCharsets.UTF_8);
    ex.getResponseHeaders().add("Content-Type", "application/json");
    ex.sendResponseHeaders(status, body.length);
    ex.getResponseBody().write(body);
  }

  @Override
  public String toString() {
    return name + "@" + (port == 0 ? "unstarted" : "127.0.0.1:" + port);
  }
}
