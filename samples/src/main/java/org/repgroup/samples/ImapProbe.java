package org.repgroup.samples;

import jakarta.mail.Folder;
import jakarta.mail.Message;
import jakarta.mail.Session;
import jakarta.mail.internet.MimeMessage;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Properties;
import org.eclipse.angus.mail.imap.IMAPStore;
import org.repgroup.core.Credentials;
import org.repgroup.core.Protocol;
import org.repgroup.core.RepgroupResources;
import org.repgroup.core.FailoverResult;
import org.repgroup.core.Intent;
import org.repgroup.imap.ImapFailoverClient;
import org.repgroup.samples.internal.LoginOptions;
import org.repgroup.samples.internal.ProbeCommand;
import org.repgroup.samples.internal.ProbeReport;
import org.repgroup.samples.internal.UsageException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code imap}: log in (write intent unless --read), optionally append, SELECT INBOX, count messages. */
@Command(name = "imap", mixinStandardHelpOptions = true,
    description = "Log in with write intent (or --read), SELECT INBOX, print the message count.")
final class ImapProbe extends ProbeCommand {

  /** --user, --password, --password-file. */
  @Mixin
  LoginOptions login;

  @Option(names = "--read", description = "Read intent: any healthy host will do.")
  boolean read;

  @Option(names = "--append", paramLabel = "FILE", description = "Append this RFC 5322 file to INBOX first.")
  Path append;

  @Override
  protected ProbeReport probe(RepgroupResources resources) throws Exception {
    Credentials creds = login.credentials();
    if (append != null && !Files.isReadable(append)) {
      throw new UsageException("--append: cannot read " + append);
    }
    ImapFailoverClient imap = ImapFailoverClient.builder(resources).policy(common.policy()).build();
    FailoverResult.Served<IMAPStore> served =
        imap.connectTraced(common.group(Protocol.IMAP), creds, read ? Intent.READ : Intent.WRITE);
    try (IMAPStore store = served.value()) {
      Folder inbox = store.getFolder("INBOX");
      if (append != null) {
        try (InputStream in = Files.newInputStream(append)) {
          inbox.appendMessages(new Message[] {new MimeMessage(Session.getInstance(new Properties()), in)});
        }
      }
      inbox.open(Folder.READ_ONLY);
      int count = inbox.getMessageCount();
      inbox.close(false);
      return ProbeReport.served(served.host(), served.trace()).put("messages", count);
    }
  }
}
