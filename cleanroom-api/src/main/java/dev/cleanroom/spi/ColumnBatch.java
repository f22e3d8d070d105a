package dev.cleanroom.spi;

import dev.cleanroom.Column;
import dev.cleanroom.ColumnType;
import java.util.List;
import java.util.Objects;

/**
 * A batch of rows in columnar form: one primitive array per column ({@code String[]} for {@link
 * ColumnType#STRING}, {@code double[]} for {@link ColumnType#DOUBLE}, {@code long[]} for the types
 * {@link ColumnType#isHeldAsLong() held as whole numbers}: {@link ColumnType#LONG}, {@link
 * ColumnType#DATE} as days since 1970-01-01, {@link ColumnType#TIMESTAMP} as microseconds since
 * 1970-01-01T00:00:00Z, {@link ColumnType#BOOLEAN} as 1 or 0), of which the first {@link
 * #rowCount()} entries are rows.
 *
 * <p>The arrays are shared, not copied: the engine reads them and never changes them, and a source
 * may refill them after the engine asks for the next batch. String values are never null; a missing
 * number is a DOUBLE NaN (dropped by aggregation) or malformed data.
 */
public final class ColumnBatch {
  private final List<Column> columns;
  private final int rowCount;
  private final Object[] arrays;

  private ColumnBatch(List<Column> columns, int rowCount, Object[] arrays) {
    this.columns = columns;
    this.rowCount = rowCount;
    this.arrays = arrays;
  }

  /**
   * A batch of {@code rowCount} rows of {@code columns}, one array per column.
   *
   * @param columns the batch's columns
   * @param rowCount the number of rows
   * @param arrays one primitive or String array per column
   * @return a batch of {@code rowCount} rows of {@code columns}, one array per column
   * @throws IllegalArgumentException if an array has the wrong type or fewer than {@code rowCount}
   *     entries
   */
  public static ColumnBatch of(List<Column> columns, int rowCount, Object... arrays) {
    List<Column> cols = List.copyOf(columns);
    if (arrays.length != cols.size()) {
      throw new IllegalArgumentException(
          "one array per column needed: " + cols.size() + " columns, " + arrays.length + " arrays");
    }
    if (rowCount < 0) {
      throw new IllegalArgumentException(
          "rowCount must not be negative; provided value: " + rowCount);
    }
    Object[] copy = arrays.clone();
    for (int i = 0; i < copy.length; i++) {
      Object a = Objects.requireNonNull(copy[i], "array");
      Column c = cols.get(i);
      int length =
          switch (c.type()) {
            case STRING -> a instanceof String[] s ? s.length : -1;
            case LONG, DATE, TIMESTAMP, BOOLEAN -> a instanceof long[] l ? l.length : -1;
            case DOUBLE -> a instanceof double[] d ? d.length : -1;
          };
      if (length < 0) {
        throw new IllegalArgumentException(
            "column [" + c.name() + "] of type " + c.type() + " needs a matching primitive array");
      }
      if (length < rowCount) {
        throw new IllegalArgumentException(
            "column [" + c.name() + "] has fewer than " + rowCount + " entries");
      }
    }
    return new ColumnBatch(cols, rowCount, copy);
  }

  /**
   * The columns of this batch, in order.
   *
   * @return the columns of this batch, in order
   */
  public List<Column> columns() {
    return columns;
  }

  /**
   * The number of rows.
   *
   * @return the number of rows
   */
  public int rowCount() {
    return rowCount;
  }

  /**
   * The values of STRING column {@code index}.
   *
   * @param index the column's position, from 0
   * @return the values of STRING column {@code index}
   */
  public String[] strings(int index) {
    return (String[]) typed(index, ColumnType.STRING);
  }

  /**
   * The values of column {@code index} of a type {@link ColumnType#isHeldAsLong() held as whole
   * numbers}: LONG, DATE, TIMESTAMP or BOOLEAN.
   *
   * @param index the column's position, from 0
   * @return the values of column {@code index}
   * @throws IllegalArgumentException if the column is of another type
   */
  public long[] longs(int index) {
    Column c = columns.get(index);
    if (!c.type().isHeldAsLong()) {
      throw new IllegalArgumentException(
          "column [" + c.name() + "] is " + c.type() + ", not held as whole numbers");
    }
    return (long[]) arrays[index];
  }

  /**
   * The values of DOUBLE column {@code index}.
   *
   * @param index the column's position, from 0
   * @return the values of DOUBLE column {@code index}
   */
  public double[] doubles(int index) {
    return (double[]) typed(index, ColumnType.DOUBLE);
  }

  private Object typed(int index, ColumnType type) {
    Column c = columns.get(index);
    if (c.type() != type) {
      throw new IllegalArgumentException(
          "column [" + c.name() + "] is " + c.type() + ", not " + type);
    }
    return arrays[index];
  }

  @Override
  public String toString() {
    return "ColumnBatch[" + rowCount + " rows of " + columns.size() + " columns]";
  }
}
