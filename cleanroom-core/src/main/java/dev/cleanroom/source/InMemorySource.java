package dev.cleanroom.source;

import dev.cleanroom.Column;
import dev.cleanroom.ColumnType;
import dev.cleanroom.Schema;
import dev.cleanroom.internal.execution.ResidentColumns;
import dev.cleanroom.internal.value.TypedValues;
import dev.cleanroom.spi.DataSource;
import dev.cleanroom.spi.Scan;
import dev.cleanroom.spi.ScanRequest;
import dev.cleanroom.spi.SourceCapabilities;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.RecordComponent;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * A source over rows held in memory, copied into columnar arrays when the source is created: the
 * embedded default for examples, tests and applications whose data already sits in Java objects.
 *
 * <p>Create one from records ({@link #ofRecords}), from maps ({@link #ofMaps}) or row by row
 * ({@link #builder}). The source is immutable and safe to scan from several threads.
 */
public final class InMemorySource implements DataSource {
  private final String name;
  private final Schema schema;
  private final Object[] columns;
  private final int rowCount;
  private final String version = java.util.UUID.randomUUID().toString();

  private InMemorySource(String name, Schema schema, Object[] columns, int rowCount) {
    this.name = name;
    this.schema = schema;
    this.columns = columns;
    this.rowCount = rowCount;
  }

  /**
   * A source over Java records of one type; the schema comes from the record's components ({@code
   * String} is STRING; {@code long}, {@code int}, {@code Long}, {@code Integer} are LONG; {@code
   * double}, {@code float}, {@code Double}, {@code Float} are DOUBLE; {@code LocalDate} is DATE,
   * {@code Instant} TIMESTAMP, {@code boolean} and {@code Boolean} BOOLEAN).
   *
   * @throws IllegalArgumentException if {@code type} has a component of another type, or a record
   *     holds a null component (the message names the row and column, never a value)
   */
  public static <R extends Record> InMemorySource ofRecords(
      String name, Class<R> type, List<R> records) {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(type, "type");
    Objects.requireNonNull(records, "records");
    RecordComponent[] components = type.getRecordComponents();
    java.lang.reflect.Method[] accessors = new java.lang.reflect.Method[components.length];
    for (int i = 0; i < components.length; i++) {
      accessors[i] = components[i].getAccessor();
      try {
        accessors[i].setAccessible(true);
      } catch (RuntimeException e) {
        throw new IllegalArgumentException(
            "record type "
                + type.getName()
                + " must be public, or its package opened to dev.cleanroom.core",
            e);
      }
    }
    List<Column> cols = new ArrayList<>();
    for (RecordComponent rc : components) {
      cols.add(new Column(rc.getName(), typeOf(rc)));
    }
    Builder b = builder(name, new Schema(cols));
    Object[] row = new Object[components.length];
    for (R r : records) {
      Objects.requireNonNull(r, "record");
      for (int i = 0; i < components.length; i++) {
        try {
          row[i] = accessors[i].invoke(r);
        } catch (IllegalAccessException | InvocationTargetException e) {
          throw new IllegalArgumentException(
              "cannot read component [" + components[i].getName() + "] of " + type.getName(), e);
        }
      }
      b.addRow(row);
    }
    return b.build();
  }

  /**
   * A source over maps from column name to value, one map per row; every schema column must be
   * present (other keys are ignored).
   *
   * @throws IllegalArgumentException if a value is missing, null or of the wrong type
   */
  public static InMemorySource ofMaps(
      String name, Schema schema, List<? extends Map<String, ?>> rows) {
    Builder b = builder(name, schema);
    List<Column> cols = schema.columns();
    Object[] row = new Object[cols.size()];
    for (Map<String, ?> m : Objects.requireNonNull(rows, "rows")) {
      Objects.requireNonNull(m, "row");
      for (int i = 0; i < row.length; i++) {
        row[i] = m.get(cols.get(i).name());
      }
      b.addRow(row);
    }
    return b.build();
  }

  /** A builder that takes rows one at a time, values in schema order. */
  public static Builder builder(String name, Schema schema) {
    return new Builder(
        Objects.requireNonNull(name, "name"), Objects.requireNonNull(schema, "schema"));
  }

  private static ColumnType typeOf(RecordComponent rc) {
    Class<?> t = rc.getType();
    if (t == String.class) {
      return ColumnType.STRING;
    }
    if (t == long.class || t == int.class || t == Long.class || t == Integer.class) {
      return ColumnType.LONG;
    }
    if (t == double.class || t == float.class || t == Double.class || t == Float.class) {
      return ColumnType.DOUBLE;
    }
    if (t == java.time.LocalDate.class) {
      return ColumnType.DATE;
    }
    if (t == java.time.Instant.class) {
      return ColumnType.TIMESTAMP;
    }
    if (t == boolean.class || t == Boolean.class) {
      return ColumnType.BOOLEAN;
    }
    throw new IllegalArgumentException(
        "record component ["
            + rc.getName()
            + "] has unsupported type "
            + t.getSimpleName()
            + "; use String, long, int, double, float, LocalDate, Instant or boolean");
  }

  /** The number of rows. */
  public int rowCount() {
    return rowCount;
  }

  @Override
  public String name() {
    return name;
  }

  @Override
  public Schema schema() {
    return schema;
  }

  /**
   * {@link SourceCapabilities#RESIDENT}: the rows are in memory, the version is fixed and {@link
   * #estimatedRows()} is exact, so the engine may answer on its columnar path.
   */
  @Override
  public SourceCapabilities capabilities() {
    return SourceCapabilities.RESIDENT;
  }

  /** The exact number of rows. */
  @Override
  public OptionalLong estimatedRows() {
    return OptionalLong.of(rowCount);
  }

  /** A random identifier fixed at creation: the rows of this source never change. */
  @Override
  public Optional<String> version() {
    return Optional.of(version);
  }

  static {
    // The columnar path reads the arrays themselves (read only), not copies made by a scan.
    ResidentColumns.register(InMemorySource.class, (s, c) -> ((InMemorySource) s).column(c));
  }

  private Optional<ResidentColumns.Column> column(String column) {
    int i = schema.indexOf(column);
    if (i < 0) {
      return Optional.empty();
    }
    Object a = columns[i];
    if (a instanceof long[] l) {
      return Optional.of(new ResidentColumns.Longs(l));
    }
    if (a instanceof double[] d) {
      return Optional.of(new ResidentColumns.Doubles(d));
    }
    return Optional.of(new ResidentColumns.Strings((String[]) a));
  }

  @Override
  public Scan scan(ScanRequest request) {
    return ArrayScan.of(
        name, schema, rowCount, request, (column, from, to) -> slice(columns[column], from, to));
  }

  private static Object slice(Object array, int from, int to) {
    if (array instanceof String[] s) {
      return Arrays.copyOfRange(s, from, to);
    }
    if (array instanceof long[] l) {
      return Arrays.copyOfRange(l, from, to);
    }
    return Arrays.copyOfRange((double[]) array, from, to);
  }

  @Override
  public String toString() {
    return "InMemorySource["
        + name
        + ", "
        + rowCount
        + " rows, "
        + schema.columns().size()
        + " columns]";
  }

  /** Collects rows for an {@link InMemorySource}. Not thread-safe. */
  public static final class Builder {
    private final String name;
    private final Schema schema;
    private final Object[] columns;
    private int rowCount;

    private Builder(String name, Schema schema) {
      this.name = name;
      this.schema = schema;
      List<Column> cols = schema.columns();
      this.columns = new Object[cols.size()];
      for (int i = 0; i < columns.length; i++) {
        columns[i] = newArray(cols.get(i).type(), 16);
      }
    }

    private static Object newArray(ColumnType type, int n) {
      return switch (type) {
        case STRING -> new String[n];
        case LONG, DATE, TIMESTAMP, BOOLEAN -> new long[n];
        case DOUBLE -> new double[n];
      };
    }

    /**
     * Adds a row, values in schema order: {@link String} for STRING, a whole {@link Number} for
     * LONG, any {@link Number} for DOUBLE, {@link java.time.LocalDate} for DATE and {@link
     * java.time.Instant} for TIMESTAMP (in the years 1 to 9999, at most microsecond precision),
     * {@link Boolean} for BOOLEAN.
     *
     * @throws IllegalArgumentException if the row has the wrong length or a value is null, of the
     *     wrong type or outside its type's range (the message names the row and column, never the
     *     value)
     */
    public Builder addRow(Object... values) {
      List<Column> cols = schema.columns();
      if (values.length != cols.size()) {
        throw new IllegalArgumentException(
            "row "
                + rowCount
                + " of "
                + name
                + " has "
                + values.length
                + " values, expected "
                + cols.size());
      }
      if (rowCount == Array.length(columns[0])) {
        for (int i = 0; i < columns.length; i++) {
          columns[i] = Array.grow(columns[i], rowCount * 2);
        }
      }
      for (int i = 0; i < values.length; i++) {
        Column c = cols.get(i);
        Object v = values[i];
        if (v == null) {
          throw bad(c, "is null; use NaN for a missing DOUBLE");
        }
        switch (c.type()) {
          case STRING -> {
            if (!(v instanceof String s)) {
              throw bad(c, "is not a String");
            }
            ((String[]) columns[i])[rowCount] = s;
          }
          case LONG -> {
            if (!(v instanceof Long
                || v instanceof Integer
                || v instanceof Short
                || v instanceof Byte)) {
              throw bad(c, "is not a whole number");
            }
            ((long[]) columns[i])[rowCount] = ((Number) v).longValue();
          }
          case DOUBLE -> {
            if (!(v instanceof Number n)) {
              throw bad(c, "is not a number");
            }
            ((double[]) columns[i])[rowCount] = n.doubleValue();
          }
          case DATE, TIMESTAMP, BOOLEAN -> {
            Object held;
            try {
              held = TypedValues.held(c.type(), v).orElse(null);
            } catch (IllegalArgumentException e) {
              throw bad(c, "is outside the range of " + c.type() + " (" + e.getMessage() + ")");
            }
            if (held == null) {
              throw bad(
                  c,
                  "is not a "
                      + switch (c.type()) {
                        case DATE -> "LocalDate";
                        case TIMESTAMP -> "Instant";
                        default -> "Boolean";
                      });
            }
            ((long[]) columns[i])[rowCount] = (Long) held;
          }
        }
      }
      rowCount++;
      return this;
    }

    private IllegalArgumentException bad(Column c, String problem) {
      return new IllegalArgumentException(
          "row " + rowCount + " of " + name + ", column [" + c.name() + "]: value " + problem);
    }

    /** The source over the rows added so far. */
    public InMemorySource build() {
      Object[] trimmed = new Object[columns.length];
      for (int i = 0; i < columns.length; i++) {
        trimmed[i] = Array.grow(columns[i], rowCount);
      }
      return new InMemorySource(name, schema, trimmed, rowCount);
    }
  }

  /** Length and resizing of the three column array types. */
  private static final class Array {
    private Array() {}

    static int length(Object a) {
      if (a instanceof String[] s) {
        return s.length;
      }
      if (a instanceof long[] l) {
        return l.length;
      }
      return ((double[]) a).length;
    }

    static Object grow(Object a, int n) {
      if (a instanceof String[] s) {
        return Arrays.copyOf(s, n);
      }
      if (a instanceof long[] l) {
        return Arrays.copyOf(l, n);
      }
      return Arrays.copyOf((double[]) a, n);
    }
  }
}
