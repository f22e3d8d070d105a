package dev.cleanroom.source;

import dev.cleanroom.Column;
import dev.cleanroom.ColumnType;
import dev.cleanroom.DataSourceException;
import dev.cleanroom.Schema;
import dev.cleanroom.internal.source.MalformedRowLog;
import dev.cleanroom.internal.value.TypedValues;
import dev.cleanroom.spi.DataSource;
import dev.cleanroom.spi.Scan;
import dev.cleanroom.spi.ScanRequest;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import org.slf4j.LoggerFactory;
import org.slf4j.helpers.NOPLogger;

/**
 * A {@link DataSource} reading a UTF-8 CSV file (RFC 4180) with a header line, streaming: a scan
 * holds one batch of rows and one record's text, never the whole file.
 *
 * <p><b>Format.</b> The first record is the header. It must name every column of the schema, in any
 * order; other header columns are ignored, and so are spaces and tabs around header names. Fields
 * are separated by the delimiter (a comma unless set otherwise) and may be quoted with {@code "};
 * inside quotes a quote is written {@code ""}, and delimiters and line breaks are part of the
 * value. Records end with CR, LF or CRLF; the last may end at the end of the file instead. A UTF-8
 * byte order mark at the start is skipped. An empty line is a record of one empty field.
 *
 * <p><b>Values.</b> Only the requested columns are converted:
 *
 * <ul>
 *   <li>{@link dev.cleanroom.ColumnType#STRING}: the field as written, never null; an empty field
 *       is {@code ""}.
 *   <li>{@link dev.cleanroom.ColumnType#LONG}: an optional sign and ASCII digits, in the 64-bit
 *       range, after removing spaces and tabs around them; an empty field is malformed.
 *   <li>{@link dev.cleanroom.ColumnType#DOUBLE}: a decimal number as accepted by {@link
 *       Double#parseDouble} (also {@code NaN}, {@code Infinity} and {@code -Infinity}) after
 *       removing spaces and tabs around it, but without a Java type suffix ({@code 1d}) or
 *       hexadecimal notation; an empty field is NaN, which aggregations drop.
 *   <li>{@link dev.cleanroom.ColumnType#DATE}: ISO-8601 {@code 2024-02-29} by default, or the
 *       column's {@link Builder#format(String, String) declared pattern}, in the years 1 to 9999.
 *   <li>{@link dev.cleanroom.ColumnType#TIMESTAMP}: ISO-8601 {@code 2024-02-29T13:45:00Z} by
 *       default (a fraction of a second of up to six digits and an offset such as {@code +02:00}
 *       are optional; without an offset the time is UTC), or the column's declared pattern; in the
 *       years 1 to 9999 (UTC), at most microsecond precision.
 *   <li>{@link dev.cleanroom.ColumnType#BOOLEAN}: {@code true} or {@code false}, in any ASCII case.
 * </ul>
 *
 * <p>Spaces and tabs around a date, timestamp or boolean are removed; an empty one is malformed, as
 * is one that does not read in its format, with the fixed reasons {@code "not a date in the
 * column's format"}, {@code "not a timestamp in the column's format"}, {@code "not true or false"},
 * {@code "a date or time outside the years 1 to 9999"} and {@code "a timestamp finer than
 * microseconds"}, the same on every path and for {@link ColumnarSource#readCsv(String,
 * java.nio.file.Path, Schema, Map)}.
 *
 * <p><b>Malformed rows.</b> A row is malformed if it has a different number of fields than the
 * header, a quote inside an unquoted field or text after a closing quote, an unterminated quote at
 * the end of the file, a number that does not parse in a requested column, or an empty value in a
 * column of {@link ScanRequest#nonEmptyColumns()}. By default the scan then fails with a {@link
 * DataSourceException} naming the file, the line where the row starts and, where known, the column.
 * With {@link Builder#skipMalformedRows(boolean) skipMalformedRows(true)} the row is dropped,
 * counted in {@link #skippedRows()} and reported in {@link #malformedRows()} with its line, column
 * and reason (the first {@value MalformedRows#MAX_ROWS} such rows), and the scan logs one warning
 * with the count. Values in columns that were not requested are not converted, so a malformed
 * number there goes unnoticed. An unreadable file, a header that lacks a schema column or names one
 * twice, invalid UTF-8 (reported with the line holding it) and a record longer than 16,777,216
 * characters always fail the scan.
 *
 * <p><b>Privacy.</b> Messages, logs and the report of skipped rows name the file, lines, columns
 * and counts, never a value.
 *
 * <p>Instances are immutable apart from the report of skipped rows, and thread-safe; each {@link
 * #scan} opens the file anew, so scans are independent and may run concurrently. The file is read
 * when a scan starts, not when the source is built.
 */
public final class CsvSource implements DataSource, ReportsMalformedRows {
  /** The longest record accepted, in characters; a bound on memory against runaway quotes. */
  static final int MAX_RECORD_CHARS = 1 << 24;

  private final Path path;
  private final String fileName;
  private final Schema schema;
  private final boolean skipMalformedRows;
  private final char delimiter;
  private final MalformedRowLog malformedRows;
  private final Map<String, String> formats;

  private CsvSource(
      Path path,
      Schema schema,
      boolean skipMalformedRows,
      char delimiter,
      Map<String, String> formats) {
    this.path = path;
    this.formats = formats;
    Path name = path.getFileName();
    this.fileName = name == null ? path.toString() : name.toString();
    this.schema = schema;
    this.skipMalformedRows = skipMalformedRows;
    this.delimiter = delimiter;
    this.malformedRows = new MalformedRowLog(fileName, LoggerFactory.getLogger(CsvSource.class));
  }

  /**
   * A source reading the comma-separated file at {@code path} with the given schema, failing on
   * malformed rows. The file is not opened until a scan starts.
   *
   * @param path the CSV file
   * @param schema the columns to read; the file's header must name each of them
   * @throws NullPointerException if an argument is null
   */
  public static CsvSource of(Path path, Schema schema) {
    return builder(path, schema).build();
  }

  /**
   * A builder of a source reading the file at {@code path} with the given schema.
   *
   * @param path the CSV file
   * @param schema the columns to read; the file's header must name each of them
   * @throws NullPointerException if an argument is null
   */
  public static Builder builder(Path path, Schema schema) {
    return new Builder(
        Objects.requireNonNull(path, "path"), Objects.requireNonNull(schema, "schema"));
  }

  /** The file name, without its directory. */
  @Override
  public String name() {
    return fileName;
  }

  /**
   * The file's real path (links resolved), so that two sources over one file share their budgets;
   * empty if the file cannot be resolved now.
   */
  @Override
  public Optional<String> dataIdentity() {
    return fileIdentity(path);
  }

  /**
   * The identity of the data in {@code file}: its real path (links resolved), shared by every
   * source that reads the file ({@link ColumnarSource#readCsv} too); empty if the file cannot be
   * resolved now.
   */
  static Optional<String> fileIdentity(Path file) {
    try {
      return Optional.of("file:" + file.toRealPath());
    } catch (IOException | RuntimeException e) {
      return Optional.empty();
    }
  }

  /**
   * The file's size, modification time and identity, read now; empty if they cannot be read. A
   * change to the file changes the version, so a repeated differentially private query is answered
   * afresh (and charged) after the data changed.
   */
  @Override
  public Optional<String> version() {
    try {
      BasicFileAttributes a = Files.readAttributes(path, BasicFileAttributes.class);
      return Optional.of(
          a.size() + ":" + a.lastModifiedTime().toMillis() + ":" + a.fileKey() + ":" + schema);
    } catch (IOException | RuntimeException e) {
      return Optional.empty();
    }
  }

  /**
   * The file's size divided by the mean length of the lines in its first 64 KiB (or the file's size
   * in bytes, if that much holds no line end), read now; empty if the file cannot be read.
   */
  @Override
  public OptionalLong estimatedRows() {
    try (InputStream in = Files.newInputStream(path)) {
      long size = Files.size(path);
      byte[] head = in.readNBytes(1 << 16);
      int lines = 0;
      int lastEnd = -1;
      for (int i = 0; i < head.length; i++) {
        if (head[i] == '\n') {
          lines++;
          lastEnd = i;
        }
      }
      return OptionalLong.of(lines == 0 ? size : size * lines / (lastEnd + 1));
    } catch (IOException | RuntimeException e) {
      return OptionalLong.empty();
    }
  }

  /** The schema given when the source was built. */
  @Override
  public Schema schema() {
    return schema;
  }

  /**
   * Opens the file, checks its header and reads its first record with the schema's types.
   *
   * @throws DataSourceException if the file cannot be read, its header lacks a schema column or
   *     names one twice, or its first record is malformed (unless malformed rows are skipped)
   */
  @Override
  public void check() {
    // A row the check skips is not the owner's report: only scans of queries count.
    MalformedRowLog quiet = new MalformedRowLog(fileName, NOPLogger.NOP_LOGGER);
    List<Column> all = new ArrayList<>(schema.columns());
    try (Scan scan = CsvScan.open(this, all, Set.of(), 1, quiet)) {
      scan.next();
    }
  }

  /**
   * Opens the file, checks its header and starts a scan of {@code request.columns()}, in that
   * order, in batches of at most {@code request.batchSize()} rows. The filter of the request is
   * ignored (this source has no filter pushdown). The caller closes the scan; a scan is used by one
   * thread at a time.
   *
   * @throws NullPointerException if {@code request} is null
   * @throws IllegalArgumentException if a requested or non-empty column is not in the schema
   * @throws DataSourceException if the file cannot be read, is not UTF-8 or its header lacks a
   *     schema column or names one twice
   */
  @Override
  public Scan scan(ScanRequest request) {
    Objects.requireNonNull(request, "request");
    List<Column> columns = new ArrayList<>(request.columns().size());
    for (String name : request.columns()) {
      columns.add(schemaColumn(name));
    }
    for (String name : request.nonEmptyColumns()) {
      schemaColumn(name);
    }
    return CsvScan.open(
        this, columns, request.nonEmptyColumns(), request.batchSize(), malformedRows);
  }

  /** Whether malformed rows are skipped, as set by {@link Builder#skipMalformedRows(boolean)}. */
  @Override
  public boolean skipsMalformedRows() {
    return skipMalformedRows;
  }

  /**
   * The report of the malformed rows skipped so far: their number and the first {@value
   * MalformedRows#MAX_ROWS} distinct ones, each with the line where its record starts, the column
   * (empty for a wrong number of fields or broken quoting outside the schema's columns) and the
   * reason, such as {@code "not a whole number"} or {@code "expected 3 fields, found 2"}; never a
   * value. {@link MalformedRows#NONE} unless the source skips malformed rows.
   */
  @Override
  public MalformedRows malformedRows() {
    return malformedRows.report();
  }

  /** The file name and number of columns, nothing else. */
  @Override
  public String toString() {
    return "CsvSource[" + fileName + ", " + schema.columns().size() + " columns]";
  }

  Path path() {
    return path;
  }

  char delimiter() {
    return delimiter;
  }

  /** How the fields of each of {@code columns} are read: null for STRING, LONG and DOUBLE. */
  TypedValues.TextFormat[] textFormats(List<Column> columns) {
    return textFormats(columns, formats);
  }

  /**
   * How the fields of each of {@code columns} are read, by the declared {@code patterns} or
   * ISO-8601: null for STRING, LONG and DOUBLE.
   */
  static TypedValues.TextFormat[] textFormats(List<Column> columns, Map<String, String> patterns) {
    TypedValues.TextFormat[] out = new TypedValues.TextFormat[columns.size()];
    for (int i = 0; i < out.length; i++) {
      Column c = columns.get(i);
      if (c.type().isHeldAsLong() && c.type() != ColumnType.LONG) {
        String pattern = patterns.get(c.name());
        out[i] =
            pattern == null
                ? TypedValues.TextFormat.iso(c.type())
                : TypedValues.TextFormat.pattern(c.type(), pattern);
      }
    }
    return out;
  }

  /**
   * Checks declared patterns: each names a DATE or TIMESTAMP column of {@code schema} and is a
   * valid pattern.
   *
   * @return an unmodifiable copy
   * @throws IllegalArgumentException if a pattern is not valid or names another column
   */
  static Map<String, String> checkFormats(Schema schema, Map<String, String> patterns) {
    Map<String, String> copy = Map.copyOf(patterns);
    for (Map.Entry<String, String> e : copy.entrySet()) {
      Column c =
          schema
              .column(e.getKey())
              .orElseThrow(
                  () ->
                      new IllegalArgumentException(
                          "a format names column ["
                              + e.getKey()
                              + "], which is not in the schema; its columns are: "
                              + schema.names()));
      if (c.type() != ColumnType.DATE && c.type() != ColumnType.TIMESTAMP) {
        throw new IllegalArgumentException(
            "a format is for a DATE or TIMESTAMP column; column [" + c.name() + "] is " + c.type());
      }
      try {
        TypedValues.TextFormat.pattern(c.type(), e.getValue());
      } catch (IllegalArgumentException ex) {
        throw new IllegalArgumentException(
            "the format of column [" + c.name() + "] is not a valid pattern: " + ex.getMessage(),
            ex);
      }
    }
    return copy;
  }

  private Column schemaColumn(String name) {
    return schema
        .column(name)
        .orElseThrow(
            () ->
                new IllegalArgumentException(
                    "column ["
                        + name
                        + "] not found in source "
                        + fileName
                        + "; its columns are: "
                        + schema.names()));
  }

  /** The failure for an I/O error on {@code fileName}; the cause names at most a path. */
  static DataSourceException cannotRead(String fileName, IOException cause) {
    return new DataSourceException(fileName, "cannot be read", cause);
  }

  /**
   * A builder of a {@link CsvSource}. Each option may be set once; {@link #build()} validates. Not
   * thread-safe.
   */
  public static final class Builder {
    private final Path path;
    private final Schema schema;
    private Boolean skipMalformedRows;
    private Character delimiter;
    private final Map<String, String> formats = new LinkedHashMap<>();

    private Builder(Path path, Schema schema) {
      this.path = path;
      this.schema = schema;
    }

    /**
     * Whether to drop malformed rows instead of failing the scan; false by default. Skipped rows
     * are counted in {@link CsvSource#skippedRows()} and reported with their lines in {@link
     * CsvSource#malformedRows()}, and each scan that skips rows logs one warning with its count.
     *
     * @throws IllegalStateException if already set
     */
    public Builder skipMalformedRows(boolean skip) {
      if (skipMalformedRows != null) {
        throw new IllegalStateException(
            "skipMalformedRows was already set to " + skipMalformedRows);
      }
      skipMalformedRows = skip;
      return this;
    }

    /**
     * The field delimiter, e.g. {@code ';'} or {@code '\t'}; a comma by default. Checked by {@link
     * #build()}.
     *
     * @throws IllegalStateException if already set
     */
    public Builder delimiter(char delimiter) {
      if (this.delimiter != null) {
        throw new IllegalStateException("delimiter was already set to " + describe(this.delimiter));
      }
      this.delimiter = delimiter;
      return this;
    }

    /**
     * The format of the values of a DATE or TIMESTAMP column, a {@link
     * java.time.format.DateTimeFormatter} pattern such as {@code "dd.MM.uuuu"} or {@code
     * "uuuu-MM-dd HH:mm:ss"}, instead of ISO-8601. Values are resolved strictly (a 30 February is
     * malformed); a TIMESTAMP pattern without an offset field (such as {@code xxx}) reads its
     * values in UTC. Checked by {@link #build()}.
     *
     * <pre>{@code
     * CsvSource.builder(path, Schema.of(Column.string("email"), Column.date("day")))
     *     .format("day", "dd.MM.uuuu")
     *     .build();
     * }</pre>
     *
     * @param column a DATE or TIMESTAMP column of the schema
     * @param pattern the pattern
     * @return this builder
     * @throws NullPointerException if an argument is null
     * @throws IllegalStateException if the column's format was already set
     */
    public Builder format(String column, String pattern) {
      Objects.requireNonNull(column, "column");
      Objects.requireNonNull(pattern, "pattern");
      if (formats.containsKey(column)) {
        throw new IllegalStateException(
            "the format of column [" + column + "] was already set to " + formats.get(column));
      }
      formats.put(column, pattern);
      return this;
    }

    /**
     * A source with the options set so far. The file is not opened here; a missing or malformed
     * file is reported when a scan starts.
     *
     * @throws IllegalArgumentException if the delimiter is a quote, CR or LF, or a format names a
     *     column that is not DATE or TIMESTAMP or is not a valid pattern
     */
    public CsvSource build() {
      char d = delimiter == null ? ',' : delimiter;
      if (d == '"' || d == '\r' || d == '\n') {
        throw new IllegalArgumentException(
            "delimiter must not be a quote, CR or LF; provided value: " + describe(d));
      }
      return new CsvSource(
          path,
          schema,
          skipMalformedRows != null && skipMalformedRows,
          d,
          checkFormats(schema, formats));
    }

    private static String describe(char c) {
      return switch (c) {
        case '\r' -> "'\\r'";
        case '\n' -> "'\\n'";
        case '\t' -> "'\\t'";
        default -> "'" + c + "'";
      };
    }
  }
}
