package org.repgroup.samples;

import jakarta.mail.Folder;
import jakarta.mail.Session;
import jakarta.mail.internet.MimeMessage;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Properties;
import org.eclipse.angus.mail.imap.IMAPStore;
import org.repgroup.core.Credentials;
import org.repgroup.core.Protocol;
import org.repgroup.core.RepgroupResources;
import org.repgroup.core.FailoverResult;
import org.repgroup.core.FailoverTrace;
import org.repgroup.core.Intent;
import org.repgroup.core.ReplicationGroup;
import org.repgroup.imap.AppendResult;
import org.repgroup.imap.ImapFailoverClient;
import org.repgroup.samples.internal.LoginOptions;
import org.repgroup.samples.internal.ProbeCommand;
import org.repgroup.samples.internal.ProbeReport;
import org.repgroup.samples.internal.UsageException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code imap}: log in (write intent unless --read), optionally append exactly once
 * ({@link ImapFailoverClient#append}), SELECT INBOX, count messages.
 */
@Command(name = "imap", mixinStandardHelpOptions = true,
    description = "Log in with write intent (or --read), SELECT INBOX, print the message count.")
final class ImapProbe extends ProbeCommand {

  /** --user, --password, --password-file. */
  @Mixin
  LoginOptions login;

  @Option(names = "--read", description = "Read intent: any healthy host will do.")
  boolean read;

  @Option(names = "--append", paramLabel = "FILE", description = "Append this RFC 5322 file to INBOX first, exactly "
      + "once across a dropped connection (found again by its Message-ID); prints APPENDED, ALREADY_PRESENT or "
      + "UNKNOWN (the probe then fails).")
  Path append;

  @Override
  protected ProbeReport probe(RepgroupResources resources) throws Exception {
    Credentials creds = login.credentials();
    if (append != null && !Files.isReadable(append)) {
      throw new UsageException("--append: cannot read " + append);
    }
    if (append != null && read) {
      throw new UsageException("--append needs write intent: leave out --read");
    }
    ImapFailoverClient imap = ImapFailoverClient.builder(resources).policy(common.policy()).build();
    ReplicationGroup group = common.group(Protocol.IMAP);
    AppendResult appended = null;
    if (append != null) {
      try (InputStream in = Files.newInputStream(append)) {
        appended = imap.append(group, creds, "INBOX", new MimeMessage(Session.getInstance(new Properties()), in));
      }
    }
    FailoverResult.Served<IMAPStore> served = imap.connectTraced(group, creds, read ? Intent.READ : Intent.WRITE);
    int count;
    try (IMAPStore store = served.value()) {
      Folder inbox = store.getFolder("INBOX");
      inbox.open(Folder.READ_ONLY);
      count = inbox.getMessageCount();
      inbox.close(false);
    }
    if (appended == null) {
      return ProbeReport.served(served.host(), served.trace()).put("messages", count);
    }
    // The report shows the append's last connection: where the message is (or was last sent).
    List<FailoverTrace> traces = appended.traces();
    ProbeReport report = ProbeReport.served(appended.host(), traces.get(traces.size() - 1))
        .elapsedMillis(traces.stream().mapToLong(t -> t.elapsed().toMillis()).sum()
            + served.trace().elapsed().toMillis())
        .put("append", appended.outcome().name())
        .put("appendUid", appended.uid().isPresent() ? appended.uid().getAsLong() : null)
        .put("appendConnects", traces.size())
        .put("messages", count);
    if (!appended.isStored()) {
      report.fail("append outcome unknown: " + appended.detail());
    }
    return report;
  }
}
