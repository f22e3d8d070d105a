package dev.cleanroom.internal.execution;

import static dev.cleanroom.query.Dsl.col;
import static dev.cleanroom.query.Dsl.count;
import static dev.cleanroom.query.Dsl.countDistinctUsers;
import static dev.cleanroom.query.Dsl.median;
import static dev.cleanroom.query.Dsl.quantile;
import static dev.cleanroom.query.Dsl.stddev;
import static dev.cleanroom.query.Dsl.sum;
import static dev.cleanroom.query.Dsl.variance;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cleanroom.AggregateFunction;
import dev.cleanroom.CleanRoom;
import dev.cleanroom.Dataset;
import dev.cleanroom.Policy;
import dev.cleanroom.PrivacyBudget;
import dev.cleanroom.SecretKey;
import dev.cleanroom.UserIdFormat;
import dev.cleanroom.dp.KeyedRank;
import dev.cleanroom.internal.execution.PushdownDatabases.Db;
import dev.cleanroom.internal.plan.NoisePlan;
import dev.cleanroom.internal.plan.Plan;
import dev.cleanroom.internal.plan.Planner;
import dev.cleanroom.jdbc.JdbcSource;
import dev.cleanroom.pseudonymization.Pseudonymizer;
import dev.cleanroom.query.ExecutionPath;
import dev.cleanroom.query.FinalStage;
import dev.cleanroom.query.RowStage;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Function;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The pushed-down statement's pre-noise aggregates equal the in-memory engine's exactly, with the
 * same salt, on data where people with at most L0 groups (who keep them all, unhashed) and people
 * with more (whose groups are ranked by the keyed hash) are mixed, and where some people are in
 * only one table (dropped by the join, and so by the early cut to the people of the next table).
 * Covers the shapes the statement compiles differently: the grouped columns are all that is
 * projected (one row per person and group, no de-duplication), a condition across tables (several
 * rows per person and group), groups from both tables, no grouping, public groups, noise
 * (fixed-point units), and quantiles (the people's clamped totals, by group). PostgreSQL is skipped
 * when no server is reachable, and fails instead when {@code CI=true}.
 */
class PushdownPreNoiseTest {
  private static final int L0 = 3;
  private static final int CAMPAIGNS = 8;
  private static final String[] COUNTRIES = {"de", "fr", "it"};
  private static final String[] CHANNELS = {"web", "app"};
  private static final Double[] AMOUNTS = {12.5, null, -40.0, 0.0, 99.75, 250.0, 7.0};

  /** The people of both tables: 0..59 with 1 to 7 campaigns, 60..69 and 70..79 in one only. */
  private static void load(Db db) throws Exception {
    db.execute(
        "CREATE TABLE \"imps\" (\"uid\" VARCHAR(64), \"campaign\" BIGINT NOT NULL,"
            + " \"country\" VARCHAR(8))",
        "CREATE TABLE \"convs\" (\"uid\" VARCHAR(64), \"amount\" DOUBLE PRECISION,"
            + " \"channel\" VARCHAR(8))");
    List<Object[]> imps = new ArrayList<>();
    List<Object[]> convs = new ArrayList<>();
    for (int u = 0; u < 80; u++) {
      String id = PushdownScenarios.userId(u);
      if (u < 70) {
        int groups = 1 + u % 7;
        for (int j = 0; j < groups; j++) {
          long campaign = (u * 3L + j) % CAMPAIGNS;
          for (int r = 0; r <= (u + j) % 3; r++) {
            imps.add(new Object[] {id, campaign, COUNTRIES[(u + j + r) % COUNTRIES.length]});
          }
        }
      }
      if (u < 60 || u >= 70) {
        for (int r = 0; r <= u % 3; r++) {
          convs.add(
              new Object[] {
                id, AMOUNTS[(u + r) % AMOUNTS.length], CHANNELS[(u + r) % CHANNELS.length]
              });
        }
      }
    }
    db.insert("\"imps\"", imps);
    db.insert("\"convs\"", convs);
  }

  /** Both tables, whose owners require differential privacy if {@code dp}. */
  private static List<Dataset> datasets(Db db, boolean dp) {
    Policy.Builder pub = policy(dp);
    Policy.Builder adv =
        policy(dp)
            .clampPerGroup("amount", 0, 150)
            .allowAggregates(
                "amount",
                AggregateFunction.SUM,
                AggregateFunction.VARIANCE,
                AggregateFunction.STDDEV,
                AggregateFunction.QUANTILE);
    return List.of(
        Dataset.builder("pub", "imps")
            .source(JdbcSource.builder(db.dataSource(), "imps").build())
            .userId("uid", UserIdFormat.PSEUDONYMIZED)
            .dimensions("campaign", "country")
            .policy(pub.build())
            .build(),
        Dataset.builder("adv", "convs")
            .source(JdbcSource.builder(db.dataSource(), "convs").build())
            .userId("uid", UserIdFormat.PSEUDONYMIZED)
            .dimension("channel")
            .metric("amount", 0, 100)
            .policy(adv.build())
            .build());
  }

  private static Policy.Builder policy(boolean dp) {
    Policy.Builder b =
        Policy.builder()
            .withoutDifferenceChecks()
            .allowAnalysts("an")
            .allowJoinOn("uid")
            .minDistinctUsers(2)
            .maxGroupsPerUser(L0)
            .maxContributionsPerGroup(2);
    return dp ? b.differentialPrivacy(PrivacyBudget.epsilonDelta(1_000, 0.5), 100.0) : b;
  }

  /**
   * The queries, by name: each shape the statement compiles differently. Threshold queries count
   * only: a threshold-mode sum stays in the engine, which adds exactly.
   */
  private static Map<String, Function<RowStage, FinalStage>> queries() {
    Map<String, Function<RowStage, FinalStage>> q = new TreeMap<>();
    q.put(
        "threshold, by campaign", r -> r.groupBy("campaign").select(countDistinctUsers(), count()));
    q.put(
        "noisy, by campaign",
        r ->
            r.groupBy("campaign")
                .select(countDistinctUsers(), count(), sum("amount"))
                .budget(PrivacyBudget.epsilonDelta(10, 1e-6)));
    q.put(
        "noisy, spread by campaign",
        r ->
            r.groupBy("campaign")
                .select(countDistinctUsers(), variance("amount"), stddev("amount"))
                .budget(PrivacyBudget.epsilonDelta(10, 1e-6)));
    q.put(
        "noisy, quantiles by campaign",
        r ->
            r.groupBy("campaign")
                .select(countDistinctUsers(), median("amount"), quantile("amount", 0.9))
                .budget(PrivacyBudget.epsilonDelta(10, 1e-6)));
    q.put(
        "threshold, quantiles by campaign and channel",
        r ->
            r.groupBy("campaign", "channel")
                .select(countDistinctUsers(), quantile("amount", 0.25), median("amount")));
    q.put(
        "threshold, spread by campaign",
        r -> r.groupBy("campaign").select(countDistinctUsers(), count(), variance("amount")));
    q.put(
        "noisy, public campaigns",
        r ->
            r.groupBy("campaign")
                .select(countDistinctUsers(), count(), sum("amount"))
                .epsilon(10)
                .publicGroupValues(0L, 2L, 5L, 9L));
    q.put(
        "threshold, condition across tables",
        r ->
            r.where(col("country").eq("de").or(col("channel").eq("web")))
                .groupBy("campaign")
                .select(countDistinctUsers(), count()));
    q.put(
        "threshold, groups of both tables",
        r -> r.groupBy("campaign", "channel").select(countDistinctUsers(), count()));
    q.put("threshold, no groups", r -> r.select(countDistinctUsers(), count()));
    return q;
  }

  @ParameterizedTest
  @ValueSource(strings = {"h2", "duckdb", "postgres"})
  void pushdown_equalsInMemory_preNoise(String kind) throws Exception {
    try (Db db = PushdownRegressionTest.open(kind)) {
      load(db);
      for (Map.Entry<String, Function<RowStage, FinalStage>> q : queries().entrySet()) {
        List<Dataset> datasets = datasets(db, q.getKey().startsWith("noisy"));
        Map<String, Dataset> registry = new HashMap<>();
        datasets.forEach(d -> registry.put(d.qualifiedName(), d));
        CleanRoom room = CleanRoom.builder().auditSink(e -> {}).build();
        datasets.forEach(room::register);
        RowStage base = room.as("an").from("pub.imps").join("adv.convs").onUserId();
        Planner.Outcome outcome =
            new Planner(registry::get, a -> registry.keySet())
                .plan(q.getValue().apply(base).spec());
        assertTrue(outcome.allowed(), () -> q.getKey() + " refused: " + outcome.checks());
        Plan plan = outcome.plan();
        Pushdown pushdown =
            PlanPaths.pushdown(plan)
                .orElseThrow(() -> new AssertionError(q.getKey() + " not pushed"));
        String sql = pushdown.statement("").sql();
        assertTrue(sql.contains("FROM d0 WHERE pid IN (SELECT pid FROM a1)"), sql);
        boolean oneRow = !q.getKey().contains("across");
        assertEquals(!oneRow, sql.contains("SELECT DISTINCT pid"), () -> q.getKey() + ": " + sql);
        for (int s = 0; s < 4; s++) {
          byte[] salt = new byte[32];
          salt[0] = (byte) s;
          salt[31] = (byte) (7 * s + 1);
          compare(db + ", " + q.getKey() + ", salt " + s, plan, pushdown, salt);
        }
      }
    }
  }

  /** The same groups with the same users, counts, people with a value, and sums or units. */
  private static void compare(String label, Plan plan, Pushdown pushdown, byte[] salt) {
    KeyedRank rank = KeyedRank.forTestingWithSalt(salt);
    Map<List<Object>, BigDecimal[]> sums = new HashMap<>();
    Map<List<Object>, double[][]> quantiles = new HashMap<>();
    Map<List<Object>, long[]> pushed =
        pushdown.run(rank.saltHex(), "", sums, new HashMap<>(), quantiles, Interrupts.NONE);
    Executor executor =
        new Executor(Pseudonymizer.of(SecretKey.random()), rank, PeopleHash.random());
    Map<List<Object>, Executor.GroupState> memory =
        executor.groups(PlanPaths.on(plan, ExecutionPath.Kind.STREAMED));
    assertFalse(memory.isEmpty(), label);
    assertEquals(memory.keySet(), pushed.keySet(), label);
    double[] granularity = plan.noise().map(NoisePlan::granularities).orElse(null);
    Set<List<Object>> keys = memory.keySet();
    for (List<Object> key : keys) {
      Executor.GroupState m = memory.get(key);
      long[] p = pushed.get(key);
      String where = label + ", group " + key;
      assertEquals(m.users, p[0], () -> where + ": users");
      assertEquals(m.count, p[1], () -> where + ": count");
      for (int a = 0; a < m.people.length; a++) {
        if (plan.aggregates().get(a).dataset() < 0) {
          continue;
        }
        int col = a;
        assertEquals(m.people[a], p[2 + a], () -> where + ": people of aggregate " + col);
        if (plan.aggregates().get(a).aggregate().function() == AggregateFunction.QUANTILE) {
          // The people's clamped totals, as the engine holds them; the database's in order.
          double[] engine = m.values[a].clone();
          Arrays.sort(engine);
          assertArrayEquals(engine, quantiles.get(key)[a], () -> where + ": totals of " + col);
          continue;
        }
        BigDecimal v = sums.get(key)[a];
        BigDecimal squares = sums.get(key)[plan.aggregates().size() + a];
        if (squares != null) {
          assertEquals(
              m.squares[a],
              squares.toBigIntegerExact(),
              () -> where + ": squares of aggregate " + col);
        }
        if (granularity != null) {
          // Exact on both sides: whole units, rounded half to even, summed without loss.
          assertEquals(
              m.units[a], v.toBigIntegerExact(), () -> where + ": units of aggregate " + col);
        } else if (squares == null) {
          assertEquals(m.sums[a], v.doubleValue(), 1e-9, () -> where + ": sum of aggregate " + col);
        }
      }
    }
  }
}
