package org.repgroup.core;

import java.util.Objects;
import org.repgroup.core.HostAddress;

/**
 * How an operation ended: {@link Served} or {@link Failed}. Adapters turn a
 * {@code Failed} into the exception their users catch.
 *
 * @param <T> the value an attempt produces
 */
public sealed interface FailoverResult<T> permits FailoverResult.Served, FailoverResult.Failed {

  /** What happened along the way. */
  FailoverTrace trace();

  /** The value, or the failure as a {@link StoreUnavailableException} (see {@link Failed#toException()}). */
  T orThrow() throws StoreUnavailableException;

  /**
   * The operation was served.
   *
   * @param value what the winning attempt produced
   * @param host the host that served it, port filled in
   * @param trace what happened
   */
  record Served<T>(T value, HostAddress host, FailoverTrace trace) implements FailoverResult<T> {
    /** All required. */
    public Served {
      Objects.requireNonNull(host, "host");
      Objects.requireNonNull(trace, "trace");
    }

    @Override
    public T orThrow() {
      return value;
    }
  }

  /**
   * The operation failed.
   *
   * @param kind why
   * @param fatalReason for {@link FailureKind#FATAL}: what kind of refusal; else {@code null}
   * @param fatalCause for {@link FailureKind#FATAL}: the attempt's cause (may be {@code null}); else {@code null}
   * @param trace what happened
   */
  record Failed<T>(FailureKind kind, FatalReason fatalReason, Throwable fatalCause, FailoverTrace trace)
      implements FailoverResult<T> {
    /** Kind and trace required; a fatal failure has its reason. */
    public Failed {
      Objects.requireNonNull(kind, "kind");
      Objects.requireNonNull(trace, "trace");
      if ((kind == FailureKind.FATAL) != (fatalReason != null)) {
        throw new IllegalArgumentException("a fatal failure, and only one, has a fatal reason: " + kind);
      }
    }

    /** A failure that is not fatal (every host unavailable, no master, a loop...). */
    public Failed(FailureKind kind, FailoverTrace trace) {
      this(kind, null, null, trace);
    }

    /** The failure as the exception the engine's users catch. */
    public StoreUnavailableException toException() {
      return kind == FailureKind.NO_MASTER ? new NoMasterException(trace) : new StoreUnavailableException(kind, trace);
    }

    @Override
    public T orThrow() throws StoreUnavailableException {
      throw toException();
    }
  }
}
