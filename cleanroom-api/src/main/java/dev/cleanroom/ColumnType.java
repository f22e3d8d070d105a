package dev.cleanroom;

/**
 * The type of a column of a {@link Schema}.
 *
 * <p>Values of the time types are days and instants of the years 1 to 9999 of the proleptic
 * Gregorian calendar, in UTC. In a {@link dev.cleanroom.spi.ColumnBatch} they are held as whole
 * numbers, as are {@link #BOOLEAN} values: see {@link #isHeldAsLong()}.
 */
public enum ColumnType {
  /** Text, read as UTF-8. */
  STRING,
  /** A 64-bit signed integer. */
  LONG,
  /** A 64-bit IEEE 754 floating-point number. */
  DOUBLE,
  /**
   * A calendar day without a time of day, a {@link java.time.LocalDate} in conditions and results;
   * held as days since 1970-01-01 (negative before it).
   */
  DATE,
  /**
   * An instant in UTC at microsecond precision, a {@link java.time.Instant} in conditions and
   * results; held as microseconds since 1970-01-01T00:00:00Z (negative before it).
   */
  TIMESTAMP,
  /** True or false, a {@link Boolean} in conditions and results; held as 1 or 0. */
  BOOLEAN;

  /**
   * Whether values of this type are numbers: {@link #LONG} and {@link #DOUBLE} only. Dates,
   * timestamps and booleans are not numbers: they are not metrics and cannot be summed.
   *
   * @return whether values of this type are numbers
   */
  public boolean isNumeric() {
    return this == LONG || this == DOUBLE;
  }

  /**
   * Whether a {@link dev.cleanroom.spi.ColumnBatch} holds values of this type in a {@code long[]}:
   * {@link #LONG} as they are, {@link #DATE} as days since 1970-01-01, {@link #TIMESTAMP} as
   * microseconds since 1970-01-01T00:00:00Z, {@link #BOOLEAN} as 1 for true and 0 for false.
   *
   * @return whether a batch holds values of this type in a {@code long[]}
   */
  public boolean isHeldAsLong() {
    return this == LONG || this == DATE || this == TIMESTAMP || this == BOOLEAN;
  }
}
