package org.repgroup.testkit;

/** A simulated node's part in its group. */
public enum NodeRole {
  /** Serves reads and writes. */
  MASTER,
  /** Serves reads; refers writers to the master. */
  REPLICA,
  /** Not running: its ports refuse connections. */
  STOPPED
}
