package dev.cleanroom.spark;

import static dev.cleanroom.query.Dsl.col;
import static dev.cleanroom.query.Dsl.count;
import static dev.cleanroom.query.Dsl.countDistinctUsers;
import static dev.cleanroom.query.Dsl.sum;
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
import dev.cleanroom.SecretKey;
import dev.cleanroom.UserIdFormat;
import dev.cleanroom.dp.KeyedRank;
import dev.cleanroom.internal.execution.Executor;
import dev.cleanroom.internal.execution.PeopleHash;
import dev.cleanroom.internal.plan.Plan;
import dev.cleanroom.internal.plan.Planner;
import dev.cleanroom.jdbc.JdbcSource;
import dev.cleanroom.jdbc.SqlDialect;
import dev.cleanroom.pseudonymization.Pseudonymizer;
import dev.cleanroom.query.Dsl;
import dev.cleanroom.query.ExecutionPath;
import dev.cleanroom.query.Explanation;
import dev.cleanroom.query.FinalStage;
import dev.cleanroom.query.Result;
import dev.cleanroom.query.ResultRow;
import dev.cleanroom.query.RowStage;
import dev.cleanroom.source.InMemorySource;
import dev.cleanroom.spi.DataSource;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The engine on Spark SQL 3.5 (Thrift JDBC server, executors in separate JVMs), against the
 * in-memory engine on the same rows: pre-noise aggregates of pushed-down statements equal exactly,
 * threshold answers equal, differentially private queries push down with the expected shape,
 * queries with difference checks push down (their people as the engine's own keyed hashes) and,
 * like cohorts, give the same answers, and hostile text values (in conditions and as public groups)
 * reach Spark as values, never as SQL, where the Hive JDBC driver's own parameters would let them
 * change the statement.
 *
 * <p>The data holds e-mail ids in several spellings (case, surrounding blanks) and malformed ids,
 * people with more groups than L0 (ranked by the keyed hash in the database), people in only one
 * table, and text values with quotes, backslashes, SQL fragments and characters beyond the Basic
 * Multilingual Plane.
 */
class SparkPushdownTest {
  private static final int L0 = 3;
  private static final int PEOPLE = 300;
  private static final int CAMPAIGNS = 8;
  private static final String DROP = "'; DROP TABLE convs; --";
  private static final String[] COUNTRIES = {"de", "fr", "it'", "x\\", "é😀"};
  private static final String[] CHANNELS = {"web", "app\\", DROP};
  // null (SQL NULL) and NaN are missing values alike: dropped by sums, variances and quantiles.
  private static final Double[] AMOUNTS = {12.5, null, -40.0, 0.0, 99.75, 250.0, 7.0, Double.NaN};

  private static SparkCluster spark;
  private static List<Object[]> imps;
  private static List<Object[]> convs;

  @BeforeAll
  static void load() {
    spark = SparkCluster.get();
    imps = new ArrayList<>();
    convs = new ArrayList<>();
    for (int u = 0; u < PEOPLE; u++) {
      if (u < 260) {
        int groups = 1 + u % 7;
        for (int j = 0; j < groups; j++) {
          long campaign = (u * 3L + j) % CAMPAIGNS;
          for (int r = 0; r <= (u + j) % 3; r++) {
            imps.add(
                new Object[] {
                  "p" + u + "@x.com", campaign, COUNTRIES[(u + j + r) % COUNTRIES.length]
                });
          }
        }
      }
      if (u < 220 || u >= 260) {
        for (int r = 0; r <= u % 3; r++) {
          String id = r == 1 ? " P" + u + "@X.com " : "p" + u + "@x.com";
          convs.add(
              new Object[] {
                id, AMOUNTS[(u + r) % AMOUNTS.length], CHANNELS[(u + r) % CHANNELS.length]
              });
        }
      }
    }
    // Rows of no person: a malformed id and a missing one.
    imps.add(new Object[] {"not an address", 1L, "de"});
    imps.add(new Object[] {null, 2L, "fr"});
    convs.add(new Object[] {"", 5.0, "web"});
    spark.table(
        "imps",
        new StructType()
            .add("uid", DataTypes.StringType)
            .add("campaign", DataTypes.LongType, false)
            .add("country", DataTypes.StringType),
        imps);
    spark.table(
        "convs",
        new StructType()
            .add("uid", DataTypes.StringType)
            .add("amount", DataTypes.DoubleType)
            .add("channel", DataTypes.StringType),
        convs);
  }

  @Test
  void executorsRunInSeparateJvms() {
    assertEquals(2, spark.executors());
    assertEquals(
        2L,
        spark
            .session()
            .range(0, 1000, 1, 8)
            .toJavaRDD()
            .map(x -> java.lang.management.ManagementFactory.getRuntimeMXBean().getName())
            .distinct()
            .count());
  }

  // ---------------------------------------------------------------- the rooms

  private static Policy.Builder policy(boolean dp, boolean differenceChecks) {
    Policy.Builder b =
        Policy.builder()
            .allowAnalysts("an")
            .allowJoinOn("uid")
            .allowCohortRelease("pub")
            .minCohortSize(5)
            .minDistinctUsers(2)
            // Released answers are compared only where no person has more groups than L0 (the
            // choice among more depends on each query's random salt); the pre-noise comparison
            // runs the DP rooms' L0 with one fixed salt on both sides.
            .maxGroupsPerUser(dp ? L0 : 100)
            .maxContributionsPerGroup(2);
    if (!differenceChecks) {
      b.withoutDifferenceChecks();
    }
    return dp ? b.differentialPrivacy(PrivacyBudget.epsilonDelta(1_000, 0.5), 100.0) : b;
  }

  private static List<Dataset> datasets(DataSource i, DataSource c, boolean dp, boolean checks) {
    return List.of(
        Dataset.builder("pub", "imps")
            .source(i)
            .userId("uid", UserIdFormat.EMAIL)
            .dimensions("campaign", "country")
            .policy(policy(dp, checks).build())
            .build(),
        Dataset.builder("adv", "convs")
            .source(c)
            .userId("uid", UserIdFormat.EMAIL)
            .dimension("channel")
            .metric("amount", 0, 100)
            .policy(
                policy(dp, checks)
                    .clampPerGroup("amount", 0, 150)
                    .allowAggregates(
                        "amount",
                        AggregateFunction.SUM,
                        AggregateFunction.VARIANCE,
                        AggregateFunction.QUANTILE)
                    .build())
            .build());
  }

  private static List<Dataset> onSpark(boolean dp, boolean checks) {
    // Streamed queries may hold a scan of each table open at once: a connection each.
    javax.sql.DataSource jdbc =
        checks ? JdbcSource.dataSource(spark.url(), "cleanroom", "") : spark.pooled();
    return datasets(
        JdbcSource.builder(jdbc, "imps").build(),
        JdbcSource.builder(jdbc, "convs").build(),
        dp,
        checks);
  }

  private static List<Dataset> inMemory(boolean dp, boolean checks) {
    InMemorySource.Builder i =
        InMemorySource.builder(
            "mem_imps",
            Schema.of(Column.string("uid"), Column.int64("campaign"), Column.string("country")));
    imps.forEach(r -> i.addRow(r[0] == null ? "" : r[0], r[1], r[2]));
    InMemorySource.Builder c =
        InMemorySource.builder(
            "mem_convs",
            Schema.of(Column.string("uid"), Column.float64("amount"), Column.string("channel")));
    convs.forEach(r -> c.addRow(r[0], r[1] == null ? Double.NaN : r[1], r[2]));
    return datasets(i.build(), c.build(), dp, checks);
  }

  private static CleanRoom room(List<Dataset> datasets) {
    CleanRoom room = CleanRoom.builder().auditSink(e -> {}).build();
    datasets.forEach(room::register);
    return room;
  }

  private static RowStage both(CleanRoom room) {
    return room.as("an").from("pub.imps").join("adv.convs").onUserId();
  }

  // ---------------------------------------------------------------- the queries

  /** Threshold queries: counts, and exact sums, variances and quantiles. */
  private static Map<String, Function<RowStage, FinalStage>> thresholdQueries() {
    Map<String, Function<RowStage, FinalStage>> q = new LinkedHashMap<>();
    q.put("by campaign", r -> r.groupBy("campaign").select(countDistinctUsers(), count()));
    q.put(
        "hostile text across tables",
        r ->
            r.where(col("country").eq("x\\").or(col("channel").eq(DROP)))
                .groupBy("campaign")
                .select(countDistinctUsers(), count()));
    q.put(
        "hostile text lists, groups of both tables",
        r ->
            r.where(col("country").in("it'", "é😀", "\\", "' OR 1=1 --"))
                .groupBy("campaign", "channel")
                .select(countDistinctUsers(), count()));
    // Sums, variances and quantiles of fine units, which reach 2^82 (Spark's FLOOR of a double is
    // a BIGINT: SqlDialect.floorOfDouble).
    q.put(
        "sums, variances and quantiles by campaign",
        r ->
            r.groupBy("campaign")
                .select(
                    countDistinctUsers(),
                    Dsl.sum("amount"),
                    Dsl.variance("amount"),
                    Dsl.median("amount"),
                    Dsl.quantile("amount", 0.9).as("p90")));
    q.put(
        "text groups, text filter",
        r ->
            r.where(col("country").ne("fr"))
                .groupBy("country")
                .select(countDistinctUsers(), count()));
    return q;
  }

  /** Differentially private queries, with noisy sums and hostile public groups. */
  private static Map<String, Function<RowStage, FinalStage>> dpQueries() {
    Map<String, Function<RowStage, FinalStage>> q = new LinkedHashMap<>();
    q.put(
        "noisy, by campaign",
        r ->
            r.groupBy("campaign")
                .select(countDistinctUsers(), count(), sum("amount"))
                .budget(PrivacyBudget.epsilonDelta(10, 1e-6)));
    q.put(
        "noisy, hostile public channels",
        r ->
            r.where(col("country").ne("x\\"))
                .groupBy("channel")
                .select(countDistinctUsers(), count(), sum("amount"))
                .epsilon(10)
                .publicGroupValues("web", "app\\", DROP, "\\", " OR 1=1 --", "é😀"));
    return q;
  }

  // ---------------------------------------------------------------- the tests

  @Test
  void thresholdQueries_pushDown_andEqualTheInMemoryEngine() {
    CleanRoom sparkRoom = room(onSpark(false, false));
    CleanRoom memoryRoom = room(inMemory(false, false));
    for (Map.Entry<String, Function<RowStage, FinalStage>> q : thresholdQueries().entrySet()) {
      FinalStage onSpark = q.getValue().apply(both(sparkRoom));
      assertPath(ExecutionPath.Kind.PUSHED_DOWN, onSpark.explain(), q.getKey());
      Result expected = q.getValue().apply(both(memoryRoom)).run();
      Result actual = onSpark.run();
      assertFalse(expected.rows().isEmpty(), q.getKey());
      assertEquals(rows(expected), rows(actual), q.getKey());
    }
  }

  @Test
  void preNoiseAggregates_equalTheInMemoryEngine_exactly() {
    List<Dataset> sparkSets = onSpark(true, false);
    List<Dataset> memorySets = inMemory(true, false);
    Map<String, Function<RowStage, FinalStage>> all = new LinkedHashMap<>(dpQueries());
    for (int s = 0; s < 1; s++) {
      byte[] salt = new byte[32];
      salt[0] = (byte) s;
      salt[31] = (byte) (7 * s + 1);
      for (Map.Entry<String, Function<RowStage, FinalStage>> q : all.entrySet()) {
        Plan pushed = plan(sparkSets, q.getValue());
        assertEquals(ExecutionPath.Kind.PUSHED_DOWN, pushed.path().kind(), q.getKey());
        Plan memory = plan(memorySets, q.getValue());
        String label = q.getKey() + ", salt " + s;
        compare(label, groups(memory, salt), groups(pushed, salt), pushed);
      }
    }
  }

  @Test
  void dpQueries_pushDown_withTheExpectedShape() {
    CleanRoom sparkRoom = room(onSpark(true, false));
    for (Map.Entry<String, Function<RowStage, FinalStage>> q : dpQueries().entrySet()) {
      FinalStage stage = q.getValue().apply(both(sparkRoom));
      assertPath(ExecutionPath.Kind.PUSHED_DOWN, stage.explain(), q.getKey());
      Result r = stage.run();
      assertEquals(4, r.columns().size(), q.getKey());
      if (q.getKey().contains("public")) {
        // Every public group is released, and nothing else.
        Set<Object> keys = new HashSet<>();
        r.rows().forEach(row -> keys.add(row.values().get(0)));
        assertEquals(Set.of("web", "app\\", DROP, "\\", " OR 1=1 --", "é😀"), keys, q.getKey());
      } else {
        assertFalse(r.rows().isEmpty(), q.getKey());
        r.rows().forEach(row -> assertTrue((Long) row.values().get(0) < CAMPAIGNS, q.getKey()));
      }
    }
    assertTablesIntact();
  }

  @Test
  void differenceChecksAndCohorts_giveTheInMemoryAnswers() {
    CleanRoom sparkRoom = room(onSpark(false, true));
    CleanRoom memoryRoom = room(inMemory(false, true));
    for (Map.Entry<String, Function<RowStage, FinalStage>> q : thresholdQueries().entrySet()) {
      FinalStage onSpark = q.getValue().apply(both(sparkRoom));
      // The people of each group come back as one text of hashes (SqlDialect.hexListAgg).
      assertPath(ExecutionPath.Kind.PUSHED_DOWN, onSpark.explain(), q.getKey());
      assertEquals(
          rows(q.getValue().apply(both(memoryRoom)).run()), rows(onSpark.run()), q.getKey());
    }
    Map<String, Set<String>> received = new HashMap<>();
    sparkRoom.registerCohortSink("pub", (a, ids) -> received.put("spark", Set.copyOf(ids)));
    memoryRoom.registerCohortSink("pub", (a, ids) -> received.put("memory", Set.copyOf(ids)));
    both(sparkRoom)
        .where(col("country").eq("x\\").and(col("channel").eq(DROP)))
        .cohort()
        .activateFor("pub");
    both(memoryRoom)
        .where(col("country").eq("x\\").and(col("channel").eq(DROP)))
        .cohort()
        .activateFor("pub");
    assertFalse(received.get("memory").isEmpty());
    assertEquals(received.get("memory"), received.get("spark"));
    assertTablesIntact();
  }

  /**
   * A cohort pushed down to Spark, from rooms with and without difference checks, with hostile text
   * in its conditions: the receiver gets exactly the in-memory engine's ids, and the values reach
   * Spark as values. (The cohort's statement once went through the Hive driver's own parameters,
   * where {@code x\} ended its quotes early; with difference checks on, cohorts streamed then, so
   * only a room without them reached that statement.)
   */
  @Test
  void cohorts_pushDown_withHostileValues_andGiveTheInMemoryIds() {
    for (boolean checks : new boolean[] {false, true}) {
      CleanRoom sparkRoom = room(onSpark(false, checks));
      CleanRoom memoryRoom = room(inMemory(false, checks));
      Map<String, Set<String>> received = new HashMap<>();
      sparkRoom.registerCohortSink("pub", (a, ids) -> received.put("spark", Set.copyOf(ids)));
      memoryRoom.registerCohortSink("pub", (a, ids) -> received.put("memory", Set.copyOf(ids)));
      Function<CleanRoom, dev.cleanroom.query.CohortStage> cohort =
          r -> both(r).where(col("country").in("x\\", "it'").and(col("channel").ne(DROP))).cohort();
      assertEquals(
          ExecutionPath.Kind.PUSHED_DOWN,
          cohort.apply(sparkRoom).explain("pub").path().orElseThrow().kind(),
          "checks " + checks);
      cohort.apply(sparkRoom).activateFor("pub");
      cohort.apply(memoryRoom).activateFor("pub");
      assertFalse(received.get("memory").isEmpty(), "checks " + checks);
      assertEquals(received.get("memory"), received.get("spark"), "checks " + checks);
    }
    assertTablesIntact();
  }

  /**
   * The people of each group that Spark returns for the difference checks, as one text of hashes,
   * are exactly the engine's own keyed hashes of the same groups in memory: a row released from
   * Spark is compared with rows released on every other path.
   */
  @Test
  void peopleOfEachGroup_fromSpark_areTheEnginesHashes() {
    PeopleHash hash = PeopleHash.random();
    byte[] salt = new byte[32];
    for (Map.Entry<String, Function<RowStage, FinalStage>> q : thresholdQueries().entrySet()) {
      Plan pushed = plan(onSpark(false, true), q.getValue());
      assertTrue(pushed.differenceChecks().isPresent(), q.getKey());
      assertEquals(ExecutionPath.Kind.PUSHED_DOWN, pushed.path().kind(), q.getKey());
      Plan memory = plan(inMemory(false, true), q.getValue());
      Map<List<Object>, Executor.GroupState> fromSpark = groups(pushed, salt, hash);
      Map<List<Object>, Executor.GroupState> inMemory = groups(memory, salt, hash);
      assertFalse(inMemory.isEmpty(), q.getKey());
      assertEquals(inMemory.keySet(), fromSpark.keySet(), q.getKey());
      for (Map.Entry<List<Object>, Executor.GroupState> e : inMemory.entrySet()) {
        Set<Long> expected = members(e.getValue());
        assertEquals(e.getValue().users, expected.size(), q.getKey());
        assertEquals(expected, members(fromSpark.get(e.getKey())), q.getKey() + " " + e.getKey());
      }
    }
  }

  private static Set<Long> members(Executor.GroupState s) {
    Set<Long> out = new HashSet<>();
    for (int i = 0; i < s.memberCount; i++) {
      out.add(s.members[i]);
    }
    return out;
  }

  /**
   * The probe: two text values that the Hive JDBC driver's own parameters turn into SQL (the first
   * ends in a backslash, which escapes its closing quote, so the second is read as SQL and makes
   * the condition true for every row). Through {@link SqlDialect#prepare} they stay values.
   */
  @Test
  void hostileValues_changeTheDriversStatement_butNotOurs() throws SQLException {
    String sql = "SELECT COUNT(*) FROM convs WHERE channel = ? OR channel = ?";
    try (Connection c = spark.connect()) {
      long all;
      try (Statement s = c.createStatement();
          ResultSet rs = s.executeQuery("SELECT COUNT(*) FROM convs")) {
        rs.next();
        all = rs.getLong(1);
      }
      assertEquals(convs.size(), all);
      try (PreparedStatement raw = c.prepareStatement(sql)) {
        raw.setString(1, "\\");
        raw.setString(2, " OR 1 = 1 --");
        assertEquals(all, countOf(raw), "the probe shows the driver's substitution");
      }
      try (PreparedStatement ours = SqlDialect.SPARK.prepare(c, sql)) {
        ours.setString(1, "\\");
        ours.setString(2, " OR 1 = 1 --");
        assertEquals(0, countOf(ours));
        long expected = convs.stream().filter(r -> DROP.equals(r[2])).count();
        ours.setString(1, DROP);
        ours.setString(2, "app\\");
        assertEquals(
            expected + convs.stream().filter(r -> "app\\".equals(r[2])).count(), countOf(ours));
        for (String v : List.of("\\'", "\\\\'", "'", "é😀", "\u0000x", "--", "/*", "?")) {
          ours.setString(1, v);
          ours.setString(2, v);
          assertEquals(0, countOf(ours), "a value that is no channel");
        }
      }
    }
    assertTablesIntact();
  }

  // ---------------------------------------------------------------- helpers

  private static long countOf(PreparedStatement ps) throws SQLException {
    try (ResultSet rs = ps.executeQuery()) {
      assertTrue(rs.next());
      return rs.getLong(1);
    }
  }

  private static void assertTablesIntact() {
    assertEquals(imps.size(), spark.session().table("imps").count());
    assertEquals(convs.size(), spark.session().table("convs").count());
  }

  private static void assertPath(ExecutionPath.Kind kind, Explanation e, String label) {
    ExecutionPath path = e.path().orElseThrow(() -> new AssertionError(label + ": " + e));
    assertEquals(kind, path.kind(), () -> label + ": " + path.reason());
  }

  private static List<List<Object>> rows(Result r) {
    List<List<Object>> out = new ArrayList<>();
    for (ResultRow row : r.rows()) {
      out.add(row.values());
    }
    return out;
  }

  private static Plan plan(List<Dataset> datasets, Function<RowStage, FinalStage> query) {
    Map<String, Dataset> registry = new HashMap<>();
    datasets.forEach(d -> registry.put(d.qualifiedName(), d));
    CleanRoom room = room(datasets);
    Planner.Outcome outcome =
        new Planner(registry::get, a -> registry.keySet()).plan(query.apply(both(room)).spec());
    assertTrue(outcome.allowed(), () -> "refused: " + outcome.checks());
    return outcome.plan();
  }

  private static Map<List<Object>, Executor.GroupState> groups(Plan plan, byte[] salt) {
    return groups(plan, salt, PeopleHash.random());
  }

  private static Map<List<Object>, Executor.GroupState> groups(
      Plan plan, byte[] salt, PeopleHash hash) {
    return new Executor(
            Pseudonymizer.of(SecretKey.random()), KeyedRank.forTestingWithSalt(salt), hash)
        .groups(plan);
  }

  /** The same groups with the same users, counts, people with a value and whole units. */
  private static void compare(
      String label,
      Map<List<Object>, Executor.GroupState> memory,
      Map<List<Object>, Executor.GroupState> pushed,
      Plan plan) {
    assertFalse(memory.isEmpty(), label);
    assertEquals(memory.keySet(), pushed.keySet(), label);
    for (Map.Entry<List<Object>, Executor.GroupState> e : memory.entrySet()) {
      Executor.GroupState m = e.getValue();
      Executor.GroupState p = pushed.get(e.getKey());
      String where = label + ", group " + e.getKey();
      assertEquals(m.users, p.users, () -> where + ": users");
      assertEquals(m.count, p.count, () -> where + ": count");
      for (int a = 0; a < m.people.length; a++) {
        if (plan.aggregates().get(a).dataset() < 0) {
          continue;
        }
        int col = a;
        assertEquals(m.people[a], p.people[a], () -> where + ": people of aggregate " + col);
        assertEquals(m.units[a], p.units[a], () -> where + ": units of aggregate " + col);
      }
    }
  }
}
