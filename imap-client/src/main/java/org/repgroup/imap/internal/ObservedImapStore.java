package org.repgroup.imap.internal;

import jakarta.mail.Session;
import jakarta.mail.URLName;
import java.io.IOException;
import java.util.Properties;
import org.eclipse.angus.mail.iap.ProtocolException;
import org.eclipse.angus.mail.iap.Response;
import org.eclipse.angus.mail.imap.IMAPStore;
import org.eclipse.angus.mail.imap.protocol.IMAPProtocol;
import org.eclipse.angus.mail.util.MailLogger;
import org.repgroup.core.spi.ObservedConnection;

/**
 * An {@link IMAPStore} that records the greeting and the login result exactly
 * as the server sent them (Angus keeps neither, and cuts referral URLs at the
 * first {@code ]}), and whose every connection, the login's and the folders'
 * later ones, belongs to the attempt's {@link ObservedConnection} (the engine's
 * address; before login, the attempt's bounds).
 */
public final class ObservedImapStore extends IMAPStore {

  /** The observation of the connection being made; set per thread around protocol creation. */
  private static final ThreadLocal<ImapObservation> CURRENT = new ThreadLocal<>();

  private final ImapObservation observation;
  private final ObservedConnection connection;

  /**
   * A store on {@code session} that records into {@code observation}.
   *
   * @param authorizationId the user an admin acts as (SASL PLAIN authzid), or {@code null}
   */
  public ObservedImapStore(Session session, ImapObservation observation, ObservedConnection connection,
      String authorizationId) {
    super(session, new URLName("imap", null, -1, null, null, null));
    this.observation = observation;
    this.connection = connection;
    if (authorizationId != null) {
      this.authorizationID = authorizationId;
    }
  }

  @Override
  protected IMAPProtocol newIMAPProtocol(String host, int port) throws IOException, ProtocolException {
    CURRENT.set(observation);
    try (ObservedConnection.Scope ignored = connection.enter()) {
      return new RecordingProtocol(name, host, port, session.getProperties(), isSSL,
          new MailLogger(IMAPStore.class, "DEBUG IMAP", session.getDebug(), session.getDebugOut()));
    } finally {
      CURRENT.remove();
    }
  }

  /** Records the greeting (while constructing) and every login result. */
  private static final class RecordingProtocol extends IMAPProtocol {
    // No initializer: the greeting is processed inside the super constructor.
    private ImapObservation recorder;

    RecordingProtocol(String name, String host, int port, Properties props, boolean isSSL, MailLogger logger)
        throws IOException, ProtocolException {
      super(name, host, port, props, isSSL, logger);
      this.recorder = CURRENT.get();
    }

    @Override
    protected void processGreeting(Response r) throws ProtocolException {
      ImapObservation o = CURRENT.get();
      if (o != null) {
        o.greeting(r.toString());
      }
      super.processGreeting(r);
    }

    @Override
    protected void handleLoginResult(Response r) throws ProtocolException {
      if (recorder != null) {
        recorder.loginResult(r.toString());
      }
      super.handleLoginResult(r);
    }
  }
}
