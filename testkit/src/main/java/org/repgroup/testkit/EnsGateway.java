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
 * status, break streams after N events, stop (connections refused).
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
  private volatile int breakStreamsAfter = -1;
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
    HttpServer s = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 50);
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
    server.stop(0);
    threads.shutdownNow();
    server = null;
    try {
      Socket hold = new Socket();
      hold.setReuseAddress(true);
      hold.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
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

  /** 127.0.0.1 and the port. */
  public synchronized HostAddress address() {
    if (port == 0) {
      throw new IllegalStateException(name + " has not been started");
    }
    return HostAddress.of("127.0.0.1", port);
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
    try (ex) {
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
    long id = log.append(reference, Json.write(data));
    published.add(reference);
    reply(ex, 202, Json.write(Map.of("id", Long.toString(id))));
  }

  private void subscribe(HttpExchange ex) throws IOException {
    subscribeCount.incrementAndGet();
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
