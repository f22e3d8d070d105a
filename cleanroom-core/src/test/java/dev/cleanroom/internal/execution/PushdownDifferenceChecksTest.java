package dev.cleanroom.internal.execution;

import static dev.cleanroom.query.Dsl.col;
import static dev.cleanroom.query.Dsl.countDistinctUsers;
import static dev.cleanroom.query.Dsl.sum;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.cleanroom.CleanRoom;
import dev.cleanroom.Column;
import dev.cleanroom.Dataset;
import dev.cleanroom.Policy;
import dev.cleanroom.PolicyRule;
import dev.cleanroom.PolicyViolationException;
import dev.cleanroom.Schema;
import dev.cleanroom.SecretKey;
import dev.cleanroom.UserIdFormat;
import dev.cleanroom.jdbc.JdbcSource;
import dev.cleanroom.query.CohortExplanation;
import dev.cleanroom.query.CohortStage;
import dev.cleanroom.query.ExecutionPath;
import dev.cleanroom.query.FinalStage;
import dev.cleanroom.query.Result;
import dev.cleanroom.source.InMemorySource;
import dev.cleanroom.spi.DataSource;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The default threshold query (difference checks on) and cohorts run as one statement in H2, DuckDB
 * and PostgreSQL (when the environment names a server; required when {@code CI=true}): the people
 * of each row come back as keyed hashes that equal the engine's own, so that a differencing attack
 * is suppressed whichever path each of its two queries takes, and a cohort gives the receiver
 * exactly the ids the streamed path gives, and no id at all when it is below its minimum.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class PushdownDifferenceChecksTest {
  private static final int K = 10;
  private static final String TARGET_COUNTRY = "XX";
  private static final Schema IMPS =
      Schema.of(Column.string("uid"), Column.int64("campaign"), Column.string("country"));
  private static final Schema CONVS = Schema.of(Column.string("uid"), Column.float64("amount"));

  private PushdownDatabases.Opened dbs;

  @BeforeAll
  void open() throws Exception {
    dbs = PushdownDatabases.Opened.open();
  }

  @AfterAll
  void close() throws Exception {
    dbs.close();
  }

  Stream<String> databases() {
    boolean pg = PushdownDatabases.postgresUnreachable().isEmpty() || PushdownDatabases.ci();
    return pg ? Stream.of("H2", "DuckDB", "PostgreSQL") : Stream.of("H2", "DuckDB");
  }

  private PushdownDatabases.Db db(String label) {
    return switch (label) {
      case "H2" -> dbs.h2();
      case "DuckDB" -> dbs.duckdb();
      default -> dbs.postgres();
    };
  }

  /** Rows of the impressions: 60 people over 3 campaigns; the target, alone in its country. */
  private static List<Object[]> impressions() {
    List<Object[]> rows = new ArrayList<>();
    for (int u = 0; u < 60; u++) {
      String id = (u % 3 == 0 ? " P" : "p") + u + "@Example.com";
      String country = u == 6 ? TARGET_COUNTRY : (u % 2 == 0 ? "DE" : "FR");
      rows.add(new Object[] {id, (long) (u % 3), country});
      rows.add(new Object[] {"p" + u + "@example.com", (long) ((u + 1) % 3), country});
    }
    rows.add(new Object[] {"not an e-mail", 1L, "DE"});
    return rows;
  }

  private static List<Object[]> conversions() {
    List<Object[]> rows = new ArrayList<>();
    for (int u = 0; u < 60; u += 1) {
      if (u % 4 != 3) {
        rows.add(new Object[] {"p" + u + "@example.com", 10.0 + u});
      }
    }
    return rows;
  }

  private static int tables;

  private record Tables(JdbcSource imps, JdbcSource convs, PushdownDatabases.Tracking tracking) {}

  private static Tables tables(PushdownDatabases.Db db) throws Exception {
    int n;
    synchronized (PushdownDifferenceChecksTest.class) {
      n = ++tables;
    }
    String imps = "dc_imps_" + n;
    String convs = "dc_convs_" + n;
    db.execute(
        "CREATE TABLE "
            + db.quote(imps)
            + " ("
            + db.quote("uid")
            + " VARCHAR(100), "
            + db.quote("campaign")
            + " BIGINT, "
            + db.quote("country")
            + " VARCHAR(10))",
        "CREATE TABLE "
            + db.quote(convs)
            + " ("
            + db.quote("uid")
            + " VARCHAR(100), "
            + db.quote("amount")
            + " DOUBLE PRECISION)");
    db.insert(db.quote(imps), impressions());
    db.insert(db.quote(convs), conversions());
    PushdownDatabases.Tracking tracking = new PushdownDatabases.Tracking(db.dataSource());
    return new Tables(
        JdbcSource.builder(tracking, imps).build(),
        JdbcSource.builder(tracking, convs).build(),
        tracking);
  }

  private static CleanRoom room(SecretKey key, DataSource imps, DataSource convs) {
    return room(key, imps, convs, Set.of());
  }

  private static CleanRoom room(
      SecretKey key, DataSource imps, DataSource convs, Set<String> cohortReceivers) {
    CleanRoom room = CleanRoom.builder().secretKey(key).auditSink(e -> {}).build();
    datasets(imps, convs, cohortReceivers).forEach(room::register);
    return room;
  }

  private static List<Dataset> datasets(
      DataSource imps, DataSource convs, Set<String> cohortReceivers) {
    Policy.Builder p =
        Policy.builder()
            .allowAnalysts("a")
            .allowJoinOn("uid")
            .minDistinctUsers(K)
            .maxGroupsPerUser(2)
            .minCohortSize(K);
    if (!cohortReceivers.isEmpty()) {
      p.allowCohortRelease(cohortReceivers.toArray(String[]::new));
    }
    return List.of(
        Dataset.builder("pub", "imps")
            .source(imps)
            .userId("uid", UserIdFormat.EMAIL)
            .dimensions("campaign", "country")
            .policy(p.build())
            .build(),
        Dataset.builder("adv", "convs")
            .source(convs)
            .userId("uid", UserIdFormat.EMAIL)
            .metric("amount", 0, 100)
            .policy(p.build())
            .build());
  }

  /** The default threshold query: distinct converters per campaign, difference checks on. */
  private static FinalStage converters(CleanRoom room, boolean withoutTarget) {
    var from = room.as("a").from("pub.imps").join("adv.convs").onUserId();
    var rows = withoutTarget ? from.where(col("country").ne(TARGET_COUNTRY)) : from;
    return rows.groupBy("campaign").select(countDistinctUsers().as("users"));
  }

  /**
   * The same people with a threshold-mode sum, filtered by an order on text that every row passes
   * (a database orders text by its collation, so the query streams): the other path.
   */
  private static FinalStage withRevenue(CleanRoom room, boolean withoutTarget) {
    var from = room.as("a").from("pub.imps").join("adv.convs").onUserId();
    var all = from.where(col("country").ge(""));
    var rows = withoutTarget ? all.where(col("country").ne(TARGET_COUNTRY)) : all;
    return rows.groupBy("campaign")
        .select(countDistinctUsers().as("users"), sum("amount").as("revenue"));
  }

  private static List<Object> campaigns(Result r) {
    List<Object> out = new ArrayList<>();
    r.rows().forEach(row -> out.add(row.get("campaign")));
    return out;
  }

  @ParameterizedTest
  @MethodSource("databases")
  void defaultThresholdQuery_pushesDown_andEqualsStreamed(String label) throws Exception {
    Tables t = tables(db(label));
    SecretKey key = SecretKey.random();
    try (CleanRoom pushed = room(key, t.imps(), t.convs());
        CleanRoom streamed =
            room(
                key, PushdownDatabases.streamed(t.imps()), PushdownDatabases.streamed(t.convs()))) {
      FinalStage q = converters(pushed, false);
      assertEquals(
          ExecutionPath.Kind.PUSHED_DOWN,
          q.explain().path().orElseThrow().kind(),
          q.explain()::toString);
      int before = t.tracking().prepared().size();
      Result a = q.run();
      List<String> ran = t.tracking().prepared().subList(before, t.tracking().prepared().size());
      // The count of NULLs in the nullable campaign column, then the one statement.
      assertEquals(2, ran.size(), ran::toString);
      assertTrue(ran.get(0).startsWith("SELECT COUNT(*) - COUNT("), ran::toString);
      assertTrue(
          ran.get(1).startsWith("WITH ") && ran.get(1).contains(" AS people"), ran::toString);
      FinalStage s = converters(streamed, false);
      assertEquals(ExecutionPath.Kind.STREAMED, s.explain().path().orElseThrow().kind());
      Result b = s.run();
      assertEquals(b.rows(), a.rows());
      assertEquals(3, a.size());
    }
  }

  @ParameterizedTest
  @MethodSource("databases")
  void peopleOfEachGroup_areTheEnginesHashes(String label) throws Exception {
    Tables t = tables(db(label));
    SecretKey key = SecretKey.random();
    PeopleHash hash = PeopleHash.of(key);
    // Every group's people, pushed down, are exactly the engine's hashes of the normalized ids of
    // the converters who saw the campaign (each person keeps both of theirs: L0 is 2).
    Map<Long, Set<Long>> expected = new java.util.TreeMap<>();
    Set<String> converters = new java.util.HashSet<>();
    for (Object[] c : conversions()) {
      converters.add(((String) c[0]).strip().toLowerCase(java.util.Locale.ROOT));
    }
    for (Object[] i : impressions()) {
      String id = ((String) i[0]).strip().toLowerCase(java.util.Locale.ROOT);
      if (converters.contains(id)) {
        expected.computeIfAbsent((Long) i[1], x -> new TreeSet<>()).add(hash.hash(id));
      }
    }
    Map<String, Dataset> registry = new java.util.HashMap<>();
    for (Dataset d : datasets(t.imps(), t.convs(), Set.of())) {
      registry.put(d.qualifiedName(), d);
    }
    dev.cleanroom.internal.plan.Plan plan;
    try (CleanRoom room = room(key, t.imps(), t.convs())) {
      plan =
          new dev.cleanroom.internal.plan.Planner(registry::get, a -> registry.keySet())
              .plan(converters(room, false).spec())
              .plan();
    }
    assertTrue(plan.differenceChecks().isPresent());
    assertEquals(ExecutionPath.Kind.PUSHED_DOWN, plan.path().kind());
    Map<java.util.List<Object>, long[]> people = new java.util.HashMap<>();
    new Pushdown(plan)
        .run(
            dev.cleanroom.dp.KeyedRank.random().saltHex(),
            hash.keyHex(),
            new java.util.HashMap<>(),
            people,
            new java.util.HashMap<>(),
            Interrupts.NONE);
    assertEquals(expected.size(), people.size());
    for (Map.Entry<Long, Set<Long>> e : expected.entrySet()) {
      Set<Long> got = new TreeSet<>();
      for (long h : people.get(List.of(e.getKey()))) {
        got.add(h);
      }
      assertEquals(e.getValue(), got, "campaign " + e.getKey());
    }
  }

  @ParameterizedTest
  @MethodSource("databases")
  void differencingAttack_streamedThenPushed_isSuppressed(String label) throws Exception {
    Tables t = tables(db(label));
    try (CleanRoom room = room(SecretKey.random(), t.imps(), t.convs())) {
      FinalStage first = withRevenue(room, false);
      assertEquals(ExecutionPath.Kind.STREAMED, first.explain().path().orElseThrow().kind());
      assertEquals(List.of(0L, 1L, 2L), campaigns(first.run()));
      FinalStage second = converters(room, true);
      assertEquals(ExecutionPath.Kind.PUSHED_DOWN, second.explain().path().orElseThrow().kind());
      // The target (person 6) saw campaigns 0 and 1: those rows differ from the first release by
      // one person and are suppressed; campaign 2 has the same people and is released again.
      assertEquals(List.of(2L), campaigns(second.run()));
    }
  }

  @ParameterizedTest
  @MethodSource("databases")
  void differencingAttack_pushedThenStreamed_isSuppressed(String label) throws Exception {
    Tables t = tables(db(label));
    try (CleanRoom room = room(SecretKey.random(), t.imps(), t.convs())) {
      FinalStage first = converters(room, false);
      assertEquals(ExecutionPath.Kind.PUSHED_DOWN, first.explain().path().orElseThrow().kind());
      assertEquals(List.of(0L, 1L, 2L), campaigns(first.run()));
      FinalStage second = withRevenue(room, true);
      assertEquals(ExecutionPath.Kind.STREAMED, second.explain().path().orElseThrow().kind());
      assertEquals(List.of(2L), campaigns(second.run()));
    }
  }

  @ParameterizedTest
  @MethodSource("databases")
  void differencingAttack_pushedThenColumnar_isSuppressed(String label) throws Exception {
    Tables t = tables(db(label));
    try (CleanRoom room = room(SecretKey.random(), t.imps(), t.convs())) {
      FinalStage first = converters(room, false);
      assertEquals(ExecutionPath.Kind.PUSHED_DOWN, first.explain().path().orElseThrow().kind());
      assertEquals(List.of(0L, 1L, 2L), campaigns(first.run()));
      room.replaceData("pub.imps", inMemory("imps.mem", IMPS, impressions()));
      room.replaceData("adv.convs", inMemory("convs.mem", CONVS, conversions()));
      FinalStage second = converters(room, true);
      assertEquals(ExecutionPath.Kind.COLUMNAR, second.explain().path().orElseThrow().kind());
      assertEquals(List.of(2L), campaigns(second.run()));
      // Without the attack, the columnar path releases what the database released.
      assertEquals(List.of(0L, 1L, 2L), campaigns(converters(room, false).run()));
    }
  }

  private static InMemorySource inMemory(String name, Schema schema, List<Object[]> rows) {
    InMemorySource.Builder b = InMemorySource.builder(name, schema);
    rows.forEach(b::addRow);
    return b.build();
  }

  @ParameterizedTest
  @MethodSource("databases")
  void cohort_pushesDown_andGivesTheStreamedIds(String label) throws Exception {
    Tables t = tables(db(label));
    SecretKey key = SecretKey.random();
    AtomicReference<Set<String>> pushedIds = new AtomicReference<>();
    AtomicReference<Set<String>> streamedIds = new AtomicReference<>();
    try (CleanRoom pushed = room(key, t.imps(), t.convs(), Set.of("pub"));
        CleanRoom streamed =
            room(
                key,
                PushdownDatabases.streamed(t.imps()),
                PushdownDatabases.streamed(t.convs()),
                Set.of("pub"))) {
      pushed.registerCohortSink("pub", (a, ids) -> pushedIds.set(new TreeSet<>(ids)));
      streamed.registerCohortSink("pub", (a, ids) -> streamedIds.set(new TreeSet<>(ids)));
      int before = t.tracking().prepared().size();
      CohortStage cohort =
          pushed
              .as("a")
              .from("pub.imps")
              .join("adv.convs")
              .onUserId()
              .where(col("country").eq("DE"))
              .cohort();
      CohortExplanation explained = cohort.explain("pub");
      assertEquals(before, t.tracking().prepared().size(), "explain() runs nothing");
      assertTrue(explained.allowed(), explained::toString);
      assertEquals(ExecutionPath.Kind.PUSHED_DOWN, explained.path().orElseThrow().kind());
      cohort.activateFor("pub");
      List<String> ran = t.tracking().prepared().subList(before, t.tracking().prepared().size());
      assertEquals(1, ran.size(), ran::toString);
      assertTrue(ran.get(0).startsWith("WITH "), ran::toString);
      // explain() shows exactly the statement that ran.
      assertTrue(
          explained.plan().stream().anyMatch(step -> step.endsWith(": " + ran.get(0))),
          explained.plan()::toString);
      CohortExplanation streamedPlan =
          streamed
              .as("a")
              .from("pub.imps")
              .join("adv.convs")
              .onUserId()
              .where(col("country").eq("DE"))
              .cohort()
              .explain("pub");
      assertEquals(ExecutionPath.Kind.STREAMED, streamedPlan.path().orElseThrow().kind());
      assertTrue(
          streamedPlan.path().orElseThrow().reason().contains("not a table"),
          streamedPlan.path().orElseThrow()::reason);
      assertEquals(explained.minCohortSize(), streamedPlan.minCohortSize());
      CohortExplanation refused =
          pushed.as("a").from("pub.imps").join("adv.convs").onUserId().cohort().explain("adv");
      assertFalse(refused.allowed());
      assertTrue(
          refused.checks().stream()
              .anyMatch(c -> !c.passed() && c.rule() == PolicyRule.COHORT_RELEASE_ALLOWED),
          refused.checks()::toString);
      streamed
          .as("a")
          .from("pub.imps")
          .join("adv.convs")
          .onUserId()
          .where(col("country").eq("DE"))
          .cohort()
          .activateFor("pub");
      assertEquals(streamedIds.get(), pushedIds.get());
      // Every form of each id the receiver holds: " P0@Example.com" and "p0@example.com".
      assertTrue(pushedIds.get().contains(" P0@Example.com"), pushedIds.get()::toString);
      assertTrue(pushedIds.get().contains("p0@example.com"));
      assertFalse(pushedIds.get().contains("p1@example.com")); // FR
      assertFalse(pushedIds.get().contains("p3@example.com")); // no conversion
    }
  }

  @ParameterizedTest
  @MethodSource("databases")
  void cohortBelowItsMinimum_pushedDown_fetchesNoId(String label) throws Exception {
    Tables t = tables(db(label));
    AtomicReference<Set<String>> ids = new AtomicReference<>();
    try (CleanRoom room = room(SecretKey.random(), t.imps(), t.convs(), Set.of("pub"))) {
      room.registerCohortSink("pub", (a, got) -> ids.set(Set.copyOf(got)));
      PolicyViolationException e =
          assertThrows(
              PolicyViolationException.class,
              () ->
                  room.as("a")
                      .from("pub.imps")
                      .join("adv.convs")
                      .onUserId()
                      .where(col("country").eq(TARGET_COUNTRY))
                      .cohort()
                      .activateFor("pub"));
      assertEquals(PolicyRule.COHORT_MIN_SIZE, e.rule());
      assertEquals(null, ids.get());
      Map<String, Integer> rows = t.tracking().rowsBySql();
      String sql = t.tracking().prepared().get(t.tracking().prepared().size() - 1);
      // One row came back: the cohort's size, with no id.
      assertEquals(1, rows.get(sql));
    }
  }

  @ParameterizedTest
  @MethodSource("databases")
  void threeDatasets_withDifferenceChecks_pushDown(String label) throws Exception {
    Tables t = tables(db(label));
    assumeTrue(t.imps() != null);
    SecretKey key = SecretKey.random();
    try (CleanRoom pushed = room(key, t.imps(), t.convs());
        CleanRoom streamed =
            room(
                key, PushdownDatabases.streamed(t.imps()), PushdownDatabases.streamed(t.convs()))) {
      // The advertiser's conversions again, as its third dataset (data has one owner).
      JdbcSource again = JdbcSource.builder(t.tracking(), t.convs().name()).build();
      Policy p = Policy.builder().allowAnalysts("a").allowJoinOn("uid").minDistinctUsers(K).build();
      pushed.register(
          Dataset.builder("adv", "people")
              .source(again)
              .userId("uid", UserIdFormat.EMAIL)
              .policy(p)
              .build());
      streamed.register(
          Dataset.builder("adv", "people")
              .source(PushdownDatabases.streamed(again))
              .userId("uid", UserIdFormat.EMAIL)
              .policy(p)
              .build());
      FinalStage a =
          pushed
              .as("a")
              .from("pub.imps")
              .join("adv.convs")
              .onUserId()
              .join("adv.people")
              .onUserId()
              .groupBy("campaign")
              .select(countDistinctUsers().as("users"));
      assertEquals(
          ExecutionPath.Kind.PUSHED_DOWN,
          a.explain().path().orElseThrow().kind(),
          a.explain()::toString);
      FinalStage b =
          streamed
              .as("a")
              .from("pub.imps")
              .join("adv.convs")
              .onUserId()
              .join("adv.people")
              .onUserId()
              .groupBy("campaign")
              .select(countDistinctUsers().as("users"));
      assertEquals(b.run().rows(), a.run().rows());
    }
  }
}
