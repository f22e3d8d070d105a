package dev.cleanroom.engine.trino;

import static dev.cleanroom.query.Dsl.col;
import static dev.cleanroom.query.Dsl.count;
import static dev.cleanroom.query.Dsl.countDistinctUsers;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cleanroom.AggregateFunction;
import dev.cleanroom.CleanRoom;
import dev.cleanroom.Column;
import dev.cleanroom.Dataset;
import dev.cleanroom.Policy;
import dev.cleanroom.PrivacyBudget;
import dev.cleanroom.Schema;
import dev.cleanroom.UserIdFormat;
import dev.cleanroom.jdbc.JdbcSource;
import dev.cleanroom.jdbc.SqlDialect;
import dev.cleanroom.query.Condition;
import dev.cleanroom.query.ExecutionPath;
import dev.cleanroom.query.Explanation;
import dev.cleanroom.query.FinalStage;
import dev.cleanroom.query.ResultRow;
import dev.cleanroom.query.RowStage;
import dev.cleanroom.source.InMemorySource;
import dev.cleanroom.spi.DataSource;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Function;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Queries of every kind on a distributed Trino (coordinator and two worker JVMs), each compared
 * with the same query over the same rows in memory: threshold queries that push down, with hostile
 * text as condition values (the injection probe); differentially private queries with hostile
 * public group keys; threshold queries with difference checks and cohorts, whatever path they take;
 * tables outside the session's catalog; and where the per-query salt lands in Trino's query log.
 */
class TrinoQueriesTest {
  private static TrinoCluster trino;

  @BeforeAll
  static void start() throws SQLException {
    trino = TrinoCluster.get();
    AdTables.create(trino, "memory", "q_");
    AdTables.create(trino, "other", "q_");
  }

  private static JdbcSource source(String table) {
    return JdbcSource.builder(trino.jdbc(), table).build();
  }

  /** The policy of both datasets; {@code dp} adds differential privacy with a large ε cap. */
  private static Policy policy(boolean dp, boolean differenceChecks, boolean cohorts) {
    return policyBuilder(dp, differenceChecks, cohorts).build();
  }

  private static Policy.Builder policyBuilder(
      boolean dp, boolean differenceChecks, boolean cohorts) {
    Policy.Builder b =
        Policy.builder()
            .allowAnalysts("an")
            .allowJoinOn("uid")
            .minDistinctUsers(10)
            .maxGroupsPerUser(3);
    if (!differenceChecks) {
      b.withoutDifferenceChecks();
    }
    if (dp) {
      b.differentialPrivacy(PrivacyBudget.epsilon(1_000_000), 1_000);
    }
    if (cohorts) {
      b.allowCohortRelease("pub").minCohortSize(10);
    }
    return b;
  }

  private static CleanRoom room(DataSource imps, DataSource convs, Policy policy) {
    return room(imps, convs, policy, policy);
  }

  private static CleanRoom room(DataSource imps, DataSource convs, Policy pub, Policy adv) {
    CleanRoom room = CleanRoom.builder().auditSink(e -> {}).build();
    room.register(
        Dataset.builder("pub", "imps")
            .source(imps)
            .userId("uid", UserIdFormat.RAW)
            .dimensions("country", "campaign")
            .metric("spend", 0, 20)
            .policy(pub)
            .build());
    room.register(
        Dataset.builder("adv", "convs")
            .source(convs)
            .userId("uid", UserIdFormat.RAW)
            .dimension("channel")
            .metric("amount", 0, 100)
            .policy(adv)
            .build());
    return room;
  }

  /** The same room over Trino's tables and over the same rows in memory. */
  private record Rooms(CleanRoom trino, CleanRoom memory) {
    static Rooms of(Policy policy) {
      return of(policy, policy);
    }

    static Rooms of(Policy pub, Policy adv) {
      return new Rooms(
          room(source("q_imps"), source("q_convs"), pub, adv),
          room(AdTables.impressionsInMemory(), AdTables.conversionsInMemory(), pub, adv));
    }
  }

  /** Both datasets joined on the person, grouped by campaign. */
  private static dev.cleanroom.query.GroupedStage byCampaign(CleanRoom r) {
    return r.as("an").from("pub.imps").join("adv.convs").onUserId().groupBy("campaign");
  }

  private static List<List<Object>> values(List<ResultRow> rows) {
    return rows.stream().map(ResultRow::values).toList();
  }

  private static ExecutionPath path(FinalStage q) {
    Explanation e = q.explain();
    return e.path().orElseThrow(() -> new AssertionError("no path: " + e.plan()));
  }

  @Test
  void tables_nameTheirCatalog() {
    assertEquals(SqlDialect.TRINO, source("q_imps").dialect());
    assertEquals("\"memory\".\"default\".\"q_imps\"", source("q_imps").tableSql());
  }

  /**
   * Injection probe: each hostile text, as an equality and in an IN list, in a pushed-down count
   * grouped by the hostile column itself; the answer equals the engine's in memory.
   */
  @Test
  void hostileConditionValues_areBound_andAnswerAsInMemory() {
    Rooms rooms = Rooms.of(policy(false, false, false));
    List<Condition> conditions = new ArrayList<>();
    for (String country : AdTables.COUNTRIES) {
      conditions.add(col("country").eq(country));
      conditions.add(col("imps.country").ne(country).not());
    }
    conditions.add(col("country").in(AdTables.COUNTRIES.subList(0, 4).toArray(new String[0])));
    conditions.add(
        col("country").in(AdTables.COUNTRIES.subList(3, 7).toArray(new String[0])).not());
    conditions.add(col("channel").eq("web").and(col("country").ne("'")));
    for (Condition c : conditions) {
      Function<CleanRoom, FinalStage> q =
          r ->
              r.as("an")
                  .from("pub.imps")
                  .join("adv.convs")
                  .onUserId()
                  .where(c)
                  .groupBy("country", "channel")
                  .select(countDistinctUsers(), count());
      assertEquals(
          ExecutionPath.Kind.PUSHED_DOWN, path(q.apply(rooms.trino())).kind(), c::toString);
      List<List<Object>> onTrino = values(q.apply(rooms.trino()).run().rows());
      List<List<Object>> inMemory = values(q.apply(rooms.memory()).run().rows());
      assertEquals(inMemory, onTrino, c::toString);
      assertFalse(inMemory.isEmpty(), c::toString);
    }
  }

  /**
   * A differentially private count per country with every country (hostile text included) as a
   * public group: pushed down, exactly the public groups in both answers, and counts equal to the
   * exact ones. With ε = 1,000 on one count and L0 = 3, each count's discrete Laplace noise has
   * scale 0.003, so it is non-zero with probability below 1e-140: the false-failure rate of the
   * equality is far below 1e-6.
   */
  @Test
  void dpCount_withHostilePublicGroups_pushesDown_andReleasesExactlyThem() {
    Rooms rooms = Rooms.of(policy(true, true, false));
    List<Object> groups = new ArrayList<>(AdTables.COUNTRIES);
    groups.add("not in the data");
    Function<CleanRoom, FinalStage> q =
        r ->
            r.as("an")
                .from("pub.imps")
                .join("adv.convs")
                .onUserId()
                .groupBy("country")
                .select(countDistinctUsers())
                .budget(PrivacyBudget.epsilon(1_000))
                .publicGroupValues(groups.toArray());
    ExecutionPath p = path(q.apply(rooms.trino()));
    assertEquals(ExecutionPath.Kind.PUSHED_DOWN, p.kind(), p::reason);
    List<List<Object>> onTrino = values(q.apply(rooms.trino()).run().rows());
    List<List<Object>> inMemory = values(q.apply(rooms.memory()).run().rows());
    assertEquals(groups.size(), onTrino.size(), onTrino::toString);
    Set<Object> keys = new HashSet<>();
    onTrino.forEach(row -> keys.add(row.get(0)));
    assertEquals(new HashSet<>(groups), keys);
    assertEquals(inMemory, onTrino);
  }

  /**
   * A differentially private count and sum per campaign (public groups, one of them empty): pushed
   * down, with the in-memory answer's groups and columns, counts equal and sums within the noise.
   */
  /**
   * A NaN or NULL in a DOUBLE column is a missing value on Trino as in memory (the statement tests
   * it with {@code is_nan}): dropped by sums and means, failing every condition but "not equal",
   * and grouped as NaN (that query streams, as every query grouped by a DOUBLE column).
   */
  @Test
  void nanAndNullDoubles_answerAsInMemory() throws SQLException {
    String table = "memory.\"default\".nan_t";
    trino.execute("CREATE TABLE " + table + " (uid VARCHAR, d DOUBLE, m DOUBLE)");
    InMemorySource.Builder memory =
        InMemorySource.builder(
            "mem_nan", Schema.of(Column.string("uid"), Column.float64("d"), Column.float64("m")));
    List<String> tuples = new ArrayList<>();
    for (int i = 0; i < 30; i++) {
      String d = i % 3 == 0 ? "2.0E0" : i % 3 == 1 ? "nan()" : "NULL";
      String m = i % 4 == 0 ? "nan()" : (1 + i % 5) + ".0E0";
      tuples.add("('u" + i + "', " + d + ", " + m + ")");
      memory.addRow("u" + i, i % 3 == 0 ? 2.0 : Double.NaN, i % 4 == 0 ? Double.NaN : 1.0 + i % 5);
    }
    trino.execute("INSERT INTO " + table + " VALUES " + String.join(", ", tuples));
    List<CleanRoom> rooms = new ArrayList<>();
    for (DataSource src : List.of(source("nan_t"), memory.build())) {
      CleanRoom room = CleanRoom.builder().auditSink(e -> {}).build();
      room.register(
          Dataset.builder("pub", "t")
              .source(src)
              .userId("uid", UserIdFormat.RAW)
              .dimension("d")
              .metric("m", 0, 10)
              .policy(policy(false, false, false))
              .build());
      rooms.add(room);
    }
    List<Function<CleanRoom, FinalStage>> queries =
        List.of(
            r ->
                r.as("an")
                    .from("pub.t")
                    .select(
                        countDistinctUsers(),
                        dev.cleanroom.query.Dsl.sum("m"),
                        dev.cleanroom.query.Dsl.avg("m")),
            r ->
                r.as("an")
                    .from("pub.t")
                    .where(col("d").gt(1.0))
                    .select(countDistinctUsers(), dev.cleanroom.query.Dsl.sum("m")),
            // Grouped by a DOUBLE column it streams: the database's text of a value would rank
            // a person's groups otherwise than the engine.
            r -> r.as("an").from("pub.t").groupBy("d").select(countDistinctUsers()));
    for (Function<CleanRoom, FinalStage> q : queries) {
      ExecutionPath p = path(q.apply(rooms.get(0)));
      boolean grouped = q == queries.get(queries.size() - 1);
      assertEquals(
          grouped ? ExecutionPath.Kind.STREAMED : ExecutionPath.Kind.PUSHED_DOWN,
          p.kind(),
          p::reason);
      assertEquals(
          values(q.apply(rooms.get(1)).run().rows()), values(q.apply(rooms.get(0)).run().rows()));
    }
  }

  @Test
  void dpSumAndCount_pushDown_withTheInMemoryShape() {
    Rooms rooms = Rooms.of(policy(true, true, false));
    Function<CleanRoom, FinalStage> q =
        r ->
            byCampaign(r)
                .select(countDistinctUsers(), dev.cleanroom.query.Dsl.sum("amount").as("revenue"))
                .budget(PrivacyBudget.epsilon(1_000))
                .publicGroupValues(0L, 1L, 2L, 3L);
    ExecutionPath p = path(q.apply(rooms.trino()));
    assertEquals(ExecutionPath.Kind.PUSHED_DOWN, p.kind(), p::reason);
    List<List<Object>> onTrino = values(q.apply(rooms.trino()).run().rows());
    List<List<Object>> inMemory = values(q.apply(rooms.memory()).run().rows());
    assertEquals(4, onTrino.size());
    for (int i = 0; i < 4; i++) {
      assertEquals(inMemory.get(i).get(0), onTrino.get(i).get(0));
      // Counts: noise of scale 0.003, non-zero with probability below 1e-140 (see above).
      assertEquals(inMemory.get(i).get(1), onTrino.get(i).get(1), onTrino::toString);
      double a = ((Number) onTrino.get(i).get(2)).doubleValue();
      double b = ((Number) inMemory.get(i).get(2)).doubleValue();
      // Sums: per-person totals clamped to [0, 100], L0 = 3, at least ε = 500 for the sum: noise
      // of scale at most 0.6; each answer is within 20 of the exact sum but with probability
      // below 1e-13, so the two differ by at most 40 but with probability below 1e-12.
      assertTrue(Math.abs(a - b) <= 40, () -> onTrino + " vs " + inMemory);
    }
  }

  /**
   * Exact quantiles push down: Trino counts the people of each clamped total per group, and the
   * released quantiles equal the in-memory engine's.
   */
  @Test
  void thresholdQuantiles_pushDown_andEqualInMemory() {
    Rooms rooms =
        Rooms.of(
            policy(false, false, false),
            policyBuilder(false, false, false)
                .allowAggregates("amount", AggregateFunction.QUANTILE)
                .build());
    Function<CleanRoom, FinalStage> q =
        r ->
            byCampaign(r)
                .select(
                    countDistinctUsers(),
                    dev.cleanroom.query.Dsl.median("amount"),
                    dev.cleanroom.query.Dsl.quantile("amount", 0.9).as("p90"));
    ExecutionPath p = path(q.apply(rooms.trino()));
    assertEquals(ExecutionPath.Kind.PUSHED_DOWN, p.kind(), p::reason);
    List<List<Object>> expected = values(q.apply(rooms.memory()).run().rows());
    assertFalse(expected.isEmpty());
    assertEquals(expected, values(q.apply(rooms.trino()).run().rows()));
  }

  /**
   * Threshold queries with difference checks (the default) may stream or push down: the answers
   * equal the in-memory ones either way, and the path is the one explain() reports, with a reason.
   */
  @Test
  void thresholdWithDifferenceChecks_answersAsInMemory_onTheReportedPath() {
    Rooms rooms = Rooms.of(policy(false, true, false));
    Function<CleanRoom, FinalStage> q =
        r ->
            r.as("an")
                .from("pub.imps")
                .join("adv.convs")
                .onUserId()
                .where(col("channel").eq("web"))
                .groupBy("country")
                .select(countDistinctUsers(), count());
    ExecutionPath p = path(q.apply(rooms.trino()));
    assertTrue(
        p.kind() == ExecutionPath.Kind.STREAMED || p.kind() == ExecutionPath.Kind.PUSHED_DOWN,
        p::toString);
    assertFalse(p.reason().isBlank());
    assertEquals(
        values(q.apply(rooms.memory()).run().rows()), values(q.apply(rooms.trino()).run().rows()));
  }

  /** A cohort over Trino's tables hands the receiver exactly the ids the in-memory room does. */
  @Test
  void cohort_onTrino_equalsInMemory() {
    Rooms rooms = Rooms.of(policy(false, true, true));
    List<Set<String>> received = new ArrayList<>();
    for (CleanRoom r : List.of(rooms.trino(), rooms.memory())) {
      r.registerCohortSink("pub", (activation, ids) -> received.add(Set.copyOf(ids)));
      RowStage cohort =
          r.as("an")
              .from("pub.imps")
              .join("adv.convs")
              .onUserId()
              .where(col("country").eq(AdTables.COUNTRIES.get(2)))
              .where(col("channel").eq("web"));
      cohort.cohort().activateFor("pub");
    }
    assertEquals(2, received.size());
    assertEquals(received.get(1), received.get(0));
    assertTrue(received.get(0).size() >= 10, received.get(0)::toString);
  }

  /**
   * A table in another catalog than the session's is named with its catalog and answers; so does a
   * join across two catalogs in one pushed-down statement, and a source over connections without a
   * session catalog.
   */
  @Test
  void tablesOutsideTheSessionCatalog_areQualified_andAnswer() {
    JdbcSource otherImps =
        JdbcSource.builder(trino.jdbc(), "q_imps").catalog("other").schema("default").build();
    assertEquals("\"other\".\"default\".\"q_imps\"", otherImps.tableSql());
    // The session's own catalog is preferred where both hold the table.
    assertEquals("\"memory\".\"default\".\"q_convs\"", source("q_convs").tableSql());
    JdbcSource noSession =
        JdbcSource.builder(trino.jdbcWithoutCatalog(), "q_convs").catalog("memory").build();
    assertEquals("\"memory\".\"default\".\"q_convs\"", noSession.tableSql());
    JdbcSource noSessionImps =
        JdbcSource.builder(trino.jdbcWithoutCatalog(), "q_imps").catalog("other").build();
    Policy policy = policy(false, false, false);
    CleanRoom memory = room(AdTables.impressionsInMemory(), AdTables.conversionsInMemory(), policy);
    for (CleanRoom r :
        List.of(
            room(otherImps, source("q_convs"), policy), room(noSessionImps, noSession, policy))) {
      Function<CleanRoom, FinalStage> q =
          x ->
              x.as("an")
                  .from("pub.imps")
                  .join("adv.convs")
                  .onUserId()
                  .groupBy("channel")
                  .select(countDistinctUsers(), count());
      assertEquals(ExecutionPath.Kind.PUSHED_DOWN, path(q.apply(r)).kind());
      assertEquals(values(q.apply(memory).run().rows()), values(q.apply(r).run().rows()));
    }
  }

  /**
   * Trino's driver sends a statement once ({@code PREPARE}, as a request header) and its values as
   * literals of {@code EXECUTE ... USING}, which Trino's query log (system.runtime.queries) keeps:
   * the per-query salt of a pushed-down query with a binding L0 is there, and nothing else of the
   * engine's secrets is (the room's key never reaches the database). This test documents it.
   */
  @Test
  void theSalt_landsInTrinosQueryLog_asAnExecuteParameter() throws SQLException {
    // A threshold query (no difference checks, so the only 64-digit literal is the salt) in
    // which people have more groups than L0 = 3, so that the statement ranks them.
    Rooms rooms = Rooms.of(policy(false, false, false));
    FinalStage q =
        rooms
            .trino()
            .as("an")
            .from("pub.imps")
            .groupBy("campaign", "country")
            .select(countDistinctUsers());
    assertEquals(ExecutionPath.Kind.PUSHED_DOWN, path(q).kind());
    q.run();
    Pattern salt = Pattern.compile("'[0-9a-f]{64}'");
    boolean found = false;
    try (Connection c = trino.jdbc().getConnection();
        Statement s = c.createStatement();
        ResultSet rs =
            s.executeQuery(
                "SELECT query FROM system.runtime.queries WHERE query LIKE 'EXECUTE %'")) {
      while (rs.next()) {
        String text = rs.getString(1);
        if (text.contains(" USING ") && salt.matcher(text).find()) {
          found = true;
        }
      }
    }
    assertTrue(found, "the EXECUTE of the pushed-down statement, with the salt as a literal");
  }
}
