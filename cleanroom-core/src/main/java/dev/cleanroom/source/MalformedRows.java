package dev.cleanroom.source;

import java.util.List;
import java.util.Objects;

/**
 * What a source that skips malformed rows has skipped so far, for the data owner: how many rows,
 * and where the first of them are, with the column and the reason. It holds positions, column names
 * and fixed reasons ({@code "not a whole number"}), never a value.
 *
 * <p>Read it from {@link ReportsMalformedRows#malformedRows()} after scans (or queries) ran:
 *
 * <pre>{@code
 * CsvSource orders = CsvSource.builder(path, schema).skipMalformedRows(true).build();
 * // ... register a dataset over it and run queries ...
 * MalformedRows report = orders.malformedRows();
 * for (MalformedRows.Row row : report.rows()) {
 *   System.out.println("line " + row.position() + ", column " + row.column() + ": " + row.reason());
 * }
 * }</pre>
 *
 * <p>What a position is depends on the source: for {@link CsvSource} the line of the file where the
 * record starts (the header is line 1); for {@link dev.cleanroom.jdbc.JdbcSource} the 1-based
 * ordinal of the row in the scan's result set.
 *
 * <p>Instances are immutable and thread-safe.
 *
 * @param skippedRows the number of rows skipped by all scans of the source so far; a row that two
 *     scans skip counts twice
 * @param rows the distinct malformed rows found so far (equal position, column and reason are one),
 *     in their natural order (by position, then column, then reason): the at most {@link #MAX_ROWS}
 *     first ones
 * @param truncated whether more distinct malformed rows were found than {@code rows} lists
 */
public record MalformedRows(long skippedRows, List<Row> rows, boolean truncated) {
  /** The most rows a report lists. */
  public static final int MAX_ROWS = 100;

  /** The report of a source that skipped nothing. */
  public static final MalformedRows NONE = new MalformedRows(0, List.of(), false);

  /**
   * Checks and copies the arguments.
   *
   * @throws NullPointerException if {@code rows} is or holds null
   * @throws IllegalArgumentException if {@code skippedRows} is negative or less than the number of
   *     rows, {@code rows} holds more than {@link #MAX_ROWS} rows or is not strictly in natural
   *     order, or {@code truncated} is true while fewer than {@link #MAX_ROWS} rows are listed
   */
  public MalformedRows {
    rows = List.copyOf(rows);
    if (skippedRows < rows.size()) {
      throw new IllegalArgumentException(
          "skippedRows must be >= the number of rows ("
              + rows.size()
              + "); provided value: "
              + skippedRows);
    }
    if (rows.size() > MAX_ROWS) {
      throw new IllegalArgumentException(
          "rows must hold at most " + MAX_ROWS + " rows; provided: " + rows.size());
    }
    for (int i = 1; i < rows.size(); i++) {
      if (rows.get(i - 1).compareTo(rows.get(i)) >= 0) {
        throw new IllegalArgumentException(
            "rows must be distinct and in natural order; row " + i + " is not");
      }
    }
    if (truncated && rows.size() < MAX_ROWS) {
      throw new IllegalArgumentException(
          "truncated must be false while fewer than " + MAX_ROWS + " rows are listed");
    }
  }

  /**
   * One malformed row: where it is, the column that made it malformed and why, never its value.
   * Ordered by position, then column, then reason.
   *
   * @param position where the row is, at least 1: a line number or an ordinal, see {@link
   *     MalformedRows}
   * @param column the column that made the row malformed, or the empty string when the row as a
   *     whole is (a CSV record with a wrong number of fields)
   * @param reason why, as a fixed phrase such as {@code "not a whole number"}
   */
  public record Row(long position, String column, String reason) implements Comparable<Row> {
    /**
     * Checks the arguments.
     *
     * @throws NullPointerException if {@code column} or {@code reason} is null
     * @throws IllegalArgumentException if {@code position} is less than 1 or {@code reason} is
     *     blank
     */
    public Row {
      Objects.requireNonNull(column, "column");
      Objects.requireNonNull(reason, "reason");
      if (position < 1) {
        throw new IllegalArgumentException("position must be >= 1; provided value: " + position);
      }
      if (reason.isBlank()) {
        throw new IllegalArgumentException("reason must not be blank");
      }
    }

    /** By position, then column, then reason; 0 exactly for equal rows. */
    @Override
    public int compareTo(Row other) {
      int c = Long.compare(position, other.position);
      if (c == 0) {
        c = column.compareTo(other.column);
      }
      return c != 0 ? c : reason.compareTo(other.reason);
    }
  }
}
