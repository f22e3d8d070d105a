package dev.cleanroom.internal.execution;

import static dev.cleanroom.query.Dsl.col;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cleanroom.ColumnType;
import dev.cleanroom.InvalidQueryException;
import dev.cleanroom.jdbc.SqlDialect;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Days, instants and truth values reach a database only as bound whole numbers, compared with the
 * whole numbers the dialect computes from the column; dialects whose computation is not tested here
 * compute none, so such queries stream.
 */
class TimeValuesSqlTest {
  @Test
  void dateInstantAndBooleanValues_areBoundAsWholeNumbers_neverWrittenIntoTheText() {
    List<Object> params = new ArrayList<>();
    String sql =
        SqlConditions.compile(
            List.of(
                col("day").between(LocalDate.of(2024, 2, 29), LocalDate.of(2024, 3, 1)),
                col("ts").lt(Instant.parse("1969-12-31T23:59:59.999999Z")),
                col("flag").eq(true)),
            name ->
                new SqlConditions.SqlColumn(
                    name,
                    switch (name) {
                      case "day" -> ColumnType.DATE;
                      case "ts" -> ColumnType.TIMESTAMP;
                      default -> ColumnType.BOOLEAN;
                    }),
            params);
    assertEquals(
        List.of(
            LocalDate.of(2024, 2, 29).toEpochDay(), LocalDate.of(2024, 3, 1).toEpochDay(), -1L, 1L),
        params);
    assertFalse(sql.contains("2024") || sql.contains("1969") || sql.contains("true"), sql);
    assertEquals(4, sql.chars().filter(c -> c == '?').count(), sql);
  }

  @Test
  void aValueOfAnotherType_isRefused() {
    assertThrows(
        InvalidQueryException.class,
        () ->
            SqlConditions.compile(
                List.of(col("day").eq("2024-01-01")),
                name -> new SqlConditions.SqlColumn(name, ColumnType.DATE),
                new ArrayList<>()));
  }

  @Test
  void onlyTestedDialects_computeHeldValues() {
    for (SqlDialect d : SqlDialect.values()) {
      boolean tested = d == SqlDialect.H2 || d == SqlDialect.DUCKDB || d == SqlDialect.POSTGRESQL;
      for (ColumnType t : List.of(ColumnType.DATE, ColumnType.TIMESTAMP, ColumnType.BOOLEAN)) {
        assertEquals(tested, d.heldAsLong("c", t).isPresent(), d + " " + t);
      }
    }
    assertTrue(SqlDialect.SPARK.heldAsLong("c", ColumnType.DATE).isEmpty());
    assertThrows(
        IllegalArgumentException.class, () -> SqlDialect.H2.heldAsLong("c", ColumnType.LONG));
  }
}
