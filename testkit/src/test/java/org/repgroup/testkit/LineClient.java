package org.repgroup.testkit;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.repgroup.core.HostAddress;

/** A raw line client for the testkit's own tests; every read times out after 2 s unless told otherwise. */
public final class LineClient implements AutoCloseable {

  final Socket socket = new Socket();
  private final InputStream in;
  private final OutputStream out;

  public LineClient(HostAddress address) throws IOException {
    this(address, 2000);
  }

  public LineClient(HostAddress address, int readTimeoutMillis) throws IOException {
    socket.connect(new InetSocketAddress(address.host(), address.port().orElseThrow()), 2000);
    socket.setSoTimeout(readTimeoutMillis);
    in = socket.getInputStream();
    out = socket.getOutputStream();
  }

  public String readLine() throws IOException {
    ByteArrayOutputStream buf = new ByteArrayOutputStream();
    int b;
    while ((b = in.read()) != -1) {
      if (b == '\n') {
        String s = buf.toString(StandardCharsets.ISO_8859_1);
        return s.endsWith("\r") ? s.substring(0, s.length() - 1) : s;
      }
      buf.write(b);
    }
    return buf.size() == 0 ? null : buf.toString(StandardCharsets.ISO_8859_1);
  }

  /** Reads until a line starting with {@code prefix} and returns every line read. */
  public List<String> readUntil(String prefix) throws IOException {
    List<String> lines = new ArrayList<>();
    String line;
    while ((line = readLine()) != null) {
      lines.add(line);
      if (line.startsWith(prefix)) {
        return lines;
      }
    }
    throw new IOException("connection closed before a line starting with " + prefix + ": " + lines);
  }

  byte[] readBytes(int n) throws IOException {
    return in.readNBytes(n);
  }

  int read() throws IOException {
    return in.read();
  }

  /** One read: whatever has arrived, at least one byte (or -1 at end of stream). */
  int readSome(byte[] buf) throws IOException {
    return in.read(buf);
  }

  /** Reads and discards {@code n} bytes, failing if a line end is among them; returns how many were read. */
  long skipLineBytes(long n) throws IOException {
    byte[] buf = new byte[64 * 1024];
    long read = 0;
    while (read < n) {
      int got = in.read(buf, 0, (int) Math.min(buf.length, n - read));
      if (got < 0) {
        return read;
      }
      for (int i = 0; i < got; i++) {
        if (buf[i] == '\n' || buf[i] == '\r') {
          throw new IOException("line end at byte " + (read + i));
        }
      }
      read += got;
    }
    return read;
  }

  public void send(String line) throws IOException {
    out.write((line + "\r\n").getBytes(StandardCharsets.ISO_8859_1));
    out.flush();
  }

  /** Sends a command and returns its reply line. */
  public String command(String line) throws IOException {
    send(line);
    return readLine();
  }

  @Override
  public void close() throws IOException {
    socket.close();
  }
}
