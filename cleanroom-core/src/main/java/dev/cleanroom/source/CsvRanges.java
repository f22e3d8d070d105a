package dev.cleanroom.source;

import com.google.common.util.concurrent.Uninterruptibles;
import dev.cleanroom.Column;
import dev.cleanroom.ColumnType;
import dev.cleanroom.internal.source.MalformedRowLog;
import dev.cleanroom.internal.value.TypedValues;
import java.io.IOException;
import java.io.InputStream;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.Charset;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The body of a CSV file read for a {@link CsvScan} in ranges of lines, parsed straight from bytes
 * on helper threads ahead of the scan, and handed over in file order.
 *
 * <p>The body is split at line feeds into ranges of about a megabyte. Helper threads take the
 * ranges in file order, at most a few ahead of the one the scan reads, so memory stays bounded by
 * those ranges whatever the file's size. Each range is parsed into batches of rows with the values
 * and checks of {@link CsvScan}: the same values, the same malformed rows with the same lines,
 * columns and reasons. Numbers are parsed from the bytes without a {@code String} where their
 * digits make that exact (at most 15 significant digits and 15 after the point); other numbers go
 * through {@link Double#parseDouble} as before.
 *
 * <p>A range is parsed only if it is plain: no quote, no carriage return other than before a line
 * feed, and valid UTF-8. Then its physical lines are its records. The first range that is not plain
 * is marked, and the scan reads on from its start with the sequential RFC 4180 parser, which
 * reports what the range holds (invalid UTF-8 with its line, quoting problems) exactly as for a
 * file read by that parser alone.
 *
 * <p>Used by one scan; {@link #close()} stops the helpers and waits for them.
 */
final class CsvRanges implements AutoCloseable {
  private static final VarHandle LONGS =
      MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
  private static final long ONES = 0x0101010101010101L;
  private static final long HIGHS = 0x8080808080808080L;
  private static final long NEWLINES = ONES * '\n';
  private static final long QUOTES = ONES * '"';
  private static final long RETURNS = ONES * '\r';

  /** Of the header line, at most this many bytes are looked at to find where the body starts. */
  private static final int MAX_HEADER_BYTES = 1 << 20;

  /**
   * How the body is read: in ranges of about {@code rangeBytes}, by {@code threads} helper threads
   * (0 parses on the scan's thread), each at most {@code ahead} ranges ahead of the scan. Tests use
   * tiny ranges to cover many of them in small files.
   */
  record Tuning(int rangeBytes, int threads, int ahead) {
    Tuning {
      if (rangeBytes < 1 || threads < 0 || ahead < 1) {
        throw new IllegalArgumentException("bad tuning");
      }
    }

    static Tuning defaults() {
      int cores = Math.max(1, Runtime.getRuntime().availableProcessors());
      return new Tuning(1 << 20, cores, 2 * cores + 2);
    }
  }

  /** A malformed row of a range: its record (from 0 in the range), column and reason. */
  record Bad(int record, String column, String problem) {}

  /** One parsed range: its batches, its records, and its malformed rows in file order. */
  static final class Chunk {
    final List<Object[]> batches = new ArrayList<>();
    final List<Integer> batchRows = new ArrayList<>();
    final List<Bad> bad = new ArrayList<>();

    /** The records (physical lines) of the range, malformed ones included. */
    int records;

    /** The range is not plain: it must be read by the sequential parser from its start. */
    boolean notPlain;

    /** Why the range could not be read, thrown when the scan reaches it. */
    Throwable failure;
  }

  private final String fileName;
  private final FileChannel channel;
  private final byte delimiter;
  private final long delimiters;
  private final int headerFields;
  private final boolean skip;
  private final int batchSize;
  private final String[] names;
  private final ColumnType[] types;
  private final TypedValues.TextFormat[] formats;
  private final int[] fieldOf;
  private final boolean[] nonEmpty;
  private final int[] extraFields;
  private final String[] extraNames;
  private final Tuning tuning;

  /** The starts of the ranges, then the end of the body. */
  private final long[] bounds;

  private final Chunk[] chunks;
  private final Thread[] helpers;

  // Guarded by this.
  private int nextJob;
  private int taken;
  private boolean closed;

  private CsvRanges(
      String fileName,
      FileChannel channel,
      long bodyStart,
      char delimiter,
      int headerFields,
      boolean skip,
      int batchSize,
      List<Column> columns,
      TypedValues.TextFormat[] formats,
      int[] fieldOf,
      boolean[] nonEmpty,
      int[] extraFields,
      String[] extraNames,
      Tuning tuning)
      throws IOException {
    this.fileName = fileName;
    this.channel = channel;
    this.delimiter = (byte) delimiter;
    this.delimiters = ONES * (delimiter & 0xff);
    this.headerFields = headerFields;
    this.skip = skip;
    this.batchSize = batchSize;
    int n = columns.size();
    this.names = new String[n];
    this.types = new ColumnType[n];
    this.formats = formats;
    for (int i = 0; i < n; i++) {
      names[i] = columns.get(i).name();
      types[i] = columns.get(i).type();
    }
    this.fieldOf = fieldOf;
    this.nonEmpty = nonEmpty;
    this.extraFields = extraFields;
    this.extraNames = extraNames;
    this.tuning = tuning;
    this.bounds = split(channel, bodyStart, channel.size(), tuning.rangeBytes());
    int ranges = bounds.length - 1;
    this.chunks = new Chunk[ranges];
    int threads = Math.min(tuning.threads(), ranges > 1 ? ranges : 0);
    this.helpers = new Thread[threads];
    for (int t = 0; t < threads; t++) {
      helpers[t] = new Thread(this::help, "cleanroom-csv-scan-" + (t + 1));
      helpers[t].setDaemon(true);
    }
    for (Thread h : helpers) {
      h.start();
    }
  }

  /**
   * Where the body of the file starts, after the header line, if the file can be read in ranges; -1
   * if not: the delimiter is not ASCII, the header holds a quote or a carriage return other than
   * before its line feed, or no line feed ends it within the first megabyte.
   */
  static long bodyStart(Path path, char delimiter) throws IOException {
    if (delimiter >= 0x80) {
      return -1;
    }
    byte[] head;
    try (InputStream in = Files.newInputStream(path)) {
      head = in.readNBytes(MAX_HEADER_BYTES);
    }
    int start =
        head.length >= 3
                && (head[0] & 0xff) == 0xEF
                && (head[1] & 0xff) == 0xBB
                && (head[2] & 0xff) == 0xBF
            ? 3
            : 0;
    for (int i = start; i < head.length; i++) {
      byte b = head[i];
      if (b == '\n') {
        return i + 1L;
      }
      if (b == '"' || (b == '\r' && (i + 1 == head.length || head[i + 1] != '\n'))) {
        return -1;
      }
    }
    return -1;
  }

  /**
   * Starts reading the body of {@code path} from {@code bodyStart}.
   *
   * @param columns the requested columns; {@code fieldOf} gives the header position of each
   * @param extraFields header positions of other columns whose values must not be empty
   */
  static CsvRanges open(
      Path path,
      String fileName,
      long bodyStart,
      char delimiter,
      int headerFields,
      boolean skip,
      int batchSize,
      List<Column> columns,
      TypedValues.TextFormat[] formats,
      int[] fieldOf,
      boolean[] nonEmpty,
      int[] extraFields,
      String[] extraNames,
      Tuning tuning)
      throws IOException {
    FileChannel channel = FileChannel.open(path, StandardOpenOption.READ);
    try {
      return new CsvRanges(
          fileName,
          channel,
          bodyStart,
          delimiter,
          headerFields,
          skip,
          batchSize,
          columns,
          formats,
          fieldOf,
          nonEmpty,
          extraFields,
          extraNames,
          tuning);
    } catch (IOException | RuntimeException e) {
      channel.close();
      throw e;
    }
  }

  /** The number of ranges. */
  int ranges() {
    return bounds.length - 1;
  }

  /** Where range {@code r} starts in the file. */
  long start(int r) {
    return bounds[r];
  }

  /**
   * Range {@code r}, parsed; waits for a helper if needed. Ranges are taken in order, each once.
   */
  Chunk take(int r) {
    if (helpers.length == 0) {
      return parse(r);
    }
    boolean interrupted = false;
    try {
      synchronized (this) {
        while (chunks[r] == null) {
          try {
            wait();
          } catch (InterruptedException e) {
            interrupted = true;
          }
        }
        Chunk c = chunks[r];
        chunks[r] = null;
        taken = r + 1;
        notifyAll();
        return c;
      }
    } finally {
      if (interrupted) {
        Thread.currentThread().interrupt();
      }
    }
  }

  /** Stops the helpers, waits for them and closes the file; safe to call more than once. */
  @Override
  public void close() throws IOException {
    synchronized (this) {
      if (closed) {
        return;
      }
      closed = true;
      notifyAll();
    }
    for (Thread h : helpers) {
      Uninterruptibles.joinUninterruptibly(h);
    }
    channel.close();
  }

  private synchronized boolean stopped() {
    return closed;
  }

  /** A helper's loop: takes the next range while it is not too far ahead of the scan. */
  private void help() {
    byte[] buffer = new byte[0];
    while (true) {
      int r;
      synchronized (this) {
        while (!closed && nextJob < chunks.length && nextJob >= taken + tuning.ahead()) {
          try {
            wait();
          } catch (InterruptedException e) {
            // Only close() ends a helper.
          }
        }
        if (closed || nextJob >= chunks.length) {
          return;
        }
        r = nextJob++;
      }
      Chunk c;
      try {
        long n = bounds[r + 1] - bounds[r];
        if (buffer.length < n && n <= CsvSource.MAX_RECORD_CHARS) {
          buffer = new byte[(int) n];
        }
        c = parse(r, buffer);
      } catch (Throwable t) {
        c = new Chunk();
        c.failure = t;
      }
      synchronized (this) {
        chunks[r] = c;
        notifyAll();
      }
    }
  }

  private Chunk parse(int r) {
    try {
      long n = bounds[r + 1] - bounds[r];
      return parse(r, new byte[n > CsvSource.MAX_RECORD_CHARS ? 0 : (int) n]);
    } catch (IOException | RuntimeException e) {
      Chunk c = new Chunk();
      c.failure = e;
      return c;
    }
  }

  private Chunk parse(int r, byte[] b) throws IOException {
    Chunk c = new Chunk();
    if (bounds[r + 1] - bounds[r] > CsvSource.MAX_RECORD_CHARS) {
      // A line this long: the sequential parser knows how to refuse it.
      c.notPlain = true;
      return c;
    }
    int n = (int) (bounds[r + 1] - bounds[r]);
    ByteBuffer bb = ByteBuffer.wrap(b, 0, n);
    while (bb.hasRemaining()) {
      if (channel.read(bb, bounds[r] + bb.position()) < 0) {
        throw new IOException("unexpected end of file");
      }
    }
    Charset charset = plain(b, n);
    if (charset == null) {
      c.notPlain = true;
      return c;
    }
    new RangeParser(c, b, n, charset).run();
    return c;
  }

  /**
   * The charset to decode a range's text with, or null if the range is not plain: it holds a quote,
   * a carriage return not followed by a line feed, or invalid UTF-8.
   */
  private static Charset plain(byte[] b, int n) {
    long high = 0;
    int i = 0;
    for (; i + 8 <= n; i += 8) {
      long w = (long) LONGS.get(b, i);
      high |= w;
      if ((zeroBytes(w ^ QUOTES) | zeroBytes(w ^ RETURNS)) != 0) {
        break;
      }
    }
    for (; i < n; i++) {
      byte x = b[i];
      high |= x & 0xff;
      if (x == '"' || (x == '\r' && (i + 1 == n || b[i + 1] != '\n'))) {
        return null;
      }
    }
    if ((high & HIGHS) == 0) {
      return StandardCharsets.ISO_8859_1; // ASCII: the same characters, decoded faster
    }
    try {
      StandardCharsets.UTF_8
          .newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT)
          .decode(ByteBuffer.wrap(b, 0, n));
      return StandardCharsets.UTF_8;
    } catch (CharacterCodingException e) {
      return null;
    }
  }

  /** Parses the records of one plain range into batches, with {@link CsvScan}'s checks. */
  private final class RangeParser {
    private final Chunk chunk;
    private final byte[] b;
    private final int n;
    private final Charset charset;
    private final int[] starts = new int[headerFields];
    private final int[] ends = new int[headerFields];
    private Object[] arrays;
    private int capacity;
    private int rows;

    RangeParser(Chunk chunk, byte[] b, int n, Charset charset) {
      this.chunk = chunk;
      this.b = b;
      this.n = n;
      this.charset = charset;
    }

    void run() {
      int at = 0;
      int record = 0;
      while (at < n) {
        if ((record & 4095) == 4095 && stopped()) {
          return;
        }
        int fields = 0;
        int start = at;
        int i = at;
        while (true) {
          i = nextSpecial(i);
          boolean last = i == n || b[i] == '\n';
          int end = last && i > start && b[i - 1] == '\r' ? i - 1 : i;
          if (fields < headerFields) {
            starts[fields] = start;
            ends[fields] = end;
          }
          fields++;
          i++;
          start = i;
          if (last) {
            break;
          }
        }
        at = i;
        if (arrays == null) {
          arrays = new Object[types.length];
          capacity = Math.min(batchSize, 1024);
          for (int k = 0; k < types.length; k++) {
            arrays[k] =
                switch (types[k]) {
                  case STRING -> new String[capacity];
                  case LONG, DATE, TIMESTAMP, BOOLEAN -> new long[capacity];
                  case DOUBLE -> new double[capacity];
                };
          }
        } else if (rows == capacity) {
          capacity = (int) Math.min(batchSize, 2L * capacity);
          for (int k = 0; k < types.length; k++) {
            arrays[k] =
                switch (types[k]) {
                  case STRING -> Arrays.copyOf((String[]) arrays[k], capacity);
                  case LONG, DATE, TIMESTAMP, BOOLEAN ->
                      Arrays.copyOf((long[]) arrays[k], capacity);
                  case DOUBLE -> Arrays.copyOf((double[]) arrays[k], capacity);
                };
          }
        }
        String problem = row(record, fields);
        if (problem != null && !skip) {
          // The scan fails at this row: nothing after it is needed.
          break;
        }
        if (problem == null && ++rows == batchSize) {
          flush();
        }
        record++;
      }
      chunk.records = record;
      flush();
    }

    private void flush() {
      if (rows > 0) {
        chunk.batches.add(arrays);
        chunk.batchRows.add(rows);
        arrays = null;
        rows = 0;
      }
    }

    /** The first comma (or delimiter) or line feed in {@code b[i, n)}, or {@code n}. */
    private int nextSpecial(int i) {
      for (; i + 8 <= n; i += 8) {
        long w = (long) LONGS.get(b, i);
        long found = zeroBytes(w ^ delimiters) | zeroBytes(w ^ NEWLINES);
        if (found != 0) {
          // The lowest flagged byte is exact (flags above a zero byte may be false).
          return i + (Long.numberOfTrailingZeros(found) >>> 3);
        }
      }
      for (; i < n; i++) {
        byte x = b[i];
        if (x == delimiter || x == '\n') {
          return i;
        }
      }
      return n;
    }

    /** Reads record {@code record} into row {@link #rows}; its problem, noted, or null. */
    private String row(int record, int fields) {
      if (fields != headerFields) {
        return bad(record, "", "expected " + headerFields + " fields, found " + fields);
      }
      for (int k = 0; k < extraFields.length; k++) {
        int f = extraFields[k];
        int s = trimStart(starts[f], ends[f]);
        if (s == trimEnd(s, ends[f])) {
          return bad(record, extraNames[k], "empty value");
        }
      }
      for (int k = 0; k < fieldOf.length; k++) {
        int f = fieldOf[k];
        int start = starts[f];
        int end = ends[f];
        int s = trimStart(start, end);
        int e = trimEnd(s, end);
        if (s == e && nonEmpty[k]) {
          return bad(record, names[k], "empty value");
        }
        switch (types[k]) {
          case STRING -> ((String[]) arrays[k])[rows] = new String(b, start, end - start, charset);
          case LONG -> {
            if (s == e) {
              return bad(record, names[k], "empty value");
            }
            String problem = parseLong(s, e, (long[]) arrays[k]);
            if (problem != null) {
              return bad(record, names[k], problem);
            }
          }
          case DATE, TIMESTAMP, BOOLEAN -> {
            if (s == e) {
              return bad(record, names[k], "empty value");
            }
            TypedValues.Parsed v = formats[k].parse(new String(b, s, e - s, charset));
            if (!v.ok()) {
              return bad(record, names[k], v.reason());
            }
            ((long[]) arrays[k])[rows] = v.value();
          }
          case DOUBLE -> {
            if (s == e) {
              ((double[]) arrays[k])[rows] = Double.NaN;
            } else if (!parseDouble(s, e, (double[]) arrays[k])) {
              return bad(record, names[k], MalformedRowLog.NOT_A_DECIMAL_NUMBER);
            }
          }
        }
      }
      return null;
    }

    private String bad(int record, String column, String problem) {
      chunk.bad.add(new Bad(record, column, problem));
      return problem;
    }

    /**
     * Parses {@code b[s, e)} (not empty, trimmed) as {@link Long#parseLong} would after {@link
     * CsvScan}'s check for an optional sign and ASCII digits, into row {@link #rows} of {@code
     * out}; the problem, or null.
     */
    private String parseLong(int s, int e, long[] out) {
      int i = s;
      boolean negative = false;
      if (b[i] == '-' || b[i] == '+') {
        negative = b[i] == '-';
        i++;
      }
      if (i == e) {
        return MalformedRowLog.NOT_A_WHOLE_NUMBER;
      }
      // Accumulated negatively, so that Long.MIN_VALUE parses too.
      long v = 0;
      boolean overflow = false;
      for (; i < e; i++) {
        int d = b[i] - '0';
        if (d < 0 || d > 9) {
          return MalformedRowLog.NOT_A_WHOLE_NUMBER;
        }
        if (v < (Long.MIN_VALUE + d) / 10) {
          overflow = true;
        }
        v = v * 10 - d;
      }
      if (overflow || (!negative && v == Long.MIN_VALUE)) {
        return MalformedRowLog.OUT_OF_LONG_RANGE;
      }
      out[rows] = negative ? v : -v;
      return null;
    }

    /**
     * Parses {@code b[s, e)} (not empty, trimmed) as {@link CsvScan} does, into row {@link #rows}
     * of {@code out}; false if it is not a decimal number.
     */
    private boolean parseDouble(int s, int e, double[] out) {
      try {
        out[rows] = DecimalBytes.parse(b, s, e, charset);
        return true;
      } catch (NumberFormatException ex) {
        return false;
      }
    }

    private int trimStart(int s, int e) {
      while (s < e && (b[s] == ' ' || b[s] == '\t')) {
        s++;
      }
      return s;
    }

    private int trimEnd(int s, int e) {
      while (e > s && (b[e - 1] == ' ' || b[e - 1] == '\t')) {
        e--;
      }
      return e;
    }
  }

  /** The high bit of the lowest zero byte of {@code x} set, and maybe of bytes above it. */
  private static long zeroBytes(long x) {
    return (x - ONES) & ~x & HIGHS;
  }

  /** The starts of the ranges of lines of the body, and its end; at least one range. */
  private static long[] split(FileChannel ch, long bodyStart, long size, int rangeBytes)
      throws IOException {
    List<Long> starts = new ArrayList<>();
    starts.add(bodyStart);
    long at = bodyStart;
    byte[] buf = new byte[1 << 16];
    while (size - at > rangeBytes) {
      long next = lineStartAfter(ch, at + rangeBytes, size, buf);
      if (next >= size) {
        break;
      }
      starts.add(next);
      at = next;
    }
    long[] bounds = new long[starts.size() + 1];
    for (int i = 0; i < starts.size(); i++) {
      bounds[i] = starts.get(i);
    }
    bounds[starts.size()] = size;
    return bounds;
  }

  /** The start of the first line that starts after {@code pos - 1}, or {@code size}. */
  private static long lineStartAfter(FileChannel ch, long pos, long size, byte[] buf)
      throws IOException {
    long p = pos - 1;
    while (p < size) {
      int n = (int) Math.min(buf.length, size - p);
      ByteBuffer bb = ByteBuffer.wrap(buf, 0, n);
      while (bb.hasRemaining()) {
        if (ch.read(bb, p + bb.position()) < 0) {
          throw new IOException("unexpected end of file");
        }
      }
      for (int i = 0; i < n; i++) {
        if (buf[i] == '\n') {
          return p + i + 1;
        }
      }
      p += n;
    }
    return size;
  }

  @Override
  public String toString() {
    return "CsvRanges[" + fileName + ", " + ranges() + " ranges]";
  }
}
