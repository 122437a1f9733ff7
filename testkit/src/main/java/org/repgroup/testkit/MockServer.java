package org.repgroup.testkit;

import java.io.IOException;
import java.util.Optional;
import org.repgroup.core.HostAddress;

/**
 * What every testkit server offers, whatever its protocol: an address on loopback,
 * a standing {@link Fault} and a queue of per-connection {@link ConnectionScript}s.
 * Implemented by the line servers ({@link ImapServer}, {@link Pop3Server},
 * {@link LmtpServer}) and by the {@link EnsGateway}, so one test can stage the same
 * misbehaviour for all four protocols.
 */
public sealed interface MockServer extends AutoCloseable permits FaultedServer {

  /** Listens on 127.0.0.1 (an ephemeral port the first time, the same port after a restart). */
  MockServer start() throws IOException;

  /** Stops listening and cuts every open connection; the port refuses until {@link #start()}. */
  void stop();

  /** Stops for good. */
  @Override
  void close();

  /** The listening address and port. */
  HostAddress address();

  /**
   * Applies {@code fault} from now on, to every connection without a script of its own, until
   * {@link #clearFault()}; {@link Fault#refuse()} closes the port at once.
   *
   * @throws IllegalArgumentException for a fault this server cannot show, naming it
   */
  void setFault(Fault fault);

  /** Removes the standing fault; a refused port listens again on the same port. */
  void clearFault();

  /** The standing fault, if any. */
  Optional<Fault> fault();

  /** Queues {@code script} for the next connection that has none (for the ENS gateway: the next request). */
  void enqueue(ConnectionScript script);

  /** Queues a connection that shows {@code fault}: {@code enqueue(ConnectionScript.of(fault))}. */
  default void enqueue(Fault fault) {
    enqueue(ConnectionScript.of(fault));
  }

  /** Scripts queued and not yet taken by a connection. */
  int queuedScripts();

  /**
   * How many times clients reached this server: connections accepted by a line server,
   * requests received by the ENS gateway (the unit a fault or a script applies to).
   */
  int contactCount();
}
