package org.repgroup.core;

/**
 * A write could not be served because the group has no master: hosts answered,
 * but the group is read-only (a two-site group whose master died, or every
 * electable node down). Reads still work. Distinct from "unreachable".
 */
public class NoMasterException extends StoreUnavailableException {

  private static final long serialVersionUID = 1L;

  /** For a write that found the group read-only. */
  public NoMasterException(FailoverTrace trace) {
    super(FailureKind.NO_MASTER, trace);
  }
}
