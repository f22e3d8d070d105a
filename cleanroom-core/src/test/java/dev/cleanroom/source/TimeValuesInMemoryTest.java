package dev.cleanroom.source;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.cleanroom.Column;
import dev.cleanroom.ColumnType;
import dev.cleanroom.Schema;
import java.time.Instant;
import java.time.LocalDate;
import java.util.List;
import org.junit.jupiter.api.Test;

/** In-memory and columnar sources take days, instants and truth values in range, and no other. */
class TimeValuesInMemoryTest {
  private static final Schema SCHEMA =
      Schema.of(Column.string("uid"), Column.date("day"), Column.timestamp("ts"), Column.bool("f"));

  record Visit(String uid, LocalDate day, Instant ts, boolean f) {}

  @Test
  void records_mapToTheTimeTypes() {
    InMemorySource s =
        InMemorySource.ofRecords(
            "v",
            Visit.class,
            List.of(new Visit("a", LocalDate.of(2024, 2, 29), Instant.EPOCH, true)));
    assertEquals(
        List.of(ColumnType.STRING, ColumnType.DATE, ColumnType.TIMESTAMP, ColumnType.BOOLEAN),
        s.schema().columns().stream().map(Column::type).toList());
  }

  @Test
  void valuesOutOfRangeOrOfAnotherType_areRefused_withoutTheValue() {
    Object[][] bad = {
      {"a", LocalDate.of(10_000, 1, 1), Instant.EPOCH, true},
      {"a", LocalDate.of(0, 12, 31), Instant.EPOCH, true},
      {"a", LocalDate.EPOCH, Instant.parse("2024-01-01T00:00:00.000000001Z"), true},
      {"a", LocalDate.EPOCH, Instant.parse("+10000-01-01T00:00:00Z"), true},
      {"a", "2024-01-01", Instant.EPOCH, true},
      {"a", LocalDate.EPOCH, 0L, true},
      {"a", LocalDate.EPOCH, Instant.EPOCH, 1L},
    };
    for (Object[] row : bad) {
      IllegalArgumentException e =
          assertThrows(
              IllegalArgumentException.class,
              () -> InMemorySource.builder("v", SCHEMA).addRow(row));
      assertFalse(
          e.getMessage().contains("2024") || e.getMessage().contains("10000"), e.getMessage());
    }
  }

  @Test
  void columnarLongs_areCheckedAgainstTheirType() {
    assertThrows(
        IllegalArgumentException.class,
        () ->
            ColumnarSource.builder("v", Schema.of(Column.bool("f")), 1).longs("f", new long[] {2}));
    assertThrows(
        IllegalArgumentException.class,
        () ->
            ColumnarSource.builder("v", Schema.of(Column.date("d")), 1)
                .longs("d", new long[] {LocalDate.of(10_000, 1, 1).toEpochDay()}));
    ColumnarSource.builder("v", Schema.of(Column.date("d")), 1)
        .longs("d", new long[] {LocalDate.of(9999, 12, 31).toEpochDay()});
  }
}
