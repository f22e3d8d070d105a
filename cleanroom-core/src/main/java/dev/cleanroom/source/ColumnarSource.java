package dev.cleanroom.source;

import dev.cleanroom.ColumnType;
import dev.cleanroom.DataSourceException;
import dev.cleanroom.Schema;
import dev.cleanroom.internal.execution.Interrupts;
import dev.cleanroom.internal.execution.ResidentColumns;
import dev.cleanroom.internal.value.TypedValues;
import dev.cleanroom.query.ProgressListener;
import dev.cleanroom.query.QueryControl;
import dev.cleanroom.spi.DataSource;
import dev.cleanroom.spi.Scan;
import dev.cleanroom.spi.ScanRequest;
import dev.cleanroom.spi.SourceCapabilities;
import java.util.Arrays;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.UUID;
import java.util.stream.IntStream;

/**
 * A compact in-memory source for large tables: one primitive array per column, text columns
 * dictionary-encoded (an {@code int} code per row into an array of distinct values), and a
 * whole-number column whose values span less than 2<sup>32</sup> (campaign ids, timestamps of a few
 * decades in seconds) held in four bytes per row, as its offset from the smallest value, exactly.
 * Ten million rows of a user id, a campaign and a timestamp in seconds take about 120 MB plus the
 * distinct ids; read from CSV, these are held as their UTF-8 bytes and four bytes each (about 36 MB
 * for two million ids of 14 characters), and a value becomes a {@code String} only when a query or
 * scan asks for it (and is kept, once made, in a column of at most 65,536 distinct values).
 *
 * <p>Build one column by column with {@link #builder}, or read a CSV file with {@link #readCsv}.
 * The source is immutable and safe to scan from several threads; scans return copies, never the
 * source's own arrays.
 */
public final class ColumnarSource implements DataSource {
  private final String name;
  private final Schema schema;
  private final int rowCount;
  private final Object[] columns;
  private final ResidentColumns.Texts[] dictionaries;

  /** Whether each dictionary's values are known to be distinct (the CSV loader's are). */
  private final boolean distinctDictionaries;

  /**
   * For a source read from CSV, per column: the line of the first row whose value there is empty or
   * only spaces and tabs, which {@link CsvSource} reports as malformed in a user id column, or 0
   * for none; null for a source built from arrays.
   */
  private final long[] blankLines;

  /** For a source read from a file, the file's identity ({@link #dataIdentity()}); else null. */
  private final String dataIdentity;

  private final String version = UUID.randomUUID().toString();

  static {
    // The columnar path reads the arrays themselves (read only), not copies made by a scan.
    ResidentColumns.register(
        ColumnarSource.class,
        new ResidentColumns.Reader() {
          @Override
          public Optional<ResidentColumns.Column> column(DataSource source, String column) {
            return ((ColumnarSource) source).column(column);
          }

          @Override
          public void requireNonEmpty(DataSource source, String column) {
            ((ColumnarSource) source).requireNonEmpty(Set.of(column));
          }
        });
  }

  private ColumnarSource(
      String name,
      Schema schema,
      int rowCount,
      Object[] columns,
      ResidentColumns.Texts[] dictionaries,
      boolean distinctDictionaries,
      long[] blankLines,
      String dataIdentity) {
    this.name = name;
    this.schema = schema;
    this.rowCount = rowCount;
    this.columns = columns;
    this.dictionaries = dictionaries;
    this.distinctDictionaries = distinctDictionaries;
    this.blankLines = blankLines;
    this.dataIdentity = dataIdentity;
  }

  /**
   * A source over arrays that the caller hands over (no copies), each dictionary's values distinct,
   * each whole-number column already narrow where it can be ({@link ResidentColumns.NarrowLongs}),
   * read from a CSV file of identity {@code file} (null if unknown) whose first blank value per
   * column is at {@code blankLines} (0: none): for readers in this package.
   */
  static ColumnarSource adopt(
      String name,
      Schema schema,
      int rowCount,
      Object[] columns,
      ResidentColumns.Texts[] dictionaries,
      String file,
      long[] blankLines) {
    return new ColumnarSource(
        name, schema, rowCount, columns, dictionaries, true, blankLines, file);
  }

  /**
   * This source, read from a CSV file of identity {@code file} (null if unknown) whose first blank
   * value per column is at {@code blankLines} (0: none): for readers in this package.
   */
  ColumnarSource readFromCsv(String file, long[] blankLines) {
    return new ColumnarSource(
        name, schema, rowCount, columns, dictionaries, distinctDictionaries, blankLines, file);
  }

  /**
   * Whether {@code bytes[from .. from + length)} is empty or only spaces and tabs: a value that
   * {@link CsvSource} reports as malformed in a column that must not be empty.
   */
  static boolean blank(byte[] bytes, int from, int length) {
    for (int i = from; i < from + length; i++) {
      if (bytes[i] != ' ' && bytes[i] != '\t') {
        return false;
      }
    }
    return true;
  }

  /**
   * Whether {@code value} is empty or only spaces and tabs, as {@link #blank(byte[], int, int)}.
   */
  static boolean blank(String value) {
    for (int i = 0; i < value.length(); i++) {
      if (value.charAt(i) != ' ' && value.charAt(i) != '\t') {
        return false;
      }
    }
    return true;
  }

  /**
   * Fails, as {@link CsvSource} would, if this source was read from a CSV file with an empty or
   * blank value in one of {@code nonEmpty}: at the first such line (on a line with several, in the
   * first such column of the schema).
   */
  private void requireNonEmpty(Set<String> nonEmpty) {
    if (blankLines == null) {
      return;
    }
    long line = 0;
    String column = "";
    for (int c = 0; c < blankLines.length; c++) {
      String n = schema.columns().get(c).name();
      if (blankLines[c] > 0 && nonEmpty.contains(n) && (line == 0 || blankLines[c] < line)) {
        line = blankLines[c];
        column = n;
      }
    }
    if (line > 0) {
      throw new DataSourceException(name, line, column, "empty value", null);
    }
  }

  /**
   * A builder for a source of {@code rowCount} rows of {@code schema}: every column must be given
   * once, with exactly {@code rowCount} entries.
   *
   * @throws IllegalArgumentException if {@code rowCount} is negative
   */
  public static Builder builder(String name, Schema schema, int rowCount) {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(schema, "schema");
    if (rowCount < 0) {
      throw new IllegalArgumentException(
          "rowCount must not be negative; provided value: " + rowCount);
    }
    return new Builder(name, schema, rowCount);
  }

  /**
   * Reads a UTF-8 CSV file with a header line into a new source, on all cores: ranges of lines are
   * parsed in parallel straight from bytes, numbers into their columns in place (whole numbers in
   * four bytes per row when they span less than 2<sup>32</sup>), and each text column is
   * dictionary-encoded in partitions by hash, each distinct value kept as its UTF-8 bytes. The
   * format, the conversion of values and the errors are those of {@link CsvSource} (every schema
   * column is converted, so a malformed number in any of them fails the read); a file with a quote
   * character is read by that sequential parser instead. Nothing is left for the first scan: the
   * source is complete when this returns.
   *
   * <p>A value that is empty or only spaces and tabs is malformed for {@code CsvSource} only in a
   * column that a scan needs non-empty (the user id), which the load cannot know. The source keeps
   * the line of each column's first such value, and a scan or query that takes that column as its
   * user id fails with the {@link dev.cleanroom.DataSourceException} a {@code CsvSource} of the
   * file would throw (that line, the column, {@code "empty value"}); every other use reads the
   * value.
   *
   * @param name the source's name, for messages
   * @param file the file
   * @param schema the columns to read; the header must name each of them
   * @return the source
   * @throws dev.cleanroom.DataSourceException if the file cannot be read or a row is malformed
   */
  public static ColumnarSource readCsv(String name, java.nio.file.Path file, Schema schema) {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(file, "file");
    Objects.requireNonNull(schema, "schema");
    return CsvColumnarReader.read(name, file, schema);
  }

  /**
   * Reads a CSV file like {@link #readCsv(String, java.nio.file.Path, Schema)}, reporting its
   * progress to {@code listener}: phase {@code SCANNING}, the rows read as each range of lines (a
   * few megabytes) is parsed, then {@code DONE} or {@code FAILED}. A listener that throws does not
   * stop the read.
   *
   * <pre>{@code
   * ColumnarSource s =
   *     ColumnarSource.readCsv("imps", path, schema, p -> System.out.println(p.rowsRead()));
   * }</pre>
   *
   * @param name the source's name, for messages
   * @param file the file
   * @param schema the columns to read; the header must name each of them
   * @param listener receives the progress of the read
   * @return the source
   * @throws dev.cleanroom.DataSourceException if the file cannot be read or a row is malformed
   */
  public static ColumnarSource readCsv(
      String name, java.nio.file.Path file, Schema schema, ProgressListener listener) {
    Objects.requireNonNull(listener, "listener");
    return readCsv(name, file, schema, QueryControl.create(listener));
  }

  /**
   * Reads a CSV file like {@link #readCsv(String, java.nio.file.Path, Schema)}, reporting its
   * progress to {@code control} (and its listener) and stopping when it is cancelled, from any
   * thread: the read then throws {@link dev.cleanroom.QueryCancelledException} within one range of
   * lines and keeps nothing. A control serves one read or query.
   *
   * @param name the source's name, for messages
   * @param file the file
   * @param schema the columns to read; the header must name each of them
   * @param control reports the progress and cancels the read
   * @return the source
   * @throws dev.cleanroom.DataSourceException if the file cannot be read or a row is malformed
   * @throws dev.cleanroom.QueryCancelledException if the control was cancelled
   * @throws IllegalArgumentException if the control was used before
   */
  public static ColumnarSource readCsv(
      String name, java.nio.file.Path file, Schema schema, QueryControl control) {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(file, "file");
    Objects.requireNonNull(schema, "schema");
    Objects.requireNonNull(control, "control");
    return CsvColumnarReader.read(
        name, file, schema, Map.of(), CsvColumnarReader.Tuning.defaults(), Interrupts.of(control));
  }

  /**
   * Reads a CSV file like {@link #readCsv(String, java.nio.file.Path, Schema)}, reading the values
   * of DATE and TIMESTAMP columns by declared patterns instead of ISO-8601, exactly as a {@link
   * CsvSource} built with {@link CsvSource.Builder#format(String, String)} for each reads them.
   *
   * <pre>{@code
   * ColumnarSource s =
   *     ColumnarSource.readCsv("visits", path, schema, Map.of("day", "dd.MM.uuuu"));
   * }</pre>
   *
   * @param name the source's name, for messages
   * @param file the file
   * @param schema the columns to read; the header must name each of them
   * @param formats a pattern per DATE or TIMESTAMP column that is not ISO-8601
   * @return the source
   * @throws dev.cleanroom.DataSourceException if the file cannot be read or a row is malformed
   * @throws IllegalArgumentException if a format names a column that is not DATE or TIMESTAMP or is
   *     not a valid pattern
   */
  public static ColumnarSource readCsv(
      String name, java.nio.file.Path file, Schema schema, Map<String, String> formats) {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(file, "file");
    Objects.requireNonNull(schema, "schema");
    Objects.requireNonNull(formats, "formats");
    return CsvColumnarReader.read(
        name, file, schema, formats, CsvColumnarReader.Tuning.defaults(), Interrupts.NONE);
  }

  /** The number of rows. */
  public int rowCount() {
    return rowCount;
  }

  /** The number of values in the dictionary of text column {@code column}; for tests. */
  int dictionarySize(int column) {
    return dictionaries[column].size();
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

  /**
   * For a source read from a file ({@link #readCsv}), the file's identity as {@link
   * CsvSource#dataIdentity()} gives it when the file was read, so that every source over one file
   * (loaded again, or streamed) shares one budget; empty for a source built from arrays.
   */
  @Override
  public Optional<String> dataIdentity() {
    return Optional.ofNullable(dataIdentity);
  }

  /** A random identifier fixed at creation: the rows of this source never change. */
  @Override
  public Optional<String> version() {
    return Optional.of(version);
  }

  /** Whether whole-number column {@code column} is held in four bytes per row; for tests. */
  boolean isNarrow(int column) {
    return columns[column] instanceof ResidentColumns.NarrowLongs;
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
    if (a instanceof ResidentColumns.NarrowLongs n) {
      return Optional.of(n);
    }
    if (a instanceof double[] d) {
      return Optional.of(new ResidentColumns.Doubles(d));
    }
    return Optional.of(
        new ResidentColumns.Dictionary(dictionaries[i], (int[]) a, distinctDictionaries));
  }

  /**
   * A scan of the requested columns. A source read from a CSV file fails it at once, as {@link
   * CsvSource} fails a scan, if a column of {@link ScanRequest#nonEmptyColumns()} (the user id)
   * holds an empty or blank value: with the line of the first such row.
   *
   * @throws DataSourceException if the file held such a value
   */
  @Override
  public Scan scan(ScanRequest request) {
    requireNonEmpty(request.nonEmptyColumns());
    return ArrayScan.of(name, schema, rowCount, request, this::slice);
  }

  private Object slice(int column, int from, int to) {
    Object a = columns[column];
    if (a instanceof long[] l) {
      return Arrays.copyOfRange(l, from, to);
    }
    if (a instanceof ResidentColumns.NarrowLongs n) {
      int[] offsets = n.offsets();
      long[] out = new long[to - from];
      for (int r = from; r < to; r++) {
        out[r - from] = ResidentColumns.NarrowLongs.value(n.base(), offsets[r]);
      }
      return out;
    }
    if (a instanceof double[] d) {
      return Arrays.copyOfRange(d, from, to);
    }
    int[] codes = (int[]) a;
    ResidentColumns.Texts dictionary = dictionaries[column];
    String[] out = new String[to - from];
    for (int r = from; r < to; r++) {
      out[r - from] = dictionary.get(codes[r]);
    }
    return out;
  }

  /** Rows per part when a whole-number column is narrowed on all cores. */
  private static final int PART = 1 << 20;

  /**
   * {@code values} in four bytes per row ({@link ResidentColumns.NarrowLongs}: exact unsigned
   * offsets from the smallest value) if they span less than 2^32, else {@code values} itself; large
   * columns are read in parts on all cores.
   */
  private static Object narrowedOrSame(long[] values) {
    if (values.length == 0) {
      return values;
    }
    int parts = (values.length + PART - 1) / PART;
    long[] min = new long[parts];
    long[] max = new long[parts];
    IntStream.range(0, parts)
        .parallel()
        .forEach(
            p -> {
              long lo = values[p * PART];
              long hi = lo;
              for (int r = p * PART, end = Math.min(values.length, r + PART); r < end; r++) {
                lo = Math.min(lo, values[r]);
                hi = Math.max(hi, values[r]);
              }
              min[p] = lo;
              max[p] = hi;
            });
    long lo = Arrays.stream(min).min().getAsLong();
    long hi = Arrays.stream(max).max().getAsLong();
    if (!ResidentColumns.NarrowLongs.fits(lo, hi)) {
      return values;
    }
    int[] offsets = new int[values.length];
    IntStream.range(0, parts)
        .parallel()
        .forEach(
            p -> {
              for (int r = p * PART, end = Math.min(values.length, r + PART); r < end; r++) {
                offsets[r] = (int) (values[r] - lo);
              }
            });
    return new ResidentColumns.NarrowLongs(offsets, lo);
  }

  @Override
  public String toString() {
    return "ColumnarSource["
        + name
        + ", "
        + rowCount
        + " rows, "
        + schema.columns().size()
        + " columns]";
  }

  /** Collects the columns of a {@link ColumnarSource}, each once. Not thread-safe. */
  public static final class Builder {
    private final String name;
    private final Schema schema;
    private final int rowCount;
    private final Object[] columns;
    private final ResidentColumns.Texts[] dictionaries;

    private Builder(String name, Schema schema, int rowCount) {
      this.name = name;
      this.schema = schema;
      this.rowCount = rowCount;
      this.columns = new Object[schema.columns().size()];
      this.dictionaries = new ResidentColumns.Texts[columns.length];
    }

    private int slot(String column, ColumnType type, int length) {
      Objects.requireNonNull(column, "column");
      int i = schema.indexOf(column);
      if (i < 0) {
        throw new IllegalArgumentException(
            "column [" + column + "] not found; columns are: " + schema.names());
      }
      ColumnType actual = schema.columns().get(i).type();
      if (actual != type && !(type == ColumnType.LONG && actual.isHeldAsLong())) {
        throw new IllegalArgumentException(
            "column [" + column + "] is " + actual + ", not " + type);
      }
      if (columns[i] != null) {
        throw new IllegalStateException("column [" + column + "] was already set");
      }
      if (length != rowCount) {
        throw new IllegalArgumentException(
            "column [" + column + "] has " + length + " values, expected " + rowCount);
      }
      return i;
    }

    /**
     * Sets a STRING column from distinct values and one code per row; both arrays are copied.
     *
     * @param column the column's name
     * @param dictionary the distinct values, none null
     * @param codes for each row, the index of its value in {@code dictionary}
     * @return this builder
     * @throws IllegalArgumentException if the column is not a STRING column of the schema, a code
     *     is out of range or the number of codes is not the row count
     * @throws IllegalStateException if the column was already set
     */
    public Builder strings(String column, String[] dictionary, int[] codes) {
      Objects.requireNonNull(dictionary, "dictionary");
      Objects.requireNonNull(codes, "codes");
      int i = slot(column, ColumnType.STRING, codes.length);
      String[] dict = dictionary.clone();
      for (String s : dict) {
        Objects.requireNonNull(s, "dictionary value");
      }
      int[] c = codes.clone();
      for (int code : c) {
        if (code < 0 || code >= dict.length) {
          throw new IllegalArgumentException(
              "column [" + column + "] has a code outside its dictionary");
        }
      }
      columns[i] = c;
      dictionaries[i] = ResidentColumns.Texts.of(dict);
      return this;
    }

    /**
     * Sets a column {@link ColumnType#isHeldAsLong() held as whole numbers}: LONG, DATE (days since
     * 1970-01-01), TIMESTAMP (microseconds since 1970-01-01T00:00:00Z) or BOOLEAN (1 or 0); the
     * array is copied.
     *
     * @return this builder
     * @throws IllegalArgumentException if the column is not such a column of the schema, the number
     *     of values is not the row count, or a DATE or TIMESTAMP value is outside the years 1 to
     *     9999 or a BOOLEAN value is not 0 or 1
     * @throws IllegalStateException if the column was already set
     */
    public Builder longs(String column, long[] values) {
      Objects.requireNonNull(values, "values");
      int slot = slot(column, ColumnType.LONG, values.length);
      ColumnType type = schema.columns().get(slot).type();
      for (long v : values) {
        if (!TypedValues.isHeld(type, v)) {
          throw new IllegalArgumentException(
              "column [" + column + "] holds a value outside the range of " + type);
        }
      }
      columns[slot] = values.clone();
      return this;
    }

    /**
     * Sets a DOUBLE column (NaN is a missing value); the array is copied.
     *
     * @return this builder
     * @throws IllegalArgumentException if the column is not a DOUBLE column of the schema or the
     *     number of values is not the row count
     * @throws IllegalStateException if the column was already set
     */
    public Builder doubles(String column, double[] values) {
      Objects.requireNonNull(values, "values");
      columns[slot(column, ColumnType.DOUBLE, values.length)] = values.clone();
      return this;
    }

    /**
     * The source.
     *
     * @throws IllegalStateException if a column was not set
     */
    public ColumnarSource build() {
      for (int i = 0; i < columns.length; i++) {
        if (columns[i] == null) {
          throw new IllegalStateException(
              "column [" + schema.columns().get(i).name() + "] was not set");
        }
      }
      // A caller's dictionary is documented as distinct, not checked: the engine does not rely on
      // it.
      Object[] held = columns.clone();
      for (int i = 0; i < held.length; i++) {
        if (held[i] instanceof long[] l) {
          held[i] = narrowedOrSame(l);
        }
      }
      return new ColumnarSource(
          name, schema, rowCount, held, dictionaries.clone(), false, null, null);
    }
  }
}
