package dev.cleanroom.source;

import dev.cleanroom.Column;
import dev.cleanroom.DataSourceException;
import dev.cleanroom.Schema;
import dev.cleanroom.spi.ColumnBatch;
import dev.cleanroom.spi.Scan;
import dev.cleanroom.spi.ScanRequest;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.CharacterCodingException;
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
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

/**
 * Reads a CSV file into a {@link ColumnarSource}: the file's bytes are split into one chunk per
 * core at line ends, and each chunk is parsed in parallel straight from bytes (numbers without
 * {@code String}s, text into a per-chunk dictionary that keeps each distinct value's bytes once);
 * the chunks' dictionaries are then merged. A file with a quote character anywhere is read by the
 * sequential RFC 4180 parser of {@link CsvSource} instead, since a quoted line break makes line
 * ends ambiguous for a split. Values and errors follow {@link CsvSource}; messages never hold a
 * value.
 */
final class CsvColumnarReader {
  private static final int BLOCK = 1 << 22;

  private final String name;
  private final Path path;
  private final Schema schema;

  private CsvColumnarReader(String name, Path path, Schema schema) {
    this.name = name;
    this.path = path;
    this.schema = schema;
  }

  static ColumnarSource read(String name, Path path, Schema schema) {
    return new CsvColumnarReader(name, path, schema).read();
  }

  /** A value of a row could not be parsed; the reader fails with its line. */
  private static final class Malformed extends RuntimeException {
    private static final long serialVersionUID = 1L;
    final long localLine;
    final String column;

    Malformed(long localLine, String column, String problem) {
      super(problem, null, false, false);
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
      readFully(ch, 0, head, head.length);
      int start = 0;
      if (head.length >= 3 && (head[0] & 0xff) == 0xEF && (head[1] & 0xff) == 0xBB) {
        start = 3;
      }
      int eol = indexOf(head, start, head.length, (byte) '\n');
      if (eol < 0 && size > head.length) {
        return sequential();
      }
      int headerEnd = eol < 0 ? head.length : eol;
      String header = decode(head, start, headerEnd, 1);
      if (header.indexOf('"') >= 0) {
        return sequential();
      }
      if (header.endsWith("\r")) {
        header = header.substring(0, header.length() - 1);
      }
      int[] fieldToColumn = mapHeader(header);
      long bodyStart = eol < 0 ? size : eol + 1L;
      int parts = Math.max(1, Runtime.getRuntime().availableProcessors());
      long[] bounds = new long[parts + 1];
      bounds[0] = bodyStart;
      bounds[parts] = size;
      for (int p = 1; p < parts; p++) {
        long guess = Math.max(bounds[p - 1], bodyStart + (size - bodyStart) * p / parts);
        bounds[p] = lineStartAtOrAfter(ch, guess, size);
      }
      List<CompletableFuture<Chunk>> futures = new ArrayList<>();
      for (int p = 0; p < parts; p++) {
        long from = bounds[p];
        long to = bounds[p + 1];
        futures.add(
            CompletableFuture.supplyAsync(
                () -> {
                  Chunk c = new Chunk(fieldToColumn);
                  c.parse(ch, from, to);
                  return c;
                }));
      }
      List<Chunk> chunks = new ArrayList<>();
      RuntimeException failure = null;
      for (CompletableFuture<Chunk> f : futures) {
        try {
          chunks.add(f.join());
        } catch (CompletionException e) {
          if (e.getCause() instanceof RuntimeException re && failure == null) {
            failure = re;
          } else if (!(e.getCause() instanceof RuntimeException)) {
            throw new DataSourceException(name, "reading failed", null);
          }
          chunks.add(null);
        }
      }
      if (failure instanceof Quoted) {
        return sequential();
      }
      if (failure instanceof Malformed m) {
        throw malformed(chunks, m);
      }
      if (failure instanceof DataSourceException d) {
        throw d;
      }
      if (failure != null) {
        throw new DataSourceException(
            name, "reading failed (" + failure.getClass().getSimpleName() + ")", null);
      }
      return assemble(chunks);
    } catch (IOException e) {
      throw CsvSource.cannotRead(name, e);
    }
  }

  private DataSourceException malformed(List<Chunk> chunks, Malformed m) {
    // Line 1 is the header; the failing chunk's lines follow those of the chunks before it.
    long line = 2;
    for (Chunk c : chunks) {
      if (c == null) {
        break;
      }
      line += c.rows;
    }
    return new DataSourceException(name, line + m.localLine, m.column, m.getMessage(), null);
  }

  private int[] mapHeader(String header) {
    String[] fields = header.split(",", -1);
    int[] map = new int[fields.length];
    Arrays.fill(map, -1);
    boolean[] seen = new boolean[schema.columns().size()];
    for (int f = 0; f < fields.length; f++) {
      int c = schema.indexOf(fields[f].strip());
      if (c >= 0) {
        if (seen[c]) {
          throw new DataSourceException(
              name, 1, fields[f].strip(), "header names the column twice", null);
        }
        seen[c] = true;
        map[f] = c;
      }
    }
    for (int c = 0; c < seen.length; c++) {
      if (!seen[c]) {
        throw new DataSourceException(
            name, 1, schema.columns().get(c).name(), "header lacks the column", null);
      }
    }
    return map;
  }

  private String decode(byte[] b, int from, int to, long line) {
    try {
      return StandardCharsets.UTF_8
          .newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT)
          .decode(ByteBuffer.wrap(b, from, to - from))
          .toString();
    } catch (CharacterCodingException e) {
      throw new DataSourceException(name, line, "", "invalid UTF-8", null);
    }
  }

  private static long lineStartAtOrAfter(FileChannel ch, long pos, long size) throws IOException {
    byte[] buf = new byte[1 << 16];
    long p = pos - 1;
    while (p < size) {
      int n = (int) Math.min(buf.length, size - p);
      readFully(ch, p, buf, n);
      int i = indexOf(buf, 0, n, (byte) '\n');
      if (i >= 0) {
        return p + i + 1;
      }
      p += n;
    }
    return size;
  }

  private static void readFully(FileChannel ch, long pos, byte[] buf, int n) throws IOException {
    ByteBuffer bb = ByteBuffer.wrap(buf, 0, n);
    while (bb.hasRemaining()) {
      if (ch.read(bb, pos + bb.position()) < 0) {
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

  private ColumnarSource assemble(List<Chunk> chunks) {
    long total = 0;
    for (Chunk c : chunks) {
      total += c.rows;
    }
    if (total > Integer.MAX_VALUE - 8) {
      throw new DataSourceException(name, "too many rows for one columnar source", null);
    }
    int rows = (int) total;
    List<Column> cols = schema.columns();
    Object[] columns = new Object[cols.size()];
    String[][] dictionaries = new String[cols.size()][];
    for (int c = 0; c < cols.size(); c++) {
      switch (cols.get(c).type()) {
        case LONG -> {
          long[] all = new long[rows];
          int at = 0;
          for (Chunk ch : chunks) {
            System.arraycopy(ch.longs[c], 0, all, at, ch.rows);
            ch.longs[c] = null;
            at += ch.rows;
          }
          columns[c] = all;
        }
        case DOUBLE -> {
          double[] all = new double[rows];
          int at = 0;
          for (Chunk ch : chunks) {
            System.arraycopy(ch.doubles[c], 0, all, at, ch.rows);
            ch.doubles[c] = null;
            at += ch.rows;
          }
          columns[c] = all;
        }
        case STRING -> {
          Map<String, Integer> global = new HashMap<>();
          List<String> values = new ArrayList<>();
          int[] codes = new int[rows];
          int at = 0;
          long line = 2;
          for (Chunk ch : chunks) {
            ByteDictionary d = ch.dictionaries[c];
            int[] remap = new int[d.size];
            for (int e = 0; e < d.size; e++) {
              String s = decode(d.arena, d.offsets[e], d.offsets[e] + d.lengths[e], line);
              Integer g = global.putIfAbsent(s, values.size());
              if (g == null) {
                remap[e] = values.size();
                values.add(s);
              } else {
                remap[e] = g;
              }
            }
            ch.dictionaries[c] = null;
            int[] local = ch.codes[c];
            for (int r = 0; r < ch.rows; r++) {
              codes[at + r] = remap[local[r]];
            }
            ch.codes[c] = null;
            at += ch.rows;
            line += ch.rows;
          }
          columns[c] = codes;
          dictionaries[c] = values.toArray(new String[0]);
        }
      }
    }
    // The arrays are fresh and complete: handed over without the builder's defensive copies.
    return ColumnarSource.adopt(name, schema, rows, columns, dictionaries);
  }

  /** The slower path for files with quotes: the full parser, then dictionary encoding. */
  private ColumnarSource sequential() {
    CsvSource csv = CsvSource.of(path, schema);
    List<Column> cols = schema.columns();
    int n = cols.size();
    Object[] acc = new Object[n];
    List<Map<String, Integer>> dicts = new ArrayList<>();
    for (int c = 0; c < n; c++) {
      acc[c] =
          switch (cols.get(c).type()) {
            case STRING -> new int[1024];
            case LONG -> new long[1024];
            case DOUBLE -> new double[1024];
          };
      dicts.add(new HashMap<>());
    }
    int rows = 0;
    try (Scan scan = csv.scan(ScanRequest.of(schema.names()))) {
      for (Optional<ColumnBatch> next = scan.next(); next.isPresent(); next = scan.next()) {
        ColumnBatch batch = next.get();
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
            case LONG -> {
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
      }
    }
    ColumnarSource.Builder b = ColumnarSource.builder(name, schema, rows);
    for (int c = 0; c < n; c++) {
      String col = cols.get(c).name();
      switch (cols.get(c).type()) {
        case STRING -> {
          String[] dict = new String[dicts.get(c).size()];
          dicts.get(c).forEach((s, code) -> dict[code] = s);
          b.strings(col, dict, Arrays.copyOf((int[]) acc[c], rows));
        }
        case LONG -> b.longs(col, Arrays.copyOf((long[]) acc[c], rows));
        case DOUBLE -> b.doubles(col, Arrays.copyOf((double[]) acc[c], rows));
      }
    }
    return b.build();
  }

  private static int[] grow(int[] a, int n) {
    return a.length >= n ? a : Arrays.copyOf(a, Math.max(n, a.length * 2));
  }

  /** The parsed rows of one chunk of the file. */
  private final class Chunk {
    final int[] fieldToColumn;
    final int[][] codes;
    final long[][] longs;
    final double[][] doubles;
    final ByteDictionary[] dictionaries;
    int rows;

    Chunk(int[] fieldToColumn) {
      this.fieldToColumn = fieldToColumn;
      int n = schema.columns().size();
      codes = new int[n][];
      longs = new long[n][];
      doubles = new double[n][];
      dictionaries = new ByteDictionary[n];
      for (int c = 0; c < n; c++) {
        switch (schema.columns().get(c).type()) {
          case STRING -> {
            codes[c] = new int[1024];
            dictionaries[c] = new ByteDictionary();
          }
          case LONG -> longs[c] = new long[1024];
          case DOUBLE -> doubles[c] = new double[1024];
        }
      }
    }

    void parse(FileChannel ch, long from, long to) {
      byte[] buf = new byte[BLOCK];
      int carry = 0;
      long pos = from;
      try {
        while (pos < to || carry > 0) {
          int n = (int) Math.min(buf.length - carry, to - pos);
          if (n > 0) {
            readFully(ch, pos, buf, carry, n);
            pos += n;
          }
          int end = carry + n;
          boolean last = pos >= to;
          int lineStart = 0;
          while (true) {
            int nl = indexOf(buf, lineStart, end, (byte) '\n');
            if (nl < 0) {
              if (last && lineStart < end) {
                nl = end;
              } else {
                break;
              }
            }
            int lineEnd = nl > lineStart && buf[nl - 1] == '\r' ? nl - 1 : nl;
            row(buf, lineStart, lineEnd);
            lineStart = nl + 1;
            if (nl == end) {
              break;
            }
          }
          carry = Math.max(0, end - lineStart);
          if (carry == buf.length) {
            buf = Arrays.copyOf(buf, buf.length * 2);
          } else if (carry > 0) {
            System.arraycopy(buf, lineStart, buf, 0, carry);
          }
          if (last && carry == 0) {
            break;
          }
        }
      } catch (IOException e) {
        throw CsvSource.cannotRead(name, e);
      }
    }

    private void readFully(FileChannel ch, long pos, byte[] buf, int off, int n)
        throws IOException {
      ByteBuffer bb = ByteBuffer.wrap(buf, off, n);
      while (bb.hasRemaining()) {
        if (ch.read(bb, pos + bb.position() - off) < 0) {
          throw new IOException("unexpected end of file");
        }
      }
    }

    private void row(byte[] b, int from, int to) {
      if (rows == codesCapacity()) {
        growAll();
      }
      int field = 0;
      int start = from;
      for (int i = from; i <= to; i++) {
        if (i == to || b[i] == ',') {
          if (field >= fieldToColumn.length) {
            throw new Malformed(rows, "", "row has more fields than the header");
          }
          int c = fieldToColumn[field];
          if (c >= 0) {
            value(c, b, start, i);
          }
          field++;
          start = i + 1;
        } else if (b[i] == '"') {
          throw new Quoted();
        }
      }
      if (field != fieldToColumn.length) {
        throw new Malformed(rows, "", "row has fewer fields than the header");
      }
      rows++;
    }

    private int codesCapacity() {
      for (int c = 0; c < codes.length; c++) {
        if (codes[c] != null) {
          return codes[c].length;
        }
        if (longs[c] != null) {
          return longs[c].length;
        }
        if (doubles[c] != null) {
          return doubles[c].length;
        }
      }
      return Integer.MAX_VALUE;
    }

    private void growAll() {
      int n = rows * 2;
      for (int c = 0; c < codes.length; c++) {
        if (codes[c] != null) {
          codes[c] = Arrays.copyOf(codes[c], n);
        } else if (longs[c] != null) {
          longs[c] = Arrays.copyOf(longs[c], n);
        } else {
          doubles[c] = Arrays.copyOf(doubles[c], n);
        }
      }
    }

    private void value(int c, byte[] b, int from, int to) {
      switch (schema.columns().get(c).type()) {
        case STRING -> codes[c][rows] = dictionaries[c].code(b, from, to);
        case LONG -> longs[c][rows] = parseLong(c, b, from, to);
        case DOUBLE -> doubles[c][rows] = parseDouble(c, b, from, to);
      }
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
        throw new Malformed(rows, schema.columns().get(c).name(), "not a whole number");
      }
      long v = 0;
      for (int i = from; i < to; i++) {
        int d = b[i] - '0';
        if (d < 0 || d > 9) {
          throw new Malformed(rows, schema.columns().get(c).name(), "not a whole number");
        }
        // Accumulate negatively so that Long.MIN_VALUE parses too.
        if (v < (Long.MIN_VALUE + d) / 10) {
          throw new Malformed(rows, schema.columns().get(c).name(), "number out of range");
        }
        v = v * 10 - d;
      }
      if (!negative) {
        if (v == Long.MIN_VALUE) {
          throw new Malformed(rows, schema.columns().get(c).name(), "number out of range");
        }
        v = -v;
      }
      return v;
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
      // Fast path: up to 15 significant digits with at most 15 after the point; both the digits
      // and the power of ten are exact doubles, so one division rounds correctly.
      int i = from;
      boolean negative = false;
      if (b[i] == '-' || b[i] == '+') {
        negative = b[i] == '-';
        i++;
      }
      long digits = 0;
      int count = 0;
      int scale = -1;
      boolean simple = i < to;
      for (; i < to && simple; i++) {
        byte x = b[i];
        if (x >= '0' && x <= '9') {
          digits = digits * 10 + (x - '0');
          count++;
          if (scale >= 0) {
            scale++;
          }
        } else if (x == '.' && scale < 0) {
          scale = 0;
        } else {
          simple = false;
        }
      }
      if (simple && count > 0 && count <= 15 && scale != 0) {
        double v = scale > 0 ? digits / POWERS[scale] : (double) digits;
        return negative ? -v : v;
      }
      String s = new String(b, from, to - from, StandardCharsets.ISO_8859_1);
      char last = s.charAt(s.length() - 1);
      if (last == 'd' || last == 'D' || last == 'f' || last == 'F' || s.contains("x")) {
        throw new Malformed(rows, schema.columns().get(c).name(), "not a number");
      }
      try {
        return Double.parseDouble(s);
      } catch (NumberFormatException e) {
        throw new Malformed(rows, schema.columns().get(c).name(), "not a number");
      }
    }
  }

  private static final double[] POWERS = {
    1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15
  };

  /** Distinct byte strings of one chunk, each stored once in an arena; open addressing. */
  private static final class ByteDictionary {
    byte[] arena = new byte[1 << 16];
    int used;
    int[] offsets = new int[1024];
    int[] lengths = new int[1024];
    int[] hashes = new int[1024];
    int size;
    int[] table = new int[2048];

    ByteDictionary() {
      Arrays.fill(table, -1);
    }

    int code(byte[] b, int from, int to) {
      int h = 1;
      for (int i = from; i < to; i++) {
        h = 31 * h + b[i];
      }
      // Mix all bits (ids that differ in their last digit would otherwise cluster).
      h ^= h >>> 16;
      h *= 0x85EBCA6B;
      h ^= h >>> 13;
      h *= 0xC2B2AE35;
      h ^= h >>> 16;
      int mask = table.length - 1;
      for (int slot = h & mask; ; slot = (slot + 1) & mask) {
        int e = table[slot];
        if (e < 0) {
          return add(slot, h, b, from, to);
        }
        if (hashes[e] == h
            && lengths[e] == to - from
            && Arrays.equals(arena, offsets[e], offsets[e] + lengths[e], b, from, to)) {
          return e;
        }
      }
    }

    private int add(int slot, int h, byte[] b, int from, int to) {
      int len = to - from;
      if (used + len > arena.length) {
        arena = Arrays.copyOf(arena, Math.max(used + len, arena.length * 2));
      }
      System.arraycopy(b, from, arena, used, len);
      if (size == offsets.length) {
        offsets = Arrays.copyOf(offsets, size * 2);
        lengths = Arrays.copyOf(lengths, size * 2);
        hashes = Arrays.copyOf(hashes, size * 2);
      }
      offsets[size] = used;
      lengths[size] = len;
      hashes[size] = h;
      used += len;
      table[slot] = size;
      size++;
      if (size * 2 > table.length) {
        rehash();
      }
      return size - 1;
    }

    private void rehash() {
      int[] t = new int[table.length * 2];
      Arrays.fill(t, -1);
      int mask = t.length - 1;
      for (int e = 0; e < size; e++) {
        int slot = hashes[e] & mask;
        while (t[slot] >= 0) {
          slot = (slot + 1) & mask;
        }
        t[slot] = e;
      }
      table = t;
    }
  }
}
