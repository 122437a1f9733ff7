package org.repgroup.testkit.dovecot;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.repgroup.core.HostAddress;

/** One Dovecot process of a {@link DovecotGroup}, with its own config, base dir and ports. */
public final class DovecotInstance {

  private final int index;
  private final Path dir;
  private final Path binary;
  private final int imapPort;
  private final int popPort;
  private final int lmtpPort;
  private Process process;

  DovecotInstance(int index, Path dir, Path binary, int imapPort, int popPort, int lmtpPort) {
    this.index = index;
    this.dir = dir;
    this.binary = binary;
    this.imapPort = imapPort;
    this.popPort = popPort;
    this.lmtpPort = lmtpPort;
  }

  /** 0-based position in the group. */
  public int index() {
    return index;
  }

  /** 127.0.0.1 and the IMAP port. */
  public HostAddress imapAddress() {
    return HostAddress.of("127.0.0.1", imapPort);
  }

  /** 127.0.0.1 and the POP3 port. */
  public HostAddress popAddress() {
    return HostAddress.of("127.0.0.1", popPort);
  }

  /** 127.0.0.1 and the LMTP port. */
  public HostAddress lmtpAddress() {
    return HostAddress.of("127.0.0.1", lmtpPort);
  }

  /** The instance's directory (config, passwd, logs). */
  Path dir() {
    return dir;
  }

  /** The instance's log file. */
  public Path logFile() {
    return dir.resolve("dovecot.log");
  }

  /** True while the process runs. */
  public synchronized boolean isRunning() {
    return process != null && process.isAlive();
  }

  /** Starts the process in the foreground and waits (up to 15 s) for its IMAP greeting. */
  public synchronized void start() throws IOException {
    if (isRunning()) {
      return;
    }
    process = new ProcessBuilder(binary.toString(), "-F", "-c", dir.resolve("dovecot.conf").toString())
        .redirectErrorStream(true)
        .redirectOutput(dir.resolve("stdout.log").toFile())
        .start();
    long end = System.nanoTime() + Duration.ofSeconds(15).toNanos();
    while (System.nanoTime() < end) {
      if (!process.isAlive()) {
        throw new IOException("dovecot instance " + index + " exited at start: " + tail());
      }
      try (Socket s = new Socket()) {
        s.connect(new InetSocketAddress("127.0.0.1", imapPort), 200);
        s.setSoTimeout(2000);
        if (s.getInputStream().read() == '*') {
          return;
        }
      } catch (IOException notYet) {
        // not listening yet
      }
      try {
        process.waitFor(50, TimeUnit.MILLISECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IOException("interrupted while starting dovecot", e);
      }
    }
    stop();
    throw new IOException("dovecot instance " + index + " did not greet on port " + imapPort + " within 15 s: " + tail());
  }

  /** Stops the process and its children; its ports refuse connections afterwards. */
  public synchronized void stop() {
    if (process == null) {
      return;
    }
    // Dovecot's service processes inherit its listening sockets: one still alive after the master
    // (an lmtp child finishing a DATA, say) keeps the port bound, and a restart then fails with
    // "Address already in use". So every descendant, including those forked while the master was
    // going down, is killed and waited for before stop() returns.
    java.util.Set<ProcessHandle> children = new java.util.HashSet<>(process.descendants().toList());
    process.destroy();
    children.addAll(process.descendants().toList());
    try {
      if (!process.waitFor(5, TimeUnit.SECONDS)) {
        process.destroyForcibly();
        process.waitFor(5, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    children.forEach(ProcessHandle::destroyForcibly);
    for (ProcessHandle c : children) {
      try {
        c.onExit().get(5, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        break;
      } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
        // gone, or not killable: nothing more to do here
      }
    }
    process = null;
  }

  private String tail() {
    try {
      List<String> lines = Files.readAllLines(logFile(), StandardCharsets.UTF_8);
      List<String> out = Files.exists(dir.resolve("stdout.log"))
          ? Files.readAllLines(dir.resolve("stdout.log"), StandardCharsets.UTF_8) : List.of();
      return String.join("\n", lines.subList(Math.max(0, lines.size() - 10), lines.size())) + "\n"
          + String.join("\n", out.subList(Math.max(0, out.size() - 10), out.size()));
    } catch (IOException e) {
      return "(no log: " + e.getMessage() + ")";
    }
  }

  @Override
  public String toString() {
    return "dovecot#" + index + "[imap " + imapPort + ", pop3 " + popPort + ", lmtp " + lmtpPort + "]";
  }
}
