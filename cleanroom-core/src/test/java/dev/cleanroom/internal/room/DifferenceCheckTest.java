package dev.cleanroom.internal.room;

import static dev.cleanroom.query.Dsl.col;
import static dev.cleanroom.query.Dsl.countDistinctUsers;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cleanroom.CleanRoom;
import dev.cleanroom.Column;
import dev.cleanroom.Dataset;
import dev.cleanroom.Policy;
import dev.cleanroom.PrivacyBudget;
import dev.cleanroom.Schema;
import dev.cleanroom.SecretKey;
import dev.cleanroom.UserIdFormat;
import dev.cleanroom.internal.release.DpTesting.MutableClock;
import dev.cleanroom.query.Condition;
import dev.cleanroom.query.FinalStage;
import dev.cleanroom.query.Result;
import dev.cleanroom.query.RowStage;
import dev.cleanroom.source.InMemorySource;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;

/**
 * Difference checks in threshold mode: complement and tracker attacks, repeats, the boundary at k,
 * rows of one result, retention, opt-out, strictest wins, and differentially private queries.
 *
 * <p>The people: p01..p20, one row each, k=5. Region {@code solo} holds p01 only, region {@code
 * east} p02..p06 (exactly k), the rest {@code west}. Segment {@code gold} holds p01..p10.
 */
class DifferenceCheckTest {
  private static final int K = 5;
  private static final String ANALYST = "analyst";
  private static final Instant T0 = Instant.parse("2024-05-01T12:00:00Z");
  private static final Schema SCHEMA =
      Schema.of(Column.string("uid"), Column.string("region"), Column.string("segment"));

  private final MutableClock clock = new MutableClock(T0);
  private final CleanRoom room =
      CleanRoom.builder()
          .secretKey(SecretKey.of("difference-key-0123456789abcdef".getBytes(UTF_8)))
          .clock(clock)
          .build();

  private void advance(Duration d) {
    clock.set(clock.instant().plus(d));
  }

  private static InMemorySource people(String name) {
    InMemorySource.Builder b = InMemorySource.builder(name, SCHEMA);
    for (int i = 1; i <= 20; i++) {
      String region = i == 1 ? "solo" : i <= 6 ? "east" : "west";
      b.addRow(String.format("p%02d", i), region, i <= 10 ? "gold" : "silver");
    }
    return b.build();
  }

  private static Policy.Builder policy() {
    return Policy.builder().allowAnalysts(ANALYST, "other").allowJoinOn("uid").minDistinctUsers(K);
  }

  private void register(String owner, String name, UnaryOperator<Policy.Builder> policy) {
    room.register(
        Dataset.builder(owner, name)
            .source(people(owner + "." + name))
            .userId("uid", UserIdFormat.RAW)
            .dimensions("region", "segment")
            .policy(policy.apply(policy()).build())
            .build());
  }

  private RowStage rows(String analyst, String dataset, Condition... where) {
    RowStage q = room.as(analyst).from(dataset);
    for (Condition c : where) {
      q = q.where(c);
    }
    return q;
  }

  private Result total(String analyst, String dataset, Condition... where) {
    return rows(analyst, dataset, where).select(countDistinctUsers().as("people")).run();
  }

  private static String plan(FinalStage query) {
    return String.join("\n", query.explain().plan());
  }

  private Result grouped(String dataset, String dimension, Condition... where) {
    return rows(ANALYST, dataset, where)
        .groupBy(dimension)
        .select(countDistinctUsers().as("people"))
        .run();
  }

  private static long people(Result r) {
    assertEquals(1, r.size(), "one released row expected");
    return r.rows().get(0).getLong("people");
  }

  @Test
  void complementAttack_secondReleaseIsSuppressed() {
    register("retailer", "sales", p -> p);
    assertEquals(20, people(total(ANALYST, "retailer.sales")));
    // "Everyone except the one person of region solo": 19 people, one away from the total.
    Result complement = total(ANALYST, "retailer.sales", col("region").ne("solo"));
    assertEquals(0, complement.size());
  }

  @Test
  void complementAttack_inTheOtherOrder_isSuppressedToo() {
    register("retailer", "sales", p -> p);
    assertEquals(19, people(total(ANALYST, "retailer.sales", col("region").ne("solo"))));
    assertEquals(0, total(ANALYST, "retailer.sales").size());
  }

  @Test
  void complementAttack_throughASecondNameOfTheSameData_isSuppressed() {
    // The same source registered twice: its releases are remembered under the data, as its budget
    // is, not under the name the analyst happened to ask through.
    InMemorySource sales = people("sales");
    for (String name : List.of("sales", "sales_copy")) {
      room.register(
          Dataset.builder("retailer", name)
              .source(sales)
              .userId("uid", UserIdFormat.RAW)
              .dimensions("region", "segment")
              .policy(policy().build())
              .build());
    }
    assertEquals(20, people(total(ANALYST, "retailer.sales")));
    assertEquals(0, total(ANALYST, "retailer.sales_copy", col("region").ne("solo")).size());
    // And the other way round, for rows first released through the second name.
    assertEquals(5, people(total(ANALYST, "retailer.sales_copy", col("region").eq("east"))));
    Condition eastAndSolo = col("region").eq("east").or(col("region").eq("solo"));
    assertEquals(0, total(ANALYST, "retailer.sales", eastAndSolo).size());
  }

  @Test
  void trackerAttack_secondReleaseIsSuppressed() {
    register("retailer", "sales", p -> p);
    Condition c1 = col("segment").eq("gold");
    Condition c2 = col("region").eq("solo");
    // C1∧C2 asked directly is one person: below k.
    assertEquals(0, total(ANALYST, "retailer.sales", c1.and(c2)).size());
    // C1 = (C1 and C2) + (C1 and not C2): the two releases would reveal the one person in C1∧C2.
    assertEquals(10, people(total(ANALYST, "retailer.sales", c1)));
    assertEquals(0, total(ANALYST, "retailer.sales", c1.and(c2.not())).size());
  }

  @Test
  void trackerAttack_groupedByTheTarget_suppressesTheGroupThatMoved() {
    register("retailer", "sales", p -> p);
    Result first = grouped("retailer.sales", "segment");
    assertEquals(2, first.size());
    Result second = grouped("retailer.sales", "segment", col("region").ne("solo"));
    // gold lost p01 (difference 1): suppressed; silver is the same people again: released.
    assertEquals(1, second.size());
    assertEquals("silver", second.rows().get(0).getString("segment"));
    assertEquals(10, second.rows().get(0).getLong("people"));
  }

  @Test
  void identicalQuery_isReleasedAgain() {
    register("retailer", "sales", p -> p);
    Condition gold = col("segment").eq("gold");
    for (int i = 0; i < 3; i++) {
      assertEquals(10, people(total(ANALYST, "retailer.sales", gold)));
    }
    // Another query over the very same people (difference 0) is released as well.
    assertEquals(10, people(total(ANALYST, "retailer.sales", col("segment").ne("silver"))));
  }

  @Test
  void differenceOfExactlyK_isReleased() {
    register("retailer", "sales", p -> p);
    assertEquals(20, people(total(ANALYST, "retailer.sales")));
    // Region east holds exactly k=5 people.
    assertEquals(15, people(total(ANALYST, "retailer.sales", col("region").ne("east"))));
    // Region west is the 15-person row without p01: one person away, suppressed.
    assertEquals(0, total(ANALYST, "retailer.sales", col("region").eq("west")).size());
  }

  @Test
  void rowsOfOneResult_thatDifferByLessThanK_areSuppressed() {
    // Visits: page a by p01..p10, page b by p01..p09 (one person less), page c by p11..p20.
    Schema schema = Schema.of(Column.string("uid"), Column.string("page"));
    InMemorySource.Builder b = InMemorySource.builder("visits", schema);
    for (int i = 1; i <= 20; i++) {
      String uid = String.format("p%02d", i);
      if (i <= 10) {
        b.addRow(uid, "a");
      }
      if (i <= 9) {
        b.addRow(uid, "b");
      }
      if (i > 10) {
        b.addRow(uid, "c");
      }
    }
    room.register(
        Dataset.builder("media", "visits")
            .source(b.build())
            .userId("uid", UserIdFormat.RAW)
            .dimension("page")
            .policy(policy().maxGroupsPerUser(2).build())
            .build());
    Result r = grouped("media.visits", "page");
    assertEquals(List.of("a", "c"), r.rows().stream().map(row -> row.getString("page")).toList());
    assertEquals(List.of(10L, 10L), r.rows().stream().map(row -> row.getLong("people")).toList());
  }

  @Test
  void rowsBeyondTheDefaultRetention_areForgotten() {
    register("retailer", "sales", p -> p);
    assertEquals(20, people(total(ANALYST, "retailer.sales")));
    advance(Duration.ofDays(30).minusSeconds(1));
    assertEquals(0, total(ANALYST, "retailer.sales", col("region").ne("solo")).size());
    advance(Duration.ofSeconds(1));
    assertEquals(19, people(total(ANALYST, "retailer.sales", col("region").ne("solo"))));
    // The released complement is remembered now: the total is one person away from it.
    assertEquals(0, total(ANALYST, "retailer.sales").size());
  }

  @Test
  void ownerRetention_isUsed_withTheRoomsClock() {
    register("retailer", "sales", p -> p.differenceCheckRetention(Duration.ofHours(1)));
    assertEquals(20, people(total(ANALYST, "retailer.sales")));
    advance(Duration.ofMinutes(59));
    assertEquals(0, total(ANALYST, "retailer.sales", col("region").ne("solo")).size());
    advance(Duration.ofMinutes(1));
    assertEquals(19, people(total(ANALYST, "retailer.sales", col("region").ne("solo"))));
  }

  @Test
  void longestRetention_ofTheTouchedDatasets_wins() {
    register("retailer", "sales", p -> p.differenceCheckRetention(Duration.ofHours(1)));
    register("brand", "panel", p -> p.differenceCheckRetention(Duration.ofHours(5)));
    RowStage join = room.as(ANALYST).from("retailer.sales").join("brand.panel").onUserId();
    assertEquals(20, people(join.select(countDistinctUsers().as("people")).run()));
    advance(Duration.ofHours(4));
    Result complement =
        join.where(col("sales.region").ne("solo")).select(countDistinctUsers().as("people")).run();
    assertEquals(0, complement.size());
    // The join's row is remembered for retailer.sales too: a query on it alone is checked.
    assertEquals(0, total(ANALYST, "retailer.sales", col("region").ne("solo")).size());
  }

  @Test
  void optOut_releasesTheComplement() {
    register("retailer", "sales", Policy.Builder::withoutDifferenceChecks);
    assertEquals(20, people(total(ANALYST, "retailer.sales")));
    assertEquals(19, people(total(ANALYST, "retailer.sales", col("region").ne("solo"))));
  }

  @Test
  void optOutOfOneDataset_doesNotSwitchOffTheChecksOfAJoin() {
    register("retailer", "sales", Policy.Builder::withoutDifferenceChecks);
    register("brand", "panel", p -> p);
    RowStage join = room.as(ANALYST).from("retailer.sales").join("brand.panel").onUserId();
    assertEquals(20, people(join.select(countDistinctUsers().as("people")).run()));
    Result complement =
        join.where(col("sales.region").ne("solo")).select(countDistinctUsers().as("people")).run();
    assertEquals(0, complement.size());
    String steps = plan(join.select(countDistinctUsers()));
    assertTrue(steps.contains("difference checks"), steps);
  }

  @Test
  void otherAnalystsAndOtherDatasets_areNotCompared() {
    register("retailer", "sales", p -> p);
    register("brand", "panel", p -> p);
    assertEquals(20, people(total(ANALYST, "retailer.sales")));
    // Documented limits: another analyst, or another dataset, is not compared with this release.
    assertEquals(19, people(total("other", "retailer.sales", col("region").ne("solo"))));
    assertEquals(19, people(total(ANALYST, "brand.panel", col("region").ne("solo"))));
  }

  @Test
  void differentiallyPrivateQueries_areNotChecked() {
    register("retailer", "sales", p -> p.differentialPrivacy(PrivacyBudget.epsilon(10), 1.0));
    for (Condition[] where :
        List.of(new Condition[0], new Condition[] {col("region").ne("solo")}, new Condition[0])) {
      Result r =
          rows(ANALYST, "retailer.sales", where)
              .select(countDistinctUsers().as("people"))
              .epsilon(1.0)
              .run();
      // The total row of a noisy query is always released: its noise bounds what it reveals.
      assertEquals(1, r.size());
      assertTrue(r.privacy().differentiallyPrivate());
    }
    String steps = plan(rows(ANALYST, "retailer.sales").select(countDistinctUsers()).epsilon(1.0));
    assertFalse(steps.contains("difference checks"), steps);
  }

  @Test
  void explain_describesTheChecks() {
    register("retailer", "sales", p -> p);
    String steps = plan(rows(ANALYST, "retailer.sales").select(countDistinctUsers()));
    assertTrue(steps.contains("difference checks"), steps);
    assertTrue(steps.contains("by 1 to 4 people"), steps);
  }
}
