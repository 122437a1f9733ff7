package org.repgroup.testkit;

import java.io.IOException;
import java.util.Optional;

/**
 * The scripting every testkit server shares, on one {@link FaultCore}: the standing
 * fault and the queue of scripts. Subclasses say which faults they can show and how
 * their port closes and reopens for {@link Fault#refuse()}.
 */
abstract sealed class FaultedServer implements MockServer permits ScriptedServer, EnsGateway {

  /** The fault core of this server. */
  final FaultCore faults;

  FaultedServer(String name) {
    this.faults = new FaultCore(name, this::checkSupported, new FaultCore.Port() {
      @Override
      public void close() {
        closePort();
      }

      @Override
      public void reopen() throws IOException {
        reopenPort();
      }
    });
  }

  /** Throws {@link IllegalArgumentException}, naming the fault, for one this server cannot show. */
  abstract void checkSupported(Fault fault);

  /** Stops listening for {@link Fault#refuse()}. */
  abstract void closePort();

  /** Listens again on the same port once a refusal is cleared. */
  abstract void reopenPort() throws IOException;

  @Override
  public void setFault(Fault fault) {
    faults.set(fault);
  }

  @Override
  public void clearFault() {
    faults.clear();
  }

  @Override
  public Optional<Fault> fault() {
    return faults.standing();
  }

  @Override
  public void enqueue(ConnectionScript script) {
    faults.enqueue(script);
  }

  @Override
  public int queuedScripts() {
    return faults.queued();
  }
}
