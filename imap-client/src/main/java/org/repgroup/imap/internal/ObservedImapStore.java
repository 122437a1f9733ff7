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

/**
 * An {@link IMAPStore} that records the greeting and the login result exactly
 * as the server sent them (Angus keeps neither, and cuts referral URLs at the
 * first {@code ]}). The recording protocol is created per connection.
 */
public final class ObservedImapStore extends IMAPStore {

  /** The observation of the connection being made; set per thread around protocol creation. */
  private static final ThreadLocal<ImapObservation> CURRENT = new ThreadLocal<>();

  private final ImapObservation observation;

  /** A store on {@code session} that records into {@code observation}. */
  public ObservedImapStore(Session session, ImapObservation observation) {
    super(session, new URLName("imap", null, -1, null, null, null));
    this.observation = observation;
  }

  @Override
  protected IMAPProtocol newIMAPProtocol(String host, int port) throws IOException, ProtocolException {
    CURRENT.set(observation);
    try {
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
