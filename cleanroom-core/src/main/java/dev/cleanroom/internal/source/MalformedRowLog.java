package dev.cleanroom.internal.source;

import dev.cleanroom.source.MalformedRows;
import java.util.List;
import java.util.Objects;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;

/**
 * The malformed rows one source skipped, written by its scans and read as a {@link MalformedRows}
 * report: every source that skips malformed rows keeps one, so the counting, the bounded list of
 * rows and the warning at the end of a scan are written once. It stores positions, column names and
 * fixed reasons, never values. Thread-safe: the scans of a source may run concurrently.
 */
public final class MalformedRowLog {
  /** A number column's text is not an optional sign and digits. */
  public static final String NOT_A_WHOLE_NUMBER = "not a whole number";

  /** A number column's text is a whole number outside the range of a 64-bit integer. */
  public static final String OUT_OF_LONG_RANGE = "not a whole number in the 64-bit range";

  /** A floating-point column's text is not a decimal number. */
  public static final String NOT_A_DECIMAL_NUMBER = "not a decimal number";

  private final String source;
  private final Logger logger;
  private final AtomicLong skipped = new AtomicLong();

  /** The lowest distinct rows so far, at most {@link MalformedRows#MAX_ROWS}; guarded by this. */
  private final TreeSet<MalformedRows.Row> rows = new TreeSet<>();

  /** Whether a distinct row was left out of {@link #rows}; guarded by this. */
  private boolean truncated;

  /**
   * An empty log.
   *
   * @param source the source's name, for the warning at the end of a scan
   * @param logger where that warning goes: the source's logger
   */
  public MalformedRowLog(String source, Logger logger) {
    this.source = Objects.requireNonNull(source, "source");
    this.logger = Objects.requireNonNull(logger, "logger");
  }

  /** The number of rows skipped so far, by all scans. */
  public long skippedRows() {
    return skipped.get();
  }

  /** A consistent snapshot: the count and the listed rows as of one moment. */
  public synchronized MalformedRows report() {
    return new MalformedRows(skipped.get(), List.copyOf(rows), truncated);
  }

  /** A tally for one new scan. */
  public Tally startScan() {
    return new Tally();
  }

  private synchronized void record(MalformedRows.Row row) {
    skipped.incrementAndGet();
    if (rows.size() == MalformedRows.MAX_ROWS && row.compareTo(rows.last()) > 0) {
      truncated = true;
      return;
    }
    if (rows.add(row) && rows.size() > MalformedRows.MAX_ROWS) {
      rows.pollLast();
      truncated = true;
    }
  }

  /**
   * The skips of one scan: each is recorded in the log at once (so a running scan's count is
   * visible), and {@link #end()} logs one warning with the scan's count. Used by the scan's thread.
   */
  public final class Tally {
    private long skipped;
    private boolean ended;

    private Tally() {}

    /**
     * Records one skipped row.
     *
     * @param position where the row is, at least 1
     * @param column the column that made it malformed, or the empty string
     * @param reason why, as a fixed phrase without values
     */
    public void skip(long position, String column, String reason) {
      MalformedRows.Row row = new MalformedRows.Row(position, column, reason);
      skipped++;
      record(row);
    }

    /** The number of rows this scan skipped so far. */
    public long skipped() {
      return skipped;
    }

    /**
     * Ends the scan: logs one warning with its count if it skipped rows. Later calls, and skips
     * after the first call, log nothing more.
     */
    public void end() {
      if (ended) {
        return;
      }
      ended = true;
      if (skipped > 0) {
        logger.warn("skipped {} malformed rows of {}", skipped, source);
      }
    }
  }
}
