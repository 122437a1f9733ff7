package org.repgroup.samples.internal;

import java.io.PrintWriter;
import java.util.concurrent.Callable;
import org.repgroup.core.RepgroupResources;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * The frame every probe subcommand shares: resources, one report printed as JSON
 * or text, and the exit status contract (0 ok, 1 failed, 2 usage/configuration).
 */
public abstract class ProbeCommand implements Callable<Integer> {

  /** The options every subcommand takes. */
  @Mixin
  protected CommonOptions common;

  /** This command as picocli parsed it: its output and error writers. */
  @Spec
  protected CommandSpec spec;

  /** Runs the operation and returns its report. */
  protected abstract ProbeReport probe(RepgroupResources resources) throws Exception;

  @Override
  public final Integer call() {
    long start = System.nanoTime();
    ProbeReport report;
    // What the engine did, for failures whose exception carries no trace (a refused login is
    // reported with the protocol library's own exception).
    AttemptLog log = new AttemptLog();
    try (RepgroupResources resources = RepgroupResources.builder().listener(log).build()) {
      report = probe(resources);
    } catch (UsageException e) {
      PrintWriter err = spec.commandLine().getErr();
      err.println("repgroup-probe " + spec.name() + ": " + e.getMessage());
      err.flush();
      return 2;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      report = ProbeReport.failed(e, (System.nanoTime() - start) / 1_000_000).orAttempts(log);
    } catch (Exception e) {
      report = ProbeReport.failed(e, (System.nanoTime() - start) / 1_000_000).orAttempts(log);
    }
    if (!report.isStreamed()) {
      PrintWriter out = spec.commandLine().getOut();
      out.print(common.json() ? report.toJson() + "\n" : report.toText(System.console() != null));
      out.flush();
    }
    return report.ok() ? 0 : 1;
  }
}
