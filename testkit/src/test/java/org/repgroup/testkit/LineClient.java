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
