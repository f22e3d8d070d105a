package dev.cleanroom.source;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
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
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ColumnarSourceTest {
  private static final Schema SCHEMA =
      new Schema(
          List.of(
              new Column("id", ColumnType.STRING),
              new Column("n", ColumnType.LONG),
              new Column("x", ColumnType.DOUBLE)));

  /** Every value of a source, row by row, as text, through small batches. */
  private static List<String> rows(DataSource s) {
    List<String> out = new ArrayList<>();
    try (Scan scan = s.scan(new ScanRequest(SCHEMA.names(), java.util.Set.of(), List.of(), 2))) {
      for (Optional<ColumnBatch> b = scan.next(); b.isPresent(); b = scan.next()) {
        ColumnBatch batch = b.get();
        for (int r = 0; r < batch.rowCount(); r++) {
          out.add(batch.strings(0)[r] + "|" + batch.longs(1)[r] + "|" + batch.doubles(2)[r]);
        }
      }
    }
    return out;
  }

  private static Path write(Path dir, String text) throws Exception {
    Path f = dir.resolve("data.csv");
    Files.write(f, text.getBytes(StandardCharsets.UTF_8));
    return f;
  }

  @Test
  void readCsv_matchesTheStreamingReader(@TempDir Path dir) throws Exception {
    Path f =
        write(
            dir,
            "\uFEFFx, extra ,n,id\r\n1.5,a,7,u1\r\n,b,-3,u2\n2e3,c, 12 ,u1\n0.125,d,"
                + Long.MIN_VALUE
                + ",ü");
    ColumnarSource s = ColumnarSource.readCsv("data", f, SCHEMA);
    assertEquals(4, s.rowCount());
    assertEquals(rows(CsvSource.of(f, SCHEMA)), rows(s));
    assertTrue(rows(s).get(1).endsWith("|NaN"), "an empty number is NaN");
  }

  @Test
  void quotedFile_fallsBackToTheFullParser(@TempDir Path dir) throws Exception {
    Path f = write(dir, "id,n,x\n\"a,\nb\",1,2\nc,3,4\n");
    ColumnarSource s = ColumnarSource.readCsv("data", f, SCHEMA);
    assertEquals(List.of("a,\nb|1|2.0", "c|3|4.0"), rows(s));
  }

  @Test
  void malformedNumber_failsWithItsLineAndColumn(@TempDir Path dir) throws Exception {
    Path f = write(dir, "id,n,x\nu1,1,1\nu2,1x,1\n");
    DataSourceException e =
        assertThrows(DataSourceException.class, () -> ColumnarSource.readCsv("data", f, SCHEMA));
    assertTrue(e.getMessage().contains("3"), e.getMessage());
    assertTrue(e.getMessage().contains("n"), e.getMessage());
    assertFalse(e.getMessage().contains("1x"), "no value in messages");
  }

  @Test
  void blankValue_failsAScanThatNeedsItNonEmpty_asCsvSourceDoes(@TempDir Path dir)
      throws Exception {
    // Line 4 holds a blank id; line 6 (a record over two lines, so read by the full parser) too.
    for (String text :
        List.of(
            "id,n,x\nu1,1,1\nu2,2,2\n \t,3,3\n,4,4\n",
            "id,n,x\n\"u\n1\",1,1\nu2,2,2\n\" \",3,3\n")) {
      Path f = write(dir, text);
      ColumnarSource s = ColumnarSource.readCsv("data.csv", f, SCHEMA);
      ScanRequest ids = new ScanRequest(List.of("id"), java.util.Set.of("id"), List.of(), 2);
      DataSourceException loaded = assertThrows(DataSourceException.class, () -> s.scan(ids));
      DataSourceException streamed =
          assertThrows(
              DataSourceException.class,
              () -> {
                try (Scan scan = CsvSource.of(f, SCHEMA).scan(ids)) {
                  while (scan.next().isPresent()) {
                    // read to the malformed row
                  }
                }
              });
      assertEquals(streamed.getMessage(), loaded.getMessage());
      assertEquals(java.util.OptionalLong.of(text.contains("\"") ? 5 : 4), loaded.line());
      assertEquals("id", loaded.column());
      // A scan that does not need the column non-empty reads every row, the blank one too.
      assertEquals(rows(CsvSource.of(f, SCHEMA)), rows(s));
    }
  }

  @Test
  void blankValue_inASourceBuiltFromArrays_isJustAValue() {
    ColumnarSource s =
        ColumnarSource.builder("data", SCHEMA, 2)
            .strings("id", new String[] {"u1", " "}, new int[] {0, 1})
            .longs("n", new long[] {1, 2})
            .doubles("x", new double[] {1, 2})
            .build();
    ScanRequest ids = new ScanRequest(List.of("id"), java.util.Set.of("id"), List.of(), 2);
    try (Scan scan = s.scan(ids)) {
      assertEquals(2, scan.next().orElseThrow().rowCount());
    }
  }

  @Test
  void missingHeaderColumn_fails(@TempDir Path dir) throws Exception {
    Path f = write(dir, "id,n\nu1,1\n");
    assertThrows(DataSourceException.class, () -> ColumnarSource.readCsv("data", f, SCHEMA));
  }

  @Test
  void largeFile_loadsInManyRangesAsTheStreamingReader(@TempDir Path dir) throws Exception {
    java.util.Random random = new java.util.Random(42);
    StringBuilder sb = new StringBuilder("id,n,x\n");
    for (int r = 0; r < 200_000; r++) {
      int id = random.nextInt(60_000);
      sb.append(id % 97 == 0 ? "" : "user-" + id).append(',').append(random.nextLong() >> 20);
      sb.append(',').append(r % 5 == 0 ? "" : Integer.toString(random.nextInt(100_000), 10));
      sb.append(r % 3 == 0 ? "\r\n" : "\n");
    }
    Path f = write(dir, sb.toString());
    ColumnarSource s = ColumnarSource.readCsv("data", f, SCHEMA);
    List<String> expected = rows(CsvSource.of(f, SCHEMA));
    assertEquals(200_000, s.rowCount());
    assertEquals(expected, rows(s));
    assertEquals(
        expected.stream().map(row -> row.substring(0, row.indexOf('|'))).distinct().count(),
        s.dictionarySize(0));
  }

  @Test
  void invalidUtf8_failsWithItsLine(@TempDir Path dir) throws Exception {
    StringBuilder sb = new StringBuilder("id,n,x\n");
    for (int r = 0; r < 50_000; r++) {
      sb.append("u").append(r % 1000).append(",1,2\n");
    }
    byte[] head = sb.toString().getBytes(StandardCharsets.UTF_8);
    byte[] bad = "secret\u00ff,1,2\nu1,1,2\n".getBytes(StandardCharsets.ISO_8859_1);
    byte[] all = java.util.Arrays.copyOf(head, head.length + bad.length);
    System.arraycopy(bad, 0, all, head.length, bad.length);
    Path f = dir.resolve("data.csv");
    Files.write(f, all);
    DataSourceException e =
        assertThrows(DataSourceException.class, () -> ColumnarSource.readCsv("data", f, SCHEMA));
    assertEquals(50_002, e.line().orElseThrow(), e.getMessage());
    assertFalse(e.getMessage().contains("secret"), "no value in messages");
  }

  @Test
  void builder_validatesColumns() {
    ColumnarSource.Builder b = ColumnarSource.builder("s", SCHEMA, 2);
    assertThrows(
        IllegalArgumentException.class,
        () -> b.strings("id", new String[] {"a"}, new int[] {0, 1}));
    assertThrows(IllegalArgumentException.class, () -> b.longs("x", new long[2]));
    assertThrows(IllegalArgumentException.class, () -> b.longs("n", new long[3]));
    b.longs("n", new long[] {4, 5});
    assertThrows(IllegalStateException.class, () -> b.longs("n", new long[2]));
    assertThrows(IllegalStateException.class, b::build);
    b.strings("id", new String[] {"a", "b"}, new int[] {1, 0}).doubles("x", new double[] {1, 2});
    ColumnarSource s = b.build();
    assertEquals(List.of("b|4|1.0", "a|5|2.0"), rows(s));
    assertArrayEquals(new String[] {"id", "n", "x"}, s.schema().names().toArray());
    assertTrue(s.version().isPresent());
  }

  /** A source of one row per value of {@code n}, the other columns fixed. */
  private static ColumnarSource withLongs(long... n) {
    String[] ids = {"a"};
    return ColumnarSource.builder("s", SCHEMA, n.length)
        .strings("id", ids, new int[n.length])
        .longs("n", n)
        .doubles("x", new double[n.length])
        .build();
  }

  @Test
  void wholeNumbers_spanningLessThan2To32_areHeldNarrowAndReadBackExactly() {
    long[][] narrow = {
      {Long.MIN_VALUE, Long.MIN_VALUE + 0xFFFFFFFFL, Long.MIN_VALUE + 1},
      {Long.MAX_VALUE, Long.MAX_VALUE - 0xFFFFFFFFL, 0x7FFFFFFF00000000L},
      {-2_147_483_648L, 2_147_483_647L, 0, -1},
      {1_700_000_000L, 1_702_592_000L},
      {42}
    };
    for (long[] n : narrow) {
      ColumnarSource s = withLongs(n);
      assertTrue(s.isNarrow(1), () -> "narrow: " + java.util.Arrays.toString(n));
      assertEquals(texts(n), rows(s));
    }
    long[][] wide = {
      {Long.MIN_VALUE, Long.MIN_VALUE + 0x100000000L},
      {Long.MIN_VALUE, Long.MAX_VALUE},
      {-1, 0xFFFFFFFFL},
      {0, 1L << 40, 7}
    };
    for (long[] n : wide) {
      ColumnarSource s = withLongs(n);
      assertFalse(s.isNarrow(1), () -> "wide: " + java.util.Arrays.toString(n));
      assertEquals(texts(n), rows(s));
    }
    assertFalse(withLongs().isNarrow(1), "no rows: nothing to narrow");
    assertEquals(List.of(), rows(withLongs()));
  }

  @Test
  void aColumnOfSeveralMillionRows_isNarrowedInPartsExactly() {
    // More rows than one part of the narrowing (2^20): the smallest value sits in the last part,
    // the largest in the first, each part's values differ.
    int n = (1 << 21) + 12_345;
    long[] values = new long[n];
    for (int r = 0; r < n; r++) {
      values[r] = 5_000_000_000L + (r * 7919L) % 1_000_003;
    }
    values[3] = 5_000_000_000L + 0xFFFFFFFFL;
    values[n - 2] = 5_000_000_000L;
    ColumnarSource s = withLongs(values);
    assertTrue(s.isNarrow(1));
    long[] read = new long[n];
    int at = 0;
    try (Scan scan =
        s.scan(new ScanRequest(List.of("n"), java.util.Set.of(), List.of(), 100_000))) {
      for (Optional<ColumnBatch> b = scan.next(); b.isPresent(); b = scan.next()) {
        long[] batch = b.get().longs(0);
        System.arraycopy(batch, 0, read, at, b.get().rowCount());
        at += b.get().rowCount();
      }
    }
    assertEquals(n, at);
    assertArrayEquals(values, read);
    values[7] = 5_000_000_000L - 1; // now one more than 2^32 - 1 apart
    assertFalse(withLongs(values).isNarrow(1));
  }

  @Test
  void readCsv_holdsACampaignAndATimestampNarrow(@TempDir Path dir) throws Exception {
    Path f = write(dir, "id,n,x\nu1,1700000000,1.5\nu2,1702592000,2\nu1,-5,0\n");
    ColumnarSource s = ColumnarSource.readCsv("s", f, SCHEMA);
    assertTrue(s.isNarrow(1));
    assertEquals(List.of("u1|1700000000|1.5", "u2|1702592000|2.0", "u1|-5|0.0"), rows(s));
  }

  private static List<String> texts(long[] n) {
    List<String> out = new ArrayList<>();
    for (long v : n) {
      out.add("a|" + v + "|0.0");
    }
    return out;
  }
}
