package dev.cleanroom.source;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cleanroom.Column;
import dev.cleanroom.ColumnType;
import dev.cleanroom.DataSourceException;
import dev.cleanroom.Schema;
import dev.cleanroom.internal.source.MalformedRowLog;
import dev.cleanroom.spi.ColumnBatch;
import dev.cleanroom.spi.Scan;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;
import org.slf4j.helpers.NOPLogger;

/**
 * A CSV body read in ranges of lines, parsed from bytes on helper threads, gives what the
 * sequential parser gives: the same values, the same malformed rows with their lines, columns and
 * reasons, and the same failure; also for ranges that are not plain (quotes, lone carriage returns,
 * invalid UTF-8), from which on the scan reads with the sequential parser.
 */
class CsvRangesProperties {
  private static final Schema SCHEMA =
      Schema.of(
          new Column("a", ColumnType.STRING),
          new Column("b", ColumnType.LONG),
          new Column("c", ColumnType.DOUBLE),
          new Column("d", ColumnType.STRING));

  private static final AtomicInteger FILES = new AtomicInteger();
  private static Path dir;

  @BeforeContainer
  static void createDirectory() throws IOException {
    dir = ScratchDirs.create("csv-ranges");
  }

  @AfterContainer
  static void deleteDirectory() throws IOException {
    ScratchDirs.delete(dir);
  }

  @Property(tries = 400)
  void ranges_readAsTheSequentialParser(
      @ForAll("bodies") byte[] body,
      @ForAll @IntRange(min = 1, max = 64) int rangeBytes,
      @ForAll @IntRange(min = 0, max = 3) int threads,
      @ForAll @IntRange(min = 1, max = 3) int ahead,
      @ForAll @IntRange(min = 1, max = 7) int batchSize,
      @ForAll boolean skip,
      @ForAll @IntRange(min = 0, max = 2) int nonEmpty)
      throws IOException {
    Path file = dir.resolve("f" + FILES.incrementAndGet() + ".csv");
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.writeBytes(" a,b ,c,d,e\n".getBytes(UTF_8));
    out.writeBytes(body);
    Files.write(file, out.toByteArray());
    CsvSource source = CsvSource.builder(file, SCHEMA).skipMalformedRows(skip).build();
    List<Column> columns =
        List.of(SCHEMA.columns().get(2), SCHEMA.columns().get(0), SCHEMA.columns().get(1));
    Set<String> nonEmptyColumns =
        switch (nonEmpty) {
          case 0 -> Set.of();
          case 1 -> Set.of("a");
          default -> Set.of("d");
        };
    Outcome sequential = read(source, columns, nonEmptyColumns, batchSize, null);
    Outcome ranged =
        read(
            source,
            columns,
            nonEmptyColumns,
            batchSize,
            new CsvRanges.Tuning(rangeBytes, threads, ahead));
    assertEquals(sequential.failure, ranged.failure);
    assertEquals(sequential.report, ranged.report);
    if (sequential.failure.isEmpty()) {
      assertEquals(sequential.rows, ranged.rows);
    } else {
      // Before failing, the sequential parser drops the rows of the batch it was filling, and a
      // scan in ranges those of the range that fails: both read a beginning of the same rows.
      int common = Math.min(sequential.rows.size(), ranged.rows.size());
      assertEquals(sequential.rows.subList(0, common), ranged.rows.subList(0, common));
    }
    Files.delete(file);
  }

  /** The rows read, the failure (class and message) or "", and the report of skipped rows. */
  record Outcome(List<String> rows, String failure, String report) {}

  private static Outcome read(
      CsvSource source,
      List<Column> columns,
      Set<String> nonEmpty,
      int batchSize,
      CsvRanges.Tuning tuning) {
    MalformedRowLog log = new MalformedRowLog(source.name(), NOPLogger.NOP_LOGGER);
    List<String> rows = new ArrayList<>();
    String failure = "";
    try (Scan scan = CsvScan.open(source, columns, nonEmpty, batchSize, log, tuning)) {
      for (Optional<ColumnBatch> b = scan.next(); b.isPresent(); b = scan.next()) {
        ColumnBatch batch = b.get();
        assertTrue(batch.rowCount() <= batchSize);
        for (int r = 0; r < batch.rowCount(); r++) {
          rows.add(
              Double.doubleToRawLongBits(batch.doubles(0)[r])
                  + "|"
                  + batch.strings(1)[r]
                  + "|"
                  + batch.longs(2)[r]);
        }
      }
    } catch (DataSourceException e) {
      failure = e.getClass().getSimpleName() + ": " + e.getMessage();
    }
    return new Outcome(rows, failure, log.report().toString());
  }

  @Provide
  Arbitrary<byte[]> bodies() {
    Arbitrary<String> a = Arbitraries.of("u1", " u2 ", "", "é", "x\"y", "\"q\"", "\"a,\nb\"");
    Arbitrary<String> b =
        Arbitraries.of(
            "12",
            "-3",
            " 7 ",
            "",
            "x",
            "+",
            "9223372036854775807",
            "-9223372036854775808",
            "9223372036854775808",
            "99999999999999999999",
            "0012",
            "١٢");
    Arbitrary<String> c =
        Arbitraries.of(
            "1.5",
            "",
            "2d",
            "0x1p3",
            "0X1P3",
            "1e5",
            "NaN",
            "-0",
            ".5",
            "1.",
            "-Infinity",
            "12345678901234567",
            "0.1234567890123456",
            "0.1",
            " 3.25\t",
            "1.2.3",
            "+0.7",
            "--1");
    Arbitrary<String> d = Arbitraries.of("q", "", " ");
    Arbitrary<String> eol = Arbitraries.of("\n", "\n", "\n", "\r\n", "\r");
    Arbitrary<String> row =
        net.jqwik.api.Combinators.combine(a, b, c, d, Arbitraries.integers().between(0, 12))
            .as(
                (va, vb, vc, vd, shape) ->
                    switch (shape) {
                      case 0 -> va + "," + vb; // too few fields
                      case 1 -> va + "," + vb + "," + vc + "," + vd + ",e,f"; // too many
                      case 2 -> ""; // an empty line
                      default -> va + "," + vb + "," + vc + "," + vd + ",e";
                    });
    Arbitrary<String> line = net.jqwik.api.Combinators.combine(row, eol).as((r, e) -> r + e);
    Arbitrary<byte[]> text =
        line.list()
            .ofMaxSize(30)
            .map(
                lines -> {
                  StringBuilder s = new StringBuilder();
                  lines.forEach(s::append);
                  return s.toString().getBytes(UTF_8);
                });
    return text.flatMap(
        t ->
            Arbitraries.integers()
                .between(0, 9)
                .flatMap(
                    kind ->
                        Arbitraries.integers()
                            .between(0, Math.max(0, t.length - 1))
                            .map(at -> mutate(t, kind, at))));
  }

  /** Mostly the text as it is; sometimes with an invalid UTF-8 byte, or without its last byte. */
  private static byte[] mutate(byte[] t, int kind, int at) {
    if (t.length == 0 || kind > 1) {
      return t;
    }
    byte[] m = t.clone();
    if (kind == 0) {
      m[at] = (byte) 0xFF;
      return m;
    }
    return java.util.Arrays.copyOf(m, m.length - 1);
  }
}
