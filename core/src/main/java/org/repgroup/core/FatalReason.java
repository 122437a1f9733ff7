package org.repgroup.core;

/** Why an attempt stopped the whole operation (an {@link FailureKind#FATAL} failure). Never retried elsewhere. */
public enum FatalReason {
  /** The host refused the credentials (bad password, expired, not authorized): the user's problem. */
  CREDENTIALS_REFUSED,
  /** The host refused the request itself (an invalid URL, a bad event filter): no host would take it. */
  REQUEST_REFUSED,
  /** The client cannot make the attempt at all (a missing protocol provider, a configuration error). */
  CLIENT_ERROR
}
