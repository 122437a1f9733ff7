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
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.repgroup.core.HostAddress;
import org.repgroup.core.internal.Json;

/**
 * An ENS-over-HTTP gateway persona (see {@code ens-client/PROTOCOL.md}) on
 * 127.0.0.1: {@code POST /ens/v1/events} appends to an {@link EnsEventLog},
 * {@code GET /ens/v1/events?match=...} streams matching events as Server-Sent
 * Events and resumes after {@code Last-Event-ID}. A replica's gateway answers
 * publishes with {@code 307} to the master.
 *
 * <p>Scripted like the line servers, on the same {@link Fault} values: a standing
 * fault ({@link #setFault}) and a queue of per-request scripts ({@link #enqueue}: each
 * request takes the next one, as MockWebServer's responses do). What HTTP can show:
 * <ul>
 *   <li>{@link Fault#refuse()} (standing only): the port closes until {@link #clearFault()};
 *   <li>{@link Fault#blackHole()}: requests are read and never answered;
 *   <li>{@link Fault#stallAfterGreeting()}: a subscription gets its {@code 200} and the stream's opening
 *       comment, then silence (no events, no keep-alives); a publish is never answered; streams
 *       already open freeze the same way (as they do under a standing {@link Fault#blackHole()});
 *   <li>{@link Fault#slow(Duration)}: every answer, and every event on a stream, comes after the delay;
 *   <li>{@link Fault#trickleGreeting(Duration)}: every response body goes out one byte per interval
 *       (status and headers at once); {@link Fault#trickleReply(String, Duration)} with {@code "GET"}
 *       or {@code "POST"}: the bodies of that method's responses;
 *   <li>{@link Fault#garbageGreeting()}, {@link Fault#oversizedLine(long)}, {@link Fault#endlessGreeting()}:
 *       a {@code 200} whose body is binary junk (then closed), one line of that length with no line
 *       end (then silence), or bytes for ever (streamed, never buffered).
 * </ul>
 * Held requests are let go (closed unanswered) when the standing fault is cleared or the gateway
 * stops. Also: fail publishes or subscriptions with a status, break streams after N events.
 */
public final class EnsGateway extends FaultedServer {

  /** Interval of keep-alive comments on an idle stream: 15 s. */
  public static final Duration KEEP_ALIVE = Duration.ofSeconds(15);

  private static final byte[] GARBAGE = {0, (byte) 0xff, 0x1b, '[', 0x7f, (byte) 0x80, 0x02, '\r', '\n'};

  private final EnsEventLog log;
  private final String name;
  private final List<String> published = new CopyOnWriteArrayList<>();
  private final List<OutputStream> streams = new CopyOnWriteArrayList<>();
  private final BlockingQueue<EnsRequest> received = new LinkedBlockingQueue<>();
  private final AtomicInteger subscribeCount = new AtomicInteger();
  private final AtomicInteger publishCount = new AtomicInteger();
  private final AtomicInteger requestCount = new AtomicInteger();
  private final List<Long> requestTimes = new CopyOnWriteArrayList<>();
  private volatile Supplier<HostAddress> redirectTo = () -> null;
  private volatile int failPublishesWith;
  private volatile int failSubscriptionsWith;
  private volatile int breakStreamsAfter = -1;
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
    super(name);
    this.log = log;
    this.name = name;
  }

  // ---- lifecycle -------------------------------------------------------------------------

  @Override
  public synchronized EnsGateway start() throws IOException {
    if (server != null) {
      return this;
    }
    PortHold.release(portHold);
    portHold = null;
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
  @Override
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
    running = false;
    faults.wake();
    server.stop(0);
    threads.shutdownNow();
    server = null;
    portHold = PortHold.bind(bindAddress, port);
  }

  @Override
  public synchronized void close() {
    stop();
    PortHold.release(portHold);
    portHold = null;
  }

  /** The listening address (127.0.0.1 unless moved) and the port. */
  @Override
  public synchronized HostAddress address() {
    if (port == 0) {
      throw new IllegalStateException(name + " has not been started");
    }
    return HostAddress.of(bindAddress.getHostAddress(), port);
  }

  /** Listens on {@code address} from the next {@link #start()} on (same port), like a host moved to a new IP. */
  public synchronized void bindAddress(InetAddress address) {
    this.bindAddress = Objects.requireNonNull(address, "address");
  }

  // ---- faults and scripts ----------------------------------------------------------------

  @Override
  void closePort() {
    stop();
  }

  @Override
  void reopenPort() throws IOException {
    start();
  }

  /**
   * Queues {@code script} for the next request (HTTP connections carry several requests, so the
   * request is the unit here). Only the script's fault applies: greetings and command handlers are
   * for the line servers.
   *
   * @throws IllegalArgumentException for a script with a greeting or handlers, or a fault HTTP cannot show
   */
  @Override
  public void enqueue(ConnectionScript script) {
    if (script.greeting().isPresent() || !script.handlers().isEmpty()) {
      throw new IllegalArgumentException(name + ": an ENS request script takes a fault only, not greetings or "
          + "command handlers: " + script);
    }
    faults.enqueue(script);
  }

  /** What HTTP can show (see the class comment); resets, command stalls, literal greetings and stops cannot. */
  @Override
  void checkSupported(Fault f) {
    boolean shown = f instanceof Fault.Refuse || f instanceof Fault.BlackHole || f instanceof Fault.StallAfterGreeting
        || f instanceof Fault.Slow || f instanceof Fault.GarbageGreeting || f instanceof Fault.OversizedLine
        || f instanceof Fault.EndlessGreeting || f instanceof Fault.TrickleGreeting
        || f instanceof Fault.TrickleReply t && (t.verb().equals("GET") || t.verb().equals("POST"));
    if (!shown) {
      throw new IllegalArgumentException("the ENS gateway cannot show " + f + ": it shows refuse, blackHole, "
          + "stallAfterGreeting, slow, garbageGreeting, oversizedLine, endlessGreeting, trickleGreeting and "
          + "trickleReply(GET or POST)");
    }
  }

  // ---- what clients sent -----------------------------------------------------------------

  /** HTTP requests received, any method and outcome (held ones included). */
  public int requestCount() {
    return requestCount.get();
  }

  /** Requests received: the unit faults and scripts apply to here. */
  @Override
  public int contactCount() {
    return requestCount();
  }

  /** {@link System#nanoTime()} of each request received, in order. */
  public List<Long> requestTimes() {
    return List.copyOf(requestTimes);
  }

  /**
   * The next request received (in order of arrival), waiting up to {@code timeout}; each is
   * returned once, like MockWebServer's {@code takeRequest}.
   *
   * @throws TimeoutException naming the gateway, when none arrives in time
   */
  public EnsRequest takeRequest(Duration timeout) throws InterruptedException, TimeoutException {
    EnsRequest r = received.poll(timeout.toNanos(), TimeUnit.NANOSECONDS);
    if (r == null) {
      throw new TimeoutException(name + ": no request within " + timeout.toMillis() + " ms");
    }
    return r;
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

  // ---- one request -----------------------------------------------------------------------

  /** One request and the plan it follows. */
  private final class Exchange {
    final HttpExchange ex;
    final FaultCore.Plan plan;
    final String method;
    final String body;

    Exchange(HttpExchange ex, FaultCore.Plan plan, String body) {
      this.ex = ex;
      this.plan = plan;
      this.method = ex.getRequestMethod();
      this.body = body;
    }

    Fault fault() {
      return plan.fault();
    }

    /** The fault in force if it freezes open streams (stall after greeting, black hole), else {@code null}. */
    Fault freezing() {
      Fault f = fault();
      return f instanceof Fault.StallAfterGreeting || f instanceof Fault.BlackHole ? f : null;
    }

    /** Holds the request while {@code f} is in force and the gateway runs. */
    void hold(Fault f) {
      try {
        plan.holdWhile(f, () -> running);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }

    void delayIfSlow() {
      if (fault() instanceof Fault.Slow slow) {
        pause(slow.delay());
      }
    }

    /** The server side of a slow or trickling host: waits {@code delay}, less if the gateway stops. */
    void pause(Duration delay) {
      try {
        plan.pause(delay, () -> running);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }

    /** The interval between body bytes when this response is trickled, else {@code null}. */
    Duration trickle() {
      Fault f = fault();
      if (f instanceof Fault.TrickleGreeting t) {
        return t.perByte();
      }
      return f instanceof Fault.TrickleReply t && t.verb().equals(method) ? t.perByte() : null;
    }

    /** Writes body bytes, one at a time with a pause while trickling. */
    void write(OutputStream out, byte[] bytes) throws IOException {
      Duration t = trickle();
      if (t == null) {
        out.write(bytes);
        out.flush();
        return;
      }
      for (byte b : bytes) {
        if (!running) {
          throw new IOException("gateway stopped");
        }
        out.write(b);
        out.flush();
        pause(t);
      }
    }

    void reply(int status, String json) throws IOException {
      byte[] bytes = json.getBytes(StandardCharsets.UTF_8);
      ex.getResponseHeaders().add("Content-Type", "application/json");
      ex.sendResponseHeaders(status, bytes.length);
      write(ex.getResponseBody(), bytes);
    }
  }

  private void handle(HttpExchange ex) throws IOException {
    requestTimes.add(System.nanoTime());
    try (ex) {
      String body = new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
      received.add(new EnsRequest(ex.getRequestMethod(), ex.getRequestURI().toString(), ex.getRequestHeaders(), body));
      Exchange x = new Exchange(ex, faults.next(), body);
      // Counted once its fault is fixed: a test that sees the count and then clears a standing
      // fault must not race the handler into serving a request it saw as held.
      requestCount.incrementAndGet();
      Fault f = x.fault();
      if (f instanceof Fault.BlackHole || (f instanceof Fault.StallAfterGreeting && !x.method.equals("GET"))) {
        x.hold(f);
        return;
      }
      x.delayIfSlow();
      if (f instanceof Fault.GarbageGreeting || f instanceof Fault.OversizedLine || f instanceof Fault.EndlessGreeting) {
        junkBody(x, f);
        return;
      }
      switch (x.method) {
        case "POST" -> publish(x);
        case "GET" -> subscribe(x);
        default -> x.reply(405, error("method-not-allowed", x.method));
      }
    }
  }

  /** A {@code 200} whose body is junk, one unending line, or bytes for ever. */
  private void junkBody(Exchange x, Fault f) throws IOException {
    x.ex.getResponseHeaders().add("Content-Type", x.method.equals("GET") ? "text/event-stream" : "application/json");
    x.ex.sendResponseHeaders(200, 0);
    OutputStream out = x.ex.getResponseBody();
    if (f instanceof Fault.GarbageGreeting) {
      x.write(out, GARBAGE);
      return;
    }
    streams.add(out);
    try {
      byte[] chunk = new byte[64 * 1024];
      Arrays.fill(chunk, (byte) 'x');
      long length = f instanceof Fault.OversizedLine o ? o.length() : Long.MAX_VALUE;
      for (long left = length; left > 0 && running; ) {
        int n = (int) Math.min(chunk.length, left);
        x.write(out, n == chunk.length ? chunk : Arrays.copyOf(chunk, n));
        if (length != Long.MAX_VALUE) {
          left -= n;
        }
      }
      if (f instanceof Fault.OversizedLine) {
        x.hold(f);
      }
    } finally {
      streams.remove(out);
    }
  }

  private void publish(Exchange x) throws IOException {
    publishCount.incrementAndGet();
    HttpExchange ex = x.ex;
    HostAddress master = redirectTo.get();
    if (master != null) {
      ex.getResponseHeaders().add("Location", "http://" + master + "/ens/v1/events");
      x.reply(307, error("not-master", "publish on the master " + master));
      return;
    }
    if (failPublishesWith != 0) {
      x.reply(failPublishesWith, error("unavailable", "fault injected"));
      return;
    }
    Map<String, String> event;
    try {
      event = Json.parseFlatObject(x.body);
    } catch (IllegalArgumentException e) {
      x.reply(400, error("bad-request", e.getMessage()));
      return;
    }
    String reference = event.get("reference");
    if (reference == null || !reference.startsWith("enp://")) {
      x.reply(400, error("bad-request", "reference must be an enp:// event reference"));
      return;
    }
    Map<String, Object> data = new LinkedHashMap<>();
    data.put("reference", reference);
    data.put("payload", event.get("payload"));
    String key = ex.getRequestHeaders().getFirst("Idempotency-Key");
    if (key == null || key.isBlank()) {
      long id = log.append(reference, Json.write(data));
      published.add(reference);
      x.reply(202, Json.write(Map.of("id", Long.toString(id))));
      return;
    }
    EnsEventLog.Appended a = log.append(reference, Json.write(data), key.strip());
    if (a.appended()) {
      published.add(reference);
    }
    // A repeated key (the same publish reaching a second host, e.g. old and new master in a
    // switchover) is answered with the id the group already gave it, and not stored again.
    x.reply(a.appended() ? 202 : 200, Json.write(Map.of("id", Long.toString(a.id()))));
  }

  private void subscribe(Exchange x) throws IOException {
    subscribeCount.incrementAndGet();
    HttpExchange ex = x.ex;
    int failWith = failSubscriptionsWith;
    if (failWith != 0) {
      x.reply(failWith, error(failWith == 400 ? "bad-request" : "unavailable", "fault injected"));
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
        x.reply(400, error("bad-request", "Last-Event-ID must be a number, was \"" + lastId + "\""));
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
      x.write(out, ": repgroup testkit ENS gateway\n\n".getBytes(StandardCharsets.UTF_8));
      long lastWrite = System.nanoTime();
      while (!Thread.currentThread().isInterrupted()) {
        Fault frozen = x.freezing();
        if (frozen != null) {
          // An open stream freezes mid-way: no more events, no keep-alives.
          x.hold(frozen);
          return;
        }
        if (System.nanoTime() - lastWrite > KEEP_ALIVE.toNanos()) {
          x.write(out, ": keep-alive\n\n".getBytes(StandardCharsets.UTF_8));
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
          Fault frozenNow = x.freezing();
          if (frozenNow != null) {
            x.hold(frozenNow);
            return;
          }
          x.delayIfSlow();
          x.write(out, ("id: " + e.id() + "\nevent: ens\ndata: " + e.data() + "\n\n").getBytes(StandardCharsets.UTF_8));
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

  @Override
  public String toString() {
    return name + "@" + (port == 0 ? "unstarted" : "127.0.0.1:" + port);
  }
}
