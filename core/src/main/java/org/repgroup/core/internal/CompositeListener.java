package org.repgroup.core.internal;

import org.repgroup.core.AttemptRecord;
import org.repgroup.core.FailoverListener;
import org.repgroup.core.FailoverResult;
import org.repgroup.core.OperationInfo;

import java.time.Duration;
import java.util.List;
import java.util.function.Consumer;
import org.repgroup.core.HostAddress;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Forwards to several listeners; a listener that throws is logged and skipped. */
public final class CompositeListener implements FailoverListener {

  private static final Logger LOG = LoggerFactory.getLogger(CompositeListener.class);

  private final List<FailoverListener> listeners;

  public CompositeListener(List<FailoverListener> listeners) {
    this.listeners = List.copyOf(listeners);
  }

  private void each(Consumer<FailoverListener> event) {
    for (FailoverListener l : listeners) {
      try {
        event.accept(l);
      } catch (RuntimeException e) {
        LOG.warn("failover listener {} threw; ignored", l.getClass().getName(), e);
      }
    }
  }

  @Override
  public void operationStart(OperationInfo op) {
    each(l -> l.operationStart(op));
  }

  @Override
  public void discoveryJoined(OperationInfo op) {
    each(l -> l.discoveryJoined(op));
  }

  @Override
  public void attemptStart(OperationInfo op, HostAddress host, int hop) {
    each(l -> l.attemptStart(op, host, hop));
  }

  @Override
  public void attemptEnd(OperationInfo op, AttemptRecord record) {
    each(l -> l.attemptEnd(op, record));
  }

  @Override
  public void referralFollowed(OperationInfo op, HostAddress from, HostAddress to) {
    each(l -> l.referralFollowed(op, from, to));
  }

  @Override
  public void referralRefused(OperationInfo op, HostAddress from, HostAddress to, String reason) {
    each(l -> l.referralRefused(op, from, to, reason));
  }

  @Override
  public void retryScheduled(OperationInfo op, int nextPass, Duration delay) {
    each(l -> l.retryScheduled(op, nextPass, delay));
  }

  @Override
  public void operationEnd(OperationInfo op, FailoverResult<?> result) {
    each(l -> l.operationEnd(op, result));
  }

  @Override
  public void masterChanged(String group, HostAddress previous, HostAddress current) {
    each(l -> l.masterChanged(group, previous, current));
  }

  @Override
  public void hostMarkedDown(HostAddress host, String reason) {
    each(l -> l.hostMarkedDown(host, reason));
  }

  @Override
  public void hostMarkedUp(HostAddress host) {
    each(l -> l.hostMarkedUp(host));
  }

  @Override
  public void serverAlert(HostAddress host, String text) {
    each(l -> l.serverAlert(host, text));
  }
}
