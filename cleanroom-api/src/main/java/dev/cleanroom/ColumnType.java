package dev.cleanroom;

/** The type of a column of a {@link Schema}. */
public enum ColumnType {
  /** Text, read as UTF-8. */
  STRING,
  /** A 64-bit signed integer. */
  LONG,
  /** A 64-bit IEEE 754 floating-point number. */
  DOUBLE;

  /**
   * Whether values of this type are numbers.
   *
   * @return whether values of this type are numbers
   */
  public boolean isNumeric() {
    return this != STRING;
  }
}
