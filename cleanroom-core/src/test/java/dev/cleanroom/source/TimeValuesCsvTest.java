package dev.cleanroom.source;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cleanroom.Column;
import dev.cleanroom.DataSourceException;
import dev.cleanroom.Schema;
import dev.cleanroom.spi.ColumnBatch;
import dev.cleanroom.spi.Scan;
import dev.cleanroom.spi.ScanRequest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * How CSV sources read DATE, TIMESTAMP and BOOLEAN fields, on the streamed and the columnar path:
 * ISO-8601 by default, a declared pattern per column, and one fixed reason per malformed value on
 * both paths, never the value.
 */
class TimeValuesCsvTest {
  private static final Schema SCHEMA =
      Schema.of(
          Column.string("uid"), Column.date("day"), Column.timestamp("ts"), Column.bool("flag"));

  @TempDir Path dir;

  @Test
  void isoValues_areReadAsDaysMicrosecondsAndTruthValues() throws Exception {
    Path csv =
        write(
            "uid,day,ts,flag",
            "a, 2024-02-29 ,2024-02-29T23:59:59.999999Z,TRUE",
            "b,0001-01-01,1969-12-31T23:00:00-01:00,false",
            "c,9999-12-31,2021-01-03T10:15:30,tRuE");
    List<long[]> expected =
        List.of(
            new long[] {
              LocalDate.of(2024, 2, 29).toEpochDay(),
              micros(Instant.parse("2024-02-29T23:59:59.999999Z")),
              1
            },
            new long[] {LocalDate.of(1, 1, 1).toEpochDay(), 0, 0},
            new long[] {
              LocalDate.of(9999, 12, 31).toEpochDay(),
              micros(Instant.parse("2021-01-03T10:15:30Z")),
              1
            });
    assertRows(expected, CsvSource.of(csv, SCHEMA));
    assertRows(expected, ColumnarSource.readCsv("v", csv, SCHEMA));
  }

  @Test
  void declaredPatterns_readDaysAndInstantsInUtc() throws Exception {
    Path csv = write("uid,day,ts,flag", "a,29.02.2024,2024-02-29 13:45:00,false");
    Map<String, String> formats = Map.of("day", "dd.MM.yyyy", "ts", "uuuu-MM-dd HH:mm:ss");
    CsvSource.Builder b = CsvSource.builder(csv, SCHEMA);
    formats.forEach(b::format);
    List<long[]> expected =
        List.of(
            new long[] {
              LocalDate.of(2024, 2, 29).toEpochDay(),
              micros(Instant.parse("2024-02-29T13:45:00Z")),
              0
            });
    assertRows(expected, b.build());
    assertRows(expected, ColumnarSource.readCsv("v", csv, SCHEMA, formats));
  }

  @Test
  void malformedValues_haveTheSameReasonsOnBothPaths_andNoValue() throws Exception {
    String[][] cases = {
      {"a,2024-02-30,2024-01-01T00:00:00Z,true", "day", "not a date in the column's format"},
      {"a,secret-day,2024-01-01T00:00:00Z,true", "day", "not a date in the column's format"},
      {"a,,2024-01-01T00:00:00Z,true", "day", "empty value"},
      {
        "a,+10000-01-01,2024-01-01T00:00:00Z,true",
        "day",
        "a date or time outside the years 1 to 9999"
      },
      {
        "a,2024-01-01,2024-01-01T00:00:00.123456789Z,true",
        "ts",
        "a timestamp finer than microseconds"
      },
      {
        "a,2024-01-01,0000-12-31T23:00:00Z,true", "ts", "a date or time outside the years 1 to 9999"
      },
      {"a,2024-01-01,2024-01-01,true", "ts", "not a timestamp in the column's format"},
      {"a,2024-01-01,2024-01-01T00:00:00Z,yes", "flag", "not true or false"},
      {"a,2024-01-01,2024-01-01T00:00:00Z,fal\u017Fe", "flag", "not true or false"},
      {"a,2024-01-01,2024-01-01T00:00:00Z,1", "flag", "not true or false"},
    };
    for (String[] c : cases) {
      Path csv = write("uid,day,ts,flag", "ok,2024-01-01,2024-01-01T00:00:00Z,false", c[0]);
      CsvSource skipping = CsvSource.builder(csv, SCHEMA).skipMalformedRows(true).build();
      assertEquals(1, drain(skipping).size(), c[0]);
      MalformedRows report = skipping.malformedRows();
      assertEquals(1, report.skippedRows(), c[0]);
      assertEquals(new MalformedRows.Row(3, c[1], c[2]), report.rows().get(0), c[0]);
      DataSourceException streamed =
          assertThrows(DataSourceException.class, () -> drain(CsvSource.of(csv, SCHEMA)));
      DataSourceException columnar =
          assertThrows(DataSourceException.class, () -> ColumnarSource.readCsv("v", csv, SCHEMA));
      for (DataSourceException e : List.of(streamed, columnar)) {
        assertEquals(c[1], e.column(), c[0]);
        assertTrue(e.getMessage().endsWith(c[2]), c[0] + ": " + e.getMessage());
        assertFalse(e.getMessage().contains("secret"), e.getMessage());
      }
    }
  }

  @Test
  void formats_areCheckedByBuild() {
    Path csv = dir.resolve("x.csv");
    assertThrows(
        IllegalArgumentException.class,
        () -> CsvSource.builder(csv, SCHEMA).format("flag", "uuuu").build());
    assertThrows(
        IllegalArgumentException.class,
        () -> CsvSource.builder(csv, SCHEMA).format("missing", "uuuu").build());
    assertThrows(
        IllegalArgumentException.class,
        () -> CsvSource.builder(csv, SCHEMA).format("day", "uuuu-{").build());
    assertThrows(
        IllegalStateException.class,
        () -> CsvSource.builder(csv, SCHEMA).format("day", "uuuu").format("day", "uuuu"));
  }

  private Path write(String... lines) throws Exception {
    Path p = Files.createTempFile(dir, "t", ".csv");
    return Files.writeString(p, String.join("\n", lines) + "\n");
  }

  private static long micros(Instant t) {
    return t.getEpochSecond() * 1_000_000 + t.getNano() / 1000;
  }

  private static void assertRows(List<long[]> expected, dev.cleanroom.spi.DataSource source) {
    List<long[]> rows = drain(source);
    assertEquals(expected.size(), rows.size());
    for (int i = 0; i < rows.size(); i++) {
      assertEquals(
          List.of(expected.get(i)[0], expected.get(i)[1], expected.get(i)[2]),
          List.of(rows.get(i)[0], rows.get(i)[1], rows.get(i)[2]),
          "row " + i);
    }
  }

  private static List<long[]> drain(dev.cleanroom.spi.DataSource source) {
    List<long[]> out = new ArrayList<>();
    try (Scan scan = source.scan(ScanRequest.of(List.of("uid", "day", "ts", "flag")))) {
      for (Optional<ColumnBatch> b = scan.next(); b.isPresent(); b = scan.next()) {
        ColumnBatch batch = b.get();
        for (int r = 0; r < batch.rowCount(); r++) {
          out.add(new long[] {batch.longs(1)[r], batch.longs(2)[r], batch.longs(3)[r]});
        }
      }
    }
    return out;
  }
}
