package dev.cleanroom.internal.execution;

import static dev.cleanroom.query.Dsl.col;
import static dev.cleanroom.query.Dsl.countDistinctUsers;
import static dev.cleanroom.query.Dsl.month;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cleanroom.CleanRoom;
import dev.cleanroom.Dataset;
import dev.cleanroom.Policy;
import dev.cleanroom.QueryFailedException;
import dev.cleanroom.UserIdFormat;
import dev.cleanroom.internal.value.TypedValues;
import dev.cleanroom.jdbc.JdbcSource;
import dev.cleanroom.query.ExecutionPath;
import dev.cleanroom.query.FinalStage;
import dev.cleanroom.spi.AuditEvent;
import dev.cleanroom.spi.DataSource;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/**
 * A date or timestamp that a row-by-row read rejects (outside the years 1 to 9999; in H2, finer
 * than microseconds) fails every query that reads its column, pushed down or streamed, whatever the
 * filter: a pushed-down statement released it (a group of year 10000, nanoseconds cut off), and a
 * streamed scan whose filter ran in the database failed only when the filter reached its row.
 */
class MalformedTimeValuesTest {
  /** Ten people on 2024-01-15 in region "x", two with {@code odd} in region "z". */
  private static JdbcSource table(PushdownDatabases.Db db, String sqlType, String odd, String ok)
      throws Exception {
    String t = "odd_" + System.nanoTime();
    db.execute(
        "CREATE TABLE "
            + t
            + " ("
            + db.quote("uid")
            + " VARCHAR(100), "
            + db.quote("g")
            + " VARCHAR(10), "
            + db.quote("v")
            + " "
            + sqlType
            + ")");
    StringBuilder rows = new StringBuilder("INSERT INTO " + t + " VALUES ");
    for (int u = 0; u < 10; u++) {
      rows.append(u == 0 ? "" : ", ").append("('u").append(u).append("@x.com', 'x', ").append(ok);
      rows.append(")");
    }
    rows.append(", ('odd1@x.com', 'z', ").append(odd).append("), ('odd2@x.com', 'z', ");
    rows.append(odd).append(")");
    db.execute(rows.toString());
    return JdbcSource.builder(db.dataSource(), t).build();
  }

  /** The reasons the owner's audit recorded for each query on {@code src}, which all fail. */
  private static void failsAlike(DataSource src, ExecutionPath.Kind path, String reason) {
    List<AuditEvent> audit = new CopyOnWriteArrayList<>();
    try (CleanRoom room = CleanRoom.builder().auditSink(audit::add).build()) {
      room.register(
          Dataset.builder("o", "t")
              .source(src)
              .userId("uid", UserIdFormat.EMAIL)
              .dimensions("g", "v")
              .policy(Policy.builder().allowAnalysts("a").minDistinctUsers(2).build())
              .build());
      for (FinalStage q :
          List.of(
              room.as("a").from("o.t").groupBy(month("v")).select(countDistinctUsers()),
              // The filter keeps only rows without the odd value.
              room.as("a")
                  .from("o.t")
                  .where(col("g").eq("x"))
                  .groupBy(month("v"))
                  .select(countDistinctUsers()))) {
        assertEquals(path, q.explain().path().orElseThrow().kind());
        assertThrows(QueryFailedException.class, q::run);
      }
    }
    long withReason = audit.stream().filter(e -> e.reason().contains(reason)).count();
    assertTrue(withReason >= 2, () -> reason + " not audited: " + audit);
  }

  private static void check(PushdownDatabases.Db db, String type, String odd, String ok, String r)
      throws Exception {
    JdbcSource src = table(db, type, odd, ok);
    failsAlike(src, ExecutionPath.Kind.PUSHED_DOWN, r);
    failsAlike(PushdownDatabases.streamed(src), ExecutionPath.Kind.STREAMED, r);
  }

  @Test
  void h2_aDateAfter9999_andATimestampFinerThanMicroseconds_failEveryQuery() throws Exception {
    try (PushdownDatabases.Db db = PushdownDatabases.h2()) {
      check(db, "DATE", "DATE '10000-01-01'", "DATE '2024-01-15'", TypedValues.OUT_OF_TIME_RANGE);
      check(
          db,
          "TIMESTAMP(9)",
          "TIMESTAMP '2024-01-15 10:00:00.123456789'",
          "TIMESTAMP '2024-01-15 10:00:00'",
          TypedValues.FINER_THAN_MICROSECONDS);
    }
  }

  @Test
  void duckDb_aDateAfter9999_andATimestampBeforeYear1_failEveryQuery() throws Exception {
    try (PushdownDatabases.Db db = PushdownDatabases.duckdb()) {
      check(db, "DATE", "DATE '10000-01-01'", "DATE '2024-01-15'", TypedValues.OUT_OF_TIME_RANGE);
      check(
          db,
          "TIMESTAMP",
          "TIMESTAMP '0000-12-31 10:00:00'",
          "TIMESTAMP '2024-01-15 10:00:00'",
          TypedValues.OUT_OF_TIME_RANGE);
    }
  }
}
