package dev.cleanroom.jdbc;

import static dev.cleanroom.jdbc.JdbcSourceContract.describe;
import static dev.cleanroom.query.Dsl.count;
import static dev.cleanroom.query.Dsl.countDistinctUsers;
import static dev.cleanroom.query.Dsl.sum;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cleanroom.CleanRoom;
import dev.cleanroom.Column;
import dev.cleanroom.DataSourceException;
import dev.cleanroom.Dataset;
import dev.cleanroom.Policy;
import dev.cleanroom.QueryFailedException;
import dev.cleanroom.Schema;
import dev.cleanroom.UserIdFormat;
import dev.cleanroom.internal.room.CapturedLogs;
import dev.cleanroom.internal.source.MalformedRowLog;
import dev.cleanroom.query.Condition;
import dev.cleanroom.query.ExecutionPath;
import dev.cleanroom.query.FinalStage;
import dev.cleanroom.query.Result;
import dev.cleanroom.source.InMemorySource;
import dev.cleanroom.source.MalformedRows;
import dev.cleanroom.source.MalformedRows.Row;
import dev.cleanroom.spi.AuditEvent;
import dev.cleanroom.spi.AuditSink;
import dev.cleanroom.spi.DataSource;
import dev.cleanroom.spi.ScanRequest;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Malformed rows of a JDBC table: values that cannot be read as the type the source declared,
 * because the table changed after the source was built (a column that held numbers now holds text).
 * A strict source fails without showing a value; a skipping one drops the rows, answers as over the
 * well-formed rows alone and reports the rows' ordinals. Every database is real: H2, DuckDB, and
 * PostgreSQL when one is configured (see {@link TestDatabase#postgres()}).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class JdbcMalformedRowsTest {
  /** Values that must never appear in a message, log line or report. */
  private static final List<String> VALUES =
      List.of("SECRET", "99999999999999999999", "31,25", "7.5e");

  /**
   * Twelve rows of user, group, amount and score, as text (null for NULL). Amounts: row 3 is text,
   * row 5 NULL, row 7 a decimal comma, row 9 out of the 64-bit range. Scores: row 2 is text.
   */
  private static final List<String[]> SMALL =
      List.of(
          new String[] {"u1", "a", "10", "1.5"},
          new String[] {"u2", "b", "20", "SECRET-score 7.5e"},
          new String[] {"u3", "a", "SECRET-amount", "3.5"},
          new String[] {"u4", "b", "40", "4.5"},
          new String[] {"u5", "a", null, "5.5"},
          new String[] {"u6", "b", "60", "6.5"},
          new String[] {"u7", "a", "31,25", "7.5"},
          new String[] {"u8", "b", "80", "8.5"},
          new String[] {"u9", "a", "99999999999999999999", "9.5"},
          new String[] {"u10", "b", "100", "10.5"},
          new String[] {"u11", "a", "110", "11.5"},
          new String[] {"u12", "b", "120", "12.5"});

  private final Map<String, TestDatabase> databases = new HashMap<>();
  private int tables;

  Stream<String> databases() {
    return Stream.of("h2", "duckdb", "postgres");
  }

  @BeforeEach
  void clearLogs() {
    CapturedLogs.clear();
  }

  @AfterAll
  void close() throws Exception {
    for (TestDatabase db : databases.values()) {
      db.close();
    }
  }

  private TestDatabase db(String kind) throws Exception {
    TestDatabase db = databases.get(kind);
    if (db == null) {
      db =
          switch (kind) {
            case "h2" -> TestDatabase.h2();
            case "duckdb" -> TestDatabase.duckdb();
            default -> TestDatabase.postgres(); // skips the test if there is no server
          };
      databases.put(kind, db);
    }
    return db;
  }

  /** A strict and a skipping source over one table, and the table's column names. */
  private record Table(String name, JdbcSource strict, JdbcSource skipping, TestDatabase db) {
    String f(String unquoted) {
      return db.fold(unquoted);
    }
  }

  /**
   * Creates table {@code pay_<n>} with numeric amount and score columns, builds a strict and a
   * skipping source over it, then replaces it by a table whose amount and score are text, holding
   * {@code rows} in order: the sources still read amount as LONG and score as DOUBLE.
   */
  private Table drifted(String kind, List<String[]> rows) throws Exception {
    TestDatabase db = db(kind);
    String name = "pay_" + ++tables;
    db.execute(
        "CREATE TABLE "
            + name
            + " (u VARCHAR(20) NOT NULL, g VARCHAR(5), amount BIGINT, score DOUBLE PRECISION)");
    JdbcSource strict = JdbcSource.builder(db.dataSource(), name).build();
    JdbcSource skipping = JdbcSource.builder(db.dataSource(), name).skipMalformedRows(true).build();
    db.execute(
        "DROP TABLE " + name,
        "CREATE TABLE "
            + name
            + " (u VARCHAR(20) NOT NULL, g VARCHAR(5), amount VARCHAR(40), score VARCHAR(40))");
    db.insert(name, new ArrayList<>(rows));
    Table t = new Table(name, strict, skipping, db);
    assertEquals(
        Schema.of(
            Column.string(t.f("u")),
            Column.string(t.f("g")),
            Column.int64(t.f("amount")),
            Column.float64(t.f("score"))),
        skipping.schema());
    return t;
  }

  /** The warnings of {@link JdbcSource}'s logger (its DEBUG lines name tables and SQL). */
  private static List<String> warnings() {
    return CapturedLogs.linesOf(JdbcSource.class.getName()).stream()
        .filter(line -> line.startsWith("WARN "))
        .toList();
  }

  private static void assertNoValues(String text) {
    for (String v : VALUES) {
      assertFalse(text.contains(v), () -> "a value leaks: " + text);
    }
  }

  /** {@code rows} with each NULL amount written as a well-formed one, 50. */
  private static List<String[]> withoutNull(List<String[]> rows) {
    List<String[]> out = new ArrayList<>();
    for (String[] row : rows) {
      String[] copy = row.clone();
      if (copy[2] == null) {
        copy[2] = "50";
      }
      out.add(copy);
    }
    return out;
  }

  // ---- scans ----

  @ParameterizedTest
  @MethodSource("databases")
  void strict_failsAtTheFirstMalformedRow_withoutItsValue(String kind) throws Exception {
    // A NULL in a LONG column fails the scan before any row is read, wherever it is.
    Table withNull = drifted(kind, SMALL);
    DataSourceException nulls =
        assertThrows(
            DataSourceException.class,
            () -> Scans.rows(withNull.strict(), withNull.f("u"), withNull.f("amount")));
    assertEquals(
        "data source "
            + withNull.name()
            + ", column ["
            + withNull.f("amount")
            + "]: NULL in a LONG column",
        nulls.getMessage());

    Table t = drifted(kind, withoutNull(SMALL));
    DataSourceException e =
        assertThrows(
            DataSourceException.class, () -> Scans.rows(t.strict(), t.f("u"), t.f("amount")));
    assertEquals(t.name(), e.source());
    assertEquals(t.f("amount"), e.column());
    assertEquals(
        "data source "
            + t.name()
            + ", column ["
            + t.f("amount")
            + "]: not a whole number (row 3 of the result set)",
        e.getMessage());
    assertNull(e.getCause(), "no cause: the driver's exception would carry the value");
    assertNoValues(describe(e));

    e =
        assertThrows(
            DataSourceException.class, () -> Scans.rows(t.strict(), t.f("u"), t.f("score")));
    assertEquals(t.f("score"), e.column());
    assertTrue(
        e.getMessage().endsWith("not a decimal number (row 2 of the result set)"), e.getMessage());
    assertNoValues(describe(e));

    assertEquals(0, t.strict().skippedRows());
    assertEquals(MalformedRows.NONE, t.strict().malformedRows());
    assertEquals(List.of(), warnings());
  }

  @ParameterizedTest
  @MethodSource("databases")
  void skipping_dropsMalformedRows_andReportsOrdinalsColumnsAndReasons(String kind)
      throws Exception {
    Table t = drifted(kind, SMALL);
    JdbcSource s = t.skipping();
    String amount = t.f("amount");
    String score = t.f("score");

    List<List<Object>> rows = Scans.rows(s, t.f("u"), amount);
    assertEquals(
        List.of(
            List.of("u1", 10L),
            List.of("u2", 20L),
            List.of("u4", 40L),
            List.of("u6", 60L),
            List.of("u8", 80L),
            List.of("u10", 100L),
            List.of("u11", 110L),
            List.of("u12", 120L)),
        rows);
    assertEquals(4, s.skippedRows());
    List<Row> amountRows =
        List.of(
            new Row(3, amount, MalformedRowLog.NOT_A_WHOLE_NUMBER),
            new Row(5, amount, "NULL in a LONG column"),
            new Row(7, amount, MalformedRowLog.NOT_A_WHOLE_NUMBER),
            new Row(9, amount, MalformedRowLog.OUT_OF_LONG_RANGE));
    assertEquals(new MalformedRows(4, amountRows, false), s.malformedRows());
    assertNoValues(s.malformedRows().toString());

    List<String> logs = warnings();
    assertEquals(1, logs.size(), logs::toString);
    assertTrue(logs.get(0).endsWith("skipped 4 malformed rows of " + t.name()), logs::toString);

    // Another scan counts its own skips; the report lists each distinct row once.
    assertEquals(11, Scans.rows(s, t.f("u"), score).size());
    assertEquals(5, s.skippedRows());
    assertEquals(7, Scans.rows(s, t.f("u"), amount, score).size());
    assertEquals(10, s.skippedRows());
    List<Row> all = new ArrayList<>();
    all.add(new Row(2, score, MalformedRowLog.NOT_A_DECIMAL_NUMBER));
    all.addAll(amountRows);
    assertEquals(new MalformedRows(10, all, false), s.malformedRows());

    // Columns that are not read are not checked.
    assertEquals(12, Scans.rows(s, t.f("u"), t.f("g")).size());
    assertEquals(10, s.skippedRows());
    assertEquals(3, warnings().size(), () -> warnings().toString());
    for (String line : CapturedLogs.lines()) {
      assertNoValues(line);
    }
  }

  @ParameterizedTest
  @MethodSource("databases")
  void skipping_pushesNoFilter_soOrdinalsAreThoseOfTheWholeTable(String kind) throws Exception {
    Table t = drifted(kind, SMALL);
    Condition onlyU9 = new Condition.In(t.f("u"), List.of("u9", "u10"));
    ScanRequest filtered =
        new ScanRequest(List.of(t.f("u"), t.f("amount")), Set.of(), List.of(onlyU9), 100);

    // The NULL of u5 fails the strict scan although the filter leaves u5 out: whether a scan
    // fails must not depend on the rows behind its filter.
    DataSourceException nulls =
        assertThrows(DataSourceException.class, () -> Scans.rows(t.strict(), filtered));
    assertTrue(nulls.getMessage().endsWith("NULL in a LONG column"), nulls.getMessage());

    // Without it, the filter pushed down makes u9 the first row of the strict source's result set.
    Table noNull = drifted(kind, withoutNull(SMALL));
    DataSourceException e =
        assertThrows(
            DataSourceException.class,
            () ->
                Scans.rows(
                    noNull.strict(),
                    new ScanRequest(
                        List.of(noNull.f("u"), noNull.f("amount")),
                        Set.of(),
                        List.of(new Condition.In(noNull.f("u"), List.of("u9", "u10"))),
                        100)));
    assertTrue(
        e.getMessage().endsWith("not a whole number in the 64-bit range (row 1 of the result set)"),
        e.getMessage());

    // The skipping source reads every row (the engine applies the filter after the scan).
    assertEquals(8, Scans.rows(t.skipping(), filtered).size());
    assertEquals(
        List.of(3L, 5L, 7L, 9L),
        t.skipping().malformedRows().rows().stream().map(Row::position).toList());
  }

  @ParameterizedTest
  @MethodSource("databases")
  void skipping_listsTheFirstHundredRows_andCountsEvery(String kind) throws Exception {
    List<String[]> rows = new ArrayList<>();
    for (int i = 1; i <= 250; i++) {
      rows.add(new String[] {"u" + i, "a", i % 2 == 0 ? "SECRET-" + i : "" + i, "1"});
    }
    Table t = drifted(kind, rows);
    assertEquals(125, Scans.rows(t.skipping(), t.f("u"), t.f("amount")).size());
    MalformedRows report = t.skipping().malformedRows();
    assertEquals(125, report.skippedRows());
    assertTrue(report.truncated());
    assertEquals(MalformedRows.MAX_ROWS, report.rows().size());
    for (int i = 0; i < MalformedRows.MAX_ROWS; i++) {
      assertEquals(2L * (i + 1), report.rows().get(i).position());
    }
    assertNoValues(report.toString());
  }

  @Test
  void longProblem_tellsOutOfRangeFromNotANumber_byTheText() {
    for (String outOfRange :
        List.of(
            "99999999999999999999",
            "-99999999999999999999",
            " +9223372036854775808 ",
            "-9223372036854775809",
            "100000000000000000000.000")) {
      assertEquals(MalformedRowLog.OUT_OF_LONG_RANGE, JdbcScan.longProblem(outOfRange), outOfRange);
    }
    List<String> notWhole = new ArrayList<>(List.of("", " ", "abc", "1.5", "1e30", "-", "+.0"));
    notWhole.add("\u0663"); // an Arabic-Indic digit
    notWhole.add("12"); // in range: the driver refused it for a reason of its own
    notWhole.add("9223372036854775807.5");
    for (String text : notWhole) {
      assertEquals(MalformedRowLog.NOT_A_WHOLE_NUMBER, JdbcScan.longProblem(text), text);
    }
    assertEquals(MalformedRowLog.NOT_A_WHOLE_NUMBER, JdbcScan.longProblem(null));
  }

  // ---- queries ----

  /**
   * Thirty people in groups a, b and c, one row each, amount = person number; amounts of rows 4,
   * 11, 17 and 23 are malformed (text, NULL, out of range, a decimal comma).
   */
  private static List<String[]> people() {
    List<String[]> rows = new ArrayList<>();
    for (int i = 1; i <= 30; i++) {
      String amount =
          switch (i) {
            case 4 -> "SECRET-4";
            case 11 -> null;
            case 17 -> "99999999999999999999";
            case 23 -> "31,25";
            default -> Integer.toString(i);
          };
      rows.add(new String[] {"u" + i, "abc".substring(i % 3, i % 3 + 1), amount, "0"});
    }
    return rows;
  }

  /**
   * The well-formed rows of {@link #people()} in memory, with the columns named as in {@code t}.
   */
  private static DataSource wellFormedPeople(Table t) {
    InMemorySource.Builder b =
        InMemorySource.builder(
            "pay",
            Schema.of(
                Column.string(t.f("u")), Column.string(t.f("g")), Column.int64(t.f("amount"))));
    for (String[] row : people()) {
      int i = Integer.parseInt(row[0].substring(1));
      if (i != 4 && i != 11 && i != 17 && i != 23) {
        b.addRow(row[0], row[1], Long.parseLong(row[2]));
      }
    }
    return b.build();
  }

  private static CleanRoom room(DataSource source, Table t) {
    return room(source, t, e -> {});
  }

  private static CleanRoom room(DataSource source, Table t, AuditSink audit) {
    CleanRoom room = CleanRoom.builder().auditSink(audit).build();
    Policy p =
        Policy.builder()
            .withoutDifferenceChecks()
            .allowAnalysts("a")
            .minDistinctUsers(3)
            .maxGroupsPerUser(1)
            .maxContributionsPerGroup(1)
            .build();
    room.register(
        Dataset.builder("own", "pay")
            .source(source)
            .userId(t.f("u"), UserIdFormat.RAW)
            .dimension(t.f("g"))
            .metric(t.f("amount"), 0, 40)
            .policy(p)
            .build());
    return room;
  }

  /** Counts and the sum of amounts by group, in threshold mode. */
  private static FinalStage sums(CleanRoom room, Table t) {
    return room.as("a")
        .from("own.pay")
        .groupBy(t.f("g"))
        .select(count(), countDistinctUsers(), sum(t.f("amount")));
  }

  /** Counts by group: this reads no amount, so it could run in the database. */
  private static FinalStage counts(CleanRoom room, Table t) {
    return room.as("a").from("own.pay").groupBy(t.f("g")).select(count(), countDistinctUsers());
  }

  @ParameterizedTest
  @MethodSource("databases")
  void query_strict_failsWithoutAValue(String kind) throws Exception {
    Table t = drifted(kind, people());
    List<AuditEvent> audit = new CopyOnWriteArrayList<>();
    CleanRoom room = room(t.strict(), t, audit::add);
    // The analyst sees an incident id; the details go to the audit trail.
    // A strict source over one database runs as one statement (threshold sums included). Its count
    // of NULLs in the amounts, first, finds row 11's; without that row, the database itself
    // refuses the drifted column, and the reason is its SQL state; a streamed scan
    // (strict_failsAtTheFirstMalformedRow_withoutItsValue) names the column and row instead.
    ExecutionPath path = sums(room, t).explain().path().orElseThrow();
    assertEquals(ExecutionPath.Kind.PUSHED_DOWN, path.kind(), path::reason);
    QueryFailedException e = assertThrows(QueryFailedException.class, () -> sums(room, t).run());
    assertNoValues(describe(e));
    String reasons = audit.stream().map(AuditEvent::reason).toList().toString();
    assertTrue(
        reasons.contains(
            "data source " + t.name() + ", column [" + t.f("amount") + "]: NULL in a LONG column"),
        reasons);
    assertNoValues(audit.toString());

    Table noNull = drifted(kind, withoutNull(people()));
    List<AuditEvent> later = new CopyOnWriteArrayList<>();
    CleanRoom second = room(noNull.strict(), noNull, later::add);
    assertThrows(QueryFailedException.class, () -> sums(second, noNull).run());
    String sqlState = later.stream().map(AuditEvent::reason).toList().toString();
    assertTrue(sqlState.contains("data source " + noNull.name() + ": SQL state "), sqlState);
    assertNoValues(later.toString());
  }

  @ParameterizedTest
  @MethodSource("databases")
  void query_skipping_answersAsOverTheWellFormedRowsAlone(String kind) throws Exception {
    Table t = drifted(kind, people());
    Result expected = sums(room(wellFormedPeople(t), t), t).run();
    assertEquals(3, expected.size(), expected::toTable);

    Result got = sums(room(t.skipping(), t), t).run();
    assertEquals(expected.rows(), got.rows());

    String amount = t.f("amount");
    assertEquals(4, t.skipping().skippedRows());
    assertEquals(
        new MalformedRows(
            4,
            List.of(
                new Row(4, amount, MalformedRowLog.NOT_A_WHOLE_NUMBER),
                new Row(11, amount, "NULL in a LONG column"),
                new Row(17, amount, MalformedRowLog.OUT_OF_LONG_RANGE),
                new Row(23, amount, MalformedRowLog.NOT_A_WHOLE_NUMBER)),
            false),
        t.skipping().malformedRows());
    for (String line : CapturedLogs.lines()) {
      assertNoValues(line);
    }
  }

  @ParameterizedTest
  @MethodSource("databases")
  void explain_skipping_streamsAndSaysWhy(String kind) throws Exception {
    Table t = drifted(kind, people());
    ExecutionPath strict = counts(room(t.strict(), t), t).explain().path().orElseThrow();
    assertEquals(ExecutionPath.Kind.PUSHED_DOWN, strict.kind(), strict::reason);

    CleanRoom room = room(t.skipping(), t);
    ExecutionPath skipping = counts(room, t).explain().path().orElseThrow();
    assertEquals(ExecutionPath.Kind.STREAMED, skipping.kind());
    assertEquals(
        "not in the database: own.pay skips malformed rows as it reads them, which a statement in"
            + " the database would aggregate",
        skipping.reason());
    // It streams through the source's scans, which read no amount here: nothing is skipped.
    Result r = counts(room, t).run();
    assertEquals(3, r.size(), r::toTable);
    assertEquals(0, t.skipping().skippedRows());
  }
}
