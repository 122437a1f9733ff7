package org.repgroup.samples;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * {@code repgroup-probe}: checks a replication group over IMAP, POP, LMTP, BURL
 * and ENS the way Repgroup's clients see it, and runs the embedded demo.
 * Exit status: 0 success, 1 the operation failed, 2 usage or configuration error.
 */
@Command(name = "repgroup-probe", mixinStandardHelpOptions = true, version = "repgroup-probe 0.1.0",
    description = "Probe a replicated message store group, or watch a failover in the embedded demo.",
    subcommands = {ImapProbe.class, PopProbe.class, LmtpProbe.class, BurlProbe.class, EnsProbe.class,
        StatusProbe.class, DemoCommand.class})
public final class ProbeMain implements Runnable {

  /** Runs the CLI and exits with its status. */
  public static void main(String[] args) {
    System.exit(run(args));
  }

  /** Runs the CLI and returns its exit status (for tests and embedding). */
  public static int run(String... args) {
    CommandLine cli = new CommandLine(new ProbeMain());
    cli.setExecutionExceptionHandler((e, cmd, parsed) -> {
      cmd.getErr().println("repgroup-probe: " + e.getMessage());
      return 1;
    });
    return cli.execute(args);
  }

  @Override
  public void run() {
    new CommandLine(this).usage(System.out);
  }
}
