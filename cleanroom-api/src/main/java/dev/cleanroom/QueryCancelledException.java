package dev.cleanroom;

import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * A query stopped before it released anything: its {@link dev.cleanroom.query.QueryControl} was
 * cancelled, or it ran longer than its timeout. A privacy budget or query limit charged before the
 * scan stays charged, as for any failure after the charge; the audit trail records the outcome
 * {@code FAILED} with the reason {@code "cancelled"} or {@code "timed out"}. The message says
 * which, and never holds a data value.
 */
public final class QueryCancelledException extends CleanRoomException {
  private static final long serialVersionUID = 1L;

  /** The timeout that expired, or null when the query was cancelled. */
  private final Duration timeout;

  private QueryCancelledException(String message, Duration timeout) {
    super(message);
    this.timeout = timeout;
  }

  /**
   * A query stopped by a cancellation of its control.
   *
   * @return the exception
   */
  public static QueryCancelledException cancelled() {
    return new QueryCancelledException("query cancelled", null);
  }

  /**
   * A query stopped because it ran longer than {@code timeout}.
   *
   * @param timeout the timeout that expired
   * @return the exception
   * @throws NullPointerException if {@code timeout} is null
   */
  public static QueryCancelledException timedOut(Duration timeout) {
    Objects.requireNonNull(timeout, "timeout");
    return new QueryCancelledException("query timed out after " + timeout, timeout);
  }

  /**
   * Whether the query ran longer than its timeout (rather than being cancelled).
   *
   * @return true if it timed out, false if it was cancelled
   */
  public boolean timedOut() {
    return timeout != null;
  }

  /**
   * The timeout that expired, if the query timed out.
   *
   * @return the timeout, or empty if the query was cancelled
   */
  public Optional<Duration> timeout() {
    return Optional.ofNullable(timeout);
  }
}
