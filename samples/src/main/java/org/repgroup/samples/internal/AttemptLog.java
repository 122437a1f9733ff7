package org.repgroup.samples.internal;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.repgroup.core.HostAddress;
import org.repgroup.core.AttemptRecord;
import org.repgroup.core.FailoverListener;
import org.repgroup.core.OperationInfo;

/** The attempts and followed referrals of a probe's operations, as the engine reported them. */
final class AttemptLog implements FailoverListener {

  private final List<AttemptRecord> records = new CopyOnWriteArrayList<>();
  private final AtomicInteger referralsFollowed = new AtomicInteger();

  @Override
  public void attemptEnd(OperationInfo op, AttemptRecord record) {
    records.add(record);
  }

  @Override
  public void referralFollowed(OperationInfo op, HostAddress from, HostAddress to) {
    referralsFollowed.incrementAndGet();
  }

  List<AttemptRecord> records() {
    return List.copyOf(records);
  }

  int referralsFollowed() {
    return referralsFollowed.get();
  }
}
