package org.repgroup.testkit;

/**
 * When a commit on the master is acknowledged to the client
 * ({@code store.dbreplicate.ackpolicy}): after how many nodes have the write,
 * or when the acknowledgement timeout expires, whichever is first.
 */
public enum AckPolicy {
  /** 0: at once; a write the client saw succeed can be lost with the master. */
  NONE,
  /** 1: one replica has it. */
  ONE,
  /** 2: one peer (another node) has it. */
  ONE_PEER,
  /** 3 (default): a majority of the group's nodes, the master included. */
  QUORUM,
  /** 4: every other node of the group. */
  ALL_PEERS,
  /** 5: every running node. */
  ALL_AVAILABLE,
  /** 6: every running replica serving clients. */
  ALL_CLIENTS;

  /** The policy for the store's numeric option value 0-6. */
  public static AckPolicy of(int code) {
    if (code < 0 || code >= values().length) {
      throw new IllegalArgumentException("store.dbreplicate.ackpolicy must be 0-6, was " + code);
    }
    return values()[code];
  }
}
