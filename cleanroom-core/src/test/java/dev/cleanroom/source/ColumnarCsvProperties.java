package dev.cleanroom.source;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cleanroom.Column;
import dev.cleanroom.ColumnType;
import dev.cleanroom.DataSourceException;
import dev.cleanroom.Schema;
import dev.cleanroom.spi.ColumnBatch;
import dev.cleanroom.spi.DataSource;
import dev.cleanroom.spi.Scan;
import dev.cleanroom.spi.ScanRequest;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.stream.IntStream;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Assume;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;

/**
 * The parallel CSV reader of {@link ColumnarSource} against the sequential parse of {@link
 * CsvSource}: random files, split into many tiny ranges and read on several threads, load the same
 * rows, with one dictionary entry per distinct text; a quote anywhere gives way to the sequential
 * parser; a malformed row and text that is not UTF-8 are reported at the line where the sequential
 * parser reports them, without the value.
 */
class ColumnarCsvProperties {
  private static Path dir;

  @BeforeContainer
  static void createDirectory() throws IOException {
    dir = ScratchDirs.create("columnar-csv-properties");
  }

  @AfterContainer
  static void deleteDirectory() throws IOException {
    ScratchDirs.delete(dir);
  }

  /** One record of a file: its fields as written, and the line break after it. */
  record Line(List<String> fields, String eol) {}

  /**
   * A file: the schema's columns, the header (positions at or past the column count are extra
   * columns), the records in header order, a byte order mark and whether the last line ends.
   */
  record Table(
      List<Column> columns, List<Integer> header, List<Line> lines, boolean bom, boolean finalEol) {
    Schema schema() {
      return new Schema(columns);
    }

    String headerLine() {
      List<String> names = new ArrayList<>();
      for (int pos : header) {
        names.add(pos < columns.size() ? columns.get(pos).name() : "extra" + pos);
      }
      return String.join(",", names);
    }

    /** The header position of each text column of the schema. */
    List<Integer> textFields() {
      return IntStream.range(0, header.size())
          .filter(
              f ->
                  header.get(f) < columns.size()
                      && columns.get(header.get(f)).type() == ColumnType.STRING)
          .boxed()
          .toList();
    }

    /** The file, with {@code replace} bytes written for field {@code field} of records given. */
    byte[] bytes(List<Integer> records, int field, byte[] replace) {
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      if (bom) {
        out.writeBytes("\uFEFF".getBytes(UTF_8));
      }
      out.writeBytes((headerLine() + "\n").getBytes(UTF_8));
      for (int r = 0; r < lines.size(); r++) {
        Line line = lines.get(r);
        for (int f = 0; f < line.fields().size(); f++) {
          if (f > 0) {
            out.write(',');
          }
          if (f == field && records.contains(r)) {
            out.writeBytes(replace);
          } else {
            out.writeBytes(line.fields().get(f).getBytes(UTF_8));
          }
        }
        if (r < lines.size() - 1 || finalEol) {
          out.writeBytes(line.eol().getBytes(UTF_8));
        }
      }
      return out.toByteArray();
    }

    byte[] bytes() {
      return bytes(List.of(), -1, new byte[0]);
    }

    Table with(int record, int field, String value) {
      List<Line> changed = new ArrayList<>(lines);
      List<String> fields = new ArrayList<>(lines.get(record).fields());
      fields.set(field, value);
      changed.set(record, new Line(fields, lines.get(record).eol()));
      return new Table(columns, header, changed, bom, finalEol);
    }
  }

  // ---- generators ----

  @Provide
  Arbitrary<Table> tables() {
    Arbitrary<List<ColumnType>> types =
        Arbitraries.of(ColumnType.STRING, ColumnType.LONG, ColumnType.DOUBLE)
            .list()
            .ofMinSize(1)
            .ofMaxSize(4);
    return Combinators.combine(types, Arbitraries.integers().between(0, 2))
        .flatAs(
            (ts, extras) -> {
              List<Column> columns = new ArrayList<>();
              for (int i = 0; i < ts.size(); i++) {
                columns.add(new Column("c" + i, ts.get(i)));
              }
              List<Integer> positions = IntStream.range(0, ts.size() + extras).boxed().toList();
              return Arbitraries.shuffle(positions)
                  .flatMap(
                      header -> {
                        List<Arbitrary<String>> cells = new ArrayList<>();
                        for (int pos : header) {
                          cells.add(pos < ts.size() ? cell(ts.get(pos)) : text());
                        }
                        Arbitrary<Line> line =
                            Combinators.combine(
                                    Combinators.combine(cells).as(List::copyOf),
                                    Arbitraries.of("\n", "\r\n"))
                                .as(Line::new);
                        return Combinators.combine(
                                line.list().ofMaxSize(300),
                                Arbitraries.of(true, false),
                                Arbitraries.of(true, false))
                            .as(
                                (lines, bom, finalEol) ->
                                    new Table(columns, header, lines, bom, finalEol));
                      });
            });
  }

  private static Arbitrary<String> cell(ColumnType type) {
    return switch (type) {
      // Read by the same text formats on every path; see TimeTypesProperties.
      case DATE, TIMESTAMP, BOOLEAN -> throw new IllegalArgumentException(type.name());
      case STRING -> text();
      case LONG ->
          Combinators.combine(padding(), Arbitraries.longs(), padding()).as((a, v, b) -> a + v + b);
      case DOUBLE ->
          Combinators.combine(
                  padding(),
                  Arbitraries.frequencyOf(
                      Tuple.of(3, Arbitraries.doubles().map(d -> Double.toString(d))),
                      Tuple.of(
                          3,
                          Combinators.combine(
                                  Arbitraries.longs().between(-999_999_999_999L, 999_999_999_999L),
                                  Arbitraries.integers().between(0, 12))
                              .as(
                                  (v, scale) ->
                                      new java.math.BigDecimal(
                                              java.math.BigInteger.valueOf(v), scale)
                                          .toPlainString())),
                      Tuple.of(1, Arbitraries.of("", "NaN", "-Infinity", "1e300", "-0.0", ".5"))),
                  padding())
              .as((a, v, b) -> a + v + b);
    };
  }

  private static Arbitrary<String> padding() {
    return Arbitraries.frequencyOf(
        Tuple.of(8, Arbitraries.just("")), Tuple.of(1, Arbitraries.of(" ", "\t", "  ")));
  }

  /**
   * Text without a delimiter, quote or line break: often one of a few values (so ranges share
   * them), sometimes random, short or long, ASCII or not, empty or padded.
   */
  static Arbitrary<String> text() {
    Arbitrary<String> common =
        Arbitraries.of(
            "",
            "a",
            "user-000001",
            "user-000002",
            "ü",
            "日本語",
            " padded\t",
            "12345678",
            "x".repeat(130),
            "long-" + "ä".repeat(70));
    Arbitrary<String> random =
        Arbitraries.strings()
            .withCharRange(' ', '~')
            .withCharRange('\u00a0', '\u024f')
            .withCharRange('\u4e00', '\u4e80')
            .withChars('\t', '\uFEFF')
            .ofMaxLength(20)
            .map(s -> s.replace(",", "").replace("\"", ""));
    Arbitrary<String> longer =
        Arbitraries.strings().alpha().numeric().ofMinLength(100).ofMaxLength(300);
    return Arbitraries.frequencyOf(Tuple.of(6, common), Tuple.of(3, random), Tuple.of(1, longer));
  }

  /**
   * Tiny ranges, so that a file of a few lines is split into many, over several threads, and from
   * one to 256 partitions, so that partitions hold many values or few.
   */
  private static CsvColumnarReader.Tuning tiny(int threads, int rangeBytes) {
    return new CsvColumnarReader.Tuning(threads, rangeBytes, 1, 0, rangeBytes % 9);
  }

  private static Path write(byte[] content) throws IOException {
    Path file = Files.createTempFile(dir, "t", ".csv");
    Files.write(file, content);
    return file;
  }

  /** Every row of a source, as boxed values in schema order. */
  private static List<List<Object>> rows(DataSource source) {
    List<List<Object>> rows = new ArrayList<>();
    try (Scan scan = source.scan(ScanRequest.of(source.schema().names()))) {
      for (Optional<ColumnBatch> b = scan.next(); b.isPresent(); b = scan.next()) {
        rows.addAll(CsvSourceTest.rowsOf(b.get()));
      }
    }
    return rows;
  }

  private static DataSourceException sequentialFailure(Path file, Schema schema) {
    return assertThrows(DataSourceException.class, () -> rows(CsvSource.of(file, schema)));
  }

  // ---- properties ----

  @Property(tries = 300)
  void load_equalsTheSequentialParse(
      @ForAll("tables") Table table,
      @ForAll @IntRange(min = 1, max = 4) int threads,
      @ForAll @IntRange(min = 1, max = 300) int rangeBytes)
      throws IOException {
    Path file = write(table.bytes());
    Schema schema = table.schema();
    ColumnarSource loaded = CsvColumnarReader.read("t", file, schema, tiny(threads, rangeBytes));
    List<List<Object>> expected = rows(CsvSource.of(file, schema));
    assertEquals(expected, rows(loaded));
    assertEquals(expected.size(), loaded.rowCount());
    for (int c = 0; c < schema.columns().size(); c++) {
      if (schema.columns().get(c).type() == ColumnType.STRING) {
        Set<Object> distinct = new HashSet<>();
        for (List<Object> row : expected) {
          distinct.add(row.get(c));
        }
        assertEquals(distinct.size(), loaded.dictionarySize(c), "one entry per distinct value");
      }
    }
    Files.delete(file);
  }

  /**
   * Whole numbers in a window of about 2^32 around any base, over many tiny ranges: each range
   * writes offsets from its own smallest value (or keeps its values, when they alone span 2^32),
   * and the column is held narrow exactly when all of them span less than 2^32, with every value
   * read back as written.
   */
  @Property(tries = 200)
  void wholeNumbers_overManyRanges_areExact_andNarrowExactlyWhenTheySpanLessThan2To32(
      @ForAll("bases") long base,
      @ForAll @Size(min = 1, max = 40) List<@IntRange(min = 0, max = 6) Integer> picks,
      @ForAll @IntRange(min = 1, max = 4) int threads,
      @ForAll @IntRange(min = 1, max = 60) int rangeBytes)
      throws IOException {
    // Offsets from the base: 0, small, just below and at 2^32 - 1, 2^32, and far.
    long[] steps = {0, 1, 7, 0xFFFF_FFFEL, 0xFFFF_FFFFL, 0x1_0000_0000L, Long.MAX_VALUE / 2};
    long[] values = new long[picks.size()];
    StringBuilder csv = new StringBuilder("n\n");
    for (int i = 0; i < values.length; i++) {
      // Wraps around for bases near the top: the span is what matters, read as unsigned.
      values[i] = base + steps[picks.get(i)];
      csv.append(values[i]).append('\n');
    }
    long lo = Arrays.stream(values).min().getAsLong();
    long hi = Arrays.stream(values).max().getAsLong();
    Schema schema = new Schema(List.of(new Column("n", ColumnType.LONG)));
    Path file = write(csv.toString().getBytes(UTF_8));
    ColumnarSource loaded = CsvColumnarReader.read("t", file, schema, tiny(threads, rangeBytes));
    List<List<Object>> expected = new ArrayList<>();
    for (long v : values) {
      expected.add(List.of(v));
    }
    assertEquals(expected, rows(loaded));
    assertEquals(Long.compareUnsigned(hi - lo, 0xFFFF_FFFFL) <= 0, loaded.isNarrow(0));
    Files.delete(file);
  }

  @Provide
  Arbitrary<Long> bases() {
    return Arbitraries.oneOf(
        Arbitraries.of(0L, -1L, Long.MIN_VALUE, Long.MAX_VALUE - 0xFFFF_FFFFL, 1_700_000_000L),
        Arbitraries.longs());
  }

  @Property(tries = 100)
  void quoteAnywhere_readsAsTheSequentialParse(
      @ForAll("tables") Table table,
      @ForAll @IntRange(min = 0, max = 299) int at,
      @ForAll @IntRange(min = 1, max = 300) int rangeBytes)
      throws IOException {
    List<Integer> text = table.textFields();
    Assume.that(!table.lines().isEmpty() && !text.isEmpty());
    int record = at % table.lines().size();
    Table quoted = table.with(record, text.get(at % text.size()), "\"a, \"\"quoted\"\"\r\nvalue\"");
    Path file = write(quoted.bytes());
    Schema schema = quoted.schema();
    ColumnarSource loaded = CsvColumnarReader.read("t", file, schema, tiny(3, rangeBytes));
    assertEquals(rows(CsvSource.of(file, schema)), rows(loaded));
    Files.delete(file);
  }

  /** How a row is damaged. */
  enum Damage {
    EXTRA_FIELD,
    MISSING_FIELD,
    BAD_NUMBER
  }

  @Property(tries = 150)
  void malformedRow_isReportedAtTheSequentialParsersLine(
      @ForAll("tables") Table table,
      @ForAll Damage damage,
      @ForAll @IntRange(min = 0, max = 299) int at,
      @ForAll @IntRange(min = 1, max = 300) int rangeBytes)
      throws IOException {
    Assume.that(!table.lines().isEmpty());
    int record = at % table.lines().size();
    List<String> fields = new ArrayList<>(table.lines().get(record).fields());
    String secret = "ZQsecret";
    switch (damage) {
      case EXTRA_FIELD -> fields.add(secret);
      case MISSING_FIELD -> {
        Assume.that(fields.size() > 1);
        fields.remove(fields.size() - 1);
        // One empty field left on an unterminated last line is no text at all: the file just
        // ends, and there is no row to be malformed.
        Assume.that(
            !(fields.size() == 1
                && fields.get(0).isEmpty()
                && record == table.lines().size() - 1
                && !table.finalEol()));
      }
      case BAD_NUMBER -> {
        int field =
            IntStream.range(0, table.header().size())
                .filter(
                    f ->
                        table.header().get(f) < table.columns().size()
                            && table.columns().get(table.header().get(f)).type()
                                != ColumnType.STRING)
                .findFirst()
                .orElse(-1);
        Assume.that(field >= 0);
        fields.set(field, secret);
      }
    }
    List<Line> lines = new ArrayList<>(table.lines());
    lines.set(record, new Line(fields, lines.get(record).eol()));
    Table damaged =
        new Table(table.columns(), table.header(), lines, table.bom(), table.finalEol());
    Path file = write(damaged.bytes());
    Schema schema = damaged.schema();
    DataSourceException expected = sequentialFailure(file, schema);
    DataSourceException e =
        assertThrows(
            DataSourceException.class,
            () -> CsvColumnarReader.read("t", file, schema, tiny(3, rangeBytes)));
    assertEquals(record + 2L, e.line().orElseThrow(), e.getMessage());
    assertEquals(expected.line(), e.line());
    assertEquals(expected.column(), e.column());
    assertFalse(e.getMessage().contains(secret), e.getMessage());
    Files.delete(file);
  }

  @Property(tries = 150)
  void invalidUtf8_isReportedAtTheFirstLineHoldingIt(
      @ForAll("tables") Table table,
      @ForAll("invalidUtf8") byte[] invalid,
      @ForAll @IntRange(min = 0, max = 299) int at,
      @ForAll @IntRange(min = 0, max = 299) int other,
      @ForAll @IntRange(min = 1, max = 300) int rangeBytes)
      throws IOException {
    List<Integer> text = table.textFields();
    Assume.that(!table.lines().isEmpty() && !text.isEmpty());
    int n = table.lines().size();
    List<Integer> records = List.of(at % n, other % n);
    byte[] value = new byte[invalid.length + 6];
    System.arraycopy("secret".getBytes(UTF_8), 0, value, 0, 6);
    System.arraycopy(invalid, 0, value, 6, invalid.length);
    Path file = write(table.bytes(records, text.get(at % text.size()), value));
    Schema schema = table.schema();
    DataSourceException expected = sequentialFailure(file, schema);
    DataSourceException e =
        assertThrows(
            DataSourceException.class,
            () -> CsvColumnarReader.read("t", file, schema, tiny(3, rangeBytes)));
    assertEquals(Math.min(at % n, other % n) + 2L, e.line().orElseThrow(), e.getMessage());
    assertEquals(expected.line(), e.line());
    assertEquals("", e.column());
    assertTrue(e.getMessage().contains("UTF-8"), e.getMessage());
    assertFalse(e.getMessage().contains("secret"), e.getMessage());
    Files.delete(file);
  }

  @Property
  void equal_comparesBytesAtAnyOffsets(
      @ForAll @Size(max = 40) byte[] a,
      @ForAll @IntRange(max = 40) int lenSeed,
      @ForAll @IntRange(max = 40) int iSeed,
      @ForAll @IntRange(max = 40) int jSeed,
      @ForAll @IntRange(max = 40) int flip) {
    int len = lenSeed % (a.length + 1);
    int i = iSeed % (a.length - len + 1);
    int j = jSeed % (a.length - len + 1);
    byte[] b = a.clone();
    if (flip < b.length) {
      b[flip]++;
    }
    assertEquals(
        Arrays.equals(a, i, i + len, b, j, j + len), CsvColumnarReader.equal(a, i, b, j, len));
    assertEquals(
        Arrays.equals(a, i, i + len, a, j, j + len), CsvColumnarReader.equal(a, i, a, j, len));
  }

  @Property
  void hash_dependsOnTheBytesOnly(
      @ForAll @Size(max = 40) byte[] value,
      @ForAll @IntRange(max = 20) int before,
      @ForAll @IntRange(max = 20) int after) {
    byte[] padded = new byte[before + value.length + after];
    Arrays.fill(padded, (byte) 7);
    System.arraycopy(value, 0, padded, before, value.length);
    assertEquals(
        CsvColumnarReader.hash(value, 0, value.length),
        CsvColumnarReader.hash(padded, before, value.length));
  }

  @Property
  void countLines_andNextSpecial_agreeWithAByteLoop(
      @ForAll("csvBytes") byte[] b, @ForAll @IntRange(max = 60) int from) {
    int n = b.length;
    int lines = 0;
    for (byte x : b) {
      if (x == '\n') {
        lines++;
      }
    }
    if (n > 0 && b[n - 1] != '\n') {
      lines++;
    }
    assertEquals(lines, CsvColumnarReader.countLines(b, n));
    int i = Math.min(from, n);
    int special = i;
    while (special < n && b[special] != ',' && b[special] != '\n' && b[special] != '"') {
      special++;
    }
    assertEquals(special, CsvColumnarReader.nextSpecial(b, i, n));
  }

  @Provide
  Arbitrary<byte[]> csvBytes() {
    Arbitrary<Byte> rare = Arbitraries.of((byte) ',', (byte) '\n', (byte) '"', (byte) '\r');
    Arbitrary<Byte> any = Arbitraries.bytes();
    return Arbitraries.frequencyOf(Tuple.of(1, rare), Tuple.of(12, any))
        .list()
        .ofMaxSize(60)
        .map(
            list -> {
              byte[] out = new byte[list.size()];
              for (int k = 0; k < out.length; k++) {
                out[k] = list.get(k);
              }
              return out;
            });
  }

  @Provide
  Arbitrary<byte[]> invalidUtf8() {
    return Arbitraries.of(
        new byte[] {(byte) 0xFF},
        new byte[] {(byte) 0x80},
        new byte[] {(byte) 0xC0, (byte) 0x80},
        new byte[] {(byte) 0xED, (byte) 0xA0, (byte) 0x80},
        new byte[] {(byte) 0xE6, (byte) 0x97},
        new byte[] {(byte) 0xF4, (byte) 0x90, (byte) 0x80, (byte) 0x80});
  }
}
