package dev.cleanroom.internal.execution;

import static dev.cleanroom.internal.execution.PushdownScenarios.sameRows;
import static dev.cleanroom.internal.execution.PushdownScenarios.userId;
import static dev.cleanroom.internal.execution.PushdownScenarios.values;
import static dev.cleanroom.query.Dsl.col;
import static dev.cleanroom.query.Dsl.count;
import static dev.cleanroom.query.Dsl.countDistinctUsers;
import static dev.cleanroom.query.Dsl.sum;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.cleanroom.CleanRoom;
import dev.cleanroom.DataSourceException;
import dev.cleanroom.Dataset;
import dev.cleanroom.Policy;
import dev.cleanroom.QueryFailedException;
import dev.cleanroom.UserIdFormat;
import dev.cleanroom.internal.execution.PushdownDatabases.Db;
import dev.cleanroom.internal.execution.PushdownDatabases.Tracking;
import dev.cleanroom.jdbc.JdbcSource;
import dev.cleanroom.query.Explanation;
import dev.cleanroom.query.FinalStage;
import dev.cleanroom.query.Result;
import dev.cleanroom.spi.AuditEvent;
import dev.cleanroom.spi.DataSource;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The pushed-down statement is safe with hostile names and values: identifiers with quotes,
 * semicolons, comments and Unicode are quoted (and names that are not valid column names are left
 * out), values are bound and match exactly, only one row per group leaves the database, a failing
 * database gives a {@link DataSourceException} with the source name and SQL state and no values,
 * and every connection is closed. On H2, DuckDB and PostgreSQL (skipped when unreachable, failing
 * instead when {@code CI=true}).
 */
class PushdownSafetyTest {
  private static final AtomicInteger TABLES = new AtomicInteger();
  private static final Map<Kind, Db> DBS = new EnumMap<>(Kind.class);

  /** The databases under test. */
  enum Kind {
    H2,
    DUCKDB,
    POSTGRESQL
  }

  private static synchronized Db db(Kind kind) throws Exception {
    Db db = DBS.get(kind);
    if (db == null) {
      db =
          switch (kind) {
            case H2 -> PushdownDatabases.h2();
            case DUCKDB -> PushdownDatabases.duckdb();
            case POSTGRESQL -> postgres();
          };
      DBS.put(kind, db);
    }
    return db;
  }

  private static Db postgres() throws SQLException {
    Optional<String> why = PushdownDatabases.postgresUnreachable();
    if (why.isPresent()) {
      if (PushdownDatabases.ci()) {
        fail(why.get() + "; failing instead of skipping because CI=true");
      }
      Assumptions.abort(why.get() + "; skipping the PostgreSQL tests");
    }
    return PushdownDatabases.postgres();
  }

  @AfterAll
  static void close() throws Exception {
    for (Db db : DBS.values()) {
      db.close();
    }
    DBS.clear();
  }

  /** Table names that break naive SQL, and names of the statement's own CTEs. */
  private static final List<String> HOSTILE_TABLES =
      List.of(
          "t\"; DROP TABLE victim; --",
          "t' OR '1'='1",
          "t/*x*/--y",
          "tä日本😀",
          "t`b``",
          "c",
          "ranked",
          "select");

  /** Values that break naive SQL, matched exactly. */
  private static final List<String> HOSTILE_VALUES =
      List.of(
          "'; DROP TABLE victim; --",
          "' OR '1'='1",
          "\\",
          "?",
          "$1",
          "%",
          "_",
          "a'b",
          "/*",
          "😀",
          "\"x\"");

  /**
   * Creates a table with hostile and keyword column names: {@code uid}, {@code select} (text),
   * {@code pid} (whole number, also an alias of the statement), {@code m0} (metric, also an alias),
   * and two columns whose names are not valid column names and are left out.
   */
  private static void createTable(Db db, String table, List<Object[]> rows) throws SQLException {
    db.execute(
        "CREATE TABLE "
            + db.quote(table)
            + " ("
            + db.quote("uid")
            + " VARCHAR(64) NOT NULL, "
            + db.quote("select")
            + " VARCHAR(40), "
            + db.quote("pid")
            + " BIGINT NOT NULL, "
            + db.quote("m0")
            + " DOUBLE PRECISION, "
            + db.quote("x; DROP TABLE victim; --")
            + " VARCHAR(8), "
            + db.quote("q\"u`o'te")
            + " VARCHAR(8))");
    List<Object[]> full = new ArrayList<>();
    for (Object[] r : rows) {
      full.add(new Object[] {r[0], r[1], r[2], r[3], "zz_x", "zz_q"});
    }
    db.insert(db.quote(table), full);
  }

  /** Twelve people: all in group (a, 1), some also in (a, 2), (b, 1) or (b, 2). */
  private static List<Object[]> someRows() {
    List<Object[]> rows = new ArrayList<>();
    for (int u = 0; u < 12; u++) {
      rows.add(new Object[] {userId(u), u % 2 == 0 ? "a" : "b", (long) (1 + u % 3 / 2), u * 1.5});
      rows.add(new Object[] {userId(u), "a", 1L, u % 4 == 0 ? null : 2.0});
    }
    return rows;
  }

  private static Dataset dataset(String owner, String name, DataSource source) {
    return Dataset.builder(owner, name)
        .source(source)
        .userId("uid", UserIdFormat.PSEUDONYMIZED)
        .dimensions("select", "pid")
        .metric("m0", 0, 10)
        .policy(
            Policy.builder()
                .withoutDifferenceChecks()
                .allowAnalysts("an")
                .allowJoinOn("uid")
                .minDistinctUsers(2)
                .maxGroupsPerUser(10)
                .maxContributionsPerGroup(2)
                .build())
        .build();
  }

  /** Every audit event of the rooms of this class: failure details go here, under an incident. */
  private static final List<AuditEvent> AUDIT = new CopyOnWriteArrayList<>();

  /** The details of a failure that the room's sink got under the analyst's incident id. */
  private static String details(QueryFailedException e) {
    return AUDIT.stream()
        .filter(a -> a.incidentId().equals(Optional.of(e.incidentId())))
        .findFirst()
        .orElseThrow()
        .reason();
  }

  private static CleanRoom room(Dataset... datasets) {
    CleanRoom room = CleanRoom.builder().auditSink(AUDIT::add).build();
    for (Dataset d : datasets) {
      room.register(d);
    }
    return room;
  }

  private static boolean pushedDown(Explanation e) {
    return e.plan().stream().anyMatch(step -> step.contains("WITH d0 AS ("));
  }

  private static void assertVictimExists(Db db) throws SQLException {
    try (Connection c = db.dataSource().getConnection();
        ResultSet rs =
            c.createStatement().executeQuery("SELECT COUNT(*) FROM " + db.quote("victim"))) {
      assertTrue(rs.next());
      assertEquals(1, rs.getLong(1));
    }
  }

  private static void createVictim(Db db) throws SQLException {
    db.execute(
        "DROP TABLE IF EXISTS " + db.quote("victim"),
        "CREATE TABLE " + db.quote("victim") + " (" + db.quote("x") + " BIGINT)",
        "INSERT INTO " + db.quote("victim") + " VALUES (1)");
  }

  /** Runs a query pushed down and streamed; asserts pushdown happened and both agree. */
  private static Result compare(
      CleanRoom pushed, CleanRoom streamed, Function<CleanRoom, FinalStage> query) {
    Explanation e = query.apply(pushed).explain();
    assertTrue(pushedDown(e), () -> "not pushed down: " + e.plan());
    Result p = query.apply(pushed).run();
    Result s = query.apply(streamed).run();
    assertTrue(
        sameRows(values(p.rows()), values(s.rows())),
        () -> "pushdown " + p.rows() + "\nstreaming " + s.rows());
    return p;
  }

  @ParameterizedTest
  @EnumSource(Kind.class)
  void hostileTableNames_areQuoted_andPushdownEqualsStreaming(Kind kind) throws Exception {
    Db db = db(kind);
    createVictim(db);
    for (String table : HOSTILE_TABLES) {
      db.execute("DROP TABLE IF EXISTS " + db.quote(table));
      createTable(db, table, someRows());
      JdbcSource js = JdbcSource.builder(db.dataSource(), table).build();
      assertEquals(List.of("uid", "select", "pid", "m0"), js.schema().names(), table);
      CleanRoom pushed = room(dataset("pub", "t", js));
      CleanRoom streamed = room(dataset("pub", "t", PushdownDatabases.streamed(js)));
      Result r =
          compare(
              pushed,
              streamed,
              room ->
                  room.as("an")
                      .from("pub.t")
                      .where(col("select").ne("zz").or(col("pid").gt(0L)))
                      .groupBy("select", "pid")
                      .select(countDistinctUsers(), count()));
      // Counts push down (a threshold sum stays in the engine). Groups (a,1): 12 people; (a,2): 2;
      // (b,1): 4; (b,2): 2 (see someRows).
      assertEquals(4, r.size(), () -> table + ": " + r.rows());
      assertEquals(12L, r.rows().get(0).getLong("distinct_users"), table);
      db.execute("DROP TABLE " + db.quote(table));
    }
    assertVictimExists(db);
  }

  @ParameterizedTest
  @EnumSource(Kind.class)
  void hostileSchemaName_isQuoted_andPushdownEqualsStreaming(Kind kind) throws Exception {
    Db db = db(kind);
    createVictim(db);
    String schema = "s\"; DROP TABLE victim; --ü" + TABLES.incrementAndGet();
    String table = "t/*" + TABLES.incrementAndGet();
    db.execute("CREATE SCHEMA " + db.quote(schema));
    String qualified = db.quote(schema) + "." + db.quote(table);
    db.execute(
        "CREATE TABLE "
            + qualified
            + " ("
            + db.quote("uid")
            + " VARCHAR(64) NOT NULL, "
            + db.quote("select")
            + " VARCHAR(40), "
            + db.quote("pid")
            + " BIGINT NOT NULL, "
            + db.quote("m0")
            + " DOUBLE PRECISION)");
    db.insert(qualified, someRows());
    JdbcSource js = JdbcSource.builder(db.dataSource(), table).schema(schema).build();
    assertEquals(qualified, js.tableSql());
    Result r =
        compare(
            room(dataset("pub", "t", js)),
            room(dataset("pub", "t", PushdownDatabases.streamed(js))),
            room ->
                room.as("an")
                    .from("pub.t")
                    .where(col("select").in("a", "b"))
                    .groupBy("pid")
                    .select(countDistinctUsers(), count()));
    assertEquals(2, r.size(), r::toString);
    db.execute("DROP TABLE " + qualified, "DROP SCHEMA " + db.quote(schema));
    assertVictimExists(db);
  }

  @ParameterizedTest
  @EnumSource(Kind.class)
  void hostileTableNames_inAJoin_pushdownEqualsStreaming(Kind kind) throws Exception {
    Db db = db(kind);
    createVictim(db);
    String a = HOSTILE_TABLES.get(0) + TABLES.incrementAndGet();
    String b = HOSTILE_TABLES.get(3) + TABLES.incrementAndGet();
    createTable(db, a, someRows());
    createTable(db, b, someRows().subList(0, 14));
    JdbcSource ja = JdbcSource.builder(db.dataSource(), a).build();
    JdbcSource jb = JdbcSource.builder(db.dataSource(), b).build();
    CleanRoom pushed = room(dataset("pub", "x", ja), dataset("adv", "y", jb));
    CleanRoom streamed =
        room(
            dataset("pub", "x", PushdownDatabases.streamed(ja)),
            dataset("adv", "y", PushdownDatabases.streamed(jb)));
    Result r =
        compare(
            pushed,
            streamed,
            room ->
                room.as("an")
                    .from("pub.x")
                    .join("adv.y")
                    .onUserId()
                    .where(col("x.select").eq("a").or(col("y.pid").eq(2L)))
                    .groupBy("x.select", "y.pid")
                    .select(countDistinctUsers(), count()));
    assertTrue(r.size() > 0, r::toString);
    db.execute("DROP TABLE " + db.quote(a), "DROP TABLE " + db.quote(b));
    assertVictimExists(db);
  }

  @ParameterizedTest
  @EnumSource(Kind.class)
  void hostileValues_areBound_andMatchExactly(Kind kind) throws Exception {
    Db db = db(kind);
    createVictim(db);
    String table = "vals" + TABLES.incrementAndGet();
    List<Object[]> rows = new ArrayList<>();
    int u = 0;
    for (int i = 0; i < HOSTILE_VALUES.size(); i++) {
      String v = HOSTILE_VALUES.get(i);
      // i + 2 people hold the value exactly; one more holds a near miss.
      for (int p = 0; p < i + 2; p++, u++) {
        rows.add(new Object[] {userId(u), v, 1L, 1.0});
      }
      rows.add(new Object[] {userId(u++), v + " ", 1L, 1.0});
      rows.add(new Object[] {userId(u++), "x" + v, 1L, 1.0});
    }
    createTable(db, table, rows);
    JdbcSource js = JdbcSource.builder(db.dataSource(), table).build();
    CleanRoom pushed = room(dataset("pub", "t", js));
    CleanRoom streamed = room(dataset("pub", "t", PushdownDatabases.streamed(js)));
    for (int i = 0; i < HOSTILE_VALUES.size(); i++) {
      String v = HOSTILE_VALUES.get(i);
      Result eq =
          compare(
              pushed,
              streamed,
              room ->
                  room.as("an")
                      .from("pub.t")
                      .where(col("select").eq(v))
                      .groupBy("select")
                      .select(countDistinctUsers()));
      assertEquals(1, eq.size(), v);
      assertEquals(v, eq.rows().get(0).getString("select"));
      assertEquals(i + 2L, eq.rows().get(0).getLong("distinct_users"), v);
      Result in =
          compare(
              pushed,
              streamed,
              room ->
                  room.as("an")
                      .from("pub.t")
                      .where(col("select").in(v, "zz_none"))
                      .select(countDistinctUsers()));
      assertEquals(i + 2L, in.rows().get(0).getLong("distinct_users"), v);
    }
    db.execute("DROP TABLE " + db.quote(table));
    assertVictimExists(db);
  }

  @ParameterizedTest
  @EnumSource(Kind.class)
  void pushdown_fetchesOneRowPerGroup_notPerPerson(Kind kind) throws Exception {
    Db db = db(kind);
    String table = "rows" + TABLES.incrementAndGet();
    List<Object[]> rows = new ArrayList<>();
    for (int u = 0; u < 60; u++) {
      for (int r = 0; r < 3; r++) {
        rows.add(new Object[] {userId(u), "g" + (u % 4), 1L, 1.0});
      }
    }
    // One person alone in a fifth group: it comes back from the database, and k suppresses it.
    rows.add(new Object[] {userId(99), "rare", 1L, 1.0});
    createTable(db, table, rows);
    Tracking tracking = new Tracking(db.dataSource());
    JdbcSource js = JdbcSource.builder(tracking, table).build();
    CleanRoom pushed = room(dataset("pub", "t", js));
    Function<CleanRoom, FinalStage> grouped =
        room -> room.as("an").from("pub.t").groupBy("select").select(countDistinctUsers());
    Explanation e = grouped.apply(pushed).explain();
    String statement = e.plan().get(e.plan().size() - 1);
    assertTrue(statement.endsWith(" GROUP BY k0"), statement);
    Result r = grouped.apply(pushed).run();
    assertEquals(4, r.size());
    assertEquals(5, fetched(tracking), "one row per group crosses the wire, of 181 rows");
    Result total = pushed.as("an").from("pub.t").select(countDistinctUsers(), count()).run();
    assertEquals(61L, total.rows().get(0).getLong("distinct_users"));
    assertEquals(1, fetched(tracking), "one row without grouping");
    // The counter sees every row of a streamed scan.
    CleanRoom streamed = room(dataset("pub", "t", PushdownDatabases.streamed(js)));
    assertEquals(r.rows(), grouped.apply(streamed).run().rows());
    assertEquals(
        181,
        tracking.rowsBySql().values().stream().mapToInt(Integer::intValue).max().orElseThrow());
    assertEquals(0, tracking.openConnections(), "connections left open");
    db.execute("DROP TABLE " + db.quote(table));
  }

  /** The rows fetched by the last pushed-down statement. */
  private static int fetched(Tracking tracking) {
    List<String> prepared = tracking.prepared();
    String last = null;
    for (String sql : prepared) {
      if (sql.startsWith("WITH ")) {
        last = sql;
      }
    }
    assertTrue(last != null, () -> "no pushed-down statement among " + prepared);
    return tracking.rowsBySql().get(last);
  }

  @ParameterizedTest
  @EnumSource(Kind.class)
  void failingDatabase_givesDataSourceException_withSourceAndSqlState_noValues(Kind kind)
      throws Exception {
    Db db = db(kind);
    String table = "gone" + TABLES.incrementAndGet();
    createTable(db, table, someRows());
    Tracking tracking = new Tracking(db.dataSource());
    JdbcSource js = JdbcSource.builder(tracking, table).name("warehouse_orders").build();
    CleanRoom pushed = room(dataset("pub", "t", js));
    db.execute("DROP TABLE " + db.quote(table));
    QueryFailedException e =
        assertThrows(
            QueryFailedException.class,
            () ->
                pushed
                    .as("an")
                    .from("pub.t")
                    .where(col("select").eq("zz_secret_value"))
                    .groupBy("select")
                    .select(countDistinctUsers())
                    .run());
    assertEquals("query failed; incident " + e.incidentId(), e.getMessage());
    String message = details(e);
    assertTrue(message.startsWith("data source warehouse_orders"), message);
    assertTrue(message.contains("warehouse_orders"), message);
    assertTrue(message.contains("SQL state "), message);
    if (kind != Kind.DUCKDB) {
      // DuckDB's driver reports no SQL state.
      assertTrue(Pattern.compile("SQL state [0-9A-Z]{5}").matcher(message).find(), message);
    }
    for (String leak : List.of("zz_secret_value", "WITH", "SELECT", table, userId(0))) {
      assertFalse(message.contains(leak), () -> "[" + leak + "] in " + message);
    }
    assertNull(e.getCause(), "the driver's exception may hold values");
    assertEquals(0, e.getSuppressed().length);
    assertEquals(0, tracking.openConnections(), "connection left open after a failure");
  }

  @ParameterizedTest
  @EnumSource(Kind.class)
  void connections_areClosed_afterQueriesAndFailures(Kind kind) throws Exception {
    Db db = db(kind);
    String table = "conn" + TABLES.incrementAndGet();
    createTable(db, table, someRows());
    Tracking tracking = new Tracking(db.dataSource());
    JdbcSource js = JdbcSource.builder(tracking, table).build();
    CleanRoom pushed = room(dataset("pub", "t", js));
    for (int i = 0; i < 10; i++) {
      pushed
          .as("an")
          .from("pub.t")
          .where(col("pid").ge(i % 3))
          .groupBy("select")
          .select(countDistinctUsers(), sum("m0"))
          .run();
      pushed.as("an").from("pub.t").select(count()).explain();
    }
    int opened = tracking.openedConnections();
    assertTrue(opened >= 10, () -> "connections opened: " + opened);
    assertEquals(0, tracking.openConnections(), "connections left open");
    // A failure while reading the result: a NULL in a grouped whole-number column.
    db.execute(
        "ALTER TABLE " + db.quote(table) + " ADD COLUMN " + db.quote("ln") + " BIGINT",
        "UPDATE " + db.quote(table) + " SET " + db.quote("ln") + " = 1");
    db.execute(
        "UPDATE "
            + db.quote(table)
            + " SET "
            + db.quote("ln")
            + " = NULL WHERE "
            + db.quote("pid")
            + " = 2");
    JdbcSource withNull = JdbcSource.builder(tracking, table).build();
    CleanRoom room =
        room(
            Dataset.builder("pub", "n")
                .source(withNull)
                .userId("uid", UserIdFormat.PSEUDONYMIZED)
                .dimension("ln")
                .policy(
                    Policy.builder()
                        .withoutDifferenceChecks()
                        .allowAnalysts("an")
                        .minDistinctUsers(2)
                        .maxGroupsPerUser(10)
                        .build())
                .build());
    QueryFailedException e =
        assertThrows(
            QueryFailedException.class,
            () -> room.as("an").from("pub.n").groupBy("ln").select(countDistinctUsers()).run());
    assertFalse(details(e).contains(userId(0)), details(e));
    assertEquals(0, tracking.openConnections(), "connection left open after a failed read");
    db.execute("DROP TABLE " + db.quote(table));
  }
}
