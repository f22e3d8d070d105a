package dev.cleanroom.source;

import com.google.common.util.concurrent.Uninterruptibles;
import dev.cleanroom.Column;
import dev.cleanroom.ColumnType;
import dev.cleanroom.DataSourceException;
import dev.cleanroom.QueryCancelledException;
import dev.cleanroom.Schema;
import dev.cleanroom.internal.execution.Interrupts;
import dev.cleanroom.internal.execution.ResidentColumns;
import dev.cleanroom.internal.source.MalformedRowLog;
import dev.cleanroom.internal.value.TypedValues;
import dev.cleanroom.query.Progress;
import dev.cleanroom.spi.ColumnBatch;
import dev.cleanroom.spi.Scan;
import dev.cleanroom.spi.ScanRequest;
import java.io.IOException;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.IntStream;

/**
 * Reads a CSV file into a {@link ColumnarSource}, on all cores, straight from bytes.
 *
 * <p>The body of the file is split at line ends into ranges of a few megabytes (at least four per
 * thread), which the threads take in file order as they become free, in four steps:
 *
 * <ol>
 *   <li>Count: each range's lines are counted, so that the columns are allocated once, at their
 *       final size, and each range knows its first row.
 *   <li>Parse: each range is read again and parsed straight from bytes, without {@code String}s. A
 *       DOUBLE is written in place. A whole number (LONG, DATE, TIMESTAMP, BOOLEAN) goes to the
 *       thread's scratch array first, and then in place as a four-byte offset from the range's
 *       smallest value; where a range's values span 2<sup>32</sup> or more, the range keeps them.
 *       Each text value goes by a 64-bit hash of its bytes to one of 256 partitions; the range
 *       keeps per row its partition, and the values' bytes in partition order. A value's position
 *       and length in the buffer go to the thread's scratch arrays, reused from range to range.
 *   <li>Whole numbers, per column: when all of them span less than 2<sup>32</sup>, each range's
 *       offsets move in place to be from the column's smallest value, and the column is held in
 *       four bytes per row ({@link ResidentColumns.NarrowLongs}); else its values are assembled in
 *       eight. No column is held in eight bytes per row first and narrowed afterwards.
 *   <li>Encode, per text column: each partition is dictionary-encoded by one thread, the values of
 *       all ranges in file order, in an open-addressing table that stores a tag of each value's
 *       hash with its code, so that a probe compares bytes only when the tags agree; with about
 *       1/256 of the distinct values it stays in cache. The distinct values stay bytes, checked to
 *       be UTF-8: each partition's are copied once into an array of their own ({@link
 *       ResidentColumns.Utf8Texts}), and none becomes a {@code String} until a query asks for it.
 *       The column's dictionary is the partitions' dictionaries one after another, so a row's code
 *       is its partition's first code plus its code in the partition: no table holds all distinct
 *       values, and nothing is merged. The dictionary's order is that of the partitions, not of the
 *       file.
 * </ol>
 *
 * <p>The scratch arrays and the narrow numbers keep the memory a read touches small: memory touched
 * for the first time costs a new process a page fault per page. Loading the benchmark's ten million
 * impressions (a text column and two whole-number columns) touched about 720 MiB before, and about
 * 535 MiB with them.
 *
 * <p>Besides the source itself, a read holds about the text values' bytes once more, plus one byte
 * and one {@code int} per row and text column, and per thread a buffer of one range and scratch
 * arrays of one range's rows.
 *
 * <p>A file with a quote character anywhere is read by the sequential RFC 4180 parser of {@link
 * CsvSource} instead, since a quoted line break makes line ends ambiguous for a split; so is a file
 * whose header does not name each column of the schema once, or that holds a CR other than before a
 * line feed (a line end to {@link CsvSource}), text that is not UTF-8 (in any column, the schema's
 * or not) or a malformed row: values, errors and their lines, columns and reasons are those of
 * {@link CsvSource} (checked by {@code CsvReadingsAgreementTest}); messages never hold a value. A
 * header's fields are trimmed of spaces and tabs, as {@link CsvSource} trims them, and a byte order
 * mark is the three bytes EF BB BF. A non-ASCII value in a column outside the schema also sends the
 * file to the sequential parser, which is slower, never different.
 *
 * <p>A read may report to and obey a {@link dev.cleanroom.query.QueryControl}: phase {@code
 * SCANNING} while it reads, the rows of each range as the range is parsed (of each batch on the
 * sequential path), then {@code DONE} (or {@code FAILED}); a cancellation is checked at each job of
 * every step and stops the read with {@link QueryCancelledException}.
 */
final class CsvColumnarReader {
  /** The longest array the JVM reliably allocates. */
  private static final int MAX_ARRAY = Integer.MAX_VALUE - 8;

  private static final VarHandle LONGS =
      MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);

  // What a field holds: a column the schema does not have (0), or one of the schema's.
  private static final byte STRING = 1;
  private static final byte LONG = 2;
  private static final byte DOUBLE = 3;
  private static final byte TIME_OR_BOOLEAN = 4;

  private final String name;
  private final Path path;
  private final Schema schema;
  private final Map<String, String> patterns;

  /** How each schema column of a time type or BOOLEAN is read; null for the others. */
  private final TypedValues.TextFormat[] formats;

  private final Tuning tuning;
  private final int threads;

  /** Text values are spread over this many partitions by the top bits of their hash; ≤ 256. */
  private final int partitions;

  /** The schema column of each STRING column, in schema order. */
  private final int[] stringColumns;

  /** The load's control, or {@link Interrupts#NONE}. */
  private final Interrupts interrupts;

  /** The rows reported to {@link #interrupts} so far. */
  private final AtomicLong reported = new AtomicLong();

  /** The file's identity when the read starts ({@link CsvSource#fileIdentity}), or null. */
  private final String identity;

  private CsvColumnarReader(
      String name,
      Path path,
      Schema schema,
      Map<String, String> patterns,
      Tuning tuning,
      Interrupts interrupts) {
    this.interrupts = interrupts;
    this.name = name;
    this.path = path;
    this.schema = schema;
    this.patterns = CsvSource.checkFormats(schema, patterns);
    this.formats = CsvSource.textFormats(schema.columns(), this.patterns);
    this.tuning = tuning;
    this.threads = tuning.threads();
    this.partitions = 1 << tuning.partitionBits();
    this.identity = CsvSource.fileIdentity(path).orElse(null);
    List<Column> cols = schema.columns();
    this.stringColumns =
        IntStream.range(0, cols.size())
            .filter(c -> cols.get(c).type() == ColumnType.STRING)
            .toArray();
  }

  /**
   * How the work is split: over how many threads, into ranges of about how many bytes (at least
   * four per thread) but not below a minimum, from how many rows on the encoding of text is split
   * over the threads as well, and into how many partitions (2 to the power of {@code
   * partitionBits}, at most 8). Tests use tiny ranges and few partitions to cover many of both in
   * small files.
   */
  record Tuning(
      int threads, int rangeBytes, int minRangeBytes, int parallelRows, int partitionBits) {
    Tuning {
      if (threads < 1
          || rangeBytes < 1
          || minRangeBytes < 1
          || partitionBits < 0
          || partitionBits > 8) {
        throw new IllegalArgumentException("bad tuning");
      }
    }

    static Tuning defaults() {
      return new Tuning(
          Math.max(1, Runtime.getRuntime().availableProcessors()), 8 << 20, 64 << 10, 1 << 16, 8);
    }
  }

  static ColumnarSource read(String name, Path path, Schema schema) {
    return read(name, path, schema, Tuning.defaults());
  }

  static ColumnarSource read(String name, Path path, Schema schema, Tuning tuning) {
    return read(name, path, schema, Map.of(), tuning, Interrupts.NONE);
  }

  /**
   * Reads the file, reading DATE and TIMESTAMP columns by the declared {@code patterns} (column
   * name to pattern, as {@link CsvSource.Builder#format(String, String)}), reporting to and obeying
   * {@code interrupts}; see the class comment.
   */
  static ColumnarSource read(
      String name,
      Path path,
      Schema schema,
      Map<String, String> patterns,
      Tuning tuning,
      Interrupts interrupts) {
    boolean done = false;
    try {
      interrupts.phase(Progress.Phase.SCANNING);
      ColumnarSource source =
          new CsvColumnarReader(name, path, schema, patterns, tuning, interrupts).read();
      done = true;
      return source;
    } finally {
      interrupts.phase(done ? Progress.Phase.DONE : Progress.Phase.FAILED);
    }
  }

  /** A value of a row could not be parsed; the reader fails with its line. */
  private static final class Malformed extends RuntimeException {
    private static final long serialVersionUID = 1L;
    final int range;
    final long localLine;
    final String column;

    Malformed(int range, long localLine, String column, String problem) {
      super(problem, null, false, false);
      this.range = range;
      this.localLine = localLine;
      this.column = column;
    }
  }

  /** The file holds a quote: the fast path gives way to the full parser. */
  private static final class Quoted extends RuntimeException {
    private static final long serialVersionUID = 1L;

    Quoted() {
      super("quoted", null, false, false);
    }
  }

  private ColumnarSource read() {
    try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
      long size = ch.size();
      byte[] head = new byte[(int) Math.min(size, 1 << 20)];
      readFully(ch, 0, head, 0, head.length);
      int start = 0;
      if (head.length >= 3
          && (head[0] & 0xff) == 0xEF
          && (head[1] & 0xff) == 0xBB
          && (head[2] & 0xff) == 0xBF) {
        start = 3;
      }
      int eol = indexOf(head, start, head.length, (byte) '\n');
      if (eol < 0 && size > head.length) {
        return sequential();
      }
      int headerEnd = eol < 0 ? head.length : eol;
      String header = decode(head, start, headerEnd);
      if (header == null || header.indexOf('"') >= 0) {
        // A header that is not UTF-8 fails there as CsvSource fails it.
        return sequential();
      }
      if (header.endsWith("\r")) {
        header = header.substring(0, header.length() - 1);
      }
      int[] fieldToColumn = header.indexOf('\r') >= 0 ? null : mapHeader(header);
      if (fieldToColumn == null) {
        // A line ending in a lone CR, or a header that does not name the schema's columns once
        // each: the sequential parser reads it, and fails with the reason CsvSource gives.
        return sequential();
      }
      long bodyStart = eol < 0 ? size : eol + 1L;
      long[] bounds = split(ch, bodyStart, size);
      return parse(ch, bounds, fieldToColumn);
    } catch (IOException e) {
      throw CsvSource.cannotRead(name, e);
    }
  }

  /**
   * Each header field's column, or -1; null if the header names a column twice or lacks one. A
   * field is trimmed of spaces and tabs, as {@link CsvSource} trims it.
   */
  private int[] mapHeader(String header) {
    String[] fields = header.split(",", -1);
    int[] map = new int[fields.length];
    Arrays.fill(map, -1);
    boolean[] seen = new boolean[schema.columns().size()];
    for (int f = 0; f < fields.length; f++) {
      int c = schema.indexOf(trimSpacesAndTabs(fields[f]));
      if (c >= 0) {
        if (seen[c]) {
          return null;
        }
        seen[c] = true;
        map[f] = c;
      }
    }
    for (boolean s : seen) {
      if (!s) {
        return null;
      }
    }
    return map;
  }

  private static String trimSpacesAndTabs(String field) {
    int s = 0;
    int e = field.length();
    while (s < e && (field.charAt(s) == ' ' || field.charAt(s) == '\t')) {
      s++;
    }
    while (e > s && (field.charAt(e - 1) == ' ' || field.charAt(e - 1) == '\t')) {
      e--;
    }
    return field.substring(s, e);
  }

  /** The text of {@code b[from, to)}, or null if it is not UTF-8. */
  private static String decode(byte[] b, int from, int to) {
    try {
      return StandardCharsets.UTF_8
          .newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT)
          .decode(ByteBuffer.wrap(b, from, to - from))
          .toString();
    } catch (CharacterCodingException e) {
      return null;
    }
  }

  /** The starts of the ranges of lines of the body, and its end: ranges may be empty. */
  private long[] split(FileChannel ch, long bodyStart, long size) throws IOException {
    long body = size - bodyStart;
    long wanted = Math.max(4L * threads, (body + tuning.rangeBytes() - 1) / tuning.rangeBytes());
    int ranges = (int) Math.max(1, Math.min(wanted, body / tuning.minRangeBytes()));
    long[] bounds = new long[ranges + 1];
    bounds[0] = bodyStart;
    bounds[ranges] = size;
    for (int r = 1; r < ranges; r++) {
      long guess = Math.max(bounds[r - 1], bodyStart + body * r / ranges);
      bounds[r] = lineStartAtOrAfter(ch, guess, size);
    }
    return bounds;
  }

  private static long lineStartAtOrAfter(FileChannel ch, long pos, long size) throws IOException {
    byte[] buf = new byte[1 << 16];
    long p = pos - 1;
    while (p < size) {
      int n = (int) Math.min(buf.length, size - p);
      readFully(ch, p, buf, 0, n);
      int i = indexOf(buf, 0, n, (byte) '\n');
      if (i >= 0) {
        return p + i + 1;
      }
      p += n;
    }
    return size;
  }

  private static void readFully(FileChannel ch, long pos, byte[] buf, int off, int n)
      throws IOException {
    ByteBuffer bb = ByteBuffer.wrap(buf, off, n);
    while (bb.hasRemaining()) {
      if (ch.read(bb, pos + bb.position() - off) < 0) {
        throw new IOException("unexpected end of file");
      }
    }
  }

  private static int indexOf(byte[] b, int from, int to, byte x) {
    for (int i = from; i < to; i++) {
      if (b[i] == x) {
        return i;
      }
    }
    return -1;
  }

  // ---- the parallel path ----

  /** One job of a parallel phase; {@code worker} tells the threads apart, from 0. */
  @FunctionalInterface
  private interface Job {
    void run(int worker, int index);
  }

  /**
   * Runs jobs {@code 0..jobs-1} on up to {@code threads} threads, the caller's among them, taken in
   * index order. After a job fails, jobs with a higher index are not started.
   *
   * @return per job its failure, or null
   */
  private static Throwable[] parallel(int jobs, int threads, Job job) {
    Throwable[] failures = new Throwable[jobs];
    AtomicInteger next = new AtomicInteger();
    AtomicInteger firstFailed = new AtomicInteger(Integer.MAX_VALUE);
    class Loop implements Runnable {
      final int worker;

      Loop(int worker) {
        this.worker = worker;
      }

      @Override
      public void run() {
        for (int j = next.getAndIncrement(); j < jobs; j = next.getAndIncrement()) {
          if (j > firstFailed.get()) {
            return;
          }
          try {
            job.run(worker, j);
          } catch (Throwable t) {
            failures[j] = t;
            firstFailed.accumulateAndGet(j, Math::min);
          }
        }
      }
    }
    int n = Math.max(1, Math.min(threads, jobs));
    Thread[] helpers = new Thread[n - 1];
    for (int i = 0; i < helpers.length; i++) {
      helpers[i] = new Thread(new Loop(i + 1), "cleanroom-csv-reader-" + (i + 1));
      helpers[i].setDaemon(true);
      helpers[i].start();
    }
    new Loop(0).run();
    for (Thread h : helpers) {
      Uninterruptibles.joinUninterruptibly(h);
    }
    return failures;
  }

  /** The first failure of a phase, or null; errors of the JVM are thrown as they are. */
  private static Throwable first(Throwable[] failures) {
    for (Throwable t : failures) {
      if (t instanceof Error e) {
        throw e;
      }
      if (t != null) {
        return t;
      }
    }
    return null;
  }

  private RuntimeException failed(Throwable t) {
    if (t instanceof DataSourceException || t instanceof QueryCancelledException) {
      return (RuntimeException) t;
    }
    // Not the exception's message: it might hold a value.
    return new DataSourceException(
        name, "reading failed (" + t.getClass().getSimpleName() + ")", null);
  }

  /** What each thread keeps between the jobs it runs. */
  private final class Worker {
    byte[] buffer = new byte[0];

    /**
     * Per text column and row of the range being parsed: where its value is in {@link #buffer}, and
     * its length. Reused from range to range: a load allocates them once per thread, not once per
     * range (at ten million rows, 80 MB less memory touched for the first time).
     */
    int[][] valueAt = new int[stringColumns.length][0];

    int[][] valueLength = new int[stringColumns.length][0];

    /**
     * Per whole-number column of the schema (LONG, DATE, TIMESTAMP, BOOLEAN; null for the others):
     * the values of the range being parsed, before they are written to the source as offsets.
     * Reused from range to range, as {@link #valueAt}.
     */
    final long[][] numbers = new long[schema.columns().size()][];

    final PartitionDictionary dictionary = new PartitionDictionary();
    final CharsetDecoder decoder =
        StandardCharsets.UTF_8
            .newDecoder()
            .onMalformedInput(CodingErrorAction.REPORT)
            .onUnmappableCharacter(CodingErrorAction.REPORT);

    /** Reads {@code [from, to)} of the file into the start of {@link #buffer}; its length. */
    int read(FileChannel ch, long from, long to) {
      if (to - from > MAX_ARRAY) {
        throw new DataSourceException(name, "reading failed (a line is too long)", null);
      }
      int n = (int) (to - from);
      if (buffer.length < n) {
        buffer = new byte[n];
      }
      try {
        readFully(ch, from, buffer, 0, n);
      } catch (IOException e) {
        throw CsvSource.cannotRead(name, e);
      }
      return n;
    }

    /** Makes the scratch arrays hold at least {@code rows} rows. */
    void scratchFor(int rows) {
      for (int c = 0; c < valueAt.length; c++) {
        if (valueAt[c].length < rows) {
          valueAt[c] = new int[rows];
          valueLength[c] = new int[rows];
        }
      }
      for (int c = 0; c < numbers.length; c++) {
        if (wholeNumbers(schema.columns().get(c).type())
            && (numbers[c] == null || numbers[c].length < rows)) {
          numbers[c] = new long[rows];
        }
      }
    }
  }

  private ColumnarSource parse(FileChannel ch, long[] bounds, int[] fieldToColumn) {
    int ranges = bounds.length - 1;
    Worker[] workers = new Worker[threads];
    for (int w = 0; w < threads; w++) {
      workers[w] = new Worker();
    }
    // First the rows of each range, so that each range writes its numbers in place.
    int[] counts = new int[ranges];
    Throwable failure =
        first(
            parallel(
                ranges,
                threads,
                (w, r) -> {
                  interrupts.check();
                  Worker worker = workers[w];
                  int n = worker.read(ch, bounds[r], bounds[r + 1]);
                  counts[r] = countLines(worker.buffer, n);
                }));
    if (failure != null) {
      throw failed(failure);
    }
    int[] firstRow = new int[ranges + 1];
    long total = 0;
    for (int r = 0; r < ranges; r++) {
      firstRow[r] = (int) total;
      total += counts[r];
      if (total > MAX_ARRAY) {
        throw new DataSourceException(name, "too many rows for one columnar source", null);
      }
    }
    int rows = (int) total;
    firstRow[ranges] = rows;
    List<Column> cols = schema.columns();
    Object[] columns = new Object[cols.size()];
    for (int c = 0; c < cols.size(); c++) {
      columns[c] =
          switch (cols.get(c).type()) {
            // Offsets from each range's smallest value, made one column's below.
            case LONG, DATE, TIMESTAMP, BOOLEAN -> new int[rows];
            case DOUBLE -> new double[rows];
            case STRING -> null; // Encoded below.
          };
    }
    Range[] parsed = new Range[ranges];
    failure =
        first(
            parallel(
                ranges,
                threads,
                (w, r) -> {
                  interrupts.check();
                  Worker worker = workers[w];
                  Range range = new Range(r, fieldToColumn, columns, firstRow[r], counts[r]);
                  int n = worker.read(ch, bounds[r], bounds[r + 1]);
                  range.parse(worker, n);
                  parsed[r] = range;
                  reported.addAndGet(range.rows);
                  interrupts.rowsRead(range.rows);
                }));
    if (failure instanceof Quoted) {
      interrupts.check();
      return sequential();
    }
    if (failure instanceof Malformed) {
      // The sequential parser reads the file again and fails at its first malformed row with the
      // line, column and reason CsvSource gives (a lone CR ends a line there, and the order of
      // its checks decides the reason).
      interrupts.check();
      return sequential();
    }
    if (failure != null) {
      throw failed(failure);
    }
    for (int c = 0; c < cols.size(); c++) {
      if (wholeNumbers(cols.get(c).type())) {
        columns[c] = wholeNumberColumn(c, (int[]) columns[c], parsed);
      }
    }
    ResidentColumns.Texts[] dictionaries = new ResidentColumns.Texts[cols.size()];
    long[] blankLines = new long[cols.size()];
    for (int s = 0; s < stringColumns.length; s++) {
      int c = stringColumns[s];
      Encoded e = encode(s, parsed, workers, firstRow);
      if (e.invalidLine > 0) {
        // Text that is not UTF-8, or holds a lone CR (a line end to CsvSource): the sequential
        // parser reads the file again, and fails or splits the lines as CsvSource does.
        interrupts.check();
        return sequential();
      }
      columns[c] = e.codes;
      dictionaries[c] = e.dictionary;
      blankLines[c] = firstBlankLine(e.dictionary, e.codes);
    }
    // The arrays are fresh and complete: handed over without the builder's defensive copies.
    return ColumnarSource.adopt(name, schema, rows, columns, dictionaries, identity, blankLines);
  }

  /**
   * The line of the first row whose value is empty or only spaces and tabs ({@link
   * ColumnarSource#blank}), or 0 if none is: one row per line after the header, as this path reads
   * only files without quotes. Only the values are read unless one is blank.
   */
  private static long firstBlankLine(ResidentColumns.Utf8Texts dictionary, int[] codes) {
    boolean[][] blank = {null};
    dictionary.forEach(
        0,
        dictionary.size(),
        (code, bytes, from, length) -> {
          if (ColumnarSource.blank(bytes, from, length)) {
            if (blank[0] == null) {
              blank[0] = new boolean[dictionary.size()];
            }
            blank[0][code] = true;
          }
        });
    if (blank[0] == null) {
      return 0;
    }
    for (int r = 0; ; r++) {
      if (blank[0][codes[r]]) {
        return 2L + r; // line 1 is the header
      }
    }
  }

  private static boolean wholeNumbers(ColumnType type) {
    return switch (type) {
      case LONG, DATE, TIMESTAMP, BOOLEAN -> true;
      case DOUBLE, STRING -> false;
    };
  }

  /**
   * Whole-number column {@code c}, from its offsets as the ranges wrote them ({@code offsets}, each
   * range's from its own smallest value, or none where its values span 2^32 or more): when every
   * value lies within 2^32 of the smallest, those offsets moved in place to be from the smallest
   * ({@link ResidentColumns.NarrowLongs}, four bytes per row, as {@link ColumnarSource} keeps such
   * a column); else the values themselves. No array of eight bytes per row is made unless the
   * values need one.
   */
  private Object wholeNumberColumn(int c, int[] offsets, Range[] parsed) {
    long lo = Long.MAX_VALUE;
    long hi = Long.MIN_VALUE;
    boolean wide = false;
    for (Range r : parsed) {
      if (r.rows > 0) {
        lo = Math.min(lo, r.low[c]);
        hi = Math.max(hi, r.high[c]);
        wide |= r.wide[c] != null;
      }
    }
    if (offsets.length == 0) {
      return new long[0];
    }
    boolean narrow = !wide && ResidentColumns.NarrowLongs.fits(lo, hi);
    long smallest = lo;
    long[] values = narrow ? null : new long[offsets.length];
    Throwable failure =
        first(
            parallel(
                parsed.length,
                threads,
                (w, k) -> {
                  Range r = parsed[k];
                  if (r.rows == 0) {
                    return;
                  }
                  if (narrow) {
                    // v - smallest = (v - low) + (low - smallest) < 2^32: exact as unsigned.
                    int shift = (int) (r.low[c] - smallest);
                    if (shift != 0) {
                      for (int i = r.first; i < r.first + r.rows; i++) {
                        offsets[i] += shift;
                      }
                    }
                  } else if (r.wide[c] != null) {
                    System.arraycopy(r.wide[c], 0, values, r.first, r.rows);
                  } else {
                    for (int i = r.first; i < r.first + r.rows; i++) {
                      values[i] = ResidentColumns.NarrowLongs.value(r.low[c], offsets[i]);
                    }
                  }
                }));
    if (failure != null) {
      throw failed(failure);
    }
    return narrow ? new ResidentColumns.NarrowLongs(offsets, smallest) : values;
  }

  /**
   * The lines of {@code b[0, n)}: its line feeds, and an unterminated last line. Eight bytes a
   * step: a byte is a line feed where its XOR with one is zero.
   */
  static int countLines(byte[] b, int n) {
    int count = 0;
    int i = 0;
    for (; i + 8 <= n; i += 8) {
      long x = (long) LONGS.get(b, i) ^ NEWLINES;
      // The high bit of each byte of t is set unless the byte of x is zero.
      long t = ((x & ~HIGHS) + ~HIGHS) | x;
      count += Long.bitCount(~t & HIGHS);
    }
    for (; i < n; i++) {
      if (b[i] == '\n') {
        count++;
      }
    }
    return n > 0 && b[n - 1] != '\n' ? count + 1 : count;
  }

  /** A dictionary-encoded text column, or the first line whose text is not UTF-8. */
  private static final class Encoded {
    int[] codes;
    ResidentColumns.Utf8Texts dictionary;
    long invalidLine;
  }

  /** Dictionary-encodes text column {@code s}: each partition on its own, then the codes. */
  private Encoded encode(int s, Range[] parsed, Worker[] workers, int[] firstRow) {
    int rows = firstRow[parsed.length];
    int[][] local = new int[partitions][];
    byte[][] bytes = new byte[partitions][];
    int[][] starts = new int[partitions][];
    int[] invalid = new int[partitions];
    int used = rows < tuning.parallelRows() ? 1 : threads;
    Throwable failure =
        first(
            parallel(
                partitions,
                used,
                (w, p) -> {
                  interrupts.check();
                  Worker worker = workers[w];
                  int count = 0;
                  for (Range r : parsed) {
                    count += r.partCount[s][p];
                  }
                  int[] codes = new int[count];
                  PartitionDictionary d = worker.dictionary;
                  d.clear(count);
                  int k = 0;
                  for (Range r : parsed) {
                    byte[] data = r.data[s];
                    int at = r.partStart[s][p];
                    int end = r.partStart[s][p + 1];
                    while (at < end) {
                      int len = data[at++];
                      if (len < 0) {
                        len = longLength(data, at);
                        at += 4;
                      }
                      codes[k++] = d.code(data, at, len);
                      at += len;
                    }
                  }
                  local[p] = codes;
                  d.validate(worker.decoder);
                  bytes[p] = d.bytes();
                  starts[p] = d.starts();
                  invalid[p] = d.firstInvalid < 0 ? -1 : firstIndexOf(codes, d.firstInvalid);
                }));
    if (failure != null) {
      throw failed(failure);
    }
    Encoded out = new Encoded();
    for (int p = 0; p < partitions; p++) {
      if (invalid[p] >= 0) {
        long line = lineOf(parsed, s, p, invalid[p]);
        out.invalidLine = out.invalidLine == 0 ? line : Math.min(out.invalidLine, line);
      }
    }
    if (out.invalidLine > 0) {
      return out;
    }
    for (Range r : parsed) {
      r.data[s] = null;
    }
    // The column's dictionary is the partitions' one after another, as bytes (no String per
    // value): a row's code is its partition's first code plus its code in the partition.
    ResidentColumns.Utf8Texts dictionary = new ResidentColumns.Utf8Texts(bytes, starts);
    int[] base = new int[partitions];
    for (int p = 1; p < partitions; p++) {
      base[p] = base[p - 1] + starts[p - 1].length - 1;
    }
    // Each range's rows take their codes from the partitions' code lists in file order.
    int[][] cursors = new int[parsed.length][];
    int[] seen = new int[partitions];
    for (int r = 0; r < parsed.length; r++) {
      cursors[r] = seen.clone();
      for (int p = 0; p < partitions; p++) {
        seen[p] += parsed[r].partCount[s][p];
      }
    }
    int[] codes = new int[rows];
    failure =
        first(
            parallel(
                parsed.length,
                used,
                (w, r) -> {
                  interrupts.check();
                  byte[] part = parsed[r].part[s];
                  int[] cursor = cursors[r];
                  int at = firstRow[r];
                  for (int i = 0; i < parsed[r].rows; i++) {
                    int p = part[i] & 0xff;
                    codes[at + i] = base[p] + local[p][cursor[p]++];
                  }
                  parsed[r].part[s] = null;
                }));
    if (failure != null) {
      throw failed(failure);
    }
    out.codes = codes;
    out.dictionary = dictionary;
    return out;
  }

  private static int firstIndexOf(int[] a, int x) {
    for (int i = 0; i < a.length; i++) {
      if (a[i] == x) {
        return i;
      }
    }
    return -1;
  }

  /** The line of the {@code k}th value (from 0, in file order) of partition {@code p}. */
  private static long lineOf(Range[] parsed, int s, int p, int k) {
    long line = 2;
    for (Range r : parsed) {
      int n = r.partCount[s][p];
      if (k < n) {
        byte[] part = r.part[s];
        for (int i = 0; ; i++) {
          if ((part[i] & 0xff) == p && k-- == 0) {
            return line + i;
          }
        }
      }
      k -= n;
      line += r.rows;
    }
    throw new IllegalStateException("no such value");
  }

  /** The parsed rows of one range of lines of the file. */
  private final class Range {
    final int index;
    final byte[] kinds;
    final int[] columnOf;
    final int[] stringOf;

    /**
     * Per whole-number column: the offsets of its values from {@link #low}, written from {@link
     * #first} on (unless the values need {@link #wide}).
     */
    final int[][] offsets;

    /** Per whole-number column: the smallest and the largest value of the range's rows. */
    final long[] low;

    final long[] high;

    /** Per whole-number column: its values, where they span 2^32 or more; else null. */
    final long[][] wide;

    /** The DOUBLE columns of the source, written from {@link #first} on. */
    final double[][] doubles;

    final int first;

    /** The number of rows counted beforehand, and parsed. */
    final int expected;

    int rows;

    /** Per text column and row: the partition of its value. */
    final byte[][] part;

    /** Per text column: the values in partition order, each after its length. */
    final byte[][] data;

    /** Per text column and partition: where its values start in {@link #data}; then the end. */
    final int[][] partStart;

    /** Per text column and partition: how many values it has. */
    final int[][] partCount;

    Range(int index, int[] fieldToColumn, Object[] columns, int first, int expected) {
      this.index = index;
      this.first = first;
      this.expected = expected;
      int n = schema.columns().size();
      int strings = stringColumns.length;
      kinds = new byte[fieldToColumn.length];
      columnOf = fieldToColumn;
      stringOf = new int[fieldToColumn.length];
      int[] stringIndex = new int[n];
      for (int s = 0; s < strings; s++) {
        stringIndex[stringColumns[s]] = s;
      }
      for (int f = 0; f < fieldToColumn.length; f++) {
        int c = fieldToColumn[f];
        if (c >= 0) {
          kinds[f] =
              switch (schema.columns().get(c).type()) {
                case STRING -> STRING;
                case LONG -> LONG;
                case DOUBLE -> DOUBLE;
                case DATE, TIMESTAMP, BOOLEAN -> TIME_OR_BOOLEAN;
              };
          stringOf[f] = stringIndex[c];
        }
      }
      offsets = new int[n][];
      low = new long[n];
      high = new long[n];
      wide = new long[n][];
      doubles = new double[n][];
      for (int c = 0; c < n; c++) {
        if (columns[c] instanceof int[] o) {
          offsets[c] = o;
        } else if (columns[c] instanceof double[] d) {
          doubles[c] = d;
        }
      }
      part = new byte[strings][expected];
      data = new byte[strings][];
      partStart = new int[strings][];
      partCount = new int[strings][];
    }

    /** Parses the first {@code n} bytes of {@code worker}'s buffer, using its scratch positions. */
    void parse(Worker worker, int n) {
      byte[] b = worker.buffer;
      worker.scratchFor(expected);
      int[][] valueAt = worker.valueAt;
      int[][] valueLength = worker.valueLength;
      long[][] numbers = worker.numbers;
      int fields = kinds.length;
      int at = 0;
      while (at < n) {
        if (rows == expected) {
          throw new DataSourceException(name, "the file changed while being read", null);
        }
        int field = 0;
        int start = at;
        int i = at;
        while (true) {
          i = nextSpecial(b, i, n);
          byte x = i < n ? b[i] : 0;
          if (x == '"') {
            throw new Quoted();
          }
          boolean last = i == n || x == '\n';
          int end = last && i > start && b[i - 1] == '\r' ? i - 1 : i;
          if (field >= fields) {
            throw new Malformed(index, rows, "", "row has more fields than the header");
          }
          switch (kinds[field]) {
            case STRING -> {
              int s = stringOf[field];
              valueAt[s][rows] = start;
              valueLength[s][rows] = end - start;
              part[s][rows] = (byte) partition(hash(b, start, end - start));
            }
            case LONG -> numbers[columnOf[field]][rows] = parseLong(columnOf[field], b, start, end);
            case DOUBLE ->
                doubles[columnOf[field]][first + rows] =
                    parseDouble(columnOf[field], b, start, end);
            case TIME_OR_BOOLEAN ->
                numbers[columnOf[field]][rows] = parseText(columnOf[field], b, start, end);
            default -> {
              // A column the schema does not have: not read, but a CR (a line end to CsvSource)
              // or text that is not UTF-8 sends the file to the sequential parser, as it would be
              // read there.
              if (!PartitionDictionary.ascii(b, start, end - start)
                  || indexOf(b, start, end, (byte) '\r') >= 0) {
                throw new Quoted();
              }
            }
          }
          field++;
          i++;
          start = i;
          if (last) {
            break;
          }
        }
        if (field != fields) {
          throw new Malformed(index, rows, "", "row has fewer fields than the header");
        }
        rows++;
        at = i;
      }
      if (rows != expected) {
        throw new DataSourceException(name, "the file changed while being read", null);
      }
      for (int s = 0; s < stringColumns.length; s++) {
        partition(s, b, valueAt[s], valueLength[s]);
      }
      for (int c = 0; c < offsets.length; c++) {
        if (offsets[c] != null && rows > 0) {
          offsets(c, numbers[c]);
        }
      }
    }

    /**
     * Writes whole-number column {@code c}'s values ({@code values[0, rows)}) as offsets from their
     * smallest, or keeps a copy of them where they span 2^32 or more.
     */
    private void offsets(int c, long[] values) {
      long lo = values[0];
      long hi = lo;
      for (int r = 1; r < rows; r++) {
        lo = Math.min(lo, values[r]);
        hi = Math.max(hi, values[r]);
      }
      low[c] = lo;
      high[c] = hi;
      if (!ResidentColumns.NarrowLongs.fits(lo, hi)) {
        wide[c] = Arrays.copyOf(values, rows);
        return;
      }
      int[] out = offsets[c];
      for (int r = 0; r < rows; r++) {
        out[first + r] = (int) (values[r] - lo);
      }
    }

    /**
     * Copies the values of text column {@code s} into {@link #data}, in partition order: row {@code
     * r}'s value is {@code b[at[r], at[r] + lengths[r])}.
     */
    private void partition(int s, byte[] b, int[] at, int[] lengths) {
      byte[] parts = part[s];
      int[] count = new int[partitions];
      long[] bytes = new long[partitions + 1];
      for (int r = 0; r < rows; r++) {
        int p = parts[r] & 0xff;
        count[p]++;
        bytes[p + 1] += lengths[r] < 0x80 ? lengths[r] + 1 : lengths[r] + 5L;
      }
      for (int p = 0; p < partitions; p++) {
        bytes[p + 1] += bytes[p];
      }
      if (bytes[partitions] > MAX_ARRAY) {
        throw new DataSourceException(name, "reading failed (a line is too long)", null);
      }
      int[] start = new int[partitions + 1];
      for (int p = 0; p <= partitions; p++) {
        start[p] = (int) bytes[p];
      }
      byte[] out = new byte[start[partitions]];
      int[] next = Arrays.copyOf(start, partitions);
      for (int r = 0; r < rows; r++) {
        int p = parts[r] & 0xff;
        int len = lengths[r];
        int o = next[p];
        if (len < 0x80) {
          out[o++] = (byte) len;
        } else {
          // A long length: the byte 0x80, then the length in four bytes, lowest first.
          out[o] = (byte) 0x80;
          out[o + 1] = (byte) len;
          out[o + 2] = (byte) (len >>> 8);
          out[o + 3] = (byte) (len >>> 16);
          out[o + 4] = (byte) (len >>> 24);
          o += 5;
        }
        System.arraycopy(b, at[r], out, o, len);
        next[p] = o + len;
      }
      data[s] = out;
      partStart[s] = start;
      partCount[s] = count;
    }

    /** The partition of a value's hash: its top bits. */
    private int partition(long hash) {
      return (int) (hash >>> 56) >>> (8 - tuning.partitionBits());
    }

    private long parseLong(int c, byte[] b, int from, int to) {
      while (from < to && (b[from] == ' ' || b[from] == '\t')) {
        from++;
      }
      while (to > from && (b[to - 1] == ' ' || b[to - 1] == '\t')) {
        to--;
      }
      boolean negative = false;
      if (from < to && (b[from] == '-' || b[from] == '+')) {
        negative = b[from] == '-';
        from++;
      }
      if (from == to) {
        throw new Malformed(
            index, rows, schema.columns().get(c).name(), MalformedRowLog.NOT_A_WHOLE_NUMBER);
      }
      long v = 0;
      if (to - from <= 18) {
        // Up to 18 digits cannot overflow.
        for (int i = from; i < to; i++) {
          int d = b[i] - '0';
          if (d < 0 || d > 9) {
            throw new Malformed(
                index, rows, schema.columns().get(c).name(), MalformedRowLog.NOT_A_WHOLE_NUMBER);
          }
          v = v * 10 + d;
        }
        return negative ? -v : v;
      }
      for (int i = from; i < to; i++) {
        int d = b[i] - '0';
        if (d < 0 || d > 9) {
          throw new Malformed(
              index, rows, schema.columns().get(c).name(), MalformedRowLog.NOT_A_WHOLE_NUMBER);
        }
        // Accumulate negatively so that Long.MIN_VALUE parses too.
        if (v < (Long.MIN_VALUE + d) / 10) {
          throw new Malformed(
              index, rows, schema.columns().get(c).name(), MalformedRowLog.OUT_OF_LONG_RANGE);
        }
        v = v * 10 - d;
      }
      if (!negative) {
        if (v == Long.MIN_VALUE) {
          throw new Malformed(
              index, rows, schema.columns().get(c).name(), MalformedRowLog.OUT_OF_LONG_RANGE);
        }
        v = -v;
      }
      return v;
    }

    /** A DATE, TIMESTAMP or BOOLEAN field, read as {@link CsvScan} reads it. */
    private long parseText(int c, byte[] b, int from, int to) {
      while (from < to && (b[from] == ' ' || b[from] == '\t')) {
        from++;
      }
      while (to > from && (b[to - 1] == ' ' || b[to - 1] == '\t')) {
        to--;
      }
      if (from == to) {
        throw new Malformed(index, rows, schema.columns().get(c).name(), "empty value");
      }
      TypedValues.Parsed v =
          formats[c].parse(new String(b, from, to - from, StandardCharsets.UTF_8));
      if (!v.ok()) {
        throw new Malformed(index, rows, schema.columns().get(c).name(), v.reason());
      }
      return v.value();
    }

    private double parseDouble(int c, byte[] b, int from, int to) {
      while (from < to && (b[from] == ' ' || b[from] == '\t')) {
        from++;
      }
      while (to > from && (b[to - 1] == ' ' || b[to - 1] == '\t')) {
        to--;
      }
      if (from == to) {
        return Double.NaN;
      }
      try {
        return DecimalBytes.parse(b, from, to, StandardCharsets.ISO_8859_1);
      } catch (NumberFormatException e) {
        throw new Malformed(
            index, rows, schema.columns().get(c).name(), MalformedRowLog.NOT_A_DECIMAL_NUMBER);
      }
    }
  }

  private static int longLength(byte[] data, int at) {
    return (data[at] & 0xff)
        | (data[at + 1] & 0xff) << 8
        | (data[at + 2] & 0xff) << 16
        | (data[at + 3] & 0xff) << 24;
  }

  /**
   * A 64-bit hash of {@code len} bytes, well mixed in all bits: the top bits choose a partition,
   * the low bits a slot, and the bits between tell entries apart in a slot's neighbourhood.
   */
  static long hash(byte[] b, int from, int len) {
    long h = 0x9E3779B97F4A7C15L * (len + 1);
    int end = from + len;
    if (len >= 8) {
      int i = from;
      for (; i + 8 < end; i += 8) {
        h = Long.rotateLeft((h ^ (long) LONGS.get(b, i)) * 0xC2B2AE3D27D4EB4FL, 31);
      }
      // The last eight bytes, overlapping the word before if the length is not a multiple of 8.
      h = Long.rotateLeft((h ^ (long) LONGS.get(b, end - 8)) * 0xC2B2AE3D27D4EB4FL, 31);
    } else {
      long w = 0;
      for (int i = from; i < end; i++) {
        w = w << 8 | (b[i] & 0xff);
      }
      h = Long.rotateLeft((h ^ w) * 0xC2B2AE3D27D4EB4FL, 31);
    }
    h ^= h >>> 33;
    h *= 0xFF51AFD7ED558CCDL;
    h ^= h >>> 33;
    h *= 0xC4CEB9FE1A85EC53L;
    h ^= h >>> 33;
    return h;
  }

  private static final long ONES = 0x0101010101010101L;
  private static final long HIGHS = 0x8080808080808080L;
  private static final long COMMAS = ONES * ',';
  private static final long NEWLINES = ONES * '\n';
  private static final long QUOTES = ONES * '"';

  /** The first comma, line feed or quote in {@code b[i, n)}, or {@code n}; eight bytes a step. */
  static int nextSpecial(byte[] b, int i, int n) {
    for (; i + 8 <= n; i += 8) {
      long w = (long) LONGS.get(b, i);
      long found = zeroBytes(w ^ COMMAS) | zeroBytes(w ^ NEWLINES) | zeroBytes(w ^ QUOTES);
      if (found != 0) {
        // The lowest flagged byte is exact (flags above a zero byte may be false).
        return i + (Long.numberOfTrailingZeros(found) >>> 3);
      }
    }
    for (; i < n; i++) {
      byte x = b[i];
      if (x == ',' || x == '\n' || x == '"') {
        return i;
      }
    }
    return n;
  }

  /** The high bit of the lowest zero byte of {@code x} set, and maybe of bytes above it. */
  private static long zeroBytes(long x) {
    return (x - ONES) & ~x & HIGHS;
  }

  static boolean equal(byte[] a, int i, byte[] b, int j, int len) {
    if (len >= 8) {
      int k = 0;
      for (; k + 8 < len; k += 8) {
        if ((long) LONGS.get(a, i + k) != (long) LONGS.get(b, j + k)) {
          return false;
        }
      }
      return (long) LONGS.get(a, i + len - 8) == (long) LONGS.get(b, j + len - 8);
    }
    for (int k = 0; k < len; k++) {
      if (a[i + k] != b[j + k]) {
        return false;
      }
    }
    return true;
  }

  /**
   * The distinct values of one partition of a text column, in the order they first occur: open
   * addressing over slots that hold a tag of the value's hash and its code, so that a probe
   * compares bytes only when the tags agree; the bytes are stored once, one after another. Reused
   * by one thread for partition after partition.
   */
  private static final class PartitionDictionary {
    private long[] table = new long[16];
    private int mask = 15;
    private byte[] arena = new byte[1 << 12];
    private int[] starts = new int[64];
    private int size;
    private int last = 16;

    /** The code of the first value that is not UTF-8, or -1; set by {@link #validate}. */
    int firstInvalid = -1;

    /** Empties the dictionary for at most {@code values} new values. */
    void clear(int values) {
      // Sized for as many distinct values as the last partition had, the usual case.
      int expected = Math.max(16, Math.min(values, last + (last >> 2)));
      int slots = Integer.highestOneBit(expected * 2 - 1) * 2;
      if (slots > table.length || slots * 8 < table.length) {
        table = new long[slots];
      } else {
        Arrays.fill(table, 0);
      }
      mask = table.length - 1;
      size = 0;
      firstInvalid = -1;
    }

    int code(byte[] b, int from, int len) {
      long h = hash(b, from, len);
      int tag = (int) (h >>> 24);
      for (int i = (int) h & mask; ; i = (i + 1) & mask) {
        long slot = table[i];
        if (slot == 0) {
          return add(i, tag, b, from, len);
        }
        if ((int) (slot >>> 32) == tag) {
          int e = (int) slot - 1;
          int s = starts[e];
          if (starts[e + 1] - s == len && equal(arena, s, b, from, len)) {
            return e;
          }
        }
      }
    }

    private int add(int i, int tag, byte[] b, int from, int len) {
      if (size + 2 > starts.length) {
        starts = Arrays.copyOf(starts, starts.length * 2);
      }
      int used = starts[size];
      if ((long) used + len > arena.length) {
        long n = Math.max((long) used + len, arena.length * 2L);
        if (n > MAX_ARRAY) {
          throw new IllegalStateException("too many distinct bytes in one partition");
        }
        arena = Arrays.copyOf(arena, (int) n);
      }
      System.arraycopy(b, from, arena, used, len);
      starts[size + 1] = used + len;
      table[i] = (long) tag << 32 | (size + 1);
      size++;
      if (size * 2 > table.length) {
        rehash();
      }
      return size - 1;
    }

    private void rehash() {
      long[] t = new long[table.length * 2];
      int m = t.length - 1;
      for (long slot : table) {
        if (slot != 0) {
          int e = (int) slot - 1;
          int i = (int) hash(arena, starts[e], starts[e + 1] - starts[e]) & m;
          while (t[i] != 0) {
            i = (i + 1) & m;
          }
          t[i] = slot;
        }
      }
      table = t;
      mask = m;
    }

    /**
     * Sets {@link #firstInvalid} to the first value in code order that is not UTF-8 or holds a CR
     * (which CsvSource reads as a line end), if any.
     */
    void validate(CharsetDecoder decoder) {
      last = size;
      for (int e = 0; e < size; e++) {
        int s = starts[e];
        int len = starts[e + 1] - s;
        if (indexOf(arena, s, s + len, (byte) '\r') >= 0) {
          firstInvalid = e;
          return;
        }
        if (!ascii(arena, s, len)) {
          try {
            decoder.decode(ByteBuffer.wrap(arena, s, len));
          } catch (CharacterCodingException ex) {
            firstInvalid = e;
            return;
          }
        }
      }
    }

    /** The values' bytes, one after another in code order: a copy. */
    byte[] bytes() {
      return Arrays.copyOf(arena, starts[size]);
    }

    /** Where each value starts in {@link #bytes()}, then where the last ends: a copy. */
    int[] starts() {
      return Arrays.copyOf(starts, size + 1);
    }

    private static boolean ascii(byte[] b, int from, int len) {
      for (int i = from; i < from + len; i++) {
        if (b[i] < 0) {
          return false;
        }
      }
      return true;
    }
  }

  /** The slower path for files with quotes: the full parser, then dictionary encoding. */
  private ColumnarSource sequential() {
    CsvSource.Builder builder = CsvSource.builder(path, schema);
    patterns.forEach(builder::format);
    CsvSource csv = builder.build();
    List<Column> cols = schema.columns();
    int n = cols.size();
    Object[] acc = new Object[n];
    List<Map<String, Integer>> dicts = new ArrayList<>();
    for (int c = 0; c < n; c++) {
      acc[c] =
          switch (cols.get(c).type()) {
            case STRING -> new int[1024];
            case LONG, DATE, TIMESTAMP, BOOLEAN -> new long[1024];
            case DOUBLE -> new double[1024];
          };
      dicts.add(new HashMap<>());
    }
    int rows = 0;
    try (Scan scan = csv.scan(ScanRequest.of(schema.names()))) {
      interrupts.check();
      for (Optional<ColumnBatch> next = scan.next(); next.isPresent(); next = scan.next()) {
        ColumnBatch batch = next.get();
        interrupts.check();
        int k = batch.rowCount();
        for (int c = 0; c < n; c++) {
          switch (cols.get(c).type()) {
            case STRING -> {
              int[] a = grow((int[]) acc[c], rows + k);
              String[] s = batch.strings(c);
              Map<String, Integer> d = dicts.get(c);
              for (int r = 0; r < k; r++) {
                Integer code = d.putIfAbsent(s[r], d.size());
                a[rows + r] = code == null ? d.size() - 1 : code;
              }
              acc[c] = a;
            }
            case LONG, DATE, TIMESTAMP, BOOLEAN -> {
              long[] a = (long[]) acc[c];
              if (a.length < rows + k) {
                a = Arrays.copyOf(a, Math.max(rows + k, a.length * 2));
              }
              System.arraycopy(batch.longs(c), 0, a, rows, k);
              acc[c] = a;
            }
            case DOUBLE -> {
              double[] a = (double[]) acc[c];
              if (a.length < rows + k) {
                a = Arrays.copyOf(a, Math.max(rows + k, a.length * 2));
              }
              System.arraycopy(batch.doubles(c), 0, a, rows, k);
              acc[c] = a;
            }
          }
        }
        rows += k;
        // Ranges parsed before a quote sent the reader here were reported already: the rows read
        // grow to the file's rows, not beyond.
        long ahead = rows - reported.get();
        if (ahead > 0) {
          reported.addAndGet(ahead);
          interrupts.rowsRead(ahead);
        }
      }
    }
    ColumnarSource.Builder b = ColumnarSource.builder(name, schema, rows);
    long[] blankLines = new long[n];
    for (int c = 0; c < n; c++) {
      String col = cols.get(c).name();
      switch (cols.get(c).type()) {
        case STRING -> {
          String[] dict = new String[dicts.get(c).size()];
          dicts.get(c).forEach((s, code) -> dict[code] = s);
          b.strings(col, dict, Arrays.copyOf((int[]) acc[c], rows));
          for (String v : dict) {
            if (ColumnarSource.blank(v)) {
              blankLines[c] = firstBlankLine(csv, col);
              break;
            }
          }
        }
        case LONG, DATE, TIMESTAMP, BOOLEAN -> b.longs(col, Arrays.copyOf((long[]) acc[c], rows));
        case DOUBLE -> b.doubles(col, Arrays.copyOf((double[]) acc[c], rows));
      }
    }
    return b.build().readFromCsv(identity, blankLines);
  }

  /**
   * The line where the first record with an empty or blank value of {@code column} starts, as
   * {@code csv} reports it when that column must not be empty (records may span lines here).
   */
  private long firstBlankLine(CsvSource csv, String column) {
    try (Scan scan =
        csv.scan(
            new ScanRequest(
                List.of(column), Set.of(column), List.of(), ScanRequest.DEFAULT_BATCH_SIZE))) {
      while (scan.next().isPresent()) {
        interrupts.check();
      }
    } catch (DataSourceException e) {
      if (e.column().equals(column) && e.line().isPresent()) {
        return e.line().getAsLong();
      }
      throw e;
    }
    throw new DataSourceException(name, "the file changed while being read", null);
  }

  private static int[] grow(int[] a, int n) {
    return a.length >= n ? a : Arrays.copyOf(a, Math.max(n, a.length * 2));
  }
}
