package dev.cleanroom.query;

import java.util.Objects;

/**
 * A snapshot of how far a query (or a load of a source) has come: its phase and the rows read from
 * its sources so far. Immutable; obtained from {@link QueryControl#progress()} or handed to a
 * {@link ProgressListener}. It holds no data values.
 *
 * @param phase the phase the run is in
 * @param rowsRead the rows read from the sources so far: rows of a scanned dataset (a dataset read
 *     twice, for example once to index its user ids, counts twice), or the rows that came back from
 *     a database that ran the query as one statement (one per group)
 */
public record Progress(Phase phase, long rowsRead) {
  /** Where a run is. A run moves forward through these phases and ends in DONE or FAILED. */
  public enum Phase {
    /** The run has not started yet. */
    NOT_STARTED,
    /** The query is being planned and checked against every policy; nothing is read. */
    PLANNING,
    /** The sources are being read (after any budget was charged). */
    SCANNING,
    /** Threshold, noise and the other release checks turn the totals into the result. */
    RELEASING,
    /** The run finished with a result (or, for a load, a source). */
    DONE,
    /** The run failed, was refused, cancelled or timed out; it released nothing. */
    FAILED;

    /**
     * Whether a run in this phase has ended.
     *
     * @return whether this is {@link #DONE} or {@link #FAILED}
     */
    public boolean isFinal() {
      return this == DONE || this == FAILED;
    }
  }

  /** The progress of a run that has not started: {@link Phase#NOT_STARTED}, no rows read. */
  public static final Progress NOT_STARTED = new Progress(Phase.NOT_STARTED, 0);

  /**
   * @param phase the phase the run is in
   * @param rowsRead the rows read so far, not negative
   * @throws NullPointerException if {@code phase} is null
   * @throws IllegalArgumentException if {@code rowsRead} is negative
   */
  public Progress {
    Objects.requireNonNull(phase, "phase");
    if (rowsRead < 0) {
      throw new IllegalArgumentException(
          "rowsRead must not be negative; provided value: " + rowsRead);
    }
  }
}
