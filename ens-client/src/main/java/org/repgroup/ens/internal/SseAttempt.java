package org.repgroup.ens.internal;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketAddress;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import javax.net.SocketFactory;
import okhttp3.HttpUrl;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;
import okhttp3.sse.EventSource;
import okhttp3.sse.EventSourceListener;
import okhttp3.sse.EventSources;
import org.repgroup.core.HostAddress;
import org.repgroup.core.spi.Attempt;
import org.repgroup.core.spi.AttemptContext;
import org.repgroup.core.FatalReason;
import org.repgroup.core.spi.AttemptOutcome;

/**
 * Opens the event stream on one host: succeeds when the host answers
 * {@code 200 text/event-stream}. Events then flow to the {@link StreamSink}.
 */
public final class SseAttempt implements Attempt<EventSource> {

  /** Where a stream's events and its end go; tagged with the host streaming them. */
  public interface StreamSink {
    /**
     * The stream on {@code host} is open; true when it becomes the subscription's
     * stream (events may follow at once), false when another host already streams.
     */
    boolean opened(HostAddress host, EventSource source);

    /** An event. */
    void event(HostAddress host, EventSource source, String id, String data);

    /** The stream ended (closed by the host, or failed) after it was open. */
    void ended(HostAddress host, EventSource source, String why);
  }

  private static final String ALREADY_STREAMING = "another host already streams";

  private final OkHttpClient http;
  private final String match;
  private final String lastEventId;
  private final StreamSink sink;

  /**
   * @param http the client (its read timeout is the stream's idle timeout)
   * @param match the filter reference
   * @param lastEventId resume after this id, or {@code null}
   * @param sink receives events
   */
  public SseAttempt(OkHttpClient http, String match, String lastEventId, StreamSink sink) {
    this.http = http;
    this.match = match;
    this.lastEventId = lastEventId;
    this.sink = sink;
  }

  /** A recheck is one HEAD request: it never opens a stream. */
  @Override
  public java.util.Optional<org.repgroup.core.spi.HostProbe> prober() {
    return java.util.Optional.of(new HttpStatusProbe());
  }

  @Override
  public AttemptOutcome<EventSource> attempt(AttemptContext ctx) throws InterruptedException {
    HostAddress host = ctx.host();
    Request.Builder rb = new Request.Builder()
        .url(new HttpUrl.Builder().scheme("http").host(host.host()).port(host.port().orElseThrow())
            .addPathSegments("ens/v1/events").addQueryParameter("match", match).build())
        .header("Accept", "text/event-stream");
    if (lastEventId != null) {
      rb.header("Last-Event-ID", lastEventId);
    }
    CompletableFuture<String> opened = new CompletableFuture<>();
    int[] status = new int[1];
    // The response timeout runs from the moment the connection is up, not from the start.
    CompletableFuture<Void> connected = new CompletableFuture<>();
    OkHttpClient client = http.newBuilder().connectTimeout(ctx.connectTimeout())
        .socketFactory(new ConnectSignal(connected)).build();
    EventSource source = EventSources.createFactory(client).newEventSource(rb.build(), new EventSourceListener() {
      @Override
      public void onOpen(EventSource es, Response response) {
        opened.complete(sink.opened(host, es) ? "" : ALREADY_STREAMING);
      }

      @Override
      public void onEvent(EventSource es, String id, String type, String data) {
        sink.event(host, es, id, data);
      }

      @Override
      public void onClosed(EventSource es) {
        if (!opened.complete("closed before the first byte")) {
          sink.ended(host, es, "the host closed the stream");
        }
      }

      @Override
      public void onFailure(EventSource es, Throwable t, Response response) {
        if (response != null && !response.isSuccessful()) {
          status[0] = response.code();
        }
        String why = response != null && !response.isSuccessful() ? "HTTP " + response.code()
            : response != null ? "not an event stream (" + response.header("Content-Type") + ")"
            : t == null ? "failed" : t.getClass().getSimpleName() + (t.getMessage() == null ? "" : ": " + t.getMessage());
        if (!opened.complete(why)) {
          sink.ended(host, es, why);
        }
      }
    });
    ctx.onCancel(source::cancel);
    String failure;
    try {
      try {
        // OkHttp's own connect timeout normally ends this phase; this bound also covers a slow call
        // set-up (a cold client's first call, a slow resolver), which its connect timeout does not.
        long bound = ctx.connectTimeout().plus(ctx.responseTimeout()).toMillis();
        CompletableFuture.anyOf(connected, opened).get(bound, TimeUnit.MILLISECONDS);
      } catch (TimeoutException e) {
        source.cancel();
        return AttemptOutcome.unavailable("no connection in " + ctx.connectTimeout().plus(ctx.responseTimeout())
            .toMillis() + " ms", e);
      }
      failure = opened.get(ctx.responseTimeout().toMillis(), TimeUnit.MILLISECONDS);
    } catch (TimeoutException e) {
      source.cancel();
      return AttemptOutcome.unavailable("no answer in " + ctx.responseTimeout().toMillis() + " ms after connecting", e);
    } catch (ExecutionException e) {
      source.cancel();
      return AttemptOutcome.unavailable(String.valueOf(e.getCause()), e.getCause());
    }
    if (failure.equals(ALREADY_STREAMING)) {
      source.cancel();
      return AttemptOutcome.declined(failure, null);
    }
    if (!failure.isEmpty()) {
      source.cancel();
      int code = status[0];
      if (code == 429) {
        // A limit on this client at this host (too many streams): the host is fine, try another.
        ctx.hostResponded();
        return AttemptOutcome.declined(failure + " (a limit at this host, not an outage)", null);
      }
      if (code >= 400 && code < 500 && code != 404 && code != 408) {
        // The request itself is wrong (bad filter, bad Last-Event-ID, not allowed): every host would say so.
        ctx.hostResponded();
        return AttemptOutcome.fatal(FatalReason.REQUEST_REFUSED,
            host + " answered " + failure + ": the subscription itself was rejected", null);
      }
      return AttemptOutcome.unavailable(failure, null);
    }
    ctx.hostResponded();
    return AttemptOutcome.success(source);
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
  public void discard(EventSource value) {
    value.cancel();
  }
}
