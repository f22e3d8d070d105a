package dev.cleanroom.internal.room;

import static dev.cleanroom.query.Dsl.avg;
import static dev.cleanroom.query.Dsl.col;
import static dev.cleanroom.query.Dsl.count;
import static dev.cleanroom.query.Dsl.countDistinctUsers;
import static dev.cleanroom.query.Dsl.sum;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cleanroom.AggregateFunction;
import dev.cleanroom.Bounds;
import dev.cleanroom.CleanRoom;
import dev.cleanroom.Column;
import dev.cleanroom.ColumnType;
import dev.cleanroom.Dataset;
import dev.cleanroom.Policy;
import dev.cleanroom.Schema;
import dev.cleanroom.SecretKey;
import dev.cleanroom.UserIdFormat;
import dev.cleanroom.pseudonymization.Pseudonymizer;
import dev.cleanroom.query.Result;
import dev.cleanroom.query.ResultColumn;
import dev.cleanroom.query.ResultRow;
import dev.cleanroom.source.InMemorySource;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

/** The engine on small hand-made examples whose answers are worked out in the comments. */
class EngineReferenceTest {
  private static final SecretKey KEY = SecretKey.of("engine-reference-key-0123".getBytes(UTF_8));
  private final CleanRoom room = CleanRoom.builder().secretKey(KEY).auditSink(e -> {}).build();

  private static final Schema IMPRESSIONS =
      Schema.of(
          Column.string("email"),
          Column.string("campaign"),
          Column.string("country"),
          Column.int64("week"));
  private static final Schema CONVERSIONS =
      Schema.of(Column.string("email"), Column.string("product"), Column.float64("value"));

  private static Policy.Builder policy() {
    return Policy.builder()
        .withoutDifferenceChecks()
        .allowAnalysts("analyst")
        .allowJoinOn("email")
        .minDistinctUsers(2)
        .maxGroupsPerUser(100);
  }

  private void impressions(Consumer<InMemorySource.Builder> rows, Policy policy) {
    InMemorySource.Builder b = InMemorySource.builder("impressions", IMPRESSIONS);
    rows.accept(b);
    room.register(
        Dataset.builder("publisher", "impressions")
            .source(b.build())
            .userId("email", UserIdFormat.EMAIL)
            .dimensions("campaign", "country", "week")
            .policy(policy)
            .build());
  }

  private void conversions(Consumer<InMemorySource.Builder> rows, Policy policy) {
    InMemorySource.Builder b = InMemorySource.builder("conversions", CONVERSIONS);
    rows.accept(b);
    room.register(
        Dataset.builder("advertiser", "conversions")
            .source(b.build())
            .userId("email", UserIdFormat.EMAIL)
            .dimension("product")
            .metric("value", 0, 100)
            .policy(policy)
            .build());
  }

  private static ResultRow only(Result r) {
    assertEquals(1, r.size(), r.toString());
    return r.rows().get(0);
  }

  @Test
  void conversion_isCountedOnce_evenWithManyImpressions() {
    impressions(
        b -> {
          for (int i = 0; i < 5; i++) {
            b.addRow("a@x.com", "c1", "DE", (long) i);
          }
          for (int i = 0; i < 3; i++) {
            b.addRow("b@x.com", "c1", "DE", (long) i);
          }
          b.addRow("c@x.com", "c1", "FR", 1L);
          b.addRow("d@x.com", "c1", "FR", 1L); // no conversion: not in the join
        },
        policy().maxContributionsPerGroup(10).build());
    conversions(
        b -> {
          b.addRow("A@X.com", "shoes", 50.0);
          b.addRow("b@x.com", "shoes", 30.0);
          b.addRow("c@x.com", "hats", 20.0);
          b.addRow("e@x.com", "hats", 99.0); // no impression: not in the join
        },
        policy().maxContributionsPerGroup(10).build());
    ResultRow r =
        only(
            room.as("analyst")
                .from("publisher.impressions")
                .join("advertiser.conversions")
                .onUserId()
                .groupBy("campaign")
                .select(countDistinctUsers(), count(), sum("value"), avg("value"))
                .run());
    assertEquals("c1", r.get("campaign"));
    assertEquals(3L, r.getLong("distinct_users"));
    assertEquals(9L, r.getLong("count")); // impressions: 5 + 3 + 1
    assertEquals(100.0, r.getDouble("sum_value"), 1e-9); // 50 + 30 + 20, not 5 * 50 + ...
    assertEquals(100.0 / 3, r.getDouble("avg_value"), 1e-9);
  }

  @Test
  void count_countsRowsOfTheFirstDataset() {
    impressions(
        b -> {
          for (String u : List.of("a@x.com", "b@x.com")) {
            for (int i = 0; i < 4; i++) {
              b.addRow(u, "c1", "DE", 1L);
            }
          }
        },
        policy().maxContributionsPerGroup(10).build());
    conversions(
        b -> {
          b.addRow("a@x.com", "shoes", 1.0);
          b.addRow("b@x.com", "shoes", 1.0);
        },
        policy().maxContributionsPerGroup(10).build());
    assertEquals(
        8L,
        only(room.as("analyst")
                .from("publisher.impressions")
                .join("advertiser.conversions")
                .onUserId()
                .select(count())
                .run())
            .getLong("count"));
    assertEquals(
        2L,
        only(room.as("analyst")
                .from("advertiser.conversions")
                .join("publisher.impressions")
                .onUserId()
                .select(count())
                .run())
            .getLong("count"));
  }

  @Test
  void values_areClampedFirst_thenEachPersonsTotal_andNaNIsDropped() {
    impressions(
        b -> {
          for (String u : List.of("a@x.com", "b@x.com", "c@x.com", "d@x.com")) {
            b.addRow(u, "c1", "DE", 1L);
          }
        },
        policy().build());
    conversions(
        b -> {
          // a: 120 -> 100, + 90 = 190, per group clamped to 150
          b.addRow("a@x.com", "shoes", 120.0);
          b.addRow("a@x.com", "shoes", 90.0);
          b.addRow("a@x.com", "shoes", Double.NaN);
          // b: -5 -> 0
          b.addRow("b@x.com", "shoes", -5.0);
          // c: only NaN: counted as a user, but not in the mean's denominator
          b.addRow("c@x.com", "shoes", Double.NaN);
          // d: +inf -> 100
          b.addRow("d@x.com", "shoes", Double.POSITIVE_INFINITY);
        },
        policy().clampPerGroup("value", 0, 150).build());
    ResultRow r =
        only(
            room.as("analyst")
                .from("advertiser.conversions")
                .join("publisher.impressions")
                .onUserId()
                .groupBy("product")
                .select(countDistinctUsers(), sum("value"), avg("value"))
                .run());
    assertEquals(4L, r.getLong("distinct_users"));
    assertEquals(250.0, r.getDouble("sum_value"), 1e-9); // 150 + 0 + 100
    assertEquals(250.0 / 3, r.getDouble("avg_value"), 1e-9);
  }

  @Test
  void perGroupClamp_defaultsToTheDeclaredBounds() {
    impressions(b -> {}, policy().build());
    conversions(
        b -> {
          for (String u : List.of("a@x.com", "b@x.com")) {
            b.addRow(u, "shoes", 80.0);
            b.addRow(u, "shoes", 80.0);
          }
        },
        policy().build());
    ResultRow r =
        only(room.as("analyst").from("advertiser.conversions").select(sum("value")).run());
    assertEquals(200.0, r.getDouble("sum_value"), 1e-9); // each person: 160 -> 100
  }

  @Test
  void mean_ofOnlyNaNValues_isNaN() {
    impressions(b -> {}, policy().build());
    conversions(
        b -> {
          b.addRow("a@x.com", "shoes", Double.NaN);
          b.addRow("b@x.com", "shoes", Double.NaN);
        },
        policy().build());
    ResultRow r =
        only(
            room.as("analyst")
                .from("advertiser.conversions")
                .select(countDistinctUsers(), sum("value"), avg("value"))
                .run());
    assertEquals(2L, r.getLong("distinct_users"));
    assertEquals(0.0, r.getDouble("sum_value"));
    assertTrue(Double.isNaN(r.getDouble("avg_value")));
  }

  @Test
  void crossDatasetOr_keepsPeopleMatchingEitherSide() {
    impressions(
        b -> {
          b.addRow("a@x.com", "c1", "DE", 1L); // DE, converted on hats: kept by DE
          b.addRow("b@x.com", "c1", "FR", 1L); // FR, converted on shoes: kept by shoes
          b.addRow("c@x.com", "c1", "FR", 1L); // FR, hats: dropped
          b.addRow("d@x.com", "c1", "DE", 1L); // DE, shoes: kept
          b.addRow("e@x.com", "c2", "FR", 1L); // FR, shoes: kept
        },
        policy().build());
    conversions(
        b -> {
          b.addRow("a@x.com", "hats", 1.0);
          b.addRow("b@x.com", "shoes", 2.0);
          b.addRow("c@x.com", "hats", 4.0);
          b.addRow("d@x.com", "shoes", 8.0);
          b.addRow("e@x.com", "shoes", 16.0);
        },
        policy().build());
    Result r =
        room.as("analyst")
            .from("publisher.impressions")
            .join("advertiser.conversions")
            .onUserId()
            .where(col("country").eq("DE").or(col("product").eq("shoes")))
            .groupBy("campaign")
            .select(countDistinctUsers(), sum("value"))
            .run();
    // c1: a, b, d (1 + 2 + 8); c2: only e, below k=2
    ResultRow row = only(r);
    assertEquals("c1", row.get("campaign"));
    assertEquals(3L, row.getLong("distinct_users"));
    assertEquals(11.0, row.getDouble("sum_value"), 1e-9);
  }

  @Test
  void crossDatasetCondition_pairsRowsOfTheSamePerson() {
    // a's rows: (c1, DE), (c2, FR); a's conversions: (shoes), (hats).
    // Condition: country = DE AND product = shoes, or country = FR AND product = hats.
    // Both of a's impressions pass with some conversion; only the matching conversion counts.
    impressions(
        b -> {
          for (String u : List.of("a@x.com", "b@x.com")) {
            b.addRow(u, "c1", "DE", 1L);
            b.addRow(u, "c2", "FR", 1L);
          }
        },
        policy().build());
    conversions(
        b -> {
          for (String u : List.of("a@x.com", "b@x.com")) {
            b.addRow(u, "shoes", 10.0);
            b.addRow(u, "hats", 1.0);
          }
        },
        policy().build());
    Result r =
        room.as("analyst")
            .from("publisher.impressions")
            .join("advertiser.conversions")
            .onUserId()
            .where(
                col("country")
                    .eq("DE")
                    .and(col("product").eq("shoes"))
                    .or(col("country").eq("FR").and(col("product").eq("hats"))))
            .groupBy("campaign")
            .select(countDistinctUsers(), sum("value"))
            .run();
    assertEquals(2, r.size());
    assertEquals(List.of("c1", 2L, 20.0), r.rows().get(0).values());
    assertEquals(List.of("c2", 2L, 2.0), r.rows().get(1).values());
  }

  @Test
  void groupsBelowK_areDroppedSilently_andRowsAreSortedByGroupValues() {
    impressions(
        b -> {
          // (DE, 2): 3 people; (DE, 10): 2; (AT, 7): 2; (FR, 1): 1 -> dropped
          b.addRow("a@x.com", "c", "DE", 2L);
          b.addRow("b@x.com", "c", "DE", 2L);
          b.addRow("c@x.com", "c", "DE", 2L);
          b.addRow("d@x.com", "c", "DE", 10L);
          b.addRow("e@x.com", "c", "DE", 10L);
          b.addRow("f@x.com", "c", "AT", 7L);
          b.addRow("g@x.com", "c", "AT", 7L);
          b.addRow("h@x.com", "c", "FR", 1L);
        },
        policy().build());
    Result r =
        room.as("analyst")
            .from("publisher.impressions")
            .groupBy("country", "week")
            .select(countDistinctUsers())
            .run();
    List<List<Object>> rows = new ArrayList<>();
    r.rows().forEach(row -> rows.add(row.values()));
    assertEquals(
        List.of(List.of("AT", 7L, 2L), List.of("DE", 2L, 3L), List.of("DE", 10L, 2L)), rows);
    assertEquals(
        List.of(
            new ResultColumn("country", ColumnType.STRING, false),
            new ResultColumn("week", ColumnType.LONG, false),
            new ResultColumn("distinct_users", ColumnType.LONG, true)),
        r.columns());
    assertFalse(r.toTable().contains("FR"));
  }

  @Test
  void noPeople_giveNoRow_notARowOfZeros() {
    impressions(b -> b.addRow("a@x.com", "c1", "DE", 1L), policy().build());
    conversions(b -> b.addRow("z@x.com", "shoes", 1.0), policy().build());
    assertEquals(
        0,
        room.as("analyst")
            .from("publisher.impressions")
            .join("advertiser.conversions")
            .onUserId()
            .select(count(), countDistinctUsers())
            .run()
            .size());
    assertEquals(
        0,
        room.as("analyst")
            .from("publisher.impressions")
            .where(col("country").eq("nowhere"))
            .select(countDistinctUsers())
            .run()
            .size());
  }

  @Test
  void join_matchesIdsAcrossFormats() {
    // impressions hold e-mails; conversions hold the same people as pseudonyms computed by the
    // uploading party with the room's key.
    Pseudonymizer p = Pseudonymizer.of(KEY);
    List<String> emails = List.of("a@x.com", "b@x.com", "c@x.com");
    impressions(
        b ->
            emails.forEach(
                e -> b.addRow(" " + e.toUpperCase(java.util.Locale.ROOT), "c1", "DE", 1L)),
        policy().build());
    InMemorySource.Builder b = InMemorySource.builder("hashed", CONVERSIONS);
    emails.forEach(e -> b.addRow(p.pseudonymize(e, UserIdFormat.EMAIL), "shoes", 1.0));
    b.addRow(p.pseudonymize("zz@x.com", UserIdFormat.EMAIL), "shoes", 1.0);
    room.register(
        Dataset.builder("advertiser", "hashed")
            .source(b.build())
            .userId("email", UserIdFormat.PSEUDONYMIZED)
            .dimension("product")
            .metric("value", 0, 100)
            .policy(policy().build())
            .build());
    assertEquals(
        3L,
        only(room.as("analyst")
                .from("publisher.impressions")
                .join("advertiser.hashed")
                .onUserId()
                .select(countDistinctUsers())
                .run())
            .getLong("distinct_users"));
  }

  @Test
  void fixedExample_matchesTheReferenceImplementation() {
    List<String> people = new ArrayList<>();
    List<Map<String, Object>> rows = new ArrayList<>();
    impressions(
        b -> {
          for (int u = 0; u < 12; u++) {
            for (int i = 0; i <= u % 4; i++) {
              String country = (u + i) % 3 == 0 ? "DE" : "FR";
              String campaign = "c" + ((u * 7 + i) % 3);
              b.addRow("p" + u + "@x.com", campaign, country, (long) (i % 2));
              people.add("p" + u + "@x.com");
              rows.add(Map.of("campaign", campaign, "country", country, "week", (long) (i % 2)));
            }
          }
        },
        policy().maxContributionsPerGroup(2).build());
    List<String> people2 = new ArrayList<>();
    List<Map<String, Object>> rows2 = new ArrayList<>();
    conversions(
        b -> {
          for (int u = 2; u < 14; u++) {
            for (int i = 0; i < u % 3; i++) {
              String product = i == 0 ? "shoes" : "hats";
              double value = u * 13.0 - i * 40;
              b.addRow("p" + u + "@x.com", product, value);
              people2.add("p" + u + "@x.com");
              rows2.add(Map.of("product", product, "value", value));
            }
          }
        },
        policy().clampPerGroup("value", 10, 150).build());
    Result r =
        room.as("analyst")
            .from("publisher.impressions")
            .join("advertiser.conversions")
            .onUserId()
            .where(col("week").eq(0L).or(col("product").ne("hats")))
            .groupBy("campaign", "product")
            .select(count(), countDistinctUsers(), sum("value"), avg("value"))
            .run();
    List<List<Object>> expected =
        ReferenceEngine.run(
            List.of(
                new ReferenceEngine.Table("impressions", people, rows, Map.of(), Map.of(), 2, 2),
                new ReferenceEngine.Table(
                    "conversions",
                    people2,
                    rows2,
                    Map.of("value", Bounds.of(0, 100)),
                    Map.of("value", Bounds.of(10, 150)),
                    2,
                    1)),
            List.of(col("impressions.week").eq(0L).or(col("conversions.product").ne("hats"))),
            List.of("impressions.campaign", "conversions.product"),
            List.of(
                new ReferenceEngine.Agg(AggregateFunction.COUNT, ""),
                new ReferenceEngine.Agg(AggregateFunction.COUNT_DISTINCT_USERS, ""),
                new ReferenceEngine.Agg(AggregateFunction.SUM, "conversions.value"),
                new ReferenceEngine.Agg(AggregateFunction.AVG, "conversions.value")));
    assertFalse(expected.isEmpty());
    EngineProperties.assertRows(expected, r);
  }

  // ---- L0 bounding ----

  private void fiveGroupsPerPerson(int people, int maxGroupsPerUser) {
    InMemorySource.Builder b = InMemorySource.builder("impressions", IMPRESSIONS);
    for (int u = 0; u < people; u++) {
      for (int g = 0; g < 5; g++) {
        b.addRow("p" + u + "@x.com", "c" + g, "DE", 1L);
      }
    }
    room.register(
        Dataset.builder("publisher", "impressions")
            .source(b.build())
            .userId("email", UserIdFormat.EMAIL)
            .dimensions("campaign", "country", "week")
            .policy(
                Policy.builder()
                    .withoutDifferenceChecks()
                    .allowAnalysts("analyst")
                    .minDistinctUsers(2)
                    .maxGroupsPerUser(maxGroupsPerUser)
                    .build())
            .build());
  }

  private List<Long> usersPerCampaign(String alias) {
    Result r =
        room.as("analyst")
            .from("publisher.impressions")
            .groupBy("campaign")
            .select(countDistinctUsers().as(alias))
            .run();
    // 200 people each keep 2 of 5 groups: a group has Binomial(200, 0.4) people, so that all five
    // groups reach k=2 fails with probability far below 1e-9.
    assertEquals(5, r.size(), r.toString());
    List<Long> counts = new ArrayList<>();
    r.rows().forEach(row -> counts.add(row.getLong(alias)));
    return counts;
  }

  @Test
  void maxGroupsPerUser_boundsTheGroupsOfEachPerson() {
    fiveGroupsPerPerson(200, 2);
    List<Long> counts = usersPerCampaign("distinct_users");
    assertEquals(400L, counts.stream().mapToLong(Long::longValue).sum());
    assertTrue(counts.stream().allMatch(c -> c <= 200), counts.toString());
  }

  @Test
  void maxGroupsPerUser_doesNotBindWhenPeopleHaveFewerGroups() {
    fiveGroupsPerPerson(200, 5);
    assertEquals(List.of(200L, 200L, 200L, 200L, 200L), usersPerCampaign("distinct_users"));
  }

  @Test
  void maxGroupsPerUser_sameQueryChoosesTheSame_anotherQueryAnew() {
    fiveGroupsPerPerson(200, 2);
    // The choice is keyed by the room's key and the query: the same question, the same answer.
    Set<List<Long>> same = new HashSet<>();
    for (int i = 0; i < 5; i++) {
      same.add(usersPerCampaign("distinct_users"));
    }
    assertEquals(1, same.size(), same.toString());
    // Another query (here another output name) chooses anew; ten queries with identical group
    // sizes would happen with probability far below 1e-9.
    Set<List<Long>> seen = new HashSet<>();
    for (int i = 0; i < 10; i++) {
      seen.add(usersPerCampaign("users_" + i));
    }
    assertTrue(seen.size() > 1, seen.toString());
  }
}
