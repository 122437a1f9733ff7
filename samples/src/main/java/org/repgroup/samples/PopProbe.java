package org.repgroup.samples;

import jakarta.mail.Folder;
import java.nio.file.Path;
import org.eclipse.angus.mail.pop3.POP3Folder;
import org.eclipse.angus.mail.pop3.POP3Store;
import org.repgroup.core.Credentials;
import org.repgroup.core.Protocol;
import org.repgroup.core.RepgroupResources;
import org.repgroup.core.FailoverResult;
import org.repgroup.pop.PopFailoverClient;
import org.repgroup.samples.internal.CommonOptions;
import org.repgroup.samples.internal.ProbeCommand;
import org.repgroup.samples.internal.ProbeReport;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code pop}: log in on the master, STAT. */
@Command(name = "pop", mixinStandardHelpOptions = true, description = "Log in, STAT, print message count and size.")
final class PopProbe extends ProbeCommand {

  @Option(names = "--user", required = true, description = "Login name.")
  String user;

  @Option(names = "--password", description = "Password (or --password-file, or REPGROUP_PASSWORD).")
  String password;

  @Option(names = "--password-file", paramLabel = "FILE", description = "File holding the password.")
  Path passwordFile;

  @Override
  protected ProbeReport probe(RepgroupResources resources) throws Exception {
    Credentials creds = new Credentials(user, CommonOptions.password(password, passwordFile));
    PopFailoverClient pop = PopFailoverClient.builder(resources).policy(common.policy()).build();
    FailoverResult.Served<POP3Store> served = pop.connectTraced(common.group(Protocol.POP), creds);
    try (POP3Store store = served.value()) {
      POP3Folder inbox = (POP3Folder) store.getFolder("INBOX");
      inbox.open(Folder.READ_ONLY);
      int count = inbox.getMessageCount();
      int size = inbox.getSize();
      inbox.close(false);
      return ProbeReport.served(served.host(), served.trace()).put("messages", count).put("bytes", size);
    }
  }
}
