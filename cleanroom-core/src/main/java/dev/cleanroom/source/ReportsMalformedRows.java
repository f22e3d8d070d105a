package dev.cleanroom.source;

import dev.cleanroom.spi.DataSource;

/**
 * A source that can drop malformed rows instead of failing its scans, and reports to its owner what
 * it dropped: {@link CsvSource} and {@link dev.cleanroom.jdbc.JdbcSource} with {@code
 * skipMalformedRows(true)}.
 *
 * <p>A source that skips malformed rows answers over the rows it could read; the database under it
 * would aggregate the others too. So the engine never runs a query over such a source as one
 * statement in its database, even if the source declares a {@link
 * dev.cleanroom.spi.SourceCapabilities#sqlTable() SQL table}: the rows stream through the source's
 * scans, and {@code explain().path()} says why.
 *
 * <p>Implementations are thread-safe; the counts include scans still running.
 */
public interface ReportsMalformedRows extends DataSource {
  /**
   * Whether scans drop malformed rows (and count them) instead of failing on the first one.
   *
   * @return true if malformed rows are skipped
   */
  boolean skipsMalformedRows();

  /**
   * The number of malformed rows skipped by all scans of this source so far; always 0 unless the
   * source skips malformed rows. Rows are counted as they are skipped, so a running scan's count is
   * included; a row that two scans skip counts twice.
   *
   * @return the number of rows skipped so far
   */
  default long skippedRows() {
    return malformedRows().skippedRows();
  }

  /**
   * The report of the malformed rows skipped so far: their number, and the first of them with their
   * positions, columns and reasons, never their values; {@link MalformedRows#NONE} unless the
   * source skips malformed rows.
   *
   * @return a snapshot of the report
   */
  MalformedRows malformedRows();
}
