package org.repgroup.imap;

import java.io.IOException;
import java.io.InputStream;
import java.util.Objects;
import org.repgroup.core.HostAddress;
import org.repgroup.core.FailoverTrace;

/**
 * A URLFETCH in progress: the message streams from the host as it is read, never
 * loaded whole into memory. Read {@link #stream()} to its end, then close (the
 * session is logged out); closing early drops the connection.
 */
public final class UrlFetchResult implements AutoCloseable {

  private final InputStream stream;
  private final long length;
  private final HostAddress host;
  private final FailoverTrace trace;

  /** Internal: built by {@link BurlFetcher}. */
  UrlFetchResult(InputStream stream, long length, HostAddress host, FailoverTrace trace) {
    this.stream = Objects.requireNonNull(stream, "stream");
    this.length = length;
    this.host = Objects.requireNonNull(host, "host");
    this.trace = Objects.requireNonNull(trace, "trace");
  }

  /** The message bytes, exactly {@link #length()} of them. */
  public InputStream stream() {
    return stream;
  }

  /** The message size announced by the server. */
  public long length() {
    return length;
  }

  /** The host the message comes from. */
  public HostAddress host() {
    return host;
  }

  /** Every attempt the engine made. */
  public FailoverTrace trace() {
    return trace;
  }

  /** Ends the session (LOGOUT after a fully read message, a plain close otherwise). */
  @Override
  public void close() throws IOException {
    stream.close();
  }
}
