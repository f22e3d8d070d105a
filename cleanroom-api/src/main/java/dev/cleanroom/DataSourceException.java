package dev.cleanroom;

import java.util.Objects;
import java.util.OptionalLong;

/**
 * A data source failed or holds malformed data. The message names the source and, where known, the
 * line and column; it never contains the offending value.
 */
public final class DataSourceException extends CleanRoomException {
  private static final long serialVersionUID = 1L;

  /** The failing source's name. */
  private final String source;

  /** The 1-based line of the failure, or -1 when unknown. */
  private final long line;

  /** The column of the failure, or the empty string when unknown. */
  private final String column;

  /**
   * A failure of {@code source} described by {@code problem}.
   *
   * @param source the source's name, e.g. a file name
   * @param problem what went wrong, without data values
   * @param cause the underlying exception, or null; its message must not carry data values either
   */
  public DataSourceException(String source, String problem, Throwable cause) {
    this(source, -1, "", problem, cause);
  }

  /**
   * A failure of {@code source} at a line and column.
   *
   * @param source the source's name, e.g. a file name
   * @param line the 1-based line number, or -1 when unknown
   * @param column the column name, or the empty string when unknown
   * @param problem what went wrong, without data values
   * @param cause the underlying exception, or null
   */
  public DataSourceException(
      String source, long line, String column, String problem, Throwable cause) {
    super(describe(source, line, column, problem), cause);
    this.source = source;
    this.line = line;
    this.column = column;
  }

  private static String describe(String source, long line, String column, String problem) {
    Objects.requireNonNull(source, "source");
    Objects.requireNonNull(column, "column");
    Objects.requireNonNull(problem, "problem");
    StringBuilder sb = new StringBuilder("data source ").append(source);
    if (line >= 0) {
      sb.append(", line ").append(line);
    }
    if (!column.isEmpty()) {
      sb.append(", column [").append(column).append(']');
    }
    return sb.append(": ").append(problem).toString();
  }

  /**
   * The name of the failing source.
   *
   * @return the name of the failing source
   */
  public String source() {
    return source;
  }

  /**
   * The 1-based line of the failure, if known.
   *
   * @return the 1-based line of the failure, if known
   */
  public OptionalLong line() {
    return line >= 0 ? OptionalLong.of(line) : OptionalLong.empty();
  }

  /**
   * The column of the failure, or the empty string when unknown.
   *
   * @return the column of the failure, or the empty string when unknown
   */
  public String column() {
    return column;
  }
}
