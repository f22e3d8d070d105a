package dev.cleanroom.internal.execution;

import static dev.cleanroom.internal.execution.PushdownScenarios.userId;
import static dev.cleanroom.query.Dsl.avg;
import static dev.cleanroom.query.Dsl.col;
import static dev.cleanroom.query.Dsl.countDistinctUsers;
import static dev.cleanroom.query.Dsl.sum;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cleanroom.CleanRoom;
import dev.cleanroom.Dataset;
import dev.cleanroom.Policy;
import dev.cleanroom.QueryFailedException;
import dev.cleanroom.UserIdFormat;
import dev.cleanroom.dp.KeyedRank;
import dev.cleanroom.internal.execution.PushdownDatabases.Db;
import dev.cleanroom.internal.room.Room;
import dev.cleanroom.jdbc.JdbcSource;
import dev.cleanroom.query.FinalStage;
import dev.cleanroom.spi.AuditEvent;
import dev.cleanroom.spi.DataSource;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Function;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Failing reproductions of pushdown bugs (not committed). */
class PushdownRegressionTest {
  static Db open(String kind) throws Exception {
    return switch (kind) {
      case "h2" -> PushdownDatabases.h2();
      case "duckdb" -> PushdownDatabases.duckdb();
      default -> {
        // The shared PostgreSQL rule: skipped where no server is reachable, failing under CI=true.
        Optional<String> unreachable = PushdownDatabases.postgresUnreachable();
        Assumptions.assumeTrue(
            PushdownDatabases.ci() || unreachable.isEmpty(), () -> unreachable.orElse(""));
        yield PushdownDatabases.postgresOrFail();
      }
    };
  }

  /** The threshold-only policy of these tests: analyst "an", k = 2, no difference checks. */
  static Policy.Builder policy() {
    return Policy.builder().withoutDifferenceChecks().allowAnalysts("an").minDistinctUsers(2);
  }

  static Room room(String dim, int l0, DataSource src) {
    Room room = (Room) CleanRoom.builder().auditSink(e -> {}).build();
    room.useRanksForTesting(() -> KeyedRank.forTestingWithSalt(new byte[32]));
    room.register(
        Dataset.builder("pub", "t")
            .source(src)
            .userId("uid", UserIdFormat.PSEUDONYMIZED)
            .dimension(dim)
            .metric("m", 1, 10)
            .policy(policy().maxGroupsPerUser(l0).build())
            .build());
    return room;
  }

  /** Pushed-down and streamed answers (or failures) of one query over one table. */
  static List<String> both(
      Db db, String ddl, List<Object[]> rows, String dim, int l0, Function<CleanRoom, FinalStage> q)
      throws Exception {
    db.execute("CREATE TABLE \"t\" (" + ddl + ")");
    db.insert("\"t\"", rows);
    JdbcSource js = JdbcSource.builder(db.dataSource(), "t").build();
    List<String> out = new ArrayList<>();
    for (DataSource src : List.of(js, PushdownDatabases.streamed(js))) {
      try {
        out.add(q.apply(room(dim, l0, src)).run().rows().toString());
      } catch (QueryFailedException e) {
        out.add("QueryFailedException");
      }
    }
    db.close();
    return out;
  }

  /**
   * Bug 1: GREATEST/LEAST skip NULL on DuckDB and PostgreSQL; a NULL metric summed as 1. A NaN is a
   * missing value too (databases order it above every number, so it summed as the upper bound);
   * infinities clamp to the bounds.
   */
  @ParameterizedTest
  @ValueSource(strings = {"h2", "duckdb", "postgres"})
  void missingMetric_isNotSummed(String kind) throws Exception {
    List<Object[]> rows = new ArrayList<>();
    rows.add(new Object[] {userId(1), "x", 5.0});
    rows.add(new Object[] {userId(2), "x", null});
    rows.add(new Object[] {userId(2), "x", 3.0});
    rows.add(new Object[] {userId(3), "x", Double.NaN});
    rows.add(new Object[] {userId(4), "x", Double.POSITIVE_INFINITY});
    rows.add(new Object[] {userId(5), "x", Double.NEGATIVE_INFINITY});
    rows.add(new Object[] {userId(6), "x", Double.NaN});
    rows.add(new Object[] {userId(6), "x", 2.0});
    List<String> r =
        both(
            open(kind),
            "\"uid\" VARCHAR(64) NOT NULL, \"d\" VARCHAR(5), \"m\" DOUBLE PRECISION",
            rows,
            "d",
            5,
            room -> room.as("an").from("pub.t").select(sum("m"), avg("m")));
    // 5 + 3 + 10 + 1 + 2 over the five people with a value, pushed down and streamed.
    assertEquals(List.of("[[21.0, 4.2]]", "[[21.0, 4.2]]"), r);
  }

  /**
   * A NaN compares as a missing value: only "not equal" holds for it, as in memory; a missing
   * DOUBLE is a group of its own.
   */
  @ParameterizedTest
  @ValueSource(strings = {"h2", "duckdb", "postgres"})
  void nanFilterAndKey_asInMemory(String kind) throws Exception {
    List<Object[]> rows = new ArrayList<>();
    for (int i = 0; i < 12; i++) {
      // 2.0, NaN or NULL: the engine reads NULL as NaN, a missing value.
      Double d = i % 3 == 0 ? Double.valueOf(2.0) : i % 3 == 1 ? Double.valueOf(Double.NaN) : null;
      rows.add(new Object[] {userId(i), d, 1.0});
    }
    for (Function<CleanRoom, FinalStage> q :
        List.<Function<CleanRoom, FinalStage>>of(
            room ->
                room.as("an")
                    .from("pub.t")
                    .where(col("d").gt(1.0))
                    .select(countDistinctUsers(), sum("m")),
            room ->
                room.as("an")
                    .from("pub.t")
                    .where(col("d").eq(2.0).not())
                    .select(countDistinctUsers(), sum("m")),
            room ->
                room.as("an")
                    .from("pub.t")
                    .where(col("d").ge(2.0).or(col("d").lt(2.0)))
                    .select(countDistinctUsers()),
            room -> room.as("an").from("pub.t").groupBy("d").select(countDistinctUsers()))) {
      List<String> r =
          both(
              open(kind),
              "\"uid\" VARCHAR(64) NOT NULL, \"d\" DOUBLE PRECISION, \"m\" DOUBLE PRECISION",
              rows,
              "d",
              5,
              q);
      assertEquals(r.get(1), r.get(0));
    }
  }

  /**
   * A NULL in a whole-number column that a query reads (grouped, filtered or summed) is malformed
   * data: it fails every query that reads the column, whatever the query's filter, on both paths,
   * so that whether a query fails never tells whether the rows behind its filter hold one.
   */
  @ParameterizedTest
  @ValueSource(strings = {"h2", "duckdb", "postgres"})
  void nullWholeNumber_failsWhateverTheFilter(String kind) throws Exception {
    List<Object[]> rows = new ArrayList<>();
    for (int i = 0; i < 16; i++) {
      rows.add(new Object[] {userId(i), i < 8 ? "w" : "e", i < 8 ? 1L : 2L, 1L});
    }
    rows.add(new Object[] {userId(8), "e", null, 1L});
    rows.add(new Object[] {userId(9), "e", 2L, null});
    try (Db db = open(kind)) {
      db.execute(
          "CREATE TABLE \"t\" (\"uid\" VARCHAR(64) NOT NULL, \"r\" VARCHAR(5), \"d\" BIGINT,"
              + " \"m\" BIGINT)");
      db.insert("\"t\"", rows);
      JdbcSource js = JdbcSource.builder(db.dataSource(), "t").build();
      for (DataSource src : List.of(js, PushdownDatabases.streamed(js))) {
        Room room = (Room) CleanRoom.builder().auditSink(e -> {}).build();
        room.register(
            Dataset.builder("pub", "t")
                .source(src)
                .userId("uid", UserIdFormat.PSEUDONYMIZED)
                .dimension("r")
                .dimension("d")
                .metric("m", 0, 10)
                .policy(policy().build())
                .build());
        if (src == js) {
          // explain() shows the count that runs first.
          assertTrue(
              room
                  .as("an")
                  .from("pub.t")
                  .groupBy("d")
                  .select(countDistinctUsers())
                  .explain()
                  .plan()
                  .stream()
                  .anyMatch(step -> step.startsWith("first, the NULLs of [d] in the whole table")),
              "explain");
        }
        for (String region : List.of("w", "e")) {
          List<FinalStage> reading =
              List.of(
                  room.as("an")
                      .from("pub.t")
                      .where(col("r").eq(region))
                      .groupBy("d")
                      .select(countDistinctUsers()),
                  room.as("an")
                      .from("pub.t")
                      .where(col("r").eq(region).and(col("d").ge(0)))
                      .select(countDistinctUsers()),
                  room.as("an").from("pub.t").where(col("r").eq(region)).select(sum("m")));
          for (FinalStage q : reading) {
            assertThrows(QueryFailedException.class, q::run, src + " " + region + " " + q.spec());
          }
        }
        // A query that reads neither column is answered.
        assertEquals(
            "[[8]]",
            room.as("an")
                .from("pub.t")
                .where(col("r").eq("w"))
                .select(countDistinctUsers())
                .run()
                .rows()
                .toString());
      }
    }
  }

  /** Bug 2: PostgreSQL CHAR(n) equality ignores padding in SQL, not in Java. */
  @ParameterizedTest
  @ValueSource(strings = {"postgres"})
  void charColumnEquality(String kind) throws Exception {
    List<Object[]> rows = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      rows.add(new Object[] {userId(i), "a", 1.0});
    }
    List<String> r =
        both(
            open(kind),
            "\"uid\" VARCHAR(64) NOT NULL, \"d\" CHAR(3), \"m\" DOUBLE PRECISION",
            rows,
            "d",
            5,
            room ->
                room.as("an")
                    .from("pub.t")
                    .where(col("d").eq("a"))
                    .groupBy("d")
                    .select(countDistinctUsers()));
    assertEquals(r.get(1), r.get(0)); // [[a  , 4]] vs []
  }

  /** Bug 3: a NULL whole-number group hashes to NULL, sorts last, and silently vanishes. */
  @ParameterizedTest
  @ValueSource(strings = {"h2", "duckdb", "postgres"})
  void nullWholeNumberGroup_failsWhateverL0(String kind) throws Exception {
    List<Object[]> rows = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      rows.add(new Object[] {userId(i), 1L, 1.0});
      rows.add(new Object[] {userId(i), null, 1.0});
    }
    List<String> r =
        both(
            open(kind),
            "\"uid\" VARCHAR(64) NOT NULL, \"d\" BIGINT, \"m\" DOUBLE PRECISION",
            rows,
            "d",
            1,
            room -> room.as("an").from("pub.t").groupBy("d").select(countDistinctUsers()));
    assertEquals(
        List.of("QueryFailedException", "QueryFailedException"), r); // [[1, 4]] on PG/DuckDB
  }

  /**
   * DOUBLE group keys are written as text differently by each database, so the keyed choice of
   * groups may differ from the engine's (documented); it must still keep exactly L0 groups per
   * person.
   */
  @ParameterizedTest
  @ValueSource(strings = {"h2", "duckdb", "postgres"})
  void doubleKeys_keepL0GroupsPerPerson(String kind) throws Exception {
    List<Object[]> rows = new ArrayList<>();
    double[] keys = {1.0, 2.5, 1e7, 0.1, 100.0, -3.0};
    int u = 0;
    for (double k : keys) {
      for (int i = 0; i < 2; i++, u++) {
        rows.add(new Object[] {userId(u), k, 1.0});
      }
    }
    for (int h = 0; h < 30; h++, u++) {
      for (double k : keys) {
        rows.add(new Object[] {userId(u), k, 1.0});
      }
    }
    List<String> r =
        both(
            open(kind),
            "\"uid\" VARCHAR(64) NOT NULL, \"d\" DOUBLE PRECISION NOT NULL, \"m\" DOUBLE PRECISION",
            rows,
            "d",
            1,
            room -> room.as("an").from("pub.t").groupBy("d").select(countDistinctUsers()));
    // 42 people, each in exactly one group after the cut to L0 = 1, in both paths.
    for (String result : r) {
      long users = 0;
      java.util.regex.Matcher m = java.util.regex.Pattern.compile(", (\\d+)\\]").matcher(result);
      while (m.find()) {
        users += Long.parseLong(m.group(1));
      }
      assertEquals(42, users, result);
    }
  }

  /** Bug 5: the failure of the second dataset's table is reported under the first source. */
  @ParameterizedTest
  @ValueSource(strings = {"h2", "duckdb", "postgres"})
  void failingSecondTable_namesItsSource(String kind) throws Exception {
    Db db = open(kind);
    db.execute(
        "CREATE TABLE \"ta\" (\"uid\" VARCHAR(64), \"d\" VARCHAR(5), \"m\" DOUBLE PRECISION)",
        "CREATE TABLE \"tb\" (\"uid\" VARCHAR(64), \"e\" VARCHAR(5), \"m\" DOUBLE PRECISION)");
    JdbcSource a = JdbcSource.builder(db.dataSource(), "ta").name("source_a").build();
    JdbcSource b = JdbcSource.builder(db.dataSource(), "tb").name("source_b").build();
    List<AuditEvent> audit = new CopyOnWriteArrayList<>();
    Room room = (Room) CleanRoom.builder().auditSink(audit::add).build();
    for (var d :
        List.of(
            Dataset.builder("pub", "a")
                .source(a)
                .userId("uid", UserIdFormat.PSEUDONYMIZED)
                .dimension("d")
                .policy(policy().allowJoinOn("uid").build())
                .build(),
            Dataset.builder("adv", "b")
                .source(b)
                .userId("uid", UserIdFormat.PSEUDONYMIZED)
                .dimension("e")
                .policy(policy().allowJoinOn("uid").build())
                .build())) {
      room.register(d);
    }
    db.execute("DROP TABLE \"tb\"");
    assertThrows(
        QueryFailedException.class,
        () ->
            room.as("an")
                .from("pub.a")
                .join("adv.b")
                .onUserId()
                .select(countDistinctUsers())
                .run());
    db.close();
    String details = audit.get(audit.size() - 1).reason(); // the room's sink: no owner sinks
    assertTrue(
        details.contains("source_b") || details.contains("source_a, source_b"),
        details); // "data source source_a: SQL state 42P01 (error 0)"
    assertTrue(!details.contains("SQL state null"), details); // DuckDB
  }
}
