package dev.cleanroom.engine;

import dev.cleanroom.query.QueryControl;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * How one run of a query is executed, apart from what it asks: a timeout and a control to watch and
 * stop it. Not part of the {@link dev.cleanroom.query.QuerySpec}: two runs of the same query with
 * different options are the same query (the same fingerprint, the same stored answer).
 *
 * @param timeout how long the run may take, from its start, before it stops with {@link
 *     dev.cleanroom.QueryCancelledException#timedOut()}
 * @param control the analyst's handle to see the run's progress and cancel it
 */
public record RunOptions(Optional<Duration> timeout, Optional<QueryControl> control) {
  /** No timeout, no control. */
  public static final RunOptions NONE = new RunOptions(Optional.empty(), Optional.empty());

  /**
   * @param timeout how long the run may take; positive if present
   * @param control the analyst's handle on the run
   * @throws NullPointerException if an argument is null
   * @throws IllegalArgumentException if the timeout is zero or negative
   */
  public RunOptions {
    Objects.requireNonNull(timeout, "timeout");
    Objects.requireNonNull(control, "control");
    timeout.ifPresent(RunOptions::checkTimeout);
  }

  /**
   * These options with {@code timeout}.
   *
   * @param timeout how long the run may take; positive
   * @return the new options
   * @throws IllegalArgumentException if the timeout is zero or negative
   */
  public RunOptions withTimeout(Duration timeout) {
    return new RunOptions(Optional.of(checkTimeout(timeout)), control);
  }

  /**
   * These options with {@code control}.
   *
   * @param control the analyst's handle on the run
   * @return the new options
   */
  public RunOptions withControl(QueryControl control) {
    return new RunOptions(timeout, Optional.of(Objects.requireNonNull(control, "control")));
  }

  /**
   * Checks a timeout given to a query stage.
   *
   * @param timeout the timeout
   * @return {@code timeout}
   * @throws NullPointerException if {@code timeout} is null
   * @throws IllegalArgumentException if it is zero or negative
   */
  public static Duration checkTimeout(Duration timeout) {
    Objects.requireNonNull(timeout, "timeout");
    if (timeout.isZero() || timeout.isNegative()) {
      throw new IllegalArgumentException("timeout must be positive; provided value: " + timeout);
    }
    return timeout;
  }
}
