package dev.cleanroom.source;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.cleanroom.Column;
import dev.cleanroom.ColumnType;
import dev.cleanroom.DataSourceException;
import dev.cleanroom.Schema;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;
import net.jqwik.api.constraints.AlphaChars;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.StringLength;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;

/**
 * Random tables written as CSV in many layouts read back as the same values, and a malformed row
 * among them is reported at the line where it starts, without its value, or skipped.
 */
class CsvRoundTripProperties {
  private static Path dir;

  @BeforeContainer
  static void createDirectory() throws IOException {
    dir = ScratchDirs.create("csv-properties");
  }

  @AfterContainer
  static void deleteDirectory() throws IOException {
    ScratchDirs.delete(dir);
  }

  /** How a table is written. */
  record Layout(
      char delimiter,
      String eol,
      boolean bom,
      boolean finalEol,
      boolean quoteAll,
      boolean padNumbers,
      boolean blankNaN) {}

  /**
   * A table with its layout, the header order (positions at or past the column count are extra
   * columns), a projection of column positions and a batch size.
   */
  record Case(
      List<Column> columns,
      List<List<Object>> rows,
      int extraColumns,
      Layout layout,
      List<Integer> header,
      List<Integer> projection,
      int batchSize) {
    Schema schema() {
      return new Schema(columns);
    }

    List<String> projectedNames() {
      return projection.stream().map(i -> columns.get(i).name()).toList();
    }

    List<List<Object>> projected(List<List<Object>> table) {
      return table.stream().map(r -> projection.stream().map(r::get).toList()).toList();
    }
  }

  /** How a malformed row is made. */
  enum Damage {
    EXTRA_FIELD,
    MISSING_FIELD,
    BAD_NUMBER,
    STRAY_QUOTE,
    TEXT_AFTER_QUOTE
  }

  /** The text of a file and, if a malformed row was written, where and what it is. */
  record Written(String text, long badLine, String badColumn, String badValue) {}

  // ---- generators ----

  @Provide
  Arbitrary<Case> cases() {
    Arbitrary<List<ColumnType>> types =
        Arbitraries.of(ColumnType.STRING, ColumnType.LONG, ColumnType.DOUBLE)
            .list()
            .ofMinSize(1)
            .ofMaxSize(5);
    return Combinators.combine(types, Arbitraries.integers().between(0, 2))
        .flatAs(
            (ts, extras) -> {
              List<Column> columns = new ArrayList<>();
              for (int i = 0; i < ts.size(); i++) {
                columns.add(new Column("c" + i, ts.get(i)));
              }
              List<Integer> header = IntStream.range(0, ts.size() + extras).boxed().toList();
              List<Integer> positions = IntStream.range(0, ts.size()).boxed().toList();
              return Combinators.combine(
                      rows(ts),
                      layouts(),
                      Arbitraries.shuffle(header),
                      Arbitraries.shuffle(positions),
                      Arbitraries.integers().between(1, ts.size()),
                      Arbitraries.frequencyOf(
                          Tuple.of(3, Arbitraries.integers().between(1, 5)),
                          Tuple.of(1, Arbitraries.integers().between(6, 100_000))))
                  .as(
                      (rows, layout, h, order, k, batch) ->
                          new Case(columns, rows, extras, layout, h, order.subList(0, k), batch));
            });
  }

  private static Arbitrary<List<List<Object>>> rows(List<ColumnType> types) {
    List<Arbitrary<Object>> cells = new ArrayList<>();
    for (ColumnType t : types) {
      cells.add(
          switch (t) {
            case STRING -> text().map(s -> (Object) s);
            case LONG -> Arbitraries.longs().map(l -> (Object) l);
            case DOUBLE -> doubles().map(d -> (Object) d);
            case DATE, TIMESTAMP, BOOLEAN -> throw new IllegalArgumentException(t.name());
          });
    }
    return Combinators.combine(cells).as(List::<Object>copyOf).list().ofMaxSize(25);
  }

  /** Text rich in what CSV must escape, plus any Unicode scalar value. */
  static Arbitrary<String> text() {
    Arbitrary<String> special =
        Arbitraries.of(",", ";", "|", "\t", "\"", "\"\"", "\r", "\n", "\r\n", " ", "\uFEFF", "\0");
    Arbitrary<String> letters =
        Arbitraries.strings().alpha().numeric().ofMinLength(1).ofMaxLength(4);
    Arbitrary<String> anyScalar =
        Arbitraries.integers()
            .between(0, Character.MAX_CODE_POINT)
            .filter(cp -> cp < Character.MIN_SURROGATE || cp > Character.MAX_SURROGATE)
            .map(Character::toString);
    return Arbitraries.frequencyOf(
            Tuple.of(3, special), Tuple.of(4, letters), Tuple.of(3, anyScalar))
        .list()
        .ofMaxSize(8)
        .map(parts -> String.join("", parts));
  }

  private static Arbitrary<Double> doubles() {
    return Arbitraries.frequencyOf(
        Tuple.of(3, Arbitraries.doubles().withStandardSpecialValues()),
        Tuple.of(2, Arbitraries.randomValue(r -> Double.longBitsToDouble(r.nextLong()))),
        Tuple.of(
            1,
            Arbitraries.of(
                Double.NaN, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY, -0.0, 0.0)));
  }

  private static Arbitrary<Layout> layouts() {
    return Combinators.combine(
            Arbitraries.of(',', ';', '\t', '|'),
            Arbitraries.of("\n", "\r\n", "\r"),
            Arbitraries.of(true, false),
            Arbitraries.of(true, false),
            Arbitraries.of(true, false),
            Arbitraries.of(true, false),
            Arbitraries.of(true, false))
        .as(Layout::new);
  }

  // ---- writer ----

  /** Writes {@code c}, with a row damaged by {@code damage} before row {@code badIndex} if ≥ 0. */
  static Written write(Case c, int badIndex, Damage damage, String secret) {
    Layout layout = c.layout();
    int n = c.columns().size();
    List<List<String>> records = new ArrayList<>();
    List<String> header = new ArrayList<>();
    for (int pos : c.header()) {
      header.add(pos < n ? c.columns().get(pos).name() : "x" + (pos - n));
    }
    records.add(header);
    for (int r = 0; r < c.rows().size(); r++) {
      records.add(format(c, c.rows().get(r), r));
    }
    String badColumn = "";
    List<Boolean> raw = new ArrayList<>();
    int badRecord = -1;
    String badValue = null;
    if (badIndex >= 0) {
      List<String> bad = new ArrayList<>(format(c, c.rows().get(0), -1));
      badValue = "ZQ" + secret;
      switch (damage) {
        case EXTRA_FIELD -> bad.add(badValue);
        case MISSING_FIELD -> bad.remove(bad.size() - 1);
        case BAD_NUMBER -> {
          int at = numberPosition(c);
          bad.set(at, badValue);
          badColumn = c.columns().get(c.header().get(at)).name();
        }
        case STRAY_QUOTE, TEXT_AFTER_QUOTE -> {
          badValue = damage == Damage.STRAY_QUOTE ? "ZQ\"" + secret : "\"ZQ\"" + secret;
          bad.set(0, badValue);
          int pos = c.header().get(0);
          badColumn = pos < n ? c.columns().get(pos).name() : "";
        }
      }
      badRecord = badIndex + 1;
      records.add(badRecord, bad);
      for (int i = 0; i < records.size(); i++) {
        raw.add(
            i == badRecord && (damage == Damage.STRAY_QUOTE || damage == Damage.TEXT_AFTER_QUOTE));
      }
    }
    StringBuilder sb = new StringBuilder();
    if (layout.bom()) {
      sb.append('\uFEFF');
    }
    long badLine = -1;
    long line = 1;
    for (int i = 0; i < records.size(); i++) {
      if (i == badRecord) {
        badLine = line;
      }
      List<String> record = records.get(i);
      StringBuilder rec = new StringBuilder();
      for (int f = 0; f < record.size(); f++) {
        if (f > 0) {
          rec.append(layout.delimiter());
        }
        boolean rawField = f == 0 && !raw.isEmpty() && raw.get(i);
        // The record's own number of fields: a malformed record with a missing field may be one
        // lone empty field, which must be quoted to exist at the end of a file.
        rec.append(rawField ? record.get(f) : quote(record.get(f), layout, record.size()));
      }
      if (i < records.size() - 1 || layout.finalEol()) {
        rec.append(layout.eol());
      }
      line += lineBreaks(rec);
      sb.append(rec);
    }
    return new Written(sb.toString(), badLine, badColumn, badValue);
  }

  private static List<String> format(Case c, List<Object> row, int rowIndex) {
    int n = c.columns().size();
    List<String> out = new ArrayList<>();
    for (int pos : c.header()) {
      if (pos >= n) {
        out.add("extra \"" + (pos - n) + "\",\n" + rowIndex);
        continue;
      }
      Object v = row.get(pos);
      String pad = c.layout().padNumbers() ? "  " : "";
      out.add(
          switch (c.columns().get(pos).type()) {
            case STRING -> (String) v;
            case LONG -> pad + v + pad;
            case DOUBLE -> ((Double) v).isNaN() && c.layout().blankNaN() ? pad : pad + v + pad;
            case DATE, TIMESTAMP, BOOLEAN -> throw new IllegalArgumentException(v.toString());
          });
    }
    return out;
  }

  private static String quote(String value, Layout layout, int fields) {
    boolean needed =
        layout.quoteAll()
            || value.indexOf(layout.delimiter()) >= 0
            || value.indexOf('"') >= 0
            || value.indexOf('\r') >= 0
            || value.indexOf('\n') >= 0
            // A byte order mark at the very start of the file would be skipped.
            || value.startsWith("\uFEFF")
            // A lone empty field at the end of a file without a final line break would vanish.
            || (value.isEmpty() && fields == 1);
    return needed ? '"' + value.replace("\"", "\"\"") + '"' : value;
  }

  /** The header position of a LONG or DOUBLE column, or -1. */
  private static int numberPosition(Case c) {
    for (int i = 0; i < c.header().size(); i++) {
      int pos = c.header().get(i);
      if (pos < c.columns().size() && c.columns().get(pos).type().isNumeric()) {
        return i;
      }
    }
    return -1;
  }

  /** Physical line breaks: CR, LF and CRLF count one each. */
  static long lineBreaks(CharSequence s) {
    long breaks = 0;
    for (int i = 0; i < s.length(); i++) {
      char ch = s.charAt(i);
      if (ch == '\r' || (ch == '\n' && (i == 0 || s.charAt(i - 1) != '\r'))) {
        breaks++;
      }
    }
    return breaks;
  }

  private static Path file(String text) {
    try {
      Path file = Files.createTempFile(dir, "table", ".csv");
      Files.write(file, text.getBytes(UTF_8));
      return file;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static CsvSource source(Case c, Path file, boolean skip) {
    return CsvSource.builder(file, c.schema())
        .delimiter(c.layout().delimiter())
        .skipMalformedRows(skip)
        .build();
  }

  // ---- properties ----

  @Property(tries = 300)
  void writtenTable_readsBackEqual(@ForAll("cases") Case c) throws IOException {
    Path file = file(write(c, -1, Damage.EXTRA_FIELD, "").text());
    try {
      CsvSource source = source(c, file, false);
      List<List<Object>> read =
          CsvSourceTest.readAll(
              source,
              CsvSourceTest.request(c.batchSize(), c.projectedNames().toArray(new String[0])));
      assertEquals(c.projected(c.rows()), read);
      assertEquals(0, source.skippedRows());
    } finally {
      Files.delete(file);
    }
  }

  @Property(tries = 300)
  void malformedRow_isReportedAtItsStartLine_withoutItsValue_orSkipped(
      @ForAll("cases") Case c,
      @ForAll @IntRange(min = 0, max = 1000) int where,
      @ForAll Damage damage,
      @ForAll @AlphaChars @StringLength(min = 1, max = 12) String secret)
      throws IOException {
    if (c.rows().isEmpty()) {
      return;
    }
    Damage d = damage;
    if ((d == Damage.BAD_NUMBER && numberPosition(c) < 0)
        || (d == Damage.MISSING_FIELD && c.header().size() < 2)) {
      d = Damage.EXTRA_FIELD;
    }
    int badIndex = where % (c.rows().size() + 1);
    Written w = write(c, badIndex, d, secret);
    Path file = file(w.text());
    try {
      List<String> all = c.columns().stream().map(Column::name).toList();
      String[] names = all.toArray(new String[0]);

      DataSourceException e =
          assertThrows(
              DataSourceException.class,
              () ->
                  CsvSourceTest.readAll(
                      source(c, file, false), CsvSourceTest.request(c.batchSize(), names)));
      assertEquals(w.badLine(), e.line().orElseThrow(), e.getMessage());
      assertEquals(file.getFileName().toString(), e.source());
      if (d == Damage.BAD_NUMBER || d == Damage.STRAY_QUOTE || d == Damage.TEXT_AFTER_QUOTE) {
        assertEquals(w.badColumn(), e.column(), e.getMessage());
      } else {
        assertEquals("", e.column(), e.getMessage());
      }
      // Every damaged value starts with ZQ, which nothing else in a message can contain.
      assertFalse(e.getMessage().contains("ZQ"), "message leaks a value: " + e.getMessage());

      CsvSource skipping = source(c, file, true);
      List<List<Object>> read =
          CsvSourceTest.readAll(skipping, CsvSourceTest.request(c.batchSize(), names));
      assertEquals(c.rows(), read);
      assertEquals(1, skipping.skippedRows());
    } finally {
      Files.delete(file);
    }
  }

  /**
   * A missing field that leaves the last record one empty field, in a file without a final line
   * break: written quoted, it is a record (unquoted it would be no line at all).
   */
  @Example
  void missingField_leavingOneEmptyFieldLast_isReported() throws IOException {
    List<List<Object>> rows = new ArrayList<>();
    for (int r = 0; r < 4; r++) {
      rows.add(List.of("", 0L));
    }
    Case c =
        new Case(
            List.of(new Column("c0", ColumnType.STRING), new Column("c1", ColumnType.LONG)),
            rows,
            0,
            new Layout(',', "\n", true, false, false, true, true),
            List.of(0, 1),
            List.of(0),
            1);
    malformedRow_isReportedAtItsStartLine_withoutItsValue_orSkipped(
        c, 4, Damage.MISSING_FIELD, "A");
  }

  @Property(tries = 300)
  void parser_givesTheSameRecordsAndLines_whateverTheReadSize(
      @ForAll("records") List<List<String>> records,
      @ForAll("layouts") Layout layout,
      @ForAll @IntRange(min = 1, max = 70_000) int chunk) {
    StringBuilder sb = new StringBuilder(layout.bom() ? "\uFEFF" : "");
    List<Long> lines = new ArrayList<>();
    long line = 1;
    for (int i = 0; i < records.size(); i++) {
      lines.add(line);
      StringBuilder rec = new StringBuilder();
      List<String> record = records.get(i);
      for (int f = 0; f < record.size(); f++) {
        if (f > 0) {
          rec.append(layout.delimiter());
        }
        // A lone empty field is quoted: unquoted it is an empty line, which is fine except last.
        rec.append(quote(record.get(f), layout, record.size()));
      }
      if (i < records.size() - 1 || layout.finalEol()) {
        rec.append(layout.eol());
      }
      line += lineBreaks(rec);
      sb.append(rec);
    }
    byte[] bytes = sb.toString().getBytes(UTF_8);
    CsvParser parser =
        new CsvParser(
            new CsvParserTest.ChunkedInputStream(bytes, chunk),
            "p.csv",
            layout.delimiter(),
            CsvSource.MAX_RECORD_CHARS);
    for (int i = 0; i < records.size(); i++) {
      assertEquals(true, parser.next(), "record " + i);
      assertEquals(records.get(i), List.of(parser.fields()));
      assertEquals(lines.get(i), parser.recordLine());
      assertEquals(null, parser.problem());
    }
    assertFalse(parser.next());
  }

  @Provide
  Arbitrary<List<List<String>>> records() {
    return text().list().ofMinSize(1).ofMaxSize(6).list().ofMaxSize(40);
  }

  @Provide("layouts")
  Arbitrary<Layout> layoutArbitrary() {
    return layouts();
  }
}
