package org.repgroup.samples;

import jakarta.mail.Folder;
import org.eclipse.angus.mail.pop3.POP3Folder;
import org.eclipse.angus.mail.pop3.POP3Store;
import org.repgroup.core.Credentials;
import org.repgroup.core.Protocol;
import org.repgroup.core.RepgroupResources;
import org.repgroup.core.FailoverResult;
import org.repgroup.pop.PopFailoverClient;
import org.repgroup.samples.internal.LoginOptions;
import org.repgroup.samples.internal.ProbeCommand;
import org.repgroup.samples.internal.ProbeReport;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code pop}: log in on the master, STAT. */
@Command(name = "pop", mixinStandardHelpOptions = true, description = "Log in, STAT, print message count and size.")
final class PopProbe extends ProbeCommand {

  /** --user, --password, --password-file. */
  @Mixin
  LoginOptions login;

  @Override
  protected ProbeReport probe(RepgroupResources resources) throws Exception {
    Credentials creds = login.credentials();
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
