package dev.cleanroom.source;

import static dev.cleanroom.source.CsvSourceTest.PEOPLE;
import static dev.cleanroom.source.CsvSourceTest.readAll;
import static dev.cleanroom.source.CsvSourceTest.request;
import static dev.cleanroom.source.CsvSourceTest.write;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cleanroom.Column;
import dev.cleanroom.DataSourceException;
import dev.cleanroom.Schema;
import dev.cleanroom.internal.room.CapturedLogs;
import dev.cleanroom.spi.ColumnBatch;
import dev.cleanroom.spi.Scan;
import dev.cleanroom.spi.ScanRequest;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;

/** Every kind of malformed row: where it is reported, what is said, and how it is skipped. */
class CsvMalformedTest {
  private static final String HEADER = "name,age,score\n";
  private static final ScanRequest ALL = request(2, "name", "age", "score");

  @TempDir Path dir;

  /** Scans {@code content} strictly and returns the failure, checking it names the file. */
  private DataSourceException failure(String content, ScanRequest request) throws IOException {
    Path file = write(dir, "bad.csv", content);
    CsvSource source = CsvSource.of(file, PEOPLE);
    DataSourceException e = assertThrows(DataSourceException.class, () -> readAll(source, request));
    assertEquals("bad.csv", e.source());
    assertTrue(e.getMessage().startsWith("data source bad.csv"), e.getMessage());
    assertNull(e.getCause(), "no cause: a NumberFormatException would carry the value");
    return e;
  }

  /** Loads {@code content} into a {@link ColumnarSource} and returns the failure. */
  private DataSourceException loadFailure(String content) throws IOException {
    Path file = write(dir, "load.csv", content);
    return assertThrows(
        DataSourceException.class, () -> ColumnarSource.readCsv("load.csv", file, PEOPLE));
  }

  private static void assertReported(
      DataSourceException e, long line, String column, String problem, String... secrets) {
    assertEquals(line, e.line().orElseThrow(), e.getMessage());
    assertEquals(column, e.column(), e.getMessage());
    assertTrue(e.getMessage().contains(problem), e.getMessage());
    for (String secret : secrets) {
      assertFalse(e.getMessage().contains(secret), "message leaks a value: " + e.getMessage());
    }
  }

  /** Rows read with malformed rows skipped, and the number skipped. */
  private SkipResult skipping(String content, ScanRequest request) throws IOException {
    Path file = write(dir, "skip.csv", content);
    CsvSource source = CsvSource.builder(file, PEOPLE).skipMalformedRows(true).build();
    List<List<Object>> rows = readAll(source, request);
    return new SkipResult(rows, source.skippedRows());
  }

  private record SkipResult(List<List<Object>> rows, long skipped) {}

  // ---- field count ----

  @Test
  void tooFewFields_isReportedWithItsLine() throws IOException {
    DataSourceException e = failure(HEADER + "ada,36,1.5\nsecretname,41\n", ALL);
    assertReported(e, 3, "", "expected 3 fields, found 2", "secretname", "41");
  }

  @Test
  void tooManyFields_isReportedWithItsLine() throws IOException {
    DataSourceException e = failure(HEADER + "ada,36,1.5\nbob,41,2,secretextra\n", ALL);
    assertReported(e, 3, "", "expected 3 fields, found 4", "secretextra");
  }

  @Test
  void emptyLine_withSeveralColumns_isMalformed() throws IOException {
    DataSourceException e = failure(HEADER + "ada,36,1.5\n\nbob,41,2\n", ALL);
    assertReported(e, 3, "", "expected 3 fields, found 1");
  }

  @Test
  void fieldCount_isCheckedEvenForUnrequestedColumns() throws IOException {
    DataSourceException e = failure(HEADER + "ada,36\n", request(5, "name"));
    assertReported(e, 2, "", "expected 3 fields, found 2");
  }

  // ---- numbers ----

  @ParameterizedTest
  @org.junit.jupiter.params.provider.CsvSource(
      delimiter = '|',
      value = {
        "12x34secret|not a whole number",
        "1.5|not a whole number",
        "92233720368547758070|not a whole number",
        "0x1F|not a whole number",
        "1 2|not a whole number",
        "--5|not a whole number",
        "+|not a whole number",
        "\uFF13|not a whole number",
        "9223372036854775808|not a whole number in the 64-bit range",
      })
  void badLong_isReportedWithLineAndColumn(String value, String problem) throws IOException {
    String content = HEADER + "ada,36,1.5\n\"multi\nline\",2,3\nbob," + value + ",2.5\n";
    assertReported(failure(content, ALL), 5, "age", problem, value);
    // The columnar loader reads the same file the same way: the same line, column and reason.
    assertReported(loadFailure(content), 5, "age", problem, value);
  }

  @ParameterizedTest
  @org.junit.jupiter.params.provider.CsvSource(
      delimiter = '|',
      value = {
        "abc7secret|not a decimal number",
        "1.5d|not a decimal number",
        "2f|not a decimal number",
        "0x1p3|not a decimal number",
        "0X1P3|not a decimal number",
        "0x10|not a decimal number",
        "1.5D|not a decimal number",
        "12345678901234567.5d|not a decimal number",
        "1,5|not a decimal number",
        "1e|not a decimal number",
        "inf|not a decimal number",
        "nan|not a decimal number",
      })
  void badDouble_isReported(String value, String problem) throws IOException {
    String content = HEADER + "bob,41,\"" + value + "\"\n";
    assertReported(failure(content, ALL), 2, "score", problem, value);
    assertReported(loadFailure(content), 2, "score", problem, value);
    if (!value.contains(",")) {
      String unquoted = HEADER + "bob,41," + value + "\n";
      assertReported(failure(unquoted, ALL), 2, "score", problem, value);
      assertReported(loadFailure(unquoted), 2, "score", problem, value);
    }
  }

  @Test
  void emptyLong_isMalformed_evenIfNotRequiredNonEmpty() throws IOException {
    DataSourceException e = failure(HEADER + "ada,36,1.5\nbob, ,2\n", ALL);
    assertReported(e, 3, "age", "empty value");
  }

  @Test
  void emptyDouble_isNaN_unlessNonEmptyIsRequired() throws IOException {
    String content = HEADER + "ada,36,1.5\nbob,41,\n";
    assertTrue(
        Double.isNaN(
            (double)
                readAll(CsvSource.of(write(dir, "ok.csv", content), PEOPLE), "score")
                    .get(1)
                    .get(0)));
    DataSourceException e =
        failure(content, new ScanRequest(List.of("score"), Set.of("score"), List.of(), 10));
    assertReported(e, 3, "score", "empty value");
  }

  // ---- non-empty columns ----

  @Test
  void emptyString_inNonEmptyColumn_isMalformed() throws IOException {
    ScanRequest req = new ScanRequest(List.of("age", "name"), Set.of("name"), List.of(), 10);
    assertReported(failure(HEADER + "ada,1,2\n,36,1.5\n", req), 3, "name", "empty value");
    assertReported(failure(HEADER + "ada,1,2\n  ,36,1.5\n", req), 3, "name", "empty value");
    assertReported(failure(HEADER + "ada,1,2\n\"\",36,1.5\n", req), 3, "name", "empty value");
  }

  @Test
  void nonEmptyColumn_isCheckedEvenIfNotRequested() throws IOException {
    ScanRequest req = new ScanRequest(List.of("age"), Set.of("name"), List.of(), 10);
    assertReported(failure(HEADER + "ada,1,2\n\t,36,1.5\n", req), 3, "name", "empty value");
  }

  // ---- quotes ----

  @Test
  void unterminatedQuote_isReportedAtTheLineWhereTheRecordStarts() throws IOException {
    DataSourceException e =
        failure(HEADER + "ada,36,1.5\nbob,41,\"2.5\nsecret,1,2\nmore,3,4\n", ALL);
    assertReported(e, 3, "score", "unterminated quote", "secret", "more");
  }

  @Test
  void unterminatedQuote_atTheVeryEnd_isReported() throws IOException {
    DataSourceException e = failure(HEADER + "\"ada", ALL);
    assertReported(e, 2, "name", "unterminated quote", "ada");
  }

  @Test
  void strayQuote_inUnquotedField_isReported() throws IOException {
    DataSourceException e = failure(HEADER + "ada,36,1.5\nse\"cret,41,2.5\n", ALL);
    assertReported(e, 3, "name", "a quote inside an unquoted field", "se\"cret", "cret");
  }

  @Test
  void strayQuote_isReportedEvenInAnUnrequestedColumn() throws IOException {
    DataSourceException e = failure(HEADER + "ada,36,1\"5\n", request(1, "name"));
    assertReported(e, 2, "score", "a quote inside an unquoted field");
  }

  @Test
  void textAfterClosingQuote_isReported() throws IOException {
    DataSourceException e = failure(HEADER + "\"se\"cret,41,2.5\n", ALL);
    assertReported(e, 2, "name", "unexpected text after a closing quote", "cret");
    DataSourceException space = failure(HEADER + "\"ada\" ,41,2.5\n", ALL);
    assertReported(space, 2, "name", "unexpected text after a closing quote");
  }

  @Test
  void quoteProblem_inAnExtraColumn_namesTheFieldNumber() throws IOException {
    Path file = write(dir, "bad.csv", "name,age,score,notes\nada,36,1.5,x\"y\n");
    DataSourceException e =
        assertThrows(DataSourceException.class, () -> readAll(CsvSource.of(file, PEOPLE), ALL));
    assertReported(e, 2, "", "field 4");
  }

  @Test
  void lineNumbers_countLineBreaksInsideQuotes_forEveryLineEnding() throws IOException {
    for (String eol : List.of("\n", "\r\n", "\r")) {
      String content =
          "name,age,score"
              + eol
              + "\"a"
              + eol
              + "b"
              + eol
              + "c\",1,2"
              + eol // lines 2-4
              + "\""
              + eol
              + "\",3,4"
              + eol // lines 5-6
              + "d,5"
              + eol; // line 7
      DataSourceException e = failure(content, ALL);
      assertReported(e, 7, "", "expected 3 fields, found 2");
    }
  }

  // ---- encoding ----

  @Test
  void invalidUtf8_isReportedWithTheLineHoldingIt() throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    bytes.writeBytes(HEADER.getBytes(UTF_8));
    bytes.writeBytes("ada,36,1.5\nbob,41,2\nc".getBytes(UTF_8));
    bytes.write(0xC3); // a lead byte followed by an ASCII byte: malformed
    bytes.writeBytes("x,1,2\n".getBytes(UTF_8));
    Path file = write(dir, "latin.csv", bytes.toByteArray());
    for (boolean skip : new boolean[] {false, true}) {
      CsvSource source = CsvSource.builder(file, PEOPLE).skipMalformedRows(skip).build();
      DataSourceException e = assertThrows(DataSourceException.class, () -> readAll(source, ALL));
      assertEquals("latin.csv", e.source());
      assertReported(e, 4, "", "not valid UTF-8");
    }
  }

  @Test
  void invalidUtf8_farIntoTheFile_isReportedWithTheExactLine() throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    bytes.writeBytes(HEADER.getBytes(UTF_8));
    int badLine = 54_321;
    for (int line = 2; line < 100_000; line++) {
      bytes.writeBytes(("n" + line + ",").getBytes(UTF_8));
      if (line == badLine) {
        bytes.write(0xFF);
      }
      bytes.writeBytes((line + ",0.5\n").getBytes(UTF_8));
    }
    Path file = write(dir, "far.csv", bytes.toByteArray());
    CsvSource source = CsvSource.of(file, PEOPLE);
    try (Scan scan = source.scan(request(1000, "age"))) {
      long rows = 0;
      DataSourceException e = null;
      try {
        for (Optional<ColumnBatch> b = scan.next(); b.isPresent(); b = scan.next()) {
          rows += b.get().rowCount();
        }
      } catch (DataSourceException ex) {
        e = ex;
      }
      assertTrue(e != null, "invalid UTF-8 was not reported");
      assertReported(e, badLine, "", "not valid UTF-8");
      assertTrue(rows <= badLine - 2, "rows were delivered past the invalid bytes: " + rows);
      assertThrows(IllegalStateException.class, scan::next);
    }
  }

  @Test
  void truncatedUtf8_atTheEnd_isReported() throws IOException {
    byte[] body = (HEADER + "ada,36,1.5\nbob,41,").getBytes(UTF_8);
    byte[] bytes = java.util.Arrays.copyOf(body, body.length + 1);
    bytes[body.length] = (byte) 0xE2; // the start of a three-byte sequence
    Path file = write(dir, "cut.csv", bytes);
    DataSourceException e =
        assertThrows(DataSourceException.class, () -> readAll(CsvSource.of(file, PEOPLE), ALL));
    assertReported(e, 3, "", "not valid UTF-8");
  }

  @Test
  void malformedHeader_isRejected() throws IOException {
    Path file = write(dir, "bad.csv", "name,\"age,score\nada,1,2\n");
    DataSourceException e =
        assertThrows(DataSourceException.class, () -> CsvSource.of(file, PEOPLE).scan(ALL));
    assertReported(e, 1, "", "malformed header");
  }

  // ---- after a failure ----

  @Test
  void failedScan_isClosed_andRefusesMore() throws IOException {
    Path file = write(dir, "bad.csv", HEADER + "ada,36,1.5\nbob,x,2\n");
    CsvSource source = CsvSource.of(file, PEOPLE);
    Scan scan = source.scan(request(1, "age"));
    assertEquals(1, scan.next().orElseThrow().rowCount());
    assertThrows(DataSourceException.class, scan::next);
    assertThrows(IllegalStateException.class, scan::next);
    scan.close();
    scan.close();
  }

  // ---- skip mode ----

  @Test
  void skipMode_dropsEveryKindOfMalformedRow_andCountsThem() throws IOException {
    String content =
        HEADER
            + "r1,1,1.5\n" // ok
            + "short,2\n" // field count
            + "long,3,3,3\n" // field count
            + "r2,x4,4\n" // bad long
            + "r3,,5\n" // empty long
            + "r4,6,six\n" // bad double
            + "r\"5,7,7\n" // stray quote
            + "\"r6\"x,8,8\n" // text after quote
            + "r7,9,\n" // ok, NaN score
            + ",10,10\n" // empty name: malformed only because name is non-empty
            + "\"r8\nstill r8\",11,11\n" // ok, multi-line
            + "r9,12,\"12"; // unterminated quote at EOF
    ScanRequest req =
        new ScanRequest(List.of("name", "age", "score"), Set.of("name"), List.of(), 2);
    SkipResult result = skipping(content, req);
    assertEquals(
        List.of(
            List.of("r1", 1L, 1.5),
            List.of("r7", 9L, Double.NaN),
            List.of("r8\nstill r8", 11L, 11.0)),
        result.rows());
    assertEquals(9, result.skipped());
  }

  @Test
  void skipMode_countsAcrossScans_andSkippedRowsIsCumulative() throws IOException {
    Path file = write(dir, "skip.csv", HEADER + "a,1,1\nb,x,2\nc,3\nd,4,4\n");
    CsvSource source = CsvSource.builder(file, PEOPLE).skipMalformedRows(true).build();
    assertEquals(List.of(List.of("a", 1L), List.of("d", 4L)), readAll(source, "name", "age"));
    assertEquals(2, source.skippedRows());
    // Only the name is converted now: the bad age goes unnoticed, the short row does not.
    assertEquals(List.of(List.of("a"), List.of("b"), List.of("d")), readAll(source, "name"));
    assertEquals(3, source.skippedRows());
  }

  @Test
  void skipMode_batchesAreFullDespiteSkippedRows() throws IOException {
    StringBuilder sb = new StringBuilder(HEADER);
    for (int i = 0; i < 10; i++) {
      sb.append("ok").append(i).append(',').append(i).append(",1\n");
      sb.append("bad,").append(i).append('\n');
    }
    Path file = write(dir, "skip.csv", sb.toString());
    CsvSource source = CsvSource.builder(file, PEOPLE).skipMalformedRows(true).build();
    try (Scan scan = source.scan(request(4, "age"))) {
      assertEquals(4, scan.next().orElseThrow().rowCount());
      assertEquals(4, scan.next().orElseThrow().rowCount());
      ColumnBatch last = scan.next().orElseThrow();
      assertEquals(2, last.rowCount());
      assertEquals(8L, last.longs(0)[0]);
      assertEquals(9L, last.longs(0)[1]);
      assertTrue(scan.next().isEmpty());
    }
    assertEquals(10, source.skippedRows());
  }

  @Test
  void skipMode_countIsVisibleWhileScanning() throws IOException {
    Path file = write(dir, "skip.csv", HEADER + "bad\na,1,1\nbad\nb,2,2\n");
    CsvSource source = CsvSource.builder(file, PEOPLE).skipMalformedRows(true).build();
    try (Scan scan = source.scan(request(1, "age"))) {
      scan.next();
      assertEquals(1, source.skippedRows());
    }
    assertEquals(1, source.skippedRows(), "an abandoned scan stops counting");
  }

  // ---- the owner's report ----

  /** The warnings of {@link CsvSource}'s logger. */
  private static List<String> warnings() {
    return CapturedLogs.linesOf(CsvSource.class.getName()).stream()
        .filter(line -> line.startsWith("WARN "))
        .toList();
  }

  @Test
  void skipMode_reportsLinesColumnsAndReasons_neverValues() throws IOException {
    CapturedLogs.clear();
    String content =
        HEADER
            + "a,1,1\n" // line 2, ok
            + "secretname,41\n" // line 3, too few fields
            + "b,secretage,2\n" // line 4, not a whole number
            + "c,3,3\n" // line 5, ok
            + "d,4,secretscore\n" // line 6, not a decimal number
            + "\"e\nstill e\",5,5\n" // lines 7-8, ok
            + "f,99999999999999999999,6\n" // line 9, out of range
            + "\"g\",7,\"secretquote\"x\n"; // line 10, text after a quote in the score field
    Path file = write(dir, "skip.csv", content);
    CsvSource source = CsvSource.builder(file, PEOPLE).skipMalformedRows(true).build();
    assertEquals(MalformedRows.NONE, source.malformedRows());

    assertEquals(3, readAll(source, ALL).size());
    List<MalformedRows.Row> rows =
        List.of(
            new MalformedRows.Row(3, "", "expected 3 fields, found 2"),
            new MalformedRows.Row(4, "age", "not a whole number"),
            new MalformedRows.Row(6, "score", "not a decimal number"),
            new MalformedRows.Row(9, "age", "not a whole number in the 64-bit range"),
            new MalformedRows.Row(10, "score", "unexpected text after a closing quote"));
    assertEquals(new MalformedRows(5, rows, false), source.malformedRows());
    assertEquals(5, source.skippedRows());
    String report = source.malformedRows().toString();
    for (String value : List.of("secret", "41", "99999999999999999999")) {
      assertFalse(report.contains(value), report);
    }
    assertEquals(
        List.of("WARN " + CsvSource.class.getName() + " - skipped 5 malformed rows of skip.csv"),
        warnings());

    // A second scan counts again, and lists each row once; names alone miss the bad numbers.
    assertEquals(3, readAll(source, ALL).size());
    assertEquals(new MalformedRows(10, rows, false), source.malformedRows());
    assertEquals(6, readAll(source, "name").size());
    assertEquals(new MalformedRows(12, rows, false), source.malformedRows());
    assertEquals(3, warnings().size());
  }

  @Test
  void skipMode_reportListsTheFirstHundredLines_andCountsEvery() throws IOException {
    StringBuilder sb = new StringBuilder(HEADER);
    for (int i = 0; i < 300; i++) {
      sb.append(i % 2 == 0 ? "ok," + i + ",1\n" : "bad,secret" + i + ",1\n");
    }
    Path file = write(dir, "skip.csv", sb.toString());
    CsvSource source = CsvSource.builder(file, PEOPLE).skipMalformedRows(true).build();
    assertEquals(150, readAll(source, "age").size());
    MalformedRows report = source.malformedRows();
    assertEquals(150, report.skippedRows());
    assertTrue(report.truncated());
    assertEquals(MalformedRows.MAX_ROWS, report.rows().size());
    for (int i = 0; i < MalformedRows.MAX_ROWS; i++) {
      // Data row 2i + 1 (0-based) is on line 2i + 3.
      assertEquals(
          new MalformedRows.Row(2L * i + 3, "age", "not a whole number"), report.rows().get(i));
    }
  }

  @Test
  void strictMode_reportsNothing() throws IOException {
    Path file = write(dir, "bad.csv", HEADER + "a,x,1\n");
    CsvSource source = CsvSource.of(file, PEOPLE);
    assertFalse(source.skipsMalformedRows());
    assertThrows(DataSourceException.class, () -> readAll(source, ALL));
    assertEquals(MalformedRows.NONE, source.malformedRows());
  }

  @Test
  void skipMode_doesNotSkipHeaderProblems() throws IOException {
    Path file = write(dir, "skip.csv", "name,age\na,1\n");
    CsvSource source = CsvSource.builder(file, PEOPLE).skipMalformedRows(true).build();
    DataSourceException e = assertThrows(DataSourceException.class, () -> source.scan(ALL));
    assertEquals("score", e.column());
  }

  @Test
  void strictMode_neverCounts() throws IOException {
    Path file = write(dir, "bad.csv", HEADER + "a,x,1\n");
    CsvSource source = CsvSource.of(file, PEOPLE);
    assertThrows(DataSourceException.class, () -> readAll(source, ALL));
    assertEquals(0, source.skippedRows());
  }

  @Test
  void longRecords_areAcceptedUpToTheLimit() throws IOException {
    String big = "x".repeat(300_000);
    Path file = write(dir, "big.csv", "name,age,score\n\"" + big + "\",1,2\n");
    assertEquals(List.of(List.of(big, 1L)), readAll(CsvSource.of(file, PEOPLE), "name", "age"));
  }

  @Test
  void schemaWithOneColumn_requestedTwiceAsNonEmpty() throws IOException {
    Schema schema = Schema.of(Column.string("uid"));
    Path file = write(dir, "u.csv", "uid\nu1\n\nu2\n");
    CsvSource source = CsvSource.of(file, schema);
    DataSourceException e =
        assertThrows(
            DataSourceException.class,
            () -> readAll(source, new ScanRequest(List.of("uid"), Set.of("uid"), List.of(), 5)));
    assertReported(e, 3, "uid", "empty value");
  }
}
