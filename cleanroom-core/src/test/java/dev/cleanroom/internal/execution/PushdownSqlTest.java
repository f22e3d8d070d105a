package dev.cleanroom.internal.execution;

import static dev.cleanroom.query.Dsl.avg;
import static dev.cleanroom.query.Dsl.col;
import static dev.cleanroom.query.Dsl.count;
import static dev.cleanroom.query.Dsl.countDistinctUsers;
import static dev.cleanroom.query.Dsl.sum;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cleanroom.CleanRoom;
import dev.cleanroom.Column;
import dev.cleanroom.Dataset;
import dev.cleanroom.Policy;
import dev.cleanroom.PrivacyBudget;
import dev.cleanroom.Schema;
import dev.cleanroom.UserIdFormat;
import dev.cleanroom.dp.UnitSum;
import dev.cleanroom.internal.execution.PushdownDatabases.Db;
import dev.cleanroom.internal.plan.Plan;
import dev.cleanroom.internal.plan.Planner;
import dev.cleanroom.jdbc.JdbcSource;
import dev.cleanroom.jdbc.SqlDialect;
import dev.cleanroom.query.CohortExplanation;
import dev.cleanroom.query.ExecutionPath;
import dev.cleanroom.query.Explanation;
import dev.cleanroom.query.FinalStage;
import dev.cleanroom.source.InMemorySource;
import dev.cleanroom.spi.DataSource;
import java.sql.SQLException;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The text of the pushed-down statement for every dialect that can hash: identifiers quoted as the
 * dialect quotes them, the dialect's SHA-256, the keyed ranking, and every value of the query
 * (filter literals, bounds, limits, the salt) a bound parameter that never appears in the text.
 * Plans for Trino and Spark are built from H2 tables with the dialect set explicitly.
 */
class PushdownSqlTest {
  private static final String SALT = "5a17".repeat(16);
  private static final String TABLE_A = "IMPS";
  private static final String TABLE_B = "CONVS";
  private static Db h2;

  @BeforeAll
  static void open() throws SQLException {
    h2 = PushdownDatabases.h2();
    h2.execute(
        "CREATE TABLE IMPS (UID VARCHAR(64) NOT NULL, COUNTRY VARCHAR(8), CAMPAIGN BIGINT NOT"
            + " NULL, SPEND DOUBLE PRECISION)",
        "CREATE TABLE CONVS (UID VARCHAR(64) NOT NULL, CHANNEL VARCHAR(8), AMOUNT DOUBLE"
            + " PRECISION)",
        "CREATE TABLE \"odd\"\"name`; DROP TABLE IMPS; --\" (UID VARCHAR(64) NOT NULL, \"select\""
            + " VARCHAR(8), \"x`y\" VARCHAR(8))");
  }

  @AfterAll
  static void close() throws Exception {
    h2.close();
  }

  /** Every dialect with a SHA-256 function, and thus pushdown. */
  private static final Set<SqlDialect> HASHING =
      EnumSet.of(
          SqlDialect.POSTGRESQL,
          SqlDialect.DUCKDB,
          SqlDialect.H2,
          SqlDialect.TRINO,
          SqlDialect.SPARK,
          SqlDialect.SNOWFLAKE,
          SqlDialect.BIGQUERY);

  private static final Map<SqlDialect, String> HASH =
      Map.of(
          SqlDialect.POSTGRESQL, "encode(sha256(convert_to(",
          SqlDialect.DUCKDB, "sha256(",
          SqlDialect.H2, "LOWER(RAWTOHEX(HASH('SHA-256', CAST(",
          SqlDialect.TRINO, "lower(to_hex(sha256(to_utf8(",
          SqlDialect.SPARK, "sha2(",
          SqlDialect.SNOWFLAKE, "LOWER(SHA2(",
          SqlDialect.BIGQUERY, "TO_HEX(SHA256(");

  /** The identifier quote of a dialect. */
  private static char quoteOf(SqlDialect dialect) {
    return dialect.quote("x").charAt(0);
  }

  /** The text type of a dialect's casts. */
  private static String textOf(SqlDialect dialect) {
    String cast = dialect.castToText("x");
    return cast.substring("CAST(x AS ".length(), cast.length() - 1);
  }

  /** Distinctive values of the query, none of which may appear in the SQL text. */
  private static final List<Object> LITERALS =
      List.of(
          "zz_leak_1",
          "zz_leak_2",
          "zz_leak_3",
          123456789L,
          987654321L,
          555555555L,
          -4242.25,
          31337.75,
          SALT);

  /** What each query spends: its datasets are differentially private. */
  private static final PrivacyBudget BUDGET = PrivacyBudget.epsilonDelta(1, 1e-6);

  private static JdbcSource source(String table, SqlDialect dialect) {
    return JdbcSource.builder(h2.dataSource(), table).dialect(dialect).build();
  }

  private static List<Dataset> datasets(DataSource a, DataSource b, UserIdFormat format) {
    return datasets(a, b, format, PushdownSqlTest::policy);
  }

  /** The two datasets, each with the policy {@code policy} gives for its metric. */
  private static List<Dataset> datasets(
      DataSource a, DataSource b, UserIdFormat format, Function<String, Policy> policy) {
    Dataset imps =
        Dataset.builder("pub", "imps")
            .source(a)
            .userId("UID", format)
            .dimensions("COUNTRY", "CAMPAIGN")
            .metric("SPEND", -4242.25, 31337.75)
            .policy(policy.apply("SPEND"))
            .build();
    Dataset convs =
        Dataset.builder("adv", "convs")
            .source(b)
            .userId("UID", format)
            .dimension("CHANNEL")
            .metric("AMOUNT", -4242.25, 31337.75)
            .policy(policy.apply("AMOUNT"))
            .build();
    return List.of(imps, convs);
  }

  private static Policy policy(String metric) {
    return Policy.builder()
        .withoutDifferenceChecks()
        .allowAnalysts("an")
        .allowJoinOn("UID")
        .minDistinctUsers(2)
        .maxGroupsPerUser(13)
        .maxContributionsPerGroup(11)
        .clampPerGroup(metric, -66666.5, 77777.5)
        // Sums are pushed down in differential-privacy mode only (as whole units, exact); a
        // threshold-mode sum stays in the engine, which adds exactly.
        .differentialPrivacy(PrivacyBudget.epsilonDelta(100, 0.5), 10)
        .build();
  }

  private static FinalStage query(CleanRoom room) {
    return room.as("an")
        .from("pub.imps")
        .join("adv.convs")
        .onUserId()
        .where(col("COUNTRY").eq("zz_leak_1"))
        .where(col("CAMPAIGN").in(123456789L, 987654321L))
        .where(col("convs.CHANNEL").ne("zz_leak_2").or(col("CAMPAIGN").gt(555555555L)))
        .where(col("CHANNEL").eq("zz_leak_3").not())
        .groupBy("COUNTRY", "CHANNEL")
        .select(countDistinctUsers(), count(), sum("SPEND"), avg("AMOUNT"))
        .budget(BUDGET);
  }

  private static Plan plan(List<Dataset> datasets) {
    Map<String, Dataset> registry = new HashMap<>();
    datasets.forEach(d -> registry.put(d.qualifiedName(), d));
    CleanRoom room = CleanRoom.builder().auditSink(e -> {}).build();
    datasets.forEach(room::register);
    Planner.Outcome outcome =
        new Planner(registry::get, a -> registry.keySet()).plan(query(room).spec());
    assertTrue(outcome.allowed(), () -> "refused: " + outcome.checks());
    return outcome.plan();
  }

  private static Pushdown.Statement statement(SqlDialect dialect) {
    JdbcSource a = source(TABLE_A, dialect);
    JdbcSource b = source(TABLE_B, dialect);
    assertEquals(dialect, a.dialect());
    Plan plan = plan(datasets(a, b, UserIdFormat.PSEUDONYMIZED));
    Optional<Pushdown> pushdown = PlanPaths.pushdown(plan);
    assertTrue(pushdown.isPresent(), () -> dialect + " must push down");
    return pushdown.get().statement(SALT);
  }

  @ParameterizedTest
  @EnumSource(
      value = SqlDialect.class,
      names = {"POSTGRESQL", "DUCKDB", "H2", "TRINO", "SPARK", "SNOWFLAKE", "BIGQUERY"})
  void identifiers_areQuotedPerDialect(SqlDialect dialect) {
    String sql = statement(dialect).sql();
    char q = quoteOf(dialect);
    char other = q == '`' ? '"' : '`';
    for (String id : List.of("PUBLIC", TABLE_A, TABLE_B, "UID", "COUNTRY", "CAMPAIGN", "CHANNEL")) {
      assertTrue(sql.contains(q + id + q), () -> dialect + ": " + id + " not quoted in " + sql);
    }
    assertTrue(sql.contains(q + "PUBLIC" + q + "." + q + TABLE_A + q), sql);
    assertTrue(sql.contains(q + "SPEND" + q) && sql.contains(q + "AMOUNT" + q), sql);
    assertFalse(sql.indexOf(other) >= 0, () -> dialect + ": foreign quote character in " + sql);
  }

  @ParameterizedTest
  @EnumSource(
      value = SqlDialect.class,
      names = {"POSTGRESQL", "DUCKDB", "H2", "TRINO", "SPARK", "SNOWFLAKE", "BIGQUERY"})
  void ranking_usesTheDialectsSha256OverSaltPersonAndGroup(SqlDialect dialect) {
    String sql = statement(dialect).sql();
    String text = textOf(dialect);
    // Two text keys: each escaped so that no value holds the separator.
    String hashed =
        dialect
            .sha256Hex(
                "? || '|' || pid || '|' || REPLACE(REPLACE(CAST(k0 AS "
                    + text
                    + "), '~', '~~'), '|', '~!') || '|' || REPLACE(REPLACE(CAST(k1 AS "
                    + text
                    + "), '~', '~~'), '|', '~!')")
            .orElseThrow();
    assertTrue(sql.contains(HASH.get(dialect)), () -> dialect + ": no SHA-256 in " + sql);
    if (dialect == SqlDialect.DUCKDB || dialect == SqlDialect.POSTGRESQL) {
      // Databases that evaluate a WITH query once: only the people with more than L0 groups are
      // ranked; the others keep every group, with no window over them.
      assertTrue(
          sql.contains("ROW_NUMBER() OVER (PARTITION BY pid ORDER BY " + hashed + ") AS rn"),
          () -> dialect + ": ranking not keyed on salt, person and group in " + sql);
      assertTrue(
          sql.contains("many AS (SELECT pid FROM counted GROUP BY pid HAVING COUNT(*) > ?)"), sql);
      assertTrue(
          sql.contains("FROM counted WHERE pid NOT IN (SELECT pid FROM many) UNION ALL"), sql);
      // "rn > 0" keeps DuckDB's window (see Pushdown.ranked).
      assertTrue(
          sql.contains(
              "FROM counted WHERE pid IN (SELECT pid FROM many)) x WHERE rn <= ? AND rn > 0)"),
          sql);
      assertFalse(
          sql.contains(" OVER (PARTITION BY pid) "), () -> "no window over everyone: " + sql);
    } else {
      // The others read counted once: a window counts each person's groups, and only the rows of
      // people with more than L0 are hashed.
      assertTrue(
          sql.contains("counted AS (SELECT pg.*, COUNT(*) OVER (PARTITION BY pid) AS gn"), sql);
      assertTrue(
          sql.contains(
              "ROW_NUMBER() OVER (PARTITION BY pid ORDER BY CASE WHEN gn > ? THEN "
                  + hashed
                  + " END) AS rn FROM counted) x WHERE gn <= ? OR rn <= ?)"),
          () -> dialect + ": ranking not keyed on salt, person and group in " + sql);
      assertFalse(sql.contains(" many AS "), sql);
      assertEquals(1, sql.split("FROM counted", -1).length - 1, () -> "counted read once: " + sql);
    }
    assertTrue(sql.endsWith(" GROUP BY k0, k1"), () -> "one row per group: " + sql);
    assertFalse(sql.toLowerCase(java.util.Locale.ROOT).contains("random("), sql);
  }

  @ParameterizedTest
  @EnumSource(
      value = SqlDialect.class,
      names = {"POSTGRESQL", "DUCKDB", "H2", "TRINO", "SPARK", "SNOWFLAKE", "BIGQUERY"})
  void everyValue_isABoundParameter(SqlDialect dialect) {
    Pushdown.Statement st = statement(dialect);
    String sql = st.sql();
    for (Object v : LITERALS) {
      assertTrue(st.params().contains(v), () -> dialect + ": " + v + " not bound: " + st.params());
    }
    for (String leak :
        List.of(
            "zz_leak",
            "123456789",
            "987654321",
            "555555555",
            "4242",
            "31337",
            "77777",
            "66666",
            "5a175a17")) {
      assertFalse(sql.contains(leak), () -> dialect + ": [" + leak + "] in the SQL text " + sql);
    }
    assertEquals(1, st.params().stream().filter(SALT::equals).count(), "the salt, once");
    // The group bounds -66666.5 and 77777.5 are bound in whole units of each sum's granularity.
    List<Double> granularities =
        st.params().stream()
            .filter(v -> v instanceof Double d && d > 0 && d < 1 && Math.getExponent(d) < 0)
            .map(Double.class::cast)
            .distinct()
            .toList();
    assertEquals(2, granularities.size(), st.params()::toString);
    for (double g : granularities) {
      assertTrue(st.params().contains(UnitSum.unitsOf(-66666.5, g)), st.params()::toString);
      assertTrue(st.params().contains(UnitSum.unitsOf(77777.5, g)), st.params()::toString);
    }
    // Limits are bound too: L0 13 and at most 11 rows per person and group.
    assertTrue(st.params().contains(13L) && st.params().contains(11L), st.params()::toString);
    long placeholders = sql.chars().filter(c -> c == '?').count();
    assertEquals(st.params().size(), placeholders, "one ? per parameter");
    for (Object v : st.params()) {
      assertTrue(
          v instanceof String || v instanceof Long || v instanceof Double,
          () -> "unbindable parameter type " + v.getClass());
    }
    // The only text literals are the constants of the id normalization (the dialect's own text,
    // checked against the database in SqlIdsProperties), the separator, the empty string, NaN
    // (SqlDialect.nanAsNull) and the escapes of text keys in the rank text.
    String normalization =
        dialect.normalizedColumnId(dialect.quote("UID"), UserIdFormat.PSEUDONYMIZED).orElseThrow();
    String withoutConstants = sql.replace(normalization, "").replace("'|'", "").replace("''", "");
    for (String constant :
        List.of("'UTF8'", "'hex'", "'SHA-256'", "'|'", "'NaN'", "'~~'", "'~!'", "'~'")) {
      withoutConstants = withoutConstants.replace(constant, "");
    }
    assertFalse(withoutConstants.contains("'"), () -> "a text literal in " + sql);
  }

  @Test
  void everyHashingDialect_pushesDown_andAnsiDoesNot() {
    for (SqlDialect d : SqlDialect.values()) {
      JdbcSource a = source(TABLE_A, d);
      JdbcSource b = source(TABLE_B, d);
      boolean pushed =
          PlanPaths.pushdown(plan(datasets(a, b, UserIdFormat.PSEUDONYMIZED))).isPresent();
      // SPARK too: its values are written into the statement as hex and number literals.
      assertEquals(HASHING.contains(d), pushed, d::toString);
    }
  }

  @Test
  void datasetsInDifferentPlaces_areNotPushedDown() throws SQLException {
    JdbcSource a = source(TABLE_A, SqlDialect.H2);
    JdbcSource b = source(TABLE_B, SqlDialect.H2);
    assertTrue(PlanPaths.pushdown(plan(datasets(a, b, UserIdFormat.PSEUDONYMIZED))).isPresent());
    // Another data source object, even over the same database.
    JdbcSource b2 =
        JdbcSource.builder(new PushdownDatabases.Tracking(h2.dataSource()), TABLE_B).build();
    assertTrue(PlanPaths.pushdown(plan(datasets(a, b2, UserIdFormat.PSEUDONYMIZED))).isEmpty());
    // The same data source, but another dialect.
    JdbcSource b3 = source(TABLE_B, SqlDialect.DUCKDB);
    assertTrue(PlanPaths.pushdown(plan(datasets(a, b3, UserIdFormat.PSEUDONYMIZED))).isEmpty());
    // A dataset in memory.
    InMemorySource memory =
        InMemorySource.builder(
                "memory",
                Schema.of(Column.string("UID"), Column.string("CHANNEL"), Column.float64("AMOUNT")))
            .build();
    assertTrue(PlanPaths.pushdown(plan(datasets(a, memory, UserIdFormat.PSEUDONYMIZED))).isEmpty());
    // Phone numbers, whose normalization SQL cannot do.
    assertTrue(PlanPaths.pushdown(plan(datasets(a, b, UserIdFormat.PHONE))).isEmpty());
  }

  /**
   * Databases order text by their collation and the engine by UTF-16 code units, so a query whose
   * filter orders text streams instead; equality on text and order on numbers are pushed down.
   */
  @Test
  void textOrder_streams_whileTextEqualityAndNumberOrderPushDown() {
    JdbcSource a = source(TABLE_A, SqlDialect.POSTGRESQL);
    JdbcSource b = source(TABLE_B, SqlDialect.POSTGRESQL);
    List<Dataset> ds = datasets(a, b, UserIdFormat.PSEUDONYMIZED);
    Map<String, Dataset> registry = new HashMap<>();
    ds.forEach(d -> registry.put(d.qualifiedName(), d));
    CleanRoom room = CleanRoom.builder().auditSink(e -> {}).build();
    ds.forEach(room::register);
    Planner planner = new Planner(registry::get, x -> registry.keySet());
    var base = room.as("an").from("pub.imps").join("adv.convs").onUserId();
    List<dev.cleanroom.query.Condition> ordered =
        List.of(
            col("COUNTRY").lt("m"),
            col("COUNTRY").ge("m").not(),
            col("CAMPAIGN").eq(1L).or(col("CHANNEL").gt("m")),
            col("COUNTRY").eq("a").and(col("CHANNEL").le("m")));
    for (var c : ordered) {
      Plan plan = planner.plan(base.where(c).select(count()).budget(BUDGET).spec()).plan();
      assertTrue(plan != null, () -> "refused: " + c);
      assertTrue(PlanPaths.pushdown(plan).isEmpty(), () -> "pushed down: " + c);
    }
    List<dev.cleanroom.query.Condition> unordered =
        List.of(
            col("COUNTRY").eq("m"),
            col("COUNTRY").ne("m").not(),
            col("COUNTRY").in("a", "b").or(col("CHANNEL").eq("x")),
            col("CAMPAIGN").lt(3L).and(col("CAMPAIGN").ge(-1L).not()));
    for (var c : unordered) {
      Plan plan = planner.plan(base.where(c).select(count()).budget(BUDGET).spec()).plan();
      assertTrue(plan != null, () -> "refused: " + c);
      assertTrue(PlanPaths.pushdown(plan).isPresent(), () -> "not pushed down: " + c);
    }
  }

  @Test
  void emailIds_areNormalizedInSqlAsInTheEngine() {
    JdbcSource a = source(TABLE_A, SqlDialect.POSTGRESQL);
    JdbcSource b = source(TABLE_B, SqlDialect.POSTGRESQL);
    String sql =
        PlanPaths.pushdown(plan(datasets(a, b, UserIdFormat.EMAIL)))
            .orElseThrow()
            .statement(SALT)
            .sql();
    // The one normalization of the engine, rendered by the dialect; rows without a person dropped.
    String id =
        SqlDialect.POSTGRESQL.normalizedColumnId("\"UID\"", UserIdFormat.EMAIL).orElseThrow();
    assertTrue(sql.contains("d0 AS (SELECT " + id + " AS pid"), sql);
    assertTrue(sql.contains("d1 AS (SELECT " + id + " AS pid"), sql);
    // The join on the person drops them: NULL is in no set and equals nothing.
    assertTrue(sql.contains("FROM d0 WHERE pid IN (SELECT pid FROM a1)"), sql);
    assertTrue(sql.contains("FROM a0 JOIN a1 ON a1.pid = a0.pid"), sql);
  }

  @ParameterizedTest
  @EnumSource(
      value = SqlDialect.class,
      names = {"POSTGRESQL", "DUCKDB", "H2", "TRINO", "SPARK", "SNOWFLAKE", "BIGQUERY"})
  void hostileIdentifiers_areQuotedWithTheirQuoteDoubled(SqlDialect dialect) {
    String table = "odd\"name`; DROP TABLE IMPS; --";
    JdbcSource odd = source(table, dialect);
    Dataset d =
        Dataset.builder("pub", "odd")
            .source(odd)
            .userId("UID", UserIdFormat.PSEUDONYMIZED)
            .dimension("select")
            .policy(
                Policy.builder()
                    .withoutDifferenceChecks()
                    .allowAnalysts("an")
                    .minDistinctUsers(2)
                    .build())
            .build();
    assertFalse(odd.schema().column("x`y").isPresent(), "an invalid column name is left out");
    Map<String, Dataset> registry = Map.of(d.qualifiedName(), d);
    // Not registered: the table is H2's, rendered in another dialect's SQL only to read the text
    // (registering checks the table with a statement in the dialect).
    CleanRoom room = CleanRoom.builder().auditSink(e -> {}).build();
    var spec =
        room.as("an")
            .from("pub.odd")
            .where(col("select").eq("x"))
            .groupBy("select")
            .select(countDistinctUsers())
            .spec();
    Plan plan = new Planner(registry::get, a -> registry.keySet()).plan(spec).plan();
    String sql = new Pushdown(plan).statement(SALT).sql();
    String expected =
        switch (dialect) {
          case SPARK -> "`odd\"name``; DROP TABLE IMPS; --`";
          // BigQuery reads backslash escapes in quoted identifiers, as in its string literals.
          case BIGQUERY -> "`odd\"name\\`; DROP TABLE IMPS; --`";
          default -> "\"odd\"\"name`; DROP TABLE IMPS; --\"";
        };
    // Trino, Snowflake and BigQuery name the catalog too (catalog.schema.table).
    assertTrue(sql.contains(dialect.quote("PUBLIC") + "." + expected + " WHERE "), sql);
    String select = quoteOf(dialect) + "select" + quoteOf(dialect);
    assertTrue(sql.contains("COALESCE(" + select + ", '') AS p0"), sql);
  }

  @Test
  void explain_showsTheStatementWithoutValuesOrSalt() {
    JdbcSource a = source(TABLE_A, SqlDialect.H2);
    JdbcSource b = source(TABLE_B, SqlDialect.H2);
    CleanRoom room = CleanRoom.builder().auditSink(e -> {}).build();
    datasets(a, b, UserIdFormat.PSEUDONYMIZED).forEach(room::register);
    Explanation e = query(room).explain();
    String last = e.plan().get(e.plan().size() - 1);
    String id =
        SqlDialect.H2.normalizedColumnId("\"UID\"", UserIdFormat.PSEUDONYMIZED).orElseThrow();
    assertTrue(last.contains("WITH d0 AS (SELECT " + id + " AS pid"), last);
    assertTrue(last.contains("ROW_NUMBER() OVER (PARTITION BY pid"), last);
    for (String leak : List.of("zz_leak", "123456789", "987654321", "555555555")) {
      assertFalse(e.toString().contains(leak), () -> "[" + leak + "] in " + e);
    }
    // The bounds are public policy, shown in the steps, but bound in the statement.
    for (String bound : List.of("4242", "31337", "77777", "66666")) {
      assertFalse(last.contains(bound), () -> "[" + bound + "] in " + last);
    }
  }

  /**
   * With difference checks on (the default of threshold mode): a threshold query pushes down where
   * the dialect can return each row's people (as an array, or on Spark as one text), and streams
   * with that reason elsewhere; a cohort, whose statement ranks nothing and returns no people sets,
   * pushes down on every dialect that can hash and normalize, and its statement holds no value of
   * the query.
   */
  @ParameterizedTest
  @EnumSource(
      value = SqlDialect.class,
      names = {"POSTGRESQL", "DUCKDB", "H2", "TRINO", "SPARK", "SNOWFLAKE", "BIGQUERY"})
  void withDifferenceChecks_queriesPushDownWhereThePeopleComeBack_cohortsEverywhere(
      SqlDialect dialect) {
    Policy checked =
        Policy.builder()
            .allowAnalysts("an")
            .allowJoinOn("UID")
            .minDistinctUsers(2)
            .allowCohortRelease("pub")
            .minCohortSize(2)
            .build();
    CleanRoom room = CleanRoom.builder().auditSink(e -> {}).build();
    datasets(source(TABLE_A, dialect), source(TABLE_B, dialect), UserIdFormat.EMAIL, m -> checked)
        .forEach(room::register);
    var rows =
        room.as("an")
            .from("pub.imps")
            .join("adv.convs")
            .onUserId()
            .where(col("COUNTRY").eq("zz_leak_1"));
    var path = rows.groupBy("CAMPAIGN").select(countDistinctUsers()).explain().path().orElseThrow();
    boolean peopleComeBack =
        dialect.arrayAgg("h").isPresent() || dialect.hexListAgg("h").isPresent();
    assertEquals(
        peopleComeBack ? ExecutionPath.Kind.PUSHED_DOWN : ExecutionPath.Kind.STREAMED,
        path.kind(),
        path::reason);
    if (!peopleComeBack) {
      assertTrue(
          path.reason().contains("difference checks need the people of each row"), path::reason);
    }
    CohortExplanation cohort = rows.cohort().explain("pub");
    assertTrue(cohort.allowed(), cohort::toString);
    assertEquals(
        ExecutionPath.Kind.PUSHED_DOWN,
        cohort.path().orElseThrow().kind(),
        () -> cohort.path().orElseThrow().reason());
    String statement =
        cohort.plan().stream().filter(step -> step.contains("WITH ")).findFirst().orElseThrow();
    assertFalse(statement.contains("zz_leak_1"), statement);
  }
}
