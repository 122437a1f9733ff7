package org.repgroup.samples;

import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import org.repgroup.core.Credentials;
import org.repgroup.core.Protocol;
import org.repgroup.core.RepgroupResources;
import org.repgroup.imap.BurlFetchException;
import org.repgroup.imap.BurlFetcher;
import org.repgroup.imap.UrlFetchResult;
import org.repgroup.samples.internal.CommonOptions;
import org.repgroup.samples.internal.ProbeCommand;
import org.repgroup.samples.internal.ProbeReport;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code burl}: URLFETCH read-only; bytes to --out, or to stdout without --json. */
@Command(name = "burl", mixinStandardHelpOptions = true,
    description = "URLFETCH the URL read-only; write the bytes to --out FILE or stdout (not with --json).")
final class BurlProbe extends ProbeCommand {

  @Option(names = "--user", required = true, description = "The submit server's login.")
  String user;

  @Option(names = "--password", description = "Password (or --password-file, or REPGROUP_PASSWORD).")
  String password;

  @Option(names = "--password-file", paramLabel = "FILE", description = "File holding the password.")
  Path passwordFile;

  @Option(names = "--url", required = true, description = "The imap://...;urlauth=... URL.")
  String url;

  @Option(names = "--out", paramLabel = "FILE", description = "Write the message here.")
  Path out;

  @Override
  protected ProbeReport probe(RepgroupResources resources) throws Exception {
    BurlFetcher burl = BurlFetcher.builder(resources,
        new Credentials(user, CommonOptions.password(password, passwordFile))).policy(common.policy()).build();
    try (UrlFetchResult r = burl.fetch(common.group(Protocol.IMAP), url)) {
      long bytes;
      if (out != null) {
        try (OutputStream o = Files.newOutputStream(out)) {
          bytes = r.stream().transferTo(o);
        }
      } else if (common.json()) {
        bytes = r.stream().transferTo(OutputStream.nullOutputStream());
      } else {
        bytes = r.stream().transferTo(System.out);
        System.out.flush();
      }
      return ProbeReport.served(r.host(), r.trace()).put("bytes", bytes);
    } catch (BurlFetchException e) {
      return ProbeReport.failed(e, 0).put("smtpReply", e.smtpReply());
    }
  }
}
