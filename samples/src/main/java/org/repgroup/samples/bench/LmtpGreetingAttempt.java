package org.repgroup.samples.bench;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import org.repgroup.core.spi.Attempt;
import org.repgroup.core.spi.AttemptContext;
import org.repgroup.core.spi.AttemptOutcome;
import org.repgroup.lmtp.LmtpGreeting;

/** A minimal write attempt for the benchmarks: connect and read the LMTP greeting. */
final class LmtpGreetingAttempt implements Attempt<String> {

  static final LmtpGreetingAttempt INSTANCE = new LmtpGreetingAttempt();

  @Override
  public AttemptOutcome<String> attempt(AttemptContext ctx) {
    try (Socket s = new Socket()) {
      ctx.onCancel(s);
      s.connect(ctx.socketAddress(), (int) ctx.connectTimeout().toMillis());
      s.setSoTimeout((int) ctx.responseTimeout().toMillis());
      String line = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.US_ASCII)).readLine();
      if (line == null) {
        return AttemptOutcome.unavailable("EOF", null);
      }
      LmtpGreeting g = LmtpGreeting.parse(line);
      return g.referral().isPresent() ? AttemptOutcome.referral(g.referral().get(), line) : AttemptOutcome.success(line);
    } catch (IOException e) {
      return AttemptOutcome.unavailable(e.toString(), e);
    }
  }
}
