package org.repgroup.core.internal;

import org.repgroup.core.AttemptRecord;
import org.repgroup.core.FailoverListener;
import org.repgroup.core.FailoverResult;
import org.repgroup.core.OperationInfo;

import java.time.Duration;
import java.util.List;
import org.repgroup.core.HostAddress;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Forwards to several listeners; a listener that throws is logged and skipped. */
public final class CompositeListener implements FailoverListener {

  private static final Logger LOG = LoggerFactory.getLogger(CompositeListener.class);

  private final FailoverListener[] listeners;

  public CompositeListener(List<FailoverListener> listeners) {
    // The no-op listener is left out: the resources' default pairs the counters with it.
    List<FailoverListener> kept = new java.util.ArrayList<>(listeners.size());
    for (FailoverListener l : listeners) {
      if (l != FailoverListener.NONE) {
        kept.add(java.util.Objects.requireNonNull(l, "listener"));
      }
    }
    this.listeners = kept.toArray(new FailoverListener[0]);
  }

  // Every event is a plain loop, no lambda: the engine fires several per operation, and a capturing
  // lambda is an allocation each.
  private static void failed(FailoverListener l, RuntimeException e) {
    LOG.warn("failover listener {} threw; ignored", l.getClass().getName(), e);
  }

  @Override
  public void operationStart(OperationInfo op) {
    for (FailoverListener l : listeners) {
      try {
        l.operationStart(op);
      } catch (RuntimeException e) {
        failed(l, e);
      }
    }
  }

  @Override
  public void discoveryJoined(OperationInfo op) {
    for (FailoverListener l : listeners) {
      try {
        l.discoveryJoined(op);
      } catch (RuntimeException e) {
        failed(l, e);
      }
    }
  }

  @Override
  public void attemptStart(OperationInfo op, HostAddress host, int hop) {
    for (FailoverListener l : listeners) {
      try {
        l.attemptStart(op, host, hop);
      } catch (RuntimeException e) {
        failed(l, e);
      }
    }
  }

  @Override
  public void attemptEnd(OperationInfo op, AttemptRecord record) {
    for (FailoverListener l : listeners) {
      try {
        l.attemptEnd(op, record);
      } catch (RuntimeException e) {
        failed(l, e);
      }
    }
  }

  @Override
  public void referralFollowed(OperationInfo op, HostAddress from, HostAddress to) {
    for (FailoverListener l : listeners) {
      try {
        l.referralFollowed(op, from, to);
      } catch (RuntimeException e) {
        failed(l, e);
      }
    }
  }

  @Override
  public void referralRefused(OperationInfo op, HostAddress from, HostAddress to, String reason) {
    for (FailoverListener l : listeners) {
      try {
        l.referralRefused(op, from, to, reason);
      } catch (RuntimeException e) {
        failed(l, e);
      }
    }
  }

  @Override
  public void retryScheduled(OperationInfo op, int nextPass, Duration delay) {
    for (FailoverListener l : listeners) {
      try {
        l.retryScheduled(op, nextPass, delay);
      } catch (RuntimeException e) {
        failed(l, e);
      }
    }
  }

  @Override
  public void operationEnd(OperationInfo op, FailoverResult<?> result) {
    for (FailoverListener l : listeners) {
      try {
        l.operationEnd(op, result);
      } catch (RuntimeException e) {
        failed(l, e);
      }
    }
  }

  @Override
  public void masterChanged(String group, HostAddress previous, HostAddress current) {
    for (FailoverListener l : listeners) {
      try {
        l.masterChanged(group, previous, current);
      } catch (RuntimeException e) {
        failed(l, e);
      }
    }
  }

  @Override
  public void hostMarkedDown(HostAddress host, String reason) {
    for (FailoverListener l : listeners) {
      try {
        l.hostMarkedDown(host, reason);
      } catch (RuntimeException e) {
        failed(l, e);
      }
    }
  }

  @Override
  public void hostMarkedUp(HostAddress host) {
    for (FailoverListener l : listeners) {
      try {
        l.hostMarkedUp(host);
      } catch (RuntimeException e) {
        failed(l, e);
      }
    }
  }

  @Override
  public void serverAlert(HostAddress host, String text) {
    for (FailoverListener l : listeners) {
      try {
        l.serverAlert(host, text);
      } catch (RuntimeException e) {
        failed(l, e);
      }
    }
  }
}
