package org.repgroup.samples;

import picocli.CommandLine;
import org.repgroup.core.spi.ServerText;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

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

  @Spec
  CommandSpec spec;

  /** Runs the CLI and returns its exit status (for tests and embedding). */
  public static int run(String... args) {
    return commandLine().execute(args);
  }

  /**
   * The CLI, ready to {@link CommandLine#execute execute}; set its output and error
   * writers ({@link CommandLine#setOut}, {@link CommandLine#setErr}) to capture them.
   */
  public static CommandLine commandLine() {
    return commandLine(CommandLine.defaultFactory());
  }

  /** The CLI with its commands made by {@code factory} (tests give a command its collaborators). */
  static CommandLine commandLine(CommandLine.IFactory factory) {
    CommandLine cli = new CommandLine(new ProbeMain(), factory);
    cli.setExecutionExceptionHandler((e, cmd, parsed) -> {
      cmd.getErr().println("repgroup-probe: " + ServerText.printable(String.valueOf(e.getMessage()), 1000));
      cmd.getErr().flush();
      return 1;
    });
    return cli;
  }

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }
}
