package dev.cleanroom.source;

import dev.cleanroom.Column;
import dev.cleanroom.ColumnType;
import dev.cleanroom.DataSourceException;
import dev.cleanroom.internal.source.MalformedRowLog;
import dev.cleanroom.internal.value.TypedValues;
import dev.cleanroom.spi.ColumnBatch;
import dev.cleanroom.spi.Scan;
import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * One scan of a {@link CsvSource}: its own open file, parser and reusable batch arrays. Used by one
 * thread at a time.
 *
 * <p>A scan in batches of at least {@value #MIN_RANGE_BATCH} rows, of a file whose delimiter is
 * ASCII and whose header has no quote, reads the body in ranges of lines parsed straight from bytes
 * on helper threads ({@link CsvRanges}), with the same values, malformed rows and lines; from the
 * first range that is not plain (quotes, a lone carriage return, text that is not UTF-8) on, it
 * reads with the sequential parser. Smaller batches (a source's check reads one row) always use the
 * sequential parser, which reads no further than asked.
 */
final class CsvScan implements Scan {
  /** The first batch arrays hold at most this many rows; they grow up to the batch size. */
  private static final int INITIAL_CAPACITY = 1024;

  /** Batches of at least this many rows may be read in ranges. */
  static final int MIN_RANGE_BATCH = 256;

  private final String fileName;
  private final boolean skip;
  private final MalformedRowLog.Tally skips;
  private final int headerFields;

  /** The schema column at each header position, or null for an extra header column. */
  private final String[] schemaNameAt;

  private final List<Column> columns;
  private final String[] names;
  private final ColumnType[] types;
  private final int[] fieldOf;
  private final boolean[] nonEmpty;

  /** How each requested column of a time type or BOOLEAN is read; null for the others. */
  private final TypedValues.TextFormat[] formats;

  /** Header positions of non-empty columns that were not requested, and their names. */
  private final int[] extraNonEmptyFields;

  private final String[] extraNonEmptyNames;

  private final int batchSize;
  private final Object[] arrays;
  private int capacity;

  private final Path path;
  private final char delimiter;

  private CsvParser parser;
  private boolean done;
  private boolean failed;
  private boolean closed;

  /** The body read in ranges, or null if read by {@link #parser}. */
  private CsvRanges ranges;

  /** The next range to take from {@link #ranges}. */
  private int range;

  /** The range whose batches are being handed out, or null. */
  private CsvRanges.Chunk chunk;

  private int batchOfChunk;

  /** The line of the first record of {@link #chunk}, or of the range to take next. */
  private long chunkLine = 2;

  private CsvScan(
      CsvSource source,
      CsvParser parser,
      String[] schemaNameAt,
      Map<String, Integer> positions,
      List<Column> columns,
      Set<String> nonEmptyColumns,
      int batchSize,
      MalformedRowLog log) {
    this.fileName = source.name();
    this.path = source.path();
    this.delimiter = source.delimiter();
    this.skip = source.skipsMalformedRows();
    this.skips = log.startScan();
    this.parser = parser;
    this.headerFields = schemaNameAt.length;
    this.schemaNameAt = schemaNameAt;
    this.columns = List.copyOf(columns);
    int n = columns.size();
    this.names = new String[n];
    this.types = new ColumnType[n];
    this.fieldOf = new int[n];
    this.nonEmpty = new boolean[n];
    this.formats = source.textFormats(columns);
    for (int i = 0; i < n; i++) {
      Column c = columns.get(i);
      names[i] = c.name();
      types[i] = c.type();
      fieldOf[i] = positions.get(c.name());
      nonEmpty[i] = nonEmptyColumns.contains(c.name());
    }
    List<String> extra = new ArrayList<>();
    for (String name : nonEmptyColumns) {
      if (columns.stream().noneMatch(c -> c.name().equals(name))) {
        extra.add(name);
      }
    }
    this.extraNonEmptyNames = extra.toArray(new String[0]);
    this.extraNonEmptyFields = new int[extraNonEmptyNames.length];
    for (int i = 0; i < extraNonEmptyNames.length; i++) {
      extraNonEmptyFields[i] = positions.get(extraNonEmptyNames[i]);
    }
    this.batchSize = batchSize;
    this.capacity = Math.min(batchSize, INITIAL_CAPACITY);
    this.arrays = new Object[n];
    for (int i = 0; i < n; i++) {
      arrays[i] = newArray(types[i], capacity);
    }
  }

  /**
   * Opens the file of {@code source}, reads and checks its header and returns a scan positioned at
   * the first row.
   *
   * @param columns the requested columns, all in the schema
   * @param nonEmptyColumns the columns whose values must not be empty, all in the schema
   * @param log where skipped rows are counted and reported
   * @throws DataSourceException if the file cannot be read or its header is unusable
   */
  static CsvScan open(
      CsvSource source,
      List<Column> columns,
      Set<String> nonEmptyColumns,
      int batchSize,
      MalformedRowLog log) {
    return open(
        source,
        columns,
        nonEmptyColumns,
        batchSize,
        log,
        batchSize >= MIN_RANGE_BATCH ? CsvRanges.Tuning.defaults() : null);
  }

  /**
   * As {@link #open(CsvSource, List, Set, int, MalformedRowLog)}, reading in ranges with {@code
   * tuning} where the file allows, or only with the sequential parser if {@code tuning} is null.
   */
  static CsvScan open(
      CsvSource source,
      List<Column> columns,
      Set<String> nonEmptyColumns,
      int batchSize,
      MalformedRowLog log,
      CsvRanges.Tuning tuning) {
    String fileName = source.name();
    InputStream in;
    try {
      in = Files.newInputStream(source.path());
    } catch (IOException e) {
      throw CsvSource.cannotRead(fileName, e);
    }
    try {
      CsvParser parser =
          new CsvParser(in, fileName, source.delimiter(), CsvSource.MAX_RECORD_CHARS);
      Map<String, Integer> positions = new HashMap<>();
      String[] schemaNameAt = readHeader(parser, source, positions);
      CsvScan scan =
          new CsvScan(
              source, parser, schemaNameAt, positions, columns, nonEmptyColumns, batchSize, log);
      if (tuning != null) {
        try {
          scan.readInRanges(tuning);
        } catch (IOException e) {
          throw CsvSource.cannotRead(fileName, e);
        }
      }
      return scan;
    } catch (RuntimeException e) {
      closeAfterFailure(in, e);
      throw e;
    }
  }

  /** Reads the body in ranges from here on, if the file allows; see the class comment. */
  private void readInRanges(CsvRanges.Tuning tuning) throws IOException {
    long bodyStart = CsvRanges.bodyStart(path, delimiter);
    if (bodyStart < 0) {
      return;
    }
    ranges =
        CsvRanges.open(
            path,
            fileName,
            bodyStart,
            delimiter,
            headerFields,
            skip,
            batchSize,
            columns,
            formats,
            fieldOf,
            nonEmpty,
            extraNonEmptyFields,
            extraNonEmptyNames,
            tuning);
    CsvParser p = parser;
    parser = null;
    try {
      p.close();
    } catch (IOException e) {
      ranges.close();
      throw e;
    }
  }

  /**
   * Reads the header, fills {@code positions} with the header position of each schema column and
   * returns the schema column name at each header position (null for extra columns).
   */
  private static String[] readHeader(
      CsvParser parser, CsvSource source, Map<String, Integer> positions) {
    String fileName = source.name();
    if (!parser.next()) {
      throw new DataSourceException(fileName, 1, "", "the file is empty; expected a header", null);
    }
    long line = parser.recordLine();
    if (parser.problem() != null) {
      throw new DataSourceException(
          fileName, line, "", "malformed header: " + parser.problem().description(), null);
    }
    String[] schemaNameAt = new String[parser.fieldCount()];
    for (int i = 0; i < schemaNameAt.length; i++) {
      int s = trimStart(parser.data(), parser.start(i), parser.end(i));
      int e = trimEnd(parser.data(), s, parser.end(i));
      String name = new String(parser.data(), s, e - s);
      if (source.schema().indexOf(name) >= 0) {
        if (positions.putIfAbsent(name, i) != null) {
          throw new DataSourceException(
              fileName, line, name, "the header names this column twice", null);
        }
        schemaNameAt[i] = name;
      }
    }
    List<String> missing = new ArrayList<>();
    for (String name : source.schema().names()) {
      if (!positions.containsKey(name)) {
        missing.add(name);
      }
    }
    if (!missing.isEmpty()) {
      throw new DataSourceException(
          fileName,
          line,
          missing.get(0),
          "the header lacks this column; missing columns: " + missing,
          null);
    }
    return schemaNameAt;
  }

  /**
   * The next batch of up to the batch size rows, or empty at the end. The arrays of a batch are
   * refilled by the next call.
   *
   * @throws DataSourceException if the file cannot be read or, unless malformed rows are skipped,
   *     holds a malformed row; the scan is then closed
   * @throws IllegalStateException if the scan was closed before its end or failed before
   */
  @Override
  public Optional<ColumnBatch> next() {
    if (failed) {
      throw new IllegalStateException("this scan of " + fileName + " failed before");
    }
    if (done) {
      return Optional.empty();
    }
    if (closed) {
      throw new IllegalStateException("this scan of " + fileName + " is closed");
    }
    try {
      if (ranges != null) {
        Optional<ColumnBatch> batch = nextOfRanges();
        if (batch != null) {
          return batch;
        }
      }
      return nextOfParser();
    } catch (RuntimeException e) {
      failed = true;
      closed = true;
      CsvParser p = parser;
      parser = null;
      CsvRanges r = ranges;
      ranges = null;
      skips.end();
      closeAfterFailure(p, e);
      closeAfterFailure(r, e);
      throw e;
    }
  }

  /**
   * The next batch of the ranges, empty at the end, or null if the rest of the file is to be read
   * by the sequential parser (which then is open at the first record of the range that is not
   * plain).
   */
  private Optional<ColumnBatch> nextOfRanges() {
    while (true) {
      if (chunk != null && batchOfChunk < chunk.batches.size()) {
        Object[] a = chunk.batches.get(batchOfChunk);
        int rows = chunk.batchRows.get(batchOfChunk);
        batchOfChunk++;
        return Optional.of(ColumnBatch.of(columns, rows, a));
      }
      if (chunk != null) {
        chunkLine += chunk.records;
        chunk = null;
      }
      if (range == ranges.ranges()) {
        finish();
        return Optional.empty();
      }
      CsvRanges.Chunk c = ranges.take(range);
      if (c.failure != null) {
        throw rangeFailure(c.failure);
      }
      if (c.notPlain) {
        long start = ranges.start(range);
        CsvRanges r = ranges;
        ranges = null;
        try {
          r.close();
          FileChannel ch = FileChannel.open(path, StandardOpenOption.READ);
          try {
            ch.position(start);
          } catch (IOException e) {
            ch.close();
            throw e;
          }
          parser =
              new CsvParser(
                  Channels.newInputStream(ch),
                  fileName,
                  delimiter,
                  CsvSource.MAX_RECORD_CHARS,
                  chunkLine);
        } catch (IOException e) {
          throw CsvSource.cannotRead(fileName, e);
        }
        return null;
      }
      for (CsvRanges.Bad bad : c.bad) {
        long line = chunkLine + bad.record();
        if (!skip) {
          throw new DataSourceException(fileName, line, bad.column(), bad.problem(), null);
        }
        skips.skip(line, bad.column(), bad.problem());
      }
      chunk = c;
      batchOfChunk = 0;
      range++;
    }
  }

  private RuntimeException rangeFailure(Throwable t) {
    if (t instanceof Error e) {
      throw e;
    }
    if (t instanceof IOException e) {
      return CsvSource.cannotRead(fileName, e);
    }
    if (t instanceof DataSourceException e) {
      return e;
    }
    // Not the exception's message: it might hold a value.
    return new DataSourceException(
        fileName, "reading failed (" + t.getClass().getSimpleName() + ")", null);
  }

  private Optional<ColumnBatch> nextOfParser() {
    int rows = 0;
    while (rows < batchSize) {
      if (!parser.next()) {
        finish();
        break;
      }
      if (rows == capacity) {
        grow();
      }
      if (readRow(rows)) {
        rows++;
      }
    }
    return rows == 0 ? Optional.empty() : Optional.of(ColumnBatch.of(columns, rows, arrays));
  }

  /** Closes the file; safe to call more than once. */
  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    CsvParser p = parser;
    parser = null;
    CsvRanges r = ranges;
    ranges = null;
    chunk = null;
    skips.end();
    try {
      if (r != null) {
        r.close();
      }
      if (p != null) {
        p.close();
      }
    } catch (IOException e) {
      throw CsvSource.cannotRead(fileName, e);
    }
  }

  @Override
  public String toString() {
    return "CsvScan[" + fileName + ", " + columns.size() + " columns]";
  }

  private void finish() {
    done = true;
    close();
  }

  /**
   * Converts the current record into row {@code r} of the batch arrays.
   *
   * @return false if the row is malformed and skipped
   * @throws DataSourceException if the row is malformed and not skipped
   */
  private boolean readRow(int r) {
    CsvParser p = parser;
    CsvParser.Problem problem = p.problem();
    if (problem != null) {
      return malformedField(p, p.problemField(), problem.description());
    }
    if (p.fieldCount() != headerFields) {
      return malformed(p, "", "expected " + headerFields + " fields, found " + p.fieldCount());
    }
    char[] data = p.data();
    for (int i = 0; i < extraNonEmptyFields.length; i++) {
      int f = extraNonEmptyFields[i];
      int s = trimStart(data, p.start(f), p.end(f));
      if (s == trimEnd(data, s, p.end(f))) {
        return malformed(p, extraNonEmptyNames[i], "empty value");
      }
    }
    for (int i = 0; i < fieldOf.length; i++) {
      int f = fieldOf[i];
      int start = p.start(f);
      int end = p.end(f);
      int s = trimStart(data, start, end);
      int e = trimEnd(data, s, end);
      if (s == e && nonEmpty[i]) {
        return malformed(p, names[i], "empty value");
      }
      switch (types[i]) {
        case STRING -> ((String[]) arrays[i])[r] = new String(data, start, end - start);
        case LONG -> {
          if (s == e) {
            return malformed(p, names[i], "empty value");
          }
          if (!isDecimalInteger(data, s, e)) {
            return malformed(p, names[i], MalformedRowLog.NOT_A_WHOLE_NUMBER);
          }
          try {
            ((long[]) arrays[i])[r] = Long.parseLong(p.dataView(), s, e, 10);
          } catch (NumberFormatException ex) {
            // Out of range. The exception's message holds the value: drop it.
            return malformed(p, names[i], MalformedRowLog.OUT_OF_LONG_RANGE);
          }
        }
        case DATE, TIMESTAMP, BOOLEAN -> {
          if (s == e) {
            return malformed(p, names[i], "empty value");
          }
          TypedValues.Parsed v = formats[i].parse(new String(data, s, e - s));
          if (!v.ok()) {
            return malformed(p, names[i], v.reason());
          }
          ((long[]) arrays[i])[r] = v.value();
        }
        case DOUBLE -> {
          if (s == e) {
            ((double[]) arrays[i])[r] = Double.NaN;
          } else {
            if (!isPlainDecimal(data, s, e)) {
              return malformed(p, names[i], MalformedRowLog.NOT_A_DECIMAL_NUMBER);
            }
            try {
              ((double[]) arrays[i])[r] = Double.parseDouble(new String(data, s, e - s));
            } catch (NumberFormatException ex) {
              // The exception's message holds the value: drop it.
              return malformed(p, names[i], MalformedRowLog.NOT_A_DECIMAL_NUMBER);
            }
          }
        }
      }
    }
    return true;
  }

  private boolean malformedField(CsvParser p, int field, String problem) {
    if (field >= 0 && field < headerFields && schemaNameAt[field] != null) {
      return malformed(p, schemaNameAt[field], problem);
    }
    return malformed(p, "", problem + " in field " + (field + 1));
  }

  /**
   * Skips the current row, or fails.
   *
   * @return false
   * @throws DataSourceException unless malformed rows are skipped
   */
  private boolean malformed(CsvParser p, String column, String problem) {
    if (!skip) {
      throw new DataSourceException(fileName, p.recordLine(), column, problem, null);
    }
    skips.skip(p.recordLine(), column, problem);
    return false;
  }

  private void grow() {
    capacity = (int) Math.min(batchSize, 2L * capacity);
    for (int i = 0; i < arrays.length; i++) {
      arrays[i] =
          switch (types[i]) {
            case STRING -> Arrays.copyOf((String[]) arrays[i], capacity);
            case LONG, DATE, TIMESTAMP, BOOLEAN -> Arrays.copyOf((long[]) arrays[i], capacity);
            case DOUBLE -> Arrays.copyOf((double[]) arrays[i], capacity);
          };
    }
  }

  private static Object newArray(ColumnType type, int length) {
    return switch (type) {
      case STRING -> new String[length];
      case LONG, DATE, TIMESTAMP, BOOLEAN -> new long[length];
      case DOUBLE -> new double[length];
    };
  }

  /**
   * Whether {@code [s, e)} is an optional sign and ASCII digits; {@link Long#parseLong} would also
   * accept other Unicode digits.
   */
  private static boolean isDecimalInteger(char[] data, int s, int e) {
    int i = s;
    if (i < e && (data[i] == '-' || data[i] == '+')) {
      i++;
    }
    if (i == e) {
      return false;
    }
    for (; i < e; i++) {
      if (data[i] < '0' || data[i] > '9') {
        return false;
      }
    }
    return true;
  }

  /**
   * Whether {@code [s, e)} has no Java type suffix ({@code 1d}, {@code 2f}) and no hexadecimal
   * notation, which {@link Double#parseDouble} accepts but a CSV number should not have.
   */
  private static boolean isPlainDecimal(char[] data, int s, int e) {
    char last = data[e - 1];
    if (last == 'd' || last == 'D' || last == 'f' || last == 'F') {
      return false;
    }
    for (int i = s; i < e; i++) {
      char c = data[i];
      if (c == 'x' || c == 'X') {
        return false;
      }
    }
    return true;
  }

  private static int trimStart(char[] data, int s, int e) {
    while (s < e && (data[s] == ' ' || data[s] == '\t')) {
      s++;
    }
    return s;
  }

  private static int trimEnd(char[] data, int s, int e) {
    while (e > s && (data[e - 1] == ' ' || data[e - 1] == '\t')) {
      e--;
    }
    return e;
  }

  private static void closeAfterFailure(AutoCloseable closeable, RuntimeException failure) {
    if (closeable == null) {
      return;
    }
    try {
      closeable.close();
    } catch (Exception e) {
      failure.addSuppressed(e);
    }
  }
}
