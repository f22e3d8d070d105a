package dev.cleanroom.policy;

import dev.cleanroom.CleanRoomException;

/**
 * A policy document that cannot be read: not well-formed YAML or JSON, too large or too deep, or a
 * field that is missing, unknown, of the wrong type, out of range, or inconsistent with another.
 * The message names the line and column (1-based) and the field's path, e.g. {@code line 12, column
 * 5: policy.differentialPrivacy.budget.epsilon: must be positive}; it never repeats a value of the
 * document, only field names, column names of the document's {@code columns} and positions.
 */
public final class PolicyDocumentException extends CleanRoomException {
  private static final long serialVersionUID = 1L;

  private final int line;
  private final int column;
  private final String field;
  private final String problem;

  /**
   * An error at a position of a document.
   *
   * @param line the line, 1-based
   * @param column the column, 1-based
   * @param field the path of the field, e.g. {@code policy.analysts[0]}; empty for the document
   * @param problem what is wrong, without any value of the document
   */
  PolicyDocumentException(int line, int column, String field, String problem) {
    super(
        "line "
            + line
            + ", column "
            + column
            + ": "
            + (field.isEmpty() ? "" : field + ": ")
            + problem);
    this.line = line;
    this.column = column;
    this.field = field;
    this.problem = problem;
  }

  /**
   * The line of the error, 1-based.
   *
   * @return the line of the error, 1-based
   */
  public int line() {
    return line;
  }

  /**
   * The column of the error, 1-based.
   *
   * @return the column of the error, 1-based
   */
  public int column() {
    return column;
  }

  /**
   * The path of the field in error, such as {@code policy.differentialPrivacy.budget.epsilon} or
   * {@code policy.analysts[2]}; empty if the error concerns the whole document.
   *
   * @return the path of the field in error; empty for the whole document
   */
  public String field() {
    return field;
  }

  /**
   * What is wrong, without position or field.
   *
   * @return what is wrong
   */
  public String problem() {
    return problem;
  }
}
