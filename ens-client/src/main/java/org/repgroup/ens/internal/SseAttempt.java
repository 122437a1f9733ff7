package org.repgroup.ens.internal;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import javax.net.SocketFactory;
import okhttp3.Call;
import okhttp3.HttpUrl;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;
import org.repgroup.core.HostAddress;
import org.repgroup.core.spi.Attempt;
import org.repgroup.core.spi.AttemptContext;
import org.repgroup.core.FatalReason;
import org.repgroup.core.spi.AttemptOutcome;
import org.repgroup.core.spi.ServerText;

/**
 * Opens the event stream on one host: succeeds when the host answers
 * {@code 200 text/event-stream}. The request runs on a thread of its own (the
 * subscriber's stream executor, never OkHttp's dispatcher, whose per-host limit
 * would queue a sixth stream to one host behind five open ones and let its
 * timeout mark a healthy host down); events then flow to the {@link StreamSink}
 * from that thread, parsed by {@link SseReader} (CR, LF and CRLF line ends).
 *
 * <p>A 4xx that says the request itself is wrong (every 4xx but 404, 408 and 429)
 * rejects the subscription, whenever it arrives: the request is not cancelled when
 * another host answers first, so a rejection racing another host's {@code 200}
 * still ends the subscription ({@link StreamSink#rejected}), whichever came first.
 */
public final class SseAttempt implements Attempt<EventStream> {

  /** Where a stream's events and its end go; tagged with the host streaming them. */
  public interface StreamSink {
    /**
     * The stream on {@code host} is open; true when it becomes the subscription's
     * stream (events may follow at once), false when another host already streams.
     */
    boolean opened(HostAddress host, EventStream stream);

    /** An event. */
    void event(HostAddress host, EventStream stream, String id, String data);

    /** Something on the stream could not be used (an event over the size cap); the stream goes on. */
    void malformed(HostAddress host, EventStream stream, String why);

    /** The stream ended (closed by the host, or failed) after it was open. */
    void ended(HostAddress host, EventStream stream, String why);

    /** {@code host} rejected the subscription request itself; arrives even after another host answered. */
    void rejected(HostAddress host, String why);
  }

  private static final String ALREADY_STREAMING = "another host already streams";
  private static final int MAX_ERROR_BODY = 1024;

  private final OkHttpClient http;
  private final Executor streams;
  private final long maxEventBytes;
  private final String match;
  private final String lastEventId;
  private final StreamSink sink;

  /**
   * @param http the client (its read timeout is the stream's idle timeout)
   * @param streams runs each request and then reads its stream (one thread per stream)
   * @param maxEventBytes events with more data than this are skipped
   * @param match the filter reference
   * @param lastEventId resume after this id, or {@code null}
   * @param sink receives events
   */
  public SseAttempt(OkHttpClient http, Executor streams, long maxEventBytes, String match, String lastEventId,
      StreamSink sink) {
    this.http = http;
    this.streams = streams;
    this.maxEventBytes = maxEventBytes;
    this.match = match;
    this.lastEventId = lastEventId;
    this.sink = sink;
  }

  /** A recheck is one HEAD request: it never opens a stream. */
  @Override
  public java.util.Optional<org.repgroup.core.spi.HostProbe> prober() {
    return java.util.Optional.of(new HttpStatusProbe());
  }

  /** What a host said to the request: its status line and headers, or why nothing came. */
  private record Answer(int status, String contentType, String failure) {}

  @Override
  public AttemptOutcome<EventStream> attempt(AttemptContext ctx) throws InterruptedException {
    HostAddress host = ctx.host();
    Request.Builder rb = new Request.Builder()
        .url(new HttpUrl.Builder().scheme("http").host(host.host()).port(host.port().orElseThrow())
            .addPathSegments("ens/v1/events").addQueryParameter("match", match).build())
        .header("Accept", "text/event-stream");
    if (lastEventId != null) {
      rb.header("Last-Event-ID", lastEventId);
    }
    // The response timeout runs from the moment the connection is up, not from the start.
    CompletableFuture<Void> connected = new CompletableFuture<>();
    CompletableFuture<Answer> answered = new CompletableFuture<>();
    CompletableFuture<Boolean> go = new CompletableFuture<>();
    OkHttpClient client = http.newBuilder().connectTimeout(ctx.connectTimeout())
        .socketFactory(new ConnectSignal(connected)).build();
    Call call = client.newCall(rb.build());
    EventStream stream = new EventStream(host, call);
    try {
      streams.execute(() -> run(host, call, stream, answered, go));
    } catch (RejectedExecutionException e) {
      return AttemptOutcome.unavailable("no thread for the stream: " + e.getMessage(), e);
    }
    Answer a;
    try {
      try {
        // OkHttp's own connect timeout normally ends this phase; this bound also covers a slow call
        // set-up (a cold client's first call, a slow resolver), which its connect timeout does not.
        long bound = ctx.connectTimeout().plus(ctx.responseTimeout()).toMillis();
        CompletableFuture.anyOf(connected, answered).get(bound, TimeUnit.MILLISECONDS);
      } catch (TimeoutException e) {
        if (answered.complete(null)) {
          stream.cancel();
          return AttemptOutcome.unavailable("no connection in " + ctx.connectTimeout().plus(ctx.responseTimeout())
              .toMillis() + " ms", e);
        }
      }
      try {
        a = answered.get(ctx.responseTimeout().toMillis(), TimeUnit.MILLISECONDS);
      } catch (TimeoutException e) {
        if (answered.complete(null)) {
          stream.cancel();
          return AttemptOutcome.unavailable("no answer in " + ctx.responseTimeout().toMillis()
              + " ms after connecting", e);
        }
        a = answered.join();
      }
    } catch (ExecutionException e) {
      stream.cancel();
      return AttemptOutcome.unavailable(String.valueOf(e.getCause()), e.getCause());
    }
    if (a.failure() != null && a.status() == 0) {
      return AttemptOutcome.unavailable(a.failure(), null);
    }
    int code = a.status();
    ctx.hostResponded();
    if (code == 200 && isEventStream(a.contentType())) {
      boolean mine = !ctx.isCancelled() && sink.opened(host, stream);
      go.complete(mine);
      if (!mine) {
        stream.cancel();
        return AttemptOutcome.declined(ALREADY_STREAMING, null);
      }
      return AttemptOutcome.success(stream);
    }
    go.complete(false);
    String failure = code == 200 ? "not an event stream (" + ServerText.printable(a.contentType()) + ")" : a.failure();
    if (code == 429) {
      // A limit on this client at this host (too many streams): the host is fine, try another.
      return AttemptOutcome.declined(failure + " (a limit at this host, not an outage)", null);
    }
    if (code >= 400 && code < 500 && code != 404 && code != 408) {
      // The request itself is wrong (bad filter, bad Last-Event-ID, not allowed): every host would say so.
      String why = host + " answered " + failure;
      sink.rejected(host, why);
      return AttemptOutcome.fatal(FatalReason.REQUEST_REFUSED, why + ": the subscription itself was rejected", null);
    }
    return AttemptOutcome.unavailable(failure, null);
  }

  /** The stream's thread: the request, then (when the attempt hands it over) the events. */
  private void run(HostAddress host, Call call, EventStream stream, CompletableFuture<Answer> answered,
      CompletableFuture<Boolean> go) {
    Response response;
    try {
      response = call.execute();
    } catch (IOException e) {
      answered.complete(new Answer(0, null, describe(e)));
      return;
    }
    try (response) {
      int code = response.code();
      String type = response.header("Content-Type");
      String failure = code == 200 ? null : "HTTP " + code + errorDetail(response);
      if (!answered.complete(new Answer(code, type, failure))) {
        // The attempt gave up (no answer in time) and cancelled the call.
        return;
      }
      if (!go.join()) {
        return;
      }
      try {
        new SseReader(response.body().byteStream(), maxEventBytes, new SseReader.Handler() {
          @Override
          public void event(String id, String eventType, String data) {
            sink.event(host, stream, id, data);
          }

          @Override
          public void oversized(String id, long bytes) {
            sink.malformed(host, stream, "event " + (id == null ? "" : ServerText.printable(id, 40) + " ")
                + "from " + host + " skipped: its data passed " + bytes + " bytes, over the limit of "
                + maxEventBytes);
          }
        }).readAll();
        if (!stream.isCancelled()) {
          sink.ended(host, stream, "the host closed the stream");
        }
      } catch (IOException e) {
        if (!stream.isCancelled()) {
          sink.ended(host, stream, describe(e));
        }
      }
    }
  }

  private static boolean isEventStream(String contentType) {
    if (contentType == null) {
      return false;
    }
    int semi = contentType.indexOf(';');
    return (semi < 0 ? contentType : contentType.substring(0, semi)).strip().equalsIgnoreCase("text/event-stream");
  }

  /** {@code ": <detail>"} from an error object (or the body's start), printable; empty when none. */
  private static String errorDetail(Response response) {
    try {
      okhttp3.ResponseBody body = response.body();
      if (body == null) {
        return "";
      }
      okio.BufferedSource source = body.source();
      source.request(MAX_ERROR_BODY);
      String text = source.getBuffer().snapshot(
          (int) Math.min(source.getBuffer().size(), MAX_ERROR_BODY)).string(StandardCharsets.UTF_8).strip();
      if (text.isEmpty()) {
        return "";
      }
      String detail;
      try {
        java.util.Map<String, String> m = org.repgroup.core.internal.Json.parseFlatObject(text);
        detail = m.getOrDefault("detail", m.getOrDefault("error", text));
      } catch (IllegalArgumentException notJson) {
        detail = text;
      }
      return ": " + ServerText.printable(detail);
    } catch (IOException e) {
      return "";
    }
  }

  private static String describe(Throwable t) {
    return t.getClass().getSimpleName() + (t.getMessage() == null ? "" : ": " + ServerText.printable(t.getMessage()));
  }

  /** Plain sockets that complete {@code connected} once their TCP connection is up. */
  private static final class ConnectSignal extends SocketFactory {
    private final CompletableFuture<Void> connected;

    ConnectSignal(CompletableFuture<Void> connected) {
      this.connected = connected;
    }

    @Override
    public Socket createSocket() {
      return new Socket() {
        @Override
        public void connect(SocketAddress endpoint, int timeout) throws IOException {
          super.connect(endpoint, timeout);
          connected.complete(null);
        }
      };
    }

    @Override
    public Socket createSocket(String host, int port) throws IOException {
      return connected(new InetSocketAddress(host, port), null);
    }

    @Override
    public Socket createSocket(String host, int port, InetAddress localHost, int localPort) throws IOException {
      return connected(new InetSocketAddress(host, port), new InetSocketAddress(localHost, localPort));
    }

    @Override
    public Socket createSocket(InetAddress host, int port) throws IOException {
      return connected(new InetSocketAddress(host, port), null);
    }

    @Override
    public Socket createSocket(InetAddress address, int port, InetAddress localAddress, int localPort)
        throws IOException {
      return connected(new InetSocketAddress(address, port), new InetSocketAddress(localAddress, localPort));
    }

    private Socket connected(InetSocketAddress to, InetSocketAddress local) throws IOException {
      Socket s = createSocket();
      if (local != null) {
        s.bind(local);
      }
      s.connect(to);
      return s;
    }
  }


  @Override
  public void discard(EventStream value) {
    value.cancel();
  }
}
