package dev.cleanroom.source;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.common.testing.NullPointerTester;
import dev.cleanroom.Column;
import dev.cleanroom.DataSourceException;
import dev.cleanroom.Schema;
import dev.cleanroom.query.Dsl;
import dev.cleanroom.spi.ColumnBatch;
import dev.cleanroom.spi.Scan;
import dev.cleanroom.spi.ScanRequest;
import dev.cleanroom.spi.SourceCapabilities;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class CsvSourceTest {
  static final Schema PEOPLE =
      Schema.of(Column.string("name"), Column.int64("age"), Column.float64("score"));

  @TempDir Path dir;

  // ---- helpers shared by the other Csv tests of this package ----

  static Path write(Path dir, String fileName, String content) throws IOException {
    return write(dir, fileName, content.getBytes(UTF_8));
  }

  static Path write(Path dir, String fileName, byte[] content) throws IOException {
    Path file = dir.resolve(fileName);
    Files.write(file, content);
    return file;
  }

  /** All rows of a scan, each as a list of boxed values in request order. */
  static List<List<Object>> readAll(CsvSource source, ScanRequest request) {
    List<List<Object>> rows = new ArrayList<>();
    try (Scan scan = source.scan(request)) {
      for (Optional<ColumnBatch> b = scan.next(); b.isPresent(); b = scan.next()) {
        rows.addAll(rowsOf(b.get()));
      }
    }
    return rows;
  }

  static List<List<Object>> readAll(CsvSource source, String... columns) {
    return readAll(source, ScanRequest.of(List.of(columns)));
  }

  static List<List<Object>> rowsOf(ColumnBatch batch) {
    List<List<Object>> rows = new ArrayList<>();
    for (int r = 0; r < batch.rowCount(); r++) {
      List<Object> row = new ArrayList<>();
      for (int c = 0; c < batch.columns().size(); c++) {
        switch (batch.columns().get(c).type()) {
          case STRING -> row.add(batch.strings(c)[r]);
          case LONG -> row.add(batch.longs(c)[r]);
          case DOUBLE -> row.add(batch.doubles(c)[r]);
        }
      }
      rows.add(row);
    }
    return rows;
  }

  static ScanRequest request(int batchSize, String... columns) {
    return new ScanRequest(List.of(columns), Set.of(), List.of(), batchSize);
  }

  private Path people() throws IOException {
    return write(dir, "people.csv", "name,age,score\nada,36,1.5\nbob,41,\n\"c, d\",7,-2e3\n");
  }

  private static final List<List<Object>> PEOPLE_ROWS =
      List.of(
          List.of("ada", 36L, 1.5), List.of("bob", 41L, Double.NaN), List.of("c, d", 7L, -2000.0));

  // ---- builder ----

  @Test
  void nulls_areRejectedWithTheParameterName() {
    NullPointerException e =
        assertThrows(NullPointerException.class, () -> CsvSource.of(null, PEOPLE));
    assertEquals("path", e.getMessage());
    e = assertThrows(NullPointerException.class, () -> CsvSource.builder(dir, null));
    assertEquals("schema", e.getMessage());
  }

  @Test
  void publicMethods_rejectNulls() throws IOException {
    NullPointerTester tester =
        new NullPointerTester().setDefault(Path.class, dir).setDefault(Schema.class, PEOPLE);
    tester.testAllPublicStaticMethods(CsvSource.class);
    tester.testAllPublicInstanceMethods(CsvSource.of(people(), PEOPLE));
    tester.testAllPublicInstanceMethods(CsvSource.builder(people(), PEOPLE));
  }

  @ParameterizedTest
  @ValueSource(chars = {'"', '\r', '\n'})
  void delimiter_quoteOrLineBreak_isRejected(char delimiter) {
    CsvSource.Builder builder =
        CsvSource.builder(dir.resolve("x.csv"), PEOPLE).delimiter(delimiter);
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, builder::build);
    assertTrue(e.getMessage().contains("delimiter"), e.getMessage());
    assertTrue(e.getMessage().contains("provided value"), e.getMessage());
  }

  @Test
  void delimiter_setTwice_isRejected() {
    CsvSource.Builder builder = CsvSource.builder(dir.resolve("x.csv"), PEOPLE).delimiter(';');
    IllegalStateException e =
        assertThrows(IllegalStateException.class, () -> builder.delimiter(';'));
    assertTrue(e.getMessage().contains("delimiter"), e.getMessage());
  }

  @Test
  void skipMalformedRows_setTwice_isRejected() {
    CsvSource.Builder builder =
        CsvSource.builder(dir.resolve("x.csv"), PEOPLE).skipMalformedRows(false);
    IllegalStateException e =
        assertThrows(IllegalStateException.class, () -> builder.skipMalformedRows(true));
    assertTrue(e.getMessage().contains("skipMalformedRows"), e.getMessage());
  }

  @Test
  void build_doesNotOpenTheFile() {
    CsvSource source = CsvSource.of(dir.resolve("later.csv"), PEOPLE);
    assertEquals("later.csv", source.name());
  }

  @Test
  void otherDelimiters_areUsed() throws IOException {
    Path file = write(dir, "semi.csv", "name;age;score\n\"a;b\";1;2.5\nc,d;2;3\n");
    CsvSource source = CsvSource.builder(file, PEOPLE).delimiter(';').build();
    assertEquals(
        List.of(List.of("a;b", 1L, 2.5), List.of("c,d", 2L, 3.0)),
        readAll(source, "name", "age", "score"));
    Path tabs = write(dir, "tabs.tsv", "name\tage\tscore\nx y\t 3 \t4\n");
    CsvSource tsv = CsvSource.builder(tabs, PEOPLE).delimiter('\t').build();
    assertEquals(List.of(List.of("x y", 3L, 4.0)), readAll(tsv, "name", "age", "score"));
  }

  // ---- source basics ----

  @Test
  void name_isTheFileNameOnly_andSchemaIsKept() throws IOException {
    CsvSource source = CsvSource.of(people(), PEOPLE);
    assertEquals("people.csv", source.name());
    assertSame(PEOPLE, source.schema());
    assertEquals(SourceCapabilities.NONE, source.capabilities());
    assertEquals(0, source.skippedRows());
  }

  @Test
  void toString_showsFileNameAndColumnCountOnly() throws IOException {
    CsvSource source = CsvSource.of(people(), PEOPLE);
    assertEquals("CsvSource[people.csv, 3 columns]", source.toString());
    assertFalse(source.toString().contains(dir.toString()));
  }

  @Test
  void values_areConvertedByType() throws IOException {
    assertEquals(PEOPLE_ROWS, readAll(CsvSource.of(people(), PEOPLE), "name", "age", "score"));
  }

  @Test
  void numbers_areTrimmed_stringsAreNot() throws IOException {
    Path file =
        write(dir, "t.csv", "name,age,score\n  a b  ,  -12\t, 2.5 \n\" x \",\" 3 \",\" 4 \"\n");
    assertEquals(
        List.of(List.of("  a b  ", -12L, 2.5), List.of(" x ", 3L, 4.0)),
        readAll(CsvSource.of(file, PEOPLE), "name", "age", "score"));
  }

  @Test
  void specialDoubles_areAccepted() throws IOException {
    Path file =
        write(dir, "d.csv", "score\nNaN\nInfinity\n-Infinity\n+1.5\n1e308\n-0.0\n \n\"\"\n");
    Schema schema = Schema.of(Column.float64("score"));
    List<Object> scores = new ArrayList<>();
    readAll(CsvSource.of(file, schema), "score").forEach(r -> scores.add(r.get(0)));
    assertEquals(
        List.<Object>of(
            Double.NaN,
            Double.POSITIVE_INFINITY,
            Double.NEGATIVE_INFINITY,
            1.5,
            1e308,
            -0.0,
            Double.NaN,
            Double.NaN),
        scores);
  }

  @Test
  void extremeLongs_areAccepted() throws IOException {
    Path file = write(dir, "l.csv", "age\n9223372036854775807\n-9223372036854775808\n+5\n");
    assertEquals(
        List.of(List.of(Long.MAX_VALUE), List.of(Long.MIN_VALUE), List.of(5L)),
        readAll(CsvSource.of(file, Schema.of(Column.int64("age"))), "age"));
  }

  @Test
  void emptyStrings_areEmpty_neverNull() throws IOException {
    Path file = write(dir, "e.csv", "a,b\n,\n\"\",x\n");
    Schema schema = Schema.of(Column.string("a"), Column.string("b"));
    assertEquals(
        List.of(List.of("", ""), List.of("", "x")), readAll(CsvSource.of(file, schema), "a", "b"));
  }

  @Test
  void headerOnly_givesNoRows() throws IOException {
    Path file = write(dir, "h.csv", "name,age,score\n");
    assertEquals(List.of(), readAll(CsvSource.of(file, PEOPLE), "name"));
    Path noNewline = write(dir, "h2.csv", "name,age,score");
    assertEquals(List.of(), readAll(CsvSource.of(noNewline, PEOPLE), "name"));
  }

  // ---- header ----

  @Test
  void header_mayBeReorderedAndHaveExtraColumns() throws IOException {
    Path file =
        write(
            dir,
            "r.csv",
            "extra1,score, name ,\"age\",extra2\n"
                + "x,1.5,ada,36,\"y,\"\"z\"\"\"\n"
                + ",2.5,bob,41,\n");
    assertEquals(
        List.of(List.of("ada", 36L, 1.5), List.of("bob", 41L, 2.5)),
        readAll(CsvSource.of(file, PEOPLE), "name", "age", "score"));
  }

  @Test
  void header_missingColumn_namesFileLineAndColumn() throws IOException {
    Path file = write(dir, "m.csv", "name,score\nada,1\n");
    DataSourceException e =
        assertThrows(
            DataSourceException.class, () -> CsvSource.of(file, PEOPLE).scan(request(1, "name")));
    assertEquals("m.csv", e.source());
    assertEquals(1, e.line().getAsLong());
    assertEquals("age", e.column());
    assertTrue(e.getMessage().contains("m.csv"), e.getMessage());
    assertFalse(e.getMessage().contains(dir.toString()), e.getMessage());
  }

  @Test
  void header_missingColumns_areAllListed() throws IOException {
    Path file = write(dir, "m.csv", "name\nada\n");
    DataSourceException e =
        assertThrows(
            DataSourceException.class, () -> CsvSource.of(file, PEOPLE).scan(request(1, "name")));
    assertEquals("age", e.column());
    assertTrue(e.getMessage().contains("[age, score]"), e.getMessage());
  }

  @Test
  void header_isCaseSensitive() throws IOException {
    Path file = write(dir, "c.csv", "Name,age,score\n");
    DataSourceException e =
        assertThrows(
            DataSourceException.class, () -> CsvSource.of(file, PEOPLE).scan(request(1, "age")));
    assertEquals("name", e.column());
  }

  @Test
  void header_duplicateSchemaColumn_isRejected() throws IOException {
    Path file = write(dir, "d.csv", "name,age,score,age\n");
    DataSourceException e =
        assertThrows(
            DataSourceException.class, () -> CsvSource.of(file, PEOPLE).scan(request(1, "age")));
    assertEquals(1, e.line().getAsLong());
    assertEquals("age", e.column());
  }

  @Test
  void header_duplicateExtraColumn_isIgnored() throws IOException {
    Path file = write(dir, "d.csv", "x,name,age,score,x\n1,a,2,3,4\n");
    assertEquals(List.of(List.of("a")), readAll(CsvSource.of(file, PEOPLE), "name"));
  }

  @Test
  void emptyFile_isRejected() throws IOException {
    Path file = write(dir, "empty.csv", "");
    DataSourceException e =
        assertThrows(
            DataSourceException.class, () -> CsvSource.of(file, PEOPLE).scan(request(1, "age")));
    assertEquals(1, e.line().getAsLong());
    assertTrue(e.getMessage().contains("empty"), e.getMessage());
    Path bomOnly = write(dir, "bom.csv", new byte[] {(byte) 0xEF, (byte) 0xBB, (byte) 0xBF});
    assertThrows(
        DataSourceException.class, () -> CsvSource.of(bomOnly, PEOPLE).scan(request(1, "age")));
  }

  @Test
  void header_withQuotedMultilineName_countsLines() throws IOException {
    // The header spans lines 1-2, so the bad row on physical line 4 is reported as line 4.
    Path file = write(dir, "q.csv", "\"x\ny\",age\n1,2\n3\n");
    DataSourceException e =
        assertThrows(
            DataSourceException.class,
            () -> readAll(CsvSource.of(file, Schema.of(Column.int64("age"))), "age"));
    assertEquals(4, e.line().getAsLong());
  }

  // ---- line endings, BOM, trailing newline ----

  @ParameterizedTest
  @ValueSource(strings = {"\n", "\r\n", "\r"})
  void lineEndings_areAccepted_withOrWithoutFinalBreak(String eol) throws IOException {
    String body = String.join(eol, "name,age,score", "ada,36,1.5", "bob,41,", "\"c, d\",7,-2e3");
    for (String content : List.of(body, body + eol)) {
      Path file = write(dir, "eol.csv", content);
      assertEquals(PEOPLE_ROWS, readAll(CsvSource.of(file, PEOPLE), "name", "age", "score"));
    }
  }

  @Test
  void mixedLineEndings_areAccepted() throws IOException {
    Path file = write(dir, "mix.csv", "name,age,score\r\nada,36,1.5\rbob,41,\n\"c, d\",7,-2e3\r\n");
    assertEquals(PEOPLE_ROWS, readAll(CsvSource.of(file, PEOPLE), "name", "age", "score"));
  }

  @Test
  void bom_isSkipped() throws IOException {
    byte[] body = "name,age,score\nada,36,1.5\n".getBytes(UTF_8);
    byte[] withBom = new byte[body.length + 3];
    withBom[0] = (byte) 0xEF;
    withBom[1] = (byte) 0xBB;
    withBom[2] = (byte) 0xBF;
    System.arraycopy(body, 0, withBom, 3, body.length);
    Path file = write(dir, "bom.csv", withBom);
    assertEquals(List.of(List.of("ada", 36L)), readAll(CsvSource.of(file, PEOPLE), "name", "age"));
  }

  @Test
  void bom_laterInTheFile_isKept() throws IOException {
    Path file = write(dir, "bom.csv", "name,age,score\n\uFEFFada,36,1.5\n");
    assertEquals(List.of(List.of("\uFEFFada")), readAll(CsvSource.of(file, PEOPLE), "name"));
  }

  @Test
  void quotedFields_keepDelimitersQuotesAndLineBreaks() throws IOException {
    Path file =
        write(
            dir,
            "q.csv",
            "name,age,score\n\"a,\"\"b\"\"\r\nc\nd\re\",1,2\n\"\"\"\",3,4\n\"\u00e9\u4e2d\uD83D\uDE00\",5,6\n");
    assertEquals(
        List.of(List.of("a,\"b\"\r\nc\nd\re"), List.of("\""), List.of("\u00e9\u4e2d\uD83D\uDE00")),
        readAll(CsvSource.of(file, PEOPLE), "name"));
  }

  @Test
  void emptyLine_isARecordOfOneEmptyField() throws IOException {
    Path file = write(dir, "one.csv", "name\na\n\nb\n\n");
    assertEquals(
        List.of(List.of("a"), List.of(""), List.of("b"), List.of("")),
        readAll(CsvSource.of(file, Schema.of(Column.string("name"))), "name"));
  }

  // ---- batches and projection ----

  @Test
  void batches_haveTheRequestedSize() throws IOException {
    StringBuilder sb = new StringBuilder("name,age,score\n");
    for (int i = 0; i < 5; i++) {
      sb.append("n").append(i).append(',').append(i).append(',').append(i / 2.0).append('\n');
    }
    CsvSource source = CsvSource.of(write(dir, "b.csv", sb.toString()), PEOPLE);
    assertEquals(List.of(1, 1, 1, 1, 1), batchSizes(source, 1));
    assertEquals(List.of(2, 2, 1), batchSizes(source, 2));
    assertEquals(List.of(5), batchSizes(source, 5));
    assertEquals(List.of(5), batchSizes(source, 6));
    assertEquals(List.of(5), batchSizes(source, Integer.MAX_VALUE));
    for (int size : new int[] {1, 2, 3, 1000}) {
      List<List<Object>> rows = readAll(source, request(size, "age"));
      assertEquals(5, rows.size());
      for (int i = 0; i < 5; i++) {
        assertEquals(List.of((long) i), rows.get(i));
      }
    }
  }

  @Test
  void batches_largerThanInitialArrays_growCorrectly() throws IOException {
    StringBuilder sb = new StringBuilder("name,age,score\n");
    int n = 5000;
    for (int i = 0; i < n; i++) {
      sb.append('s').append(i).append(',').append(i).append(',').append(i).append(".5\n");
    }
    CsvSource source = CsvSource.of(write(dir, "big.csv", sb.toString()), PEOPLE);
    assertEquals(List.of(3000, 2000), batchSizes(source, 3000));
    List<List<Object>> rows = readAll(source, request(3000, "score", "name", "age"));
    assertEquals(n, rows.size());
    for (int i = 0; i < n; i++) {
      assertEquals(List.of(i + 0.5, "s" + i, (long) i), rows.get(i));
    }
  }

  private static List<Integer> batchSizes(CsvSource source, int batchSize) {
    List<Integer> sizes = new ArrayList<>();
    try (Scan scan = source.scan(request(batchSize, "name", "age"))) {
      for (Optional<ColumnBatch> b = scan.next(); b.isPresent(); b = scan.next()) {
        assertTrue(b.get().rowCount() <= batchSize);
        sizes.add(b.get().rowCount());
      }
    }
    return sizes;
  }

  @Test
  void projection_followsTheRequestOrder() throws IOException {
    CsvSource source = CsvSource.of(people(), PEOPLE);
    try (Scan scan = source.scan(request(10, "score", "name"))) {
      ColumnBatch batch = scan.next().orElseThrow();
      assertEquals(List.of(Column.float64("score"), Column.string("name")), batch.columns());
      assertArrayEquals(new double[] {1.5, Double.NaN, -2000.0}, slice(batch.doubles(0), 3));
      assertArrayEquals(new String[] {"ada", "bob", "c, d"}, slice(batch.strings(1), 3));
      assertTrue(scan.next().isEmpty());
    }
    assertEquals(
        List.of(List.of(36L, 36L), List.of(41L, 41L), List.of(7L, 7L)),
        readAll(source, "age", "age"));
  }

  private static double[] slice(double[] a, int n) {
    return java.util.Arrays.copyOf(a, n);
  }

  private static String[] slice(String[] a, int n) {
    return java.util.Arrays.copyOf(a, n);
  }

  @Test
  void unknownColumn_isRejected_listingTheSchema() throws IOException {
    CsvSource source = CsvSource.of(people(), PEOPLE);
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> source.scan(request(1, "name", "zip")));
    assertTrue(e.getMessage().contains("[zip]"), e.getMessage());
    assertTrue(e.getMessage().contains("[name, age, score]"), e.getMessage());
    IllegalArgumentException nonEmpty =
        assertThrows(
            IllegalArgumentException.class,
            () -> source.scan(new ScanRequest(List.of("name"), Set.of("uid"), List.of(), 1)));
    assertTrue(nonEmpty.getMessage().contains("[uid]"), nonEmpty.getMessage());
  }

  @Test
  void filter_isIgnored() throws IOException {
    CsvSource source = CsvSource.of(people(), PEOPLE);
    ScanRequest filtered =
        new ScanRequest(
            List.of("name", "age", "score"),
            Set.of(),
            List.of(Dsl.col("age").eq(36L)),
            ScanRequest.DEFAULT_BATCH_SIZE);
    assertEquals(PEOPLE_ROWS, readAll(source, filtered));
  }

  @Test
  void unrequestedColumns_areNotConverted() throws IOException {
    Path file = write(dir, "u.csv", "name,age,score\nada,not-a-number,also-not\n");
    assertEquals(List.of(List.of("ada")), readAll(CsvSource.of(file, PEOPLE), "name"));
  }

  // ---- scan lifecycle ----

  @Test
  void next_afterTheEnd_keepsReturningEmpty() throws IOException {
    CsvSource source = CsvSource.of(people(), PEOPLE);
    Scan scan = source.scan(request(2, "name"));
    assertEquals(2, scan.next().orElseThrow().rowCount());
    assertEquals(1, scan.next().orElseThrow().rowCount());
    assertTrue(scan.next().isEmpty());
    assertTrue(scan.next().isEmpty());
    scan.close();
    assertTrue(scan.next().isEmpty());
  }

  @Test
  void close_isIdempotent_andNextAfterEarlyCloseFails() throws IOException {
    CsvSource source = CsvSource.of(people(), PEOPLE);
    Scan scan = source.scan(request(1, "name"));
    assertEquals(1, scan.next().orElseThrow().rowCount());
    scan.close();
    scan.close();
    assertThrows(IllegalStateException.class, scan::next);
  }

  @Test
  void close_releasesTheFile() throws IOException {
    Path file = people();
    CsvSource source = CsvSource.of(file, PEOPLE);
    Scan scan = source.scan(request(1, "name"));
    scan.next();
    scan.close();
    Files.delete(file);
    assertFalse(Files.exists(file));
  }

  @Test
  void scans_areIndependent() throws IOException {
    CsvSource source = CsvSource.of(people(), PEOPLE);
    try (Scan a = source.scan(request(1, "name"));
        Scan b = source.scan(request(1, "age"))) {
      assertEquals(List.of(List.of("ada")), rowsOf(a.next().orElseThrow()));
      assertEquals(List.of(List.of(36L)), rowsOf(b.next().orElseThrow()));
      assertEquals(List.of(List.of(41L)), rowsOf(b.next().orElseThrow()));
      assertEquals(List.of(List.of("bob")), rowsOf(a.next().orElseThrow()));
    }
  }

  @Test
  void concurrentScans_allSeeAllRows() throws Exception {
    StringBuilder sb = new StringBuilder("name,age,score\n");
    int n = 20_000;
    long expectedSum = 0;
    for (int i = 0; i < n; i++) {
      sb.append("\"n,").append(i).append("\",").append(i).append(',').append(i).append('\n');
      expectedSum += i;
    }
    CsvSource source = CsvSource.of(write(dir, "c.csv", sb.toString()), PEOPLE);
    int threads = 8;
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    CountDownLatch start = new CountDownLatch(1);
    try {
      List<Future<long[]>> results = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        int batchSize = 1 + t * 97;
        Callable<long[]> task =
            () -> {
              start.await();
              long sum = 0;
              long rows = 0;
              long names = 0;
              try (Scan scan = source.scan(request(batchSize, "age", "name"))) {
                for (Optional<ColumnBatch> b = scan.next(); b.isPresent(); b = scan.next()) {
                  for (int r = 0; r < b.get().rowCount(); r++) {
                    sum += b.get().longs(0)[r];
                    if (b.get().strings(1)[r].equals("n," + b.get().longs(0)[r])) {
                      names++;
                    }
                    rows++;
                  }
                }
              }
              return new long[] {sum, rows, names};
            };
        results.add(pool.submit(task));
      }
      start.countDown();
      for (Future<long[]> f : results) {
        assertArrayEquals(new long[] {expectedSum, n, n}, f.get(60, TimeUnit.SECONDS));
      }
    } finally {
      pool.shutdownNow();
    }
  }

  // ---- I/O errors ----

  @Test
  void missingFile_cannotBeRead() {
    CsvSource source = CsvSource.of(dir.resolve("missing.csv"), PEOPLE);
    DataSourceException e =
        assertThrows(DataSourceException.class, () -> source.scan(request(1, "name")));
    assertEquals("missing.csv", e.source());
    assertTrue(e.getMessage().contains("cannot be read"), e.getMessage());
    assertFalse(e.getMessage().contains(dir.toString()), e.getMessage());
    assertInstanceOf(NoSuchFileException.class, e.getCause());
  }

  @Test
  void directory_cannotBeRead() throws IOException {
    Path sub = Files.createDirectory(dir.resolve("sub.csv"));
    CsvSource source = CsvSource.of(sub, PEOPLE);
    DataSourceException e =
        assertThrows(DataSourceException.class, () -> source.scan(request(1, "name")));
    assertEquals("sub.csv", e.source());
    assertTrue(e.getMessage().contains("cannot be read"), e.getMessage());
  }
}
