package org.repgroup.samples;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.repgroup.core.Protocol;
import org.repgroup.core.RepgroupResources;
import org.repgroup.lmtp.DeliveryResult;
import org.repgroup.lmtp.LmtpFailoverClient;
import org.repgroup.lmtp.MessageSource;
import org.repgroup.lmtp.RecipientResult;
import org.repgroup.samples.internal.ProbeCommand;
import org.repgroup.samples.internal.ProbeReport;
import org.repgroup.samples.internal.UsageException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code lmtp}: deliver a file, one result per recipient. */
@Command(name = "lmtp", mixinStandardHelpOptions = true,
    description = "Deliver FILE to the recipients, print one result per recipient.")
final class LmtpProbe extends ProbeCommand {

  @Option(names = "--from", required = true, description = "Envelope sender.")
  String from;

  @Option(names = "--to", required = true, split = ",", paramLabel = "A[,B...]", description = "Recipients.")
  List<String> to;

  @Option(names = "--message", required = true, paramLabel = "FILE", description = "The RFC 5322 message.")
  Path message;

  @Override
  protected ProbeReport probe(RepgroupResources resources) throws Exception {
    if (!Files.isReadable(message)) {
      throw new UsageException("--message: cannot read " + message);
    }
    try (LmtpFailoverClient lmtp = LmtpFailoverClient.builder(resources).policy(common.policy()).build()) {
      DeliveryResult r = lmtp.deliver(common.group(Protocol.LMTP), from, to, MessageSource.of(message));
      List<Map<String, Object>> recipients = new ArrayList<>();
      for (RecipientResult rr : r.recipients()) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("address", rr.address());
        m.put("status", rr.status().name());
        m.put("code", rr.code());
        m.put("enhancedCode", rr.enhancedCode());
        m.put("text", rr.text());
        recipients.add(m);
      }
      ProbeReport report = ProbeReport.served(r.host(), r.trace()).put("recipients", recipients);
      if (!r.allDelivered()) {
        long bad = r.recipients().stream().filter(x -> !x.delivered()).count();
        report.fail(bad + " of " + r.recipients().size() + " recipients not delivered ("
            + r.recipients().stream().filter(x -> !x.delivered()).map(x -> x.address() + " "
                + x.status().name().toLowerCase(Locale.ROOT)).toList() + ")");
      }
      return report;
    }
  }
}
