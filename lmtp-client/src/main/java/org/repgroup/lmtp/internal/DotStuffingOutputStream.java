package org.repgroup.lmtp.internal;

import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;

/**
 * Writes a message as DATA content: every line end becomes CRLF (bare LF and
 * bare CR included), a line starting with {@code .} gets a second {@code .}, and
 * {@link #finish()} ends the last line and writes the terminating {@code .}.
 */
public final class DotStuffingOutputStream extends FilterOutputStream {

  private boolean atLineStart = true;
  private boolean lastWasCr;

  /** Wraps the connection's output. */
  public DotStuffingOutputStream(OutputStream out) {
    super(out);
  }

  @Override
  public void write(int b) throws IOException {
    if (lastWasCr) {
      lastWasCr = false;
      if (b == '\n') {
        return;
      }
    }
    if (b == '\r') {
      out.write('\r');
      out.write('\n');
      atLineStart = true;
      lastWasCr = true;
      return;
    }
    if (b == '\n') {
      out.write('\r');
      out.write('\n');
      atLineStart = true;
      return;
    }
    if (atLineStart && b == '.') {
      out.write('.');
    }
    out.write(b);
    atLineStart = false;
  }

  @Override
  public void write(byte[] b, int off, int len) throws IOException {
    int end = off + len;
    int i = off;
    while (i < end) {
      if (lastWasCr || atLineStart || b[i] == '\r' || b[i] == '\n') {
        write(b[i]);
        i++;
        continue;
      }
      // Inside a line nothing changes until its end: the run goes out in one write.
      int run = i;
      while (run < end && b[run] != '\r' && b[run] != '\n') {
        run++;
      }
      out.write(b, i, run - i);
      i = run;
    }
  }

  /** Ends the last line if needed and writes {@code .CRLF}; does not close the connection. */
  public void finish() throws IOException {
    if (!atLineStart) {
      out.write('\r');
      out.write('\n');
    }
    out.write('.');
    out.write('\r');
    out.write('\n');
    out.flush();
  }

  /** Does not close the underlying connection. */
  @Override
  public void close() throws IOException {
    flush();
  }
}
