package org.repgroup.samples;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.repgroup.core.Protocol;
import org.repgroup.core.RepgroupResources;
import org.repgroup.imap.BurlFetchException;
import org.repgroup.imap.BurlFetcher;
import org.repgroup.imap.UrlFetchResult;
import org.repgroup.samples.internal.LoginOptions;
import org.repgroup.samples.internal.ProbeCommand;
import org.repgroup.samples.internal.ProbeReport;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code burl}: URLFETCH read-only; bytes to --out, or to stdout without --json. */
@Command(name = "burl", mixinStandardHelpOptions = true,
    description = "URLFETCH the URL read-only; write the bytes to --out FILE, or show the message as text on stdout "
        + "(control characters escaped; not with --json).")
final class BurlProbe extends ProbeCommand {

  /** --user, --password, --password-file. */
  @Mixin
  LoginOptions login;

  @Option(names = "--url", required = true, description = "The imap://...;urlauth=... URL.")
  String url;

  @Option(names = "--out", paramLabel = "FILE", description = "Write the message here.")
  Path out;

  /**
   * Writes the message to the terminal as UTF-8 text with every control character
   * but tab and line ends escaped ({@code \x1b}): a message from the store cannot
   * drive the terminal. Returns the bytes read.
   */
  static long show(InputStream message, PrintWriter out) throws IOException {
    CountingStream counted = new CountingStream(message);
    Reader in = new InputStreamReader(counted, StandardCharsets.UTF_8);
    char[] buf = new char[8192];
    StringBuilder line = new StringBuilder();
    for (int n; (n = in.read(buf)) > 0; ) {
      line.setLength(0);
      for (int i = 0; i < n; i++) {
        char c = buf[i];
        if (Character.isISOControl(c) && c != '\t' && c != '\r' && c != '\n') {
          line.append(String.format("\\x%02x", (int) c));
        } else {
          line.append(c);
        }
      }
      out.append(line);
    }
    out.flush();
    return counted.count;
  }

  /** Counts the bytes read through it. */
  private static final class CountingStream extends FilterInputStream {
    long count;

    CountingStream(InputStream in) {
      super(in);
    }

    @Override
    public int read() throws IOException {
      int b = super.read();
      count += b < 0 ? 0 : 1;
      return b;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      int n = super.read(b, off, len);
      count += Math.max(n, 0);
      return n;
    }
  }

  @Override
  protected ProbeReport probe(RepgroupResources resources) throws Exception {
    BurlFetcher burl = BurlFetcher.builder(resources, login.credentials()).policy(common.policy()).build();
    try (UrlFetchResult r = burl.fetch(common.group(Protocol.IMAP), url)) {
      long bytes;
      if (out != null) {
        try (OutputStream o = Files.newOutputStream(out)) {
          bytes = r.stream().transferTo(o);
        }
      } else if (common.json()) {
        bytes = r.stream().transferTo(OutputStream.nullOutputStream());
      } else {
        bytes = show(r.stream(), spec.commandLine().getOut());
      }
      return ProbeReport.served(r.host(), r.trace()).put("bytes", bytes);
    } catch (BurlFetchException e) {
      return ProbeReport.failed(e, 0).put("smtpReply", e.smtpReply());
    }
  }
}
