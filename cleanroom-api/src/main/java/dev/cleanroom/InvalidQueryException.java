package dev.cleanroom;

/**
 * A query is malformed: an unknown dataset or column, an ambiguous name, a type mismatch. The
 * message says what and where; it never contains a literal value of the query.
 */
public final class InvalidQueryException extends CleanRoomException {
  private static final long serialVersionUID = 1L;

  /**
   * An invalid query, described by {@code message}.
   *
   * @param message what is wrong and where, without data values
   */
  public InvalidQueryException(String message) {
    super(message);
  }
}
