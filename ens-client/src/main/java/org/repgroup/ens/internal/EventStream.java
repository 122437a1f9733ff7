package org.repgroup.ens.internal;

import okhttp3.Call;
import org.repgroup.core.HostAddress;

/** One event stream from one host: the HTTP call carrying it, cancellable from any thread. */
public final class EventStream {

  private final HostAddress host;
  private final Call call;
  private volatile boolean cancelled;

  EventStream(HostAddress host, Call call) {
    this.host = host;
    this.call = call;
  }

  /** The host streaming. */
  public HostAddress host() {
    return host;
  }

  /** Ends the stream (and the request, if it is still under way); its end is not reported. */
  public void cancel() {
    cancelled = true;
    call.cancel();
  }

  /** True once {@link #cancel()} was called. */
  public boolean isCancelled() {
    return cancelled;
  }
}
