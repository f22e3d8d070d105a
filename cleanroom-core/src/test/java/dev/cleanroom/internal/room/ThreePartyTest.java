package dev.cleanroom.internal.room;

import static dev.cleanroom.query.Dsl.col;
import static dev.cleanroom.query.Dsl.count;
import static dev.cleanroom.query.Dsl.countDistinctUsers;
import static dev.cleanroom.query.Dsl.sum;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cleanroom.CleanRoom;
import dev.cleanroom.Column;
import dev.cleanroom.Dataset;
import dev.cleanroom.Policy;
import dev.cleanroom.PolicyRule;
import dev.cleanroom.PolicyViolationException;
import dev.cleanroom.PrivacyBudget;
import dev.cleanroom.Schema;
import dev.cleanroom.SecretKey;
import dev.cleanroom.UserIdFormat;
import dev.cleanroom.internal.execution.PushdownDatabases;
import dev.cleanroom.jdbc.JdbcSource;
import dev.cleanroom.query.Aggregate;
import dev.cleanroom.query.ExecutionPath;
import dev.cleanroom.query.Explanation;
import dev.cleanroom.query.FinalStage;
import dev.cleanroom.query.Result;
import dev.cleanroom.query.ResultRow;
import dev.cleanroom.source.InMemorySource;
import dev.cleanroom.spi.DataSource;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;

/**
 * A query over three parties' datasets: a retailer's sales, a CPG brand's panel and a media owner's
 * exposures, joined on the person, in memory and on one H2 database (pushed down), in threshold and
 * differentially private mode, with every expected value computed here from the generated rows; and
 * the strictest of three policies winning.
 *
 * <p>The people are numbered 0..99. Sales: people 0..89, one basket of {@code (i % 7) * 10 + 5},
 * and a second basket of 90 for every fourth person; region {@code north/south/west} by {@code (i /
 * 10) % 3}. Panel: people 10..99, {@code young} unless {@code (i / 2) % 5 == 3}. Exposures: every
 * person not divisible by 7, a {@code tv} row of {@code i % 11} impressions for even people and a
 * {@code web} row of 7 for multiples of 3.
 */
class ThreePartyTest {
  private static final String ANALYST = "analyst";
  private static final String SALES = "retailer.sales";
  private static final String PANEL = "brand.panel";
  private static final String EXPOSURES = "media.exposures";
  private static final List<String> REGIONS = List.of("north", "south", "west");
  private static final double BASKET_MAX = 100;
  private static final double IMPRESSIONS_MAX = 8;

  private static final Schema SALES_SCHEMA =
      Schema.of(Column.string("uid"), Column.string("region"), Column.float64("basket"));
  private static final Schema PANEL_SCHEMA =
      Schema.of(Column.string("uid"), Column.string("age_band"));
  private static final Schema EXPOSURES_SCHEMA =
      Schema.of(Column.string("uid"), Column.string("channel"), Column.float64("impressions"));

  private static String uid(int i) {
    return "person" + i + "@example.com";
  }

  private static List<Object[]> salesRows() {
    List<Object[]> rows = new ArrayList<>();
    for (int i = 0; i < 90; i++) {
      rows.add(new Object[] {uid(i), REGIONS.get((i / 10) % 3), (i % 7) * 10.0 + 5});
      if (i % 4 == 0) {
        rows.add(new Object[] {uid(i), REGIONS.get((i / 10) % 3), 90.0});
      }
    }
    return rows;
  }

  private static boolean young(int i) {
    return (i / 2) % 5 != 3;
  }

  private static List<Object[]> panelRows() {
    List<Object[]> rows = new ArrayList<>();
    for (int i = 10; i < 100; i++) {
      rows.add(new Object[] {uid(i), young(i) ? "young" : "old"});
    }
    return rows;
  }

  private static List<Object[]> exposureRows() {
    List<Object[]> rows = new ArrayList<>();
    for (int i = 0; i < 100; i++) {
      if (i % 7 == 0) {
        continue;
      }
      if (i % 2 == 0) {
        rows.add(new Object[] {uid(i), "tv", (double) (i % 11)});
      }
      if (i % 3 == 0) {
        rows.add(new Object[] {uid(i), "web", 7.0});
      }
    }
    return rows;
  }

  /** The expected aggregates of one region. */
  record Expected(long users, long rows, double basket, double impressions) {}

  /**
   * The expected rows of the query (tv viewers, young panelists, by region), computed from the
   * generated rows: joined people, their clamped per-person totals, the rows of sales counted up to
   * {@code maxRows}, and regions with at least k people.
   */
  private static Map<String, Expected> expected(int k, int maxRows) {
    Map<String, long[]> counts = new TreeMap<>();
    Map<String, double[]> sums = new TreeMap<>();
    for (int i = 0; i < 100; i++) {
      int person = i;
      List<Object[]> sales = salesRows().stream().filter(r -> r[0].equals(uid(person))).toList();
      boolean inPanel = panelRows().stream().anyMatch(r -> r[0].equals(uid(person)));
      List<Object[]> tv =
          exposureRows().stream()
              .filter(r -> r[0].equals(uid(person)) && r[1].equals("tv"))
              .toList();
      if (sales.isEmpty() || !inPanel || !young(i) || tv.isEmpty()) {
        continue;
      }
      String region = REGIONS.get((i / 10) % 3);
      double basket = 0;
      for (Object[] r : sales) {
        basket += (double) r[2];
      }
      double impressions = 0;
      for (Object[] r : tv) {
        impressions += Math.min((double) r[2], IMPRESSIONS_MAX);
      }
      long[] c = counts.computeIfAbsent(region, x -> new long[2]);
      c[0]++;
      c[1] += Math.min(sales.size(), maxRows);
      double[] s = sums.computeIfAbsent(region, x -> new double[2]);
      s[0] += Math.min(basket, BASKET_MAX);
      s[1] += Math.min(impressions, IMPRESSIONS_MAX);
    }
    Map<String, Expected> out = new TreeMap<>();
    counts.forEach(
        (region, c) -> {
          if (c[0] >= k) {
            double[] s = sums.get(region);
            out.put(region, new Expected(c[0], c[1], s[0], s[1]));
          }
        });
    return out;
  }

  private static InMemorySource memory(String name, Schema schema, List<Object[]> rows) {
    InMemorySource.Builder b = InMemorySource.builder(name, schema);
    rows.forEach(b::addRow);
    return b.build();
  }

  private static Policy.Builder base() {
    return Policy.builder().allowAnalysts(ANALYST).allowJoinOn("uid");
  }

  private static Policy.Builder policy() {
    return base().maxContributionsPerGroup(2);
  }

  /** A room with the three datasets over {@code sources} (sales, panel, exposures). */
  private static CleanRoom room(
      List<? extends DataSource> sources,
      UnaryOperator<Policy.Builder> salesPolicy,
      UnaryOperator<Policy.Builder> panelPolicy,
      UnaryOperator<Policy.Builder> exposuresPolicy) {
    CleanRoom room =
        CleanRoom.builder()
            .secretKey(SecretKey.of("three-party-key-0123456789abcdef".getBytes(UTF_8)))
            .build();
    room.register(
        Dataset.builder("retailer", "sales")
            .source(sources.get(0))
            .userId("uid", UserIdFormat.EMAIL)
            .dimension("region")
            .metric("basket", 0, BASKET_MAX)
            .policy(salesPolicy.apply(policy()).build())
            .build());
    room.register(
        Dataset.builder("brand", "panel")
            .source(sources.get(1))
            .userId("uid", UserIdFormat.EMAIL)
            .dimension("age_band")
            .policy(panelPolicy.apply(policy()).build())
            .build());
    room.register(
        Dataset.builder("media", "exposures")
            .source(sources.get(2))
            .userId("uid", UserIdFormat.EMAIL)
            .dimension("channel")
            .metric("impressions", 0, IMPRESSIONS_MAX)
            .policy(exposuresPolicy.apply(policy()).build())
            .build());
    return room;
  }

  private static CleanRoom memoryRoom(
      UnaryOperator<Policy.Builder> salesPolicy,
      UnaryOperator<Policy.Builder> panelPolicy,
      UnaryOperator<Policy.Builder> exposuresPolicy) {
    return room(
        List.of(
            memory("sales", SALES_SCHEMA, salesRows()),
            memory("panel", PANEL_SCHEMA, panelRows()),
            memory("exposures", EXPOSURES_SCHEMA, exposureRows())),
        salesPolicy,
        panelPolicy,
        exposuresPolicy);
  }

  private static FinalStage query(CleanRoom room) {
    return query(
        room,
        countDistinctUsers().as("people"),
        count().as("baskets"),
        sum("basket").as("basket"),
        sum("impressions").as("impressions"));
  }

  private static FinalStage query(CleanRoom room, Aggregate... aggregates) {
    return room.as(ANALYST)
        .from(SALES)
        .join(PANEL)
        .onUserId()
        .join(EXPOSURES)
        .onUserId()
        .where(col("channel").eq("tv"))
        .where(col("age_band").eq("young"))
        .groupBy("region")
        .select(aggregates);
  }

  private static void assertExact(Map<String, Expected> expected, Result r) {
    Map<String, Expected> actual = new TreeMap<>();
    for (ResultRow row : r.rows()) {
      actual.put(
          row.getString("region"),
          new Expected(
              row.getLong("people"),
              row.getLong("baskets"),
              row.getDouble("basket"),
              row.getDouble("impressions")));
    }
    assertEquals(expected, actual);
  }

  /**
   * Each noisy cell is within 25 noise scales of its true value: for (discrete) Laplace noise the
   * chance of a larger error is below e^-25 < 1.4e-11 per cell, so the false-failure rate of the
   * whole test stays below 1e-9.
   */
  private static void assertNoisy(Map<String, Expected> expected, Result r) {
    assertEquals(expected.keySet().size(), r.size());
    for (ResultRow row : r.rows()) {
      Expected e = expected.get(row.getString("region"));
      assertClose(e.users(), row.getLong("people"), row, "people");
      assertClose(e.basket(), row.getDouble("basket"), row, "basket");
      assertClose(e.impressions(), row.getDouble("impressions"), row, "impressions");
    }
  }

  private static void assertClose(double exact, double noisy, ResultRow row, String column) {
    double scale = row.noise(column).orElseThrow().scale();
    assertTrue(scale > 0 && scale < 50, column + " scale " + scale);
    assertTrue(
        Math.abs(noisy - exact) <= 25 * scale,
        column + ": " + noisy + " is not within 25 scales of " + exact);
  }

  @Test
  void expectedValues_coverThreeRegionsAboveK() {
    // Guards the fixture: the query is only a test if all three regions are released.
    Map<String, Expected> e = expected(5, 2);
    assertEquals(REGIONS, List.copyOf(e.keySet()));
    assertTrue(e.values().stream().allMatch(x -> x.users() >= 5 && x.rows() > x.users()));
  }

  @Test
  void threeParties_inMemory_threshold_matchExpectedValues() {
    CleanRoom room =
        memoryRoom(
            p -> p.minDistinctUsers(2), p -> p.minDistinctUsers(3), p -> p.minDistinctUsers(5));
    assertExact(expected(5, 2), query(room).run());
  }

  @Test
  void threeParties_inMemory_differentiallyPrivate_areWithinTheNoise() {
    CleanRoom room =
        memoryRoom(
            p -> p.minDistinctUsers(2).differentialPrivacy(PrivacyBudget.epsilon(1000), 100),
            p -> p.minDistinctUsers(3).differentialPrivacy(PrivacyBudget.epsilon(1000), 100),
            p -> p.minDistinctUsers(5).differentialPrivacy(PrivacyBudget.epsilon(1000), 100));
    Result r = query(room).epsilon(90).publicGroupValues("north", "south", "west").run();
    assertTrue(r.privacy().differentiallyPrivate());
    assertEquals(3, r.privacy().ledgers().size());
    assertNoisy(expected(5, 2), r);
  }

  @Test
  void threeParties_dpJoinedWithThresholdOnly_isRefused() {
    // The threshold-only owners' exact k would expose single people of the DP owner's data.
    CleanRoom room =
        memoryRoom(
            p -> p.minDistinctUsers(2),
            p -> p.minDistinctUsers(3),
            p -> p.minDistinctUsers(5).differentialPrivacy(PrivacyBudget.epsilon(1000), 100));
    PolicyViolationException e =
        assertThrows(
            PolicyViolationException.class,
            () -> query(room).epsilon(90).publicGroupValues("north", "south", "west").run());
    assertEquals(PolicyRule.DIFFERENTIAL_PRIVACY_REQUIRED, e.rule());
    assertEquals(EXPOSURES, e.dataset());
  }

  @Test
  void threeParties_onOneH2Database_pushDown_andMatchExpectedValues() throws Exception {
    try (PushdownDatabases.Db db = PushdownDatabases.h2()) {
      String[] names = {"sales", "panel", "exposures"};
      db.execute(
          "CREATE TABLE "
              + db.quote("sales")
              + " ("
              + db.quote("uid")
              + " VARCHAR(64), "
              + db.quote("region")
              + " VARCHAR(10), "
              + db.quote("basket")
              + " DOUBLE PRECISION)",
          "CREATE TABLE "
              + db.quote("panel")
              + " ("
              + db.quote("uid")
              + " VARCHAR(64), "
              + db.quote("age_band")
              + " VARCHAR(10))",
          "CREATE TABLE "
              + db.quote("exposures")
              + " ("
              + db.quote("uid")
              + " VARCHAR(64), "
              + db.quote("channel")
              + " VARCHAR(10), "
              + db.quote("impressions")
              + " DOUBLE PRECISION)");
      db.insert(db.quote("sales"), salesRows());
      db.insert(db.quote("panel"), panelRows());
      db.insert(db.quote("exposures"), exposureRows());
      List<JdbcSource> sources = new ArrayList<>();
      for (String n : names) {
        sources.add(JdbcSource.builder(db.dataSource(), n).name(n).build());
      }

      // Threshold mode with difference checks off everywhere: the sums are one statement in the
      // database too, added exactly in whole units of their fine quantum.
      CleanRoom pushed =
          room(
              sources,
              p -> p.minDistinctUsers(2).withoutDifferenceChecks(),
              p -> p.minDistinctUsers(3).withoutDifferenceChecks(),
              p -> p.minDistinctUsers(5).withoutDifferenceChecks());
      ExecutionPath withSums = query(pushed).explain().path().orElseThrow();
      assertEquals(ExecutionPath.Kind.PUSHED_DOWN, withSums.kind(), withSums::toString);
      assertExact(expected(5, 2), query(pushed).run());
      FinalStage counts = query(pushed, countDistinctUsers().as("people"), count().as("baskets"));
      assertEquals(ExecutionPath.Kind.PUSHED_DOWN, counts.explain().path().orElseThrow().kind());
      Map<String, List<Long>> countsOnly = new TreeMap<>();
      for (ResultRow row : counts.run().rows()) {
        countsOnly.put(
            row.getString("region"), List.of(row.getLong("people"), row.getLong("baskets")));
      }
      Map<String, List<Long>> expectedCounts = new TreeMap<>();
      expected(5, 2).forEach((k, v) -> expectedCounts.put(k, List.of(v.users(), v.rows())));
      assertEquals(expectedCounts, countsOnly);

      // With difference checks on (the default), the counts still push down (the statement returns
      // the people of each row as keyed hashes), and so do the sums.
      CleanRoom checked =
          room(
              sources,
              p -> p.minDistinctUsers(2),
              p -> p.minDistinctUsers(3),
              p -> p.minDistinctUsers(5));
      ExecutionPath checkedPath = query(checked).explain().path().orElseThrow();
      assertEquals(ExecutionPath.Kind.PUSHED_DOWN, checkedPath.kind(), checkedPath::toString);
      assertExact(expected(5, 2), query(checked).run());
      FinalStage checkedCounts =
          query(checked, countDistinctUsers().as("people"), count().as("baskets"));
      assertEquals(
          ExecutionPath.Kind.PUSHED_DOWN, checkedCounts.explain().path().orElseThrow().kind());
      Map<String, List<Long>> checkedCountsOnly = new TreeMap<>();
      for (ResultRow row : checkedCounts.run().rows()) {
        checkedCountsOnly.put(
            row.getString("region"), List.of(row.getLong("people"), row.getLong("baskets")));
      }
      assertEquals(expectedCounts, checkedCountsOnly);

      // Differentially private: no difference checks, pushed down, within the noise.
      CleanRoom noisy =
          room(
              sources,
              p -> p.minDistinctUsers(2).differentialPrivacy(PrivacyBudget.epsilon(1000), 100),
              p -> p.minDistinctUsers(3).differentialPrivacy(PrivacyBudget.epsilon(1000), 100),
              p -> p.minDistinctUsers(5).differentialPrivacy(PrivacyBudget.epsilon(1000), 100));
      FinalStage dp = query(noisy).epsilon(90).publicGroupValues("north", "south", "west");
      assertEquals(ExecutionPath.Kind.PUSHED_DOWN, dp.explain().path().orElseThrow().kind());
      assertNoisy(expected(5, 2), dp.run());
    }
  }

  @Test
  void strictestOfThreePolicies_wins() {
    CleanRoom room =
        memoryRoom(
            p -> base().minDistinctUsers(2).maxGroupsPerUser(3).maxContributionsPerGroup(5),
            p -> base().minDistinctUsers(3).maxGroupsPerUser(2).maxContributionsPerGroup(4),
            p -> base().minDistinctUsers(9).maxGroupsPerUser(1).maxContributionsPerGroup(1));
    Explanation e = query(room).explain();
    assertEquals(9, e.minDistinctUsers());
    assertEquals(1, e.maxGroupsPerUser());
    assertEquals(1, e.maxContributionsPerGroup());
    Map<String, Expected> expected = expected(9, 1);
    // The third policy's k removes at least one region that the others would release.
    assertTrue(expected.size() < expected(3, 1).size(), expected.toString());
    assertExact(expected, query(room).run());
  }

  @Test
  void strictestEpsilonCap_ofThreePolicies_refusesAndNamesTheThirdDataset() {
    CleanRoom room =
        memoryRoom(
            p -> p.minDistinctUsers(2),
            p -> p.minDistinctUsers(2).differentialPrivacy(PrivacyBudget.epsilon(10), 1.0),
            p -> p.minDistinctUsers(2).differentialPrivacy(PrivacyBudget.epsilon(10), 0.25));
    PolicyViolationException e =
        assertThrows(PolicyViolationException.class, () -> query(room).epsilon(0.5).run());
    assertEquals(EXPOSURES, e.dataset());
    assertEquals("media", e.owner());
    assertEquals(PolicyRule.EPSILON_PER_QUERY, e.rule());
  }

  @Test
  void analystNotAllowedByTheThirdDataset_isRefusedNamingIt() {
    CleanRoom room =
        memoryRoom(
            p -> p.minDistinctUsers(2),
            p -> p.minDistinctUsers(2),
            p ->
                Policy.builder()
                    .allowAnalysts("someone_else")
                    .allowJoinOn("uid")
                    .minDistinctUsers(2));
    PolicyViolationException e =
        assertThrows(PolicyViolationException.class, () -> query(room).run());
    assertEquals(EXPOSURES, e.dataset());
    assertEquals("media", e.owner());
    assertEquals(PolicyRule.ANALYST_ALLOWED, e.rule());
    assertTrue(e.getMessage().contains(EXPOSURES), e.getMessage());
  }

  @Test
  void thirdDatasetThatMayNotBeJoined_isRefusedNamingIt() {
    CleanRoom room =
        memoryRoom(
            p -> p.minDistinctUsers(2),
            p -> p.minDistinctUsers(2),
            p -> Policy.builder().allowAnalysts(ANALYST).minDistinctUsers(2));
    PolicyViolationException e =
        assertThrows(PolicyViolationException.class, () -> query(room).run());
    assertEquals(EXPOSURES, e.dataset());
    assertEquals(PolicyRule.JOIN_ALLOWED, e.rule());
  }
}
