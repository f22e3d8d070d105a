package dev.cleanroom.policy;

import java.util.Objects;

/**
 * An AWS Clean Rooms document that cannot be read, or a rule in it that cannot be carried over
 * without loosening it. The message names the field path and, where known, the line and column
 * (both counted from 1); it never repeats a value of the document.
 */
public final class AwsRuleException extends IllegalArgumentException {
  private static final long serialVersionUID = 1L;

  /** The field path, e.g. {@code v1.aggregation.aggregateColumns[0].function}. */
  private final String path;

  /** The line of the field, from 1; 0 if unknown. */
  private final int line;

  /** The column of the field, from 1; 0 if unknown. */
  private final int column;

  /**
   * An exception about the field at {@code path}.
   *
   * @param path the field path; empty for the whole document
   * @param line the line, from 1; 0 if unknown
   * @param column the column, from 1; 0 if unknown
   * @param problem what is wrong, without any value of the document
   */
  public AwsRuleException(String path, int line, int column, String problem) {
    super(message(path, line, column, problem));
    this.path = Objects.requireNonNull(path, "path");
    this.line = line;
    this.column = column;
  }

  private static String message(String path, int line, int column, String problem) {
    Objects.requireNonNull(problem, "problem");
    String where = path == null || path.isEmpty() ? "the document" : path;
    String at = line > 0 ? " (line " + line + ", column " + column + ")" : "";
    return where + at + ": " + problem;
  }

  /**
   * The field path, e.g. {@code v1.aggregation.aggregateColumns[0].function}; empty for the whole
   * document.
   *
   * @return the field path
   */
  public String path() {
    return path;
  }

  /**
   * The line of the field, counted from 1, or 0 if unknown.
   *
   * @return the line
   */
  public int line() {
    return line;
  }

  /**
   * The column of the field, counted from 1, or 0 if unknown.
   *
   * @return the column
   */
  public int column() {
    return column;
  }
}
