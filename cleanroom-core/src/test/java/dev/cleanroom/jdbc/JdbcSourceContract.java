package dev.cleanroom.jdbc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cleanroom.Column;
import dev.cleanroom.DataSourceException;
import dev.cleanroom.Schema;
import dev.cleanroom.internal.room.CapturedLogs;
import dev.cleanroom.query.Condition;
import dev.cleanroom.query.Condition.Op;
import dev.cleanroom.spi.ColumnBatch;
import dev.cleanroom.spi.Scan;
import dev.cleanroom.spi.ScanRequest;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.opentest4j.TestAbortedException;

/**
 * What every database must do for {@link JdbcSource}: the subclasses run these tests on H2, DuckDB
 * and PostgreSQL, each with its own type table. All tables are real; nothing is mocked.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class JdbcSourceContract {
  static final String LOGGER = JdbcSource.class.getName();

  /**
   * Text values that would break SQL built by concatenation; each holds a marker for log checks.
   */
  static final List<String> HOSTILE =
      List.of(
          "VALUE-SECRET plain",
          "VALUE-SECRET it's",
          "VALUE-SECRET say \"hi\"",
          "VALUE-SECRET a;b; SELECT 1",
          "VALUE-SECRET -- comment",
          "VALUE-SECRET /* open",
          "VALUE-SECRET close */",
          "'); DROP TABLE sentinel; -- VALUE-SECRET",
          "VALUE-SECRET ünïcödé 日本語 😀 \u202Eltr",
          "VALUE-SECRET back\\slash %_ tab\there\nnew line",
          "VALUE-SECRET ${x} ? :p $1");

  TestDatabase db;

  /** Opens the database of the subclass. */
  abstract TestDatabase open() throws Exception;

  /** Column definitions for a table of many types. */
  abstract String typeColumnsDdl();

  /** The schema {@link JdbcSource} should read for the type table. */
  abstract List<Column> expectedTypeSchema();

  /** The columns of the type table that should be left out, as the database names them. */
  abstract List<String> expectedLeftOut();

  /** Why the database is not available, if it is not (a PostgreSQL server outside CI). */
  private String skipReason;

  @BeforeAll
  void openDatabase() throws Exception {
    try {
      db = open();
    } catch (TestAbortedException e) {
      // Skip each test with the reason, so that every one is reported as skipped.
      skipReason = e.getMessage();
    }
  }

  @AfterAll
  void closeDatabase() throws Exception {
    if (db != null) {
      db.close();
    }
  }

  @BeforeEach
  void clearLogs() {
    Assumptions.assumeTrue(skipReason == null, skipReason);
    CapturedLogs.clear();
  }

  /** Whether CHAR(n) is a fixed-length, blank-padded type (not so in DuckDB). */
  boolean charIsFixedLength() {
    return true;
  }

  /** An unquoted identifier as the database stores it. */
  String f(String unquoted) {
    return db.fold(unquoted);
  }

  JdbcSource source(String table) {
    return JdbcSource.builder(db.dataSource(), table).build();
  }

  @Test
  void schema_fromMetadata_mapsTypesAndLeavesOthersOut() throws SQLException {
    db.execute("CREATE TABLE types_t (" + typeColumnsDdl() + ")");
    JdbcSource s = source("types_t");

    assertEquals(new Schema(expectedTypeSchema()), s.schema());
    assertEquals(db.dialect(), s.dialect());
    assertEquals(
        db.dialect().quote(db.schema()) + "." + db.dialect().quote(f("types_t")), s.tableSql());
    assertEquals("types_t", s.name());
    assertTrue(s.capabilities().filterPushdown());
    assertEquals(Optional.empty(), s.version());
    assertEquals(JdbcSource.DEFAULT_FETCH_SIZE, s.fetchSize());
    List<String> debug = CapturedLogs.linesOf(LOGGER);
    for (String leftOut : expectedLeftOut()) {
      assertTrue(
          debug.stream().anyMatch(l -> l.startsWith("DEBUG") && l.contains("[" + leftOut + "]")),
          leftOut + " should be logged as left out: " + debug);
      assertFalse(s.schema().column(leftOut).isPresent(), leftOut);
    }
  }

  @Test
  void identifiers_unquotedNames_areFoundInAnyCase() throws SQLException {
    db.execute("CREATE TABLE Case_T (Some_Col BIGINT)");
    for (String given : List.of("case_t", "CASE_T", "Case_T")) {
      JdbcSource s = source(given);
      assertEquals(List.of(f("Some_Col")), s.schema().names(), given);
      assertEquals(db.dialect().quote(f("Some_Col")), s.column(f("Some_Col")));
    }
    for (String schema :
        List.of(db.schema().toLowerCase(Locale.ROOT), db.schema().toUpperCase(Locale.ROOT))) {
      JdbcSource s = JdbcSource.builder(db.dataSource(), "case_t").schema(schema).build();
      assertEquals(
          db.dialect().quote(db.schema()) + "." + db.dialect().quote(f("Case_T")), s.tableSql());
    }
  }

  @Test
  void tableName_likeWildcards_matchOnlyThatTable() throws SQLException {
    db.execute("CREATE TABLE \"w_t%\" (p BIGINT)", "CREATE TABLE \"wxtyz\" (q VARCHAR(5))");
    JdbcSource s = source("w_t%");
    assertEquals(List.of(f("p")), s.schema().names());
  }

  @Test
  void values_roundTrip_boundSafely() throws SQLException {
    db.execute(
        "CREATE TABLE sentinel (x INTEGER)",
        "INSERT INTO sentinel VALUES (1)",
        "CREATE TABLE rt (id BIGINT NOT NULL, s VARCHAR(200), l BIGINT, d DOUBLE PRECISION,"
            + " n DECIMAL(20,3))");
    long[] longs = {Long.MIN_VALUE, Long.MAX_VALUE, 0, -1, 42};
    double[] doubles = {1e-300, -1.5, Double.MAX_VALUE, 0.1, 12345.678};
    List<Object[]> rows = new ArrayList<>();
    List<List<Object>> expected = new ArrayList<>();
    for (int i = 0; i < HOSTILE.size(); i++) {
      long l = longs[i % longs.length];
      double d = doubles[i % doubles.length];
      java.math.BigDecimal n =
          new java.math.BigDecimal("123456789.125").negate().add(java.math.BigDecimal.valueOf(i));
      rows.add(new Object[] {(long) i, HOSTILE.get(i), l, d, n});
      expected.add(List.of(HOSTILE.get(i), (long) i, l, d, n.doubleValue()));
    }
    db.insert("rt", rows);

    JdbcSource s = source("rt");
    List<List<Object>> got = Scans.rows(s, f("s"), f("id"), f("l"), f("d"), f("n"));
    got.sort(Comparator.comparing(r -> (Long) r.get(1)));
    assertEquals(expected, got);

    // Every hostile value as a pushed-down filter value finds exactly its own row.
    for (int i = 0; i < HOSTILE.size(); i++) {
      Condition c = new Condition.Comparison(f("s"), Op.EQ, HOSTILE.get(i));
      List<List<Object>> hit =
          Scans.rows(s, new ScanRequest(List.of(f("id")), Set.of(), List.of(c), 10));
      assertEquals(List.of(List.of((long) i)), hit, HOSTILE.get(i));
    }
    assertEquals(List.of(List.of(1L)), Scans.rows(source("sentinel"), f("x")));
    for (String line : CapturedLogs.lines()) {
      assertFalse(line.contains("VALUE-SECRET"), line);
    }
  }

  @Test
  void identifiers_hostileSchemaTableAndColumnNames_areQuoted() throws SQLException {
    SqlDialect q = db.dialect();
    String schema = "sch\"em'a; --/* ü";
    String table = "ta\"ble'; DROP TABLE sentinel2; -- /* */ %_\\";
    db.execute(
        "CREATE TABLE sentinel2 (x INTEGER)",
        "INSERT INTO sentinel2 VALUES (7)",
        "CREATE SCHEMA " + q.quote(schema),
        "CREATE TABLE "
            + q.quote(schema)
            + "."
            + q.quote(table)
            + " (\"select\" BIGINT NOT NULL, \"from\" VARCHAR(60), \"Mixed_Case\" DOUBLE PRECISION,"
            + " \"a_b\" BIGINT, \"bad name; --\" BIGINT, \"x\"\"y\" VARCHAR(5))");
    try {
      db.insert(
          q.quote(schema) + "." + q.quote(table),
          List.of(
              new Object[] {1L, HOSTILE.get(1), 1.5, 10L, 100L, "v1"},
              new Object[] {2L, HOSTILE.get(3), 2.5, 20L, 200L, "v2"},
              new Object[] {3L, HOSTILE.get(7), 3.5, 30L, 300L, "v3"}));

      JdbcSource s = JdbcSource.builder(db.dataSource(), table).schema(schema).build();

      assertEquals(
          Schema.of(
              Column.int64("select"),
              Column.string("from"),
              Column.float64("Mixed_Case"),
              Column.int64("a_b")),
          s.schema());
      assertEquals(q.quote(schema) + "." + q.quote(table), s.tableSql());
      assertEquals(table, s.name());
      assertEquals(q.quote("select"), s.column("select"));
      List<String> debug = CapturedLogs.linesOf(LOGGER);
      assertTrue(debug.stream().anyMatch(l -> l.contains("[bad name; --]")), debug.toString());
      assertTrue(debug.stream().anyMatch(l -> l.contains("[x\"y]")), debug.toString());

      Condition c =
          new Condition.And(
              List.of(
                  new Condition.Comparison("select", Op.GE, 2L),
                  new Condition.In("from", List.of(HOSTILE.get(3), HOSTILE.get(7)))));
      assertTrue(JdbcFilters.compile(List.of(c), q, s::jdbcColumn).complete());
      List<List<Object>> got =
          Scans.rows(
              s,
              new ScanRequest(
                  List.of("a_b", "Mixed_Case", "from", "select"), Set.of("from"), List.of(c), 1));
      got.sort(Comparator.comparing(r -> (Long) r.get(3)));
      assertEquals(
          List.of(List.of(20L, 2.5, HOSTILE.get(3), 2L), List.of(30L, 3.5, HOSTILE.get(7), 3L)),
          got);
      assertEquals(List.of(List.of(7L)), Scans.rows(source("sentinel2"), f("x")));
    } finally {
      db.execute("DROP SCHEMA " + q.quote(schema) + " CASCADE");
    }
  }

  @Test
  void nulls_textIsEmpty_doubleIsNaN_longFails() throws SQLException {
    db.execute(
        "CREATE TABLE nl (id BIGINT NOT NULL, s VARCHAR(10), l BIGINT, d DOUBLE PRECISION,"
            + " n DECIMAL(5,1))",
        "INSERT INTO nl VALUES (1, NULL, 5, NULL, NULL)",
        "INSERT INTO nl VALUES (2, 'x', NULL, 1.5, 2.5)");
    JdbcSource s = source("nl");

    List<List<Object>> got = Scans.rows(s, f("id"), f("s"), f("d"), f("n"));
    got.sort(Comparator.comparing(r -> (Long) r.get(0)));
    assertEquals(List.of(List.of(1L, "", Double.NaN, Double.NaN), List.of(2L, "x", 1.5, 2.5)), got);

    DataSourceException e =
        assertThrows(DataSourceException.class, () -> Scans.rows(s, f("id"), f("l")));
    assertEquals("nl", e.source());
    assertEquals(f("l"), e.column());
    // Found by the count of NULLs that runs before the scan, wherever it is: no row ordinal.
    assertEquals("data source nl, column [" + f("l") + "]: NULL in a LONG column", e.getMessage());
  }

  @Test
  void nonEmptyColumns_nullOrBlank_skipTheRow() throws SQLException {
    db.execute(
        "CREATE TABLE ne_null (id BIGINT NOT NULL, u VARCHAR(10), v DOUBLE PRECISION)",
        "INSERT INTO ne_null VALUES (1, 'u1', 1.0)",
        "INSERT INTO ne_null VALUES (2, NULL, NULL)",
        "CREATE TABLE ne_blank (id BIGINT NOT NULL, u VARCHAR(10))",
        "INSERT INTO ne_blank VALUES (1, 'u1')",
        "INSERT INTO ne_blank VALUES (2, ' \t ')");
    for (String table : List.of("ne_null", "ne_blank")) {
      JdbcSource s = source(table);
      // A row without a user id belongs to no person: skipped (never an error, which would tell
      // whether the rows behind a pushed filter hold one), whether or not the id is requested.
      for (List<String> columns : List.of(List.of(f("u"), f("id")), List.of(f("id")))) {
        ScanRequest r = new ScanRequest(columns, Set.of(f("u")), List.of(), 100);
        List<List<Object>> rows = Scans.rows(s, r);
        assertEquals(1, rows.size(), table);
        assertEquals(1L, rows.get(0).get(columns.indexOf(f("id"))), table);
      }
      // Without the rule, NULL and blank text are read as they are.
      assertEquals(2, Scans.rows(s, f("u")).size());
    }
    JdbcSource s = source("ne_null");
    ScanRequest r = new ScanRequest(List.of(f("id")), Set.of(f("v")), List.of(), 100);
    assertEquals(List.of(List.of(1L)), Scans.rows(s, r));
  }

  @Test
  void batches_haveTheRequestedSize() throws SQLException {
    createNumbers("nums", 2500, -1);
    JdbcSource s = source("nums");
    assertEquals(List.of(1000, 1000, 500), Scans.batchSizes(s, request(1000)));
    assertEquals(List.of(1250, 1250), Scans.batchSizes(s, request(1250)));
    // Larger than the initial arrays: they grow.
    assertEquals(List.of(2500), Scans.batchSizes(s, request(5000)));
    List<List<Object>> rows =
        Scans.rows(s, new ScanRequest(List.of(f("l"), f("id")), Set.of(), List.of(), 999));
    assertEquals(2500, rows.size());
    Set<Long> ids = rows.stream().map(r -> (Long) r.get(1)).collect(Collectors.toSet());
    assertEquals(2500, ids.size());
    for (List<Object> row : rows) {
      assertEquals((Long) row.get(1) * 10, row.get(0));
    }
  }

  @Test
  void scan_unknownColumns_areCallerErrors() throws SQLException {
    db.execute("CREATE TABLE uk (id BIGINT NOT NULL)");
    JdbcSource s = source("uk");
    Condition bad = new Condition.Comparison("nope", Op.EQ, 1L);
    Condition badInOr =
        new Condition.Or(List.of(new Condition.Comparison(f("id"), Op.NE, 1L), bad));
    // The first operand cannot be pushed (text against a LONG column), so the OR is TRUE; the
    // column of the second is still checked.
    Condition badAfterTrue =
        new Condition.Or(List.of(new Condition.Comparison(f("id"), Op.EQ, "text"), bad));
    List<ScanRequest> requests =
        List.of(
            ScanRequest.of(List.of("nope")),
            new ScanRequest(List.of(f("id")), Set.of("nope"), List.of(), 10),
            new ScanRequest(List.of(f("id")), Set.of(), List.of(bad), 10),
            new ScanRequest(List.of(f("id")), Set.of(), List.of(badInOr.not()), 10),
            new ScanRequest(List.of(f("id")), Set.of(), List.of(badAfterTrue), 10));
    for (ScanRequest r : requests) {
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> s.scan(r));
      assertEquals(
          "column [nope] not found in source uk; its columns are: [" + f("id") + "]",
          e.getMessage());
    }
    assertThrows(IllegalArgumentException.class, () -> s.column("nope"));
    assertThrows(NullPointerException.class, () -> s.scan(null));
  }

  @Test
  void connections_areClosed_afterTheEnd_earlyClose_failureAndOpenFailure() throws SQLException {
    // The source is built while column ln is NOT NULL; the table is then made again with a NULL in
    // row 2000, which the source, trusting the metadata it read, meets only in the middle of a
    // scan.
    db.execute("CREATE TABLE conn_t (id BIGINT NOT NULL, l BIGINT NOT NULL, ln BIGINT NOT NULL)");
    TrackingDataSource tracking = new TrackingDataSource(db.dataSource());
    JdbcSource s = JdbcSource.builder(tracking, "conn_t").build();
    db.execute("DROP TABLE conn_t");
    createNumbers("conn_t", 2500, 2000);
    assertEquals(1, tracking.openedConnections());
    assertEquals(0, tracking.openConnections());

    // To the end: released as soon as the rows are exhausted, before close().
    try (Scan scan = s.scan(request(1000))) {
      assertEquals(1, tracking.openConnections());
      int rows = 0;
      for (Optional<ColumnBatch> b = scan.next(); b.isPresent(); b = scan.next()) {
        rows += b.get().rowCount();
      }
      assertEquals(2500, rows);
      assertEquals(0, tracking.openConnections());
      assertEquals(Optional.empty(), scan.next());
    }

    // Closed early, twice.
    Scan early = s.scan(request(1000));
    assertEquals(1000, early.next().orElseThrow().rowCount());
    early.close();
    early.close();
    assertEquals(0, tracking.openConnections());
    assertThrows(IllegalStateException.class, early::next);

    // A failure in the middle: the NULL in row 2000 is in the second batch.
    ScanRequest withNull = new ScanRequest(List.of(f("id"), f("ln")), Set.of(), List.of(), 1000);
    try (Scan failing = s.scan(withNull)) {
      assertEquals(1000, failing.next().orElseThrow().rowCount());
      assertThrows(DataSourceException.class, failing::next);
      assertEquals(0, tracking.openConnections());
      assertThrows(IllegalStateException.class, failing::next);
    }

    // A failure when the scan starts: a source that knows ln may hold NULL counts them first.
    JdbcSource counting = JdbcSource.builder(tracking, "conn_t").build();
    DataSourceException nulls =
        assertThrows(DataSourceException.class, () -> counting.scan(withNull));
    assertEquals(
        "data source conn_t, column [" + f("ln") + "]: NULL in a LONG column", nulls.getMessage());
    assertEquals(0, tracking.openConnections());

    // A failure when the query starts: the table is gone.
    db.execute("DROP TABLE conn_t");
    DataSourceException e = assertThrows(DataSourceException.class, () -> s.scan(request(10)));
    assertTrue(e.getMessage().startsWith("data source conn_t: SQL state "), e.getMessage());
    assertEquals(0, tracking.openConnections());

    // Building against a missing table closes its connection too.
    assertThrows(
        IllegalArgumentException.class, () -> JdbcSource.builder(tracking, "conn_t").build());
    assertEquals(0, tracking.openConnections());
    assertEquals(8, tracking.openedConnections());
  }

  @Test
  void concurrentScans_eachUseTheirOwnConnection() throws Exception {
    createNumbers("conc_t", 3000, -1);
    TrackingDataSource tracking = new TrackingDataSource(db.dataSource());
    JdbcSource s = JdbcSource.builder(tracking, "conc_t").build();
    ExecutorService pool = Executors.newFixedThreadPool(8);
    try {
      List<Future<List<List<Object>>>> results = new ArrayList<>();
      for (int i = 0; i < 8; i++) {
        ScanRequest r = request(100 + 37 * i);
        results.add(pool.submit(() -> Scans.rows(s, r)));
      }
      for (Future<List<List<Object>>> r : results) {
        Set<Object> ids = new HashSet<>();
        r.get(30, TimeUnit.SECONDS).forEach(row -> ids.add(row.get(0)));
        assertEquals(3000, ids.size());
      }
    } finally {
      pool.shutdownNow();
    }
    assertEquals(9, tracking.openedConnections());
    assertEquals(0, tracking.openConnections());
  }

  @Test
  void sqlErrors_carryTheStateButNeitherMessageNorValues() throws SQLException {
    db.execute(
        "CREATE TABLE bad_src (s VARCHAR(20))",
        "INSERT INTO bad_src VALUES ('secret-7')",
        "CREATE VIEW bad_v AS SELECT CAST(s AS INTEGER) AS n FROM bad_src");
    // The driver's own message echoes the value; the source's must not.
    SQLException raw =
        assertThrows(
            SQLException.class,
            () -> {
              try (Connection c = db.dataSource().getConnection();
                  PreparedStatement ps = c.prepareStatement("SELECT * FROM bad_v");
                  ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                  rs.getLong(1);
                }
              }
            });
    assertTrue(raw.getMessage().contains("secret-7"), raw.getMessage());

    TrackingDataSource tracking = new TrackingDataSource(db.dataSource());
    JdbcSource s = JdbcSource.builder(tracking, "bad_v").build();
    assertEquals(Schema.of(Column.int64(f("n"))), s.schema());
    DataSourceException e = assertThrows(DataSourceException.class, () -> Scans.rows(s, f("n")));
    assertTrue(
        e.getMessage().matches("data source bad_v: SQL state \\S+ \\(error -?\\d+\\)"),
        e.getMessage());
    assertNull(e.getCause());
    assertFalse(describe(e).contains("secret"), describe(e));
    assertEquals(0, tracking.openConnections());
  }

  @Test
  void sha256Hex_ofABoundString_equalsJava() throws Exception {
    String expression = db.dialect().sha256Hex("?").orElseThrow();
    try (Connection c = db.dataSource().getConnection();
        PreparedStatement ps = c.prepareStatement("SELECT " + expression)) {
      for (String in : List.of("abc", "", "Grüße, 世界 😀", "user@example.com", HOSTILE.get(7))) {
        ps.setString(1, in);
        try (ResultSet rs = ps.executeQuery()) {
          assertTrue(rs.next());
          assertEquals(sha256Hex(in), rs.getString(1), in);
        }
      }
    }
  }

  /** A filter example: the condition, and whether every comparison of it can be pushed down. */
  record Example(Condition condition, boolean complete) {}

  List<Example> filterExamples() {
    String l = f("l");
    String ln = f("ln");
    String s = f("s");
    String sn = f("sn");
    String c = f("c");
    String d = f("d");
    String dn = f("dn");
    String r = f("r");
    Condition l7 = new Condition.Comparison(l, Op.EQ, 7L);
    Condition sA = new Condition.Comparison(s, Op.EQ, "a");
    Condition sLtB = new Condition.Comparison(s, Op.LT, "b");
    Condition snA = new Condition.Comparison(sn, Op.EQ, "a");
    return List.of(
        new Example(l7, true),
        new Example(l7.not(), true),
        new Example(new Condition.Comparison(l, Op.NE, 7L), true),
        new Example(new Condition.Comparison(l, Op.GE, 0L).not(), true),
        new Example(new Condition.Comparison(l, Op.LT, 7L).not(), true),
        new Example(new Condition.Comparison(l, Op.GT, 7L).not(), true),
        new Example(new Condition.Comparison(l, Op.LE, Long.MIN_VALUE), true),
        new Example(new Condition.In(l, List.of(7L, -5L)), true),
        new Example(new Condition.In(l, List.of(7L, -5L)).not(), true),
        new Example(new Condition.Comparison(ln, Op.GT, 25L), false),
        new Example(sA, true),
        new Example(sA.not(), false),
        new Example(new Condition.Comparison(s, Op.NE, "a"), false),
        new Example(sLtB, false),
        new Example(new Condition.In(s, List.of("a", "B", "ä")), true),
        new Example(new Condition.In(s, List.of("a", "")), false),
        new Example(new Condition.Comparison(s, Op.EQ, ""), false),
        new Example(snA, true),
        new Example(snA.not(), false),
        new Example(new Condition.In(sn, List.of("a", "x")), true),
        new Example(new Condition.Comparison(sn, Op.EQ, ""), false),
        new Example(new Condition.Comparison(c, Op.EQ, "a"), !charIsFixedLength()),
        new Example(new Condition.Comparison(d, Op.GT, 0.0), true),
        new Example(new Condition.Comparison(d, Op.EQ, 0.0), true),
        new Example(new Condition.Comparison(d, Op.EQ, -0.0), true),
        new Example(new Condition.Comparison(d, Op.GE, -0.0), true),
        new Example(new Condition.Comparison(d, Op.LT, 1L), true),
        new Example(new Condition.Comparison(d, Op.NE, 2.5), false),
        new Example(new Condition.Comparison(d, Op.GT, 0.0).not(), false),
        new Example(new Condition.Comparison(dn, Op.LE, 0.1), true),
        new Example(new Condition.Comparison(dn, Op.NE, 2.5), false),
        new Example(new Condition.Comparison(dn, Op.LT, 1.0).not(), false),
        new Example(new Condition.In(dn, List.of(2.5, 0.0)), true),
        new Example(new Condition.Comparison(r, Op.EQ, 0.5), false),
        new Example(l7.or(sA), true),
        new Example(l7.or(sLtB), false),
        new Example(l7.and(sLtB), false),
        new Example(l7.and(sA).not(), false),
        new Example(l7.or(snA).not(), false),
        new Example(l7.not().and(sA.or(snA)), true),
        new Example(l7.not().not(), true));
  }

  @Test
  void filterExamples_returnEveryRowTheEngineKeeps() throws SQLException {
    db.execute(
        "CREATE TABLE fx (id BIGINT NOT NULL, l BIGINT NOT NULL, ln BIGINT, s VARCHAR(10) NOT"
            + " NULL, sn VARCHAR(10), c CHAR(3), d DOUBLE PRECISION NOT NULL, dn DOUBLE"
            + " PRECISION, r REAL)");
    db.insert(
        "fx",
        List.of(
            new Object[] {1L, -5L, 10L, "a", "a", "a", -1.5, null, 0.1f},
            new Object[] {2L, 0L, 20L, "b", null, "b", 0.0, 2.5, 0.5f},
            new Object[] {3L, 7L, 30L, "B", "", null, -0.0, 0.1, 1.0f},
            new Object[] {4L, 7L, 40L, "ä", "x", "ab", Double.NaN, -3.0, null},
            new Object[] {5L, Long.MAX_VALUE, 50L, "", "b", "x", 1e300, null, 2.0f},
            new Object[] {6L, Long.MIN_VALUE, 60L, "a b", "a", "b", 2.5, 0.0, 0.1f}));
    JdbcSource s = source("fx");
    List<String> all = s.schema().names();
    List<Map<String, Object>> table = new ArrayList<>();
    for (List<Object> row : Scans.rows(s, all.toArray(new String[0]))) {
      Map<String, Object> m = new HashMap<>();
      for (int i = 0; i < all.size(); i++) {
        m.put(all.get(i), row.get(i));
      }
      table.add(m);
    }
    assertEquals(6, table.size());

    for (Example ex : filterExamples()) {
      Condition c = ex.condition();
      Set<Long> engine = new TreeSet<>();
      for (Map<String, Object> row : table) {
        if (Scans.holds(c, row)) {
          engine.add((Long) row.get(f("id")));
        }
      }
      Set<Long> pushed = new TreeSet<>();
      Scans.rows(s, new ScanRequest(List.of(f("id")), Set.of(), List.of(c), 2))
          .forEach(row -> pushed.add((Long) row.get(0)));
      assertTrue(pushed.containsAll(engine), c + ": pushed " + pushed + ", engine " + engine);
      assertEquals(
          ex.complete(),
          JdbcFilters.compile(List.of(c), db.dialect(), s::jdbcColumn).complete(),
          c + ": complete");
      // Where every comparison is pushed and no NaN is involved, SQL is exact.
      if (ex.complete() && !c.columns().contains(f("d"))) {
        assertEquals(engine, pushed, c.toString());
      }
    }
  }

  /** A table of {@code n} rows: id 1..n, l = 10 * id, ln = id except NULL in row {@code nullAt}. */
  void createNumbers(String table, int n, int nullAt) throws SQLException {
    db.execute("CREATE TABLE " + table + " (id BIGINT NOT NULL, l BIGINT NOT NULL, ln BIGINT)");
    List<Object[]> rows = new ArrayList<>();
    for (long i = 1; i <= n; i++) {
      rows.add(new Object[] {i, 10 * i, i == nullAt ? null : i});
    }
    db.insert(table, rows);
  }

  ScanRequest request(int batchSize) {
    return new ScanRequest(List.of(f("id")), Set.of(), List.of(), batchSize);
  }

  static String sha256Hex(String s) throws NoSuchAlgorithmException {
    return HexFormat.of()
        .formatHex(MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8)));
  }

  /** The messages of an exception, its causes and suppressed exceptions. */
  static String describe(Throwable t) {
    StringBuilder sb = new StringBuilder(String.valueOf(t));
    for (Throwable s : t.getSuppressed()) {
      sb.append(" | suppressed ").append(describe(s));
    }
    if (t.getCause() != null) {
      sb.append(" | cause ").append(describe(t.getCause()));
    }
    return sb.toString();
  }
}
