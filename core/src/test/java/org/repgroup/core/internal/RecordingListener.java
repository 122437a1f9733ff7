package org.repgroup.core.internal;

import org.repgroup.core.AttemptRecord;
import org.repgroup.core.FailoverListener;
import org.repgroup.core.FailoverResult;
import org.repgroup.core.OperationInfo;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.repgroup.core.HostAddress;

/** Records events as short strings, so a test can assert the exact order. */
final class RecordingListener implements FailoverListener {

  final List<String> events = new CopyOnWriteArrayList<>();

  @Override
  public void operationStart(OperationInfo op) {
    events.add("operationStart " + op.intent());
  }

  @Override
  public void discoveryJoined(OperationInfo op) {
    events.add("discoveryJoined");
  }

  @Override
  public void attemptStart(OperationInfo op, HostAddress host, int hop) {
    events.add("attemptStart " + host + " hop " + hop);
  }

  @Override
  public void attemptEnd(OperationInfo op, AttemptRecord record) {
    events.add("attemptEnd " + record.host() + " " + record.kind().label());
  }

  @Override
  public void referralFollowed(OperationInfo op, HostAddress from, HostAddress to) {
    events.add("referralFollowed " + from + " -> " + to);
  }

  @Override
  public void referralRefused(OperationInfo op, HostAddress from, HostAddress to, String reason) {
    events.add("referralRefused " + from + " -> " + to);
  }

  @Override
  public void retryScheduled(OperationInfo op, int nextPass, Duration delay) {
    events.add("retryScheduled pass " + nextPass);
  }

  @Override
  public void operationEnd(OperationInfo op, FailoverResult<?> result) {
    events.add("operationEnd " + (result instanceof FailoverResult.Served<?> ? "served"
        : ((FailoverResult.Failed<?>) result).kind()));
  }

  @Override
  public void masterChanged(String group, HostAddress previous, HostAddress current) {
    events.add("masterChanged " + previous + " -> " + current);
  }

  @Override
  public void hostMarkedDown(HostAddress host, String reason) {
    events.add("hostMarkedDown " + host);
  }

  @Override
  public void hostMarkedUp(HostAddress host) {
    events.add("hostMarkedUp " + host);
  }
}
