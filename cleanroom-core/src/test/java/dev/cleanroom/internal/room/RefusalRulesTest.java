package dev.cleanroom.internal.room;

import static dev.cleanroom.internal.room.AdFixture.ANALYST;
import static dev.cleanroom.internal.room.AdFixture.CONVERSIONS;
import static dev.cleanroom.internal.room.AdFixture.CRM;
import static dev.cleanroom.internal.room.AdFixture.IMPRESSIONS;
import static dev.cleanroom.query.Dsl.avg;
import static dev.cleanroom.query.Dsl.col;
import static dev.cleanroom.query.Dsl.count;
import static dev.cleanroom.query.Dsl.countDistinctUsers;
import static dev.cleanroom.query.Dsl.sum;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cleanroom.CleanRoom;
import dev.cleanroom.Column;
import dev.cleanroom.Dataset;
import dev.cleanroom.InvalidQueryException;
import dev.cleanroom.Policy;
import dev.cleanroom.PolicyRule;
import dev.cleanroom.PolicyViolationException;
import dev.cleanroom.Schema;
import dev.cleanroom.SecretKey;
import dev.cleanroom.query.Explanation;
import dev.cleanroom.query.FinalStage;
import dev.cleanroom.query.PolicyCheck;
import dev.cleanroom.query.Result;
import dev.cleanroom.query.ResultRow;
import dev.cleanroom.source.InMemorySource;
import dev.cleanroom.spi.AuditEvent;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

class RefusalRulesTest {
  private final AdFixture f = new AdFixture();

  /**
   * Runs {@code query}, expects a refusal by {@code rule} of {@code dataset} (owned by {@code
   * owner}), and checks that nothing was scanned, one REFUSED audit event was recorded, and {@code
   * explain()} shows the same failing check.
   */
  private PolicyViolationException assertRefused(
      FinalStage query, PolicyRule rule, String dataset, String owner) {
    int events = f.audit.events().size();
    PolicyViolationException e = assertThrows(PolicyViolationException.class, query::run);
    assertEquals(rule, e.rule(), e.getMessage());
    assertEquals(dataset, e.dataset());
    assertEquals(owner, e.owner());
    assertTrue(e.getMessage().contains(dataset), e.getMessage());
    assertTrue(e.getMessage().contains("owner " + owner), e.getMessage());
    assertTrue(e.getMessage().contains(rule.name()), e.getMessage());
    assertEquals(0, f.scans(), "a refused query scanned a source");
    assertEquals(events + 1, f.audit.events().size());
    AuditEvent event = f.audit.last();
    assertEquals(AuditEvent.Outcome.REFUSED, event.outcome());
    assertEquals(Optional.of(rule), event.rule());
    assertEquals(e.getMessage(), event.reason());

    Explanation x = query.explain();
    assertFalse(x.allowed());
    assertTrue(
        x.failures().stream()
            .anyMatch(
                c -> c.rule() == rule && c.dataset().equals(dataset) && c.owner().equals(owner)),
        x.toString());
    assertTrue(x.toString().contains("would be refused"), x.toString());
    assertEquals(0, f.scans(), "explain() scanned a source");
    assertEquals(events + 1, f.audit.events().size(), "explain() recorded an audit event");
    return e;
  }

  // ---- ANALYST_ALLOWED ----

  @Test
  void analystNotAllowed_isRefused() {
    assertRefused(
        f.room.as("stranger").from(IMPRESSIONS).select(count()),
        PolicyRule.ANALYST_ALLOWED,
        IMPRESSIONS,
        "publisher");
  }

  @Test
  void analystAllowedByOneDatasetOnly_isRefusedByTheOther() {
    assertRefused(
        f.room.as("publisher").from(CONVERSIONS).join(IMPRESSIONS).onUserId().select(count()),
        PolicyRule.ANALYST_ALLOWED,
        IMPRESSIONS,
        "publisher");
  }

  // ---- JOIN_ALLOWED ----

  @Test
  void joinOfUnjoinableDataset_isRefused() {
    assertRefused(
        f.room.as(ANALYST).from(IMPRESSIONS).join(CRM).onUserId().select(countDistinctUsers()),
        PolicyRule.JOIN_ALLOWED,
        CRM,
        "partner");
  }

  @Test
  void unjoinableDatasetAsFirstOfAJoin_isRefused() {
    assertRefused(
        f.room.as(ANALYST).from(CRM).join(IMPRESSIONS).onUserId().select(countDistinctUsers()),
        PolicyRule.JOIN_ALLOWED,
        CRM,
        "partner");
  }

  @Test
  void unjoinableDatasetAlone_isAccepted() {
    Result r = f.room.as(ANALYST).from(CRM).groupBy("segment").select(countDistinctUsers()).run();
    assertEquals(2, r.size());
  }

  // ---- USER_ID_NOT_EXPOSED ----

  @Test
  void groupByUserId_isRefused() {
    assertRefused(
        f.room.as(ANALYST).from(IMPRESSIONS).groupBy("user_id").select(count()),
        PolicyRule.USER_ID_NOT_EXPOSED,
        IMPRESSIONS,
        "publisher");
  }

  @Test
  void filterOnUserId_isRefused() {
    assertRefused(
        f.room
            .as(ANALYST)
            .from(IMPRESSIONS)
            .where(col("user_id").eq("u1@example.com"))
            .select(count()),
        PolicyRule.USER_ID_NOT_EXPOSED,
        IMPRESSIONS,
        "publisher");
  }

  @Test
  void filterOnUserIdInsideOr_isRefused() {
    assertRefused(
        f.room
            .as(ANALYST)
            .from(IMPRESSIONS)
            .join(CONVERSIONS)
            .onUserId()
            .where(col("campaign").eq("c1").or(col("conversions.user_id").ne("x")))
            .select(count()),
        PolicyRule.USER_ID_NOT_EXPOSED,
        CONVERSIONS,
        "advertiser");
  }

  @Test
  void aggregateOfUserId_isRefused() {
    assertRefused(
        f.room.as(ANALYST).from(IMPRESSIONS).select(sum("user_id")),
        PolicyRule.USER_ID_NOT_EXPOSED,
        IMPRESSIONS,
        "publisher");
  }

  // ---- COLUMN_NOT_BLOCKED ----

  @Test
  void groupByBlockedColumn_isRefused() {
    assertRefused(
        f.room.as(ANALYST).from(IMPRESSIONS).groupBy("internal").select(count()),
        PolicyRule.COLUMN_NOT_BLOCKED,
        IMPRESSIONS,
        "publisher");
  }

  @Test
  void groupByUndeclaredColumn_isRefused() {
    assertRefused(
        f.room.as(ANALYST).from(IMPRESSIONS).groupBy("ip").select(count()),
        PolicyRule.COLUMN_NOT_BLOCKED,
        IMPRESSIONS,
        "publisher");
  }

  @Test
  void filterOnUndeclaredColumn_isRefused() {
    assertRefused(
        f.room.as(ANALYST).from(IMPRESSIONS).where(col("ip").ne("1.2.3.4")).select(count()),
        PolicyRule.COLUMN_NOT_BLOCKED,
        IMPRESSIONS,
        "publisher");
  }

  @Test
  void aggregateOfBlockedColumn_isRefused() {
    assertRefused(
        f.room.as(ANALYST).from(IMPRESSIONS).select(avg("internal")),
        PolicyRule.COLUMN_NOT_BLOCKED,
        IMPRESSIONS,
        "publisher");
  }

  // ---- DIMENSION_ALLOWED ----

  @Test
  void groupByMetric_isRefused() {
    assertRefused(
        f.room.as(ANALYST).from(IMPRESSIONS).groupBy("spend").select(count()),
        PolicyRule.DIMENSION_ALLOWED,
        IMPRESSIONS,
        "publisher");
  }

  @Test
  void filterOnMetric_isRefused() {
    PolicyViolationException e =
        assertRefused(
            f.room.as(ANALYST).from(IMPRESSIONS).where(col("spend").gt(12345.678)).select(count()),
            PolicyRule.DIMENSION_ALLOWED,
            IMPRESSIONS,
            "publisher");
    assertFalse(e.getMessage().contains("12345"), e.getMessage());
  }

  @Test
  void groupByDimensionOutsideAllowDimensions_isRefused() {
    assertRefused(
        f.room.as(ANALYST).from(IMPRESSIONS).groupBy("campaign", "device").select(count()),
        PolicyRule.DIMENSION_ALLOWED,
        IMPRESSIONS,
        "publisher");
  }

  @Test
  void filterOnDimensionOutsideAllowDimensions_isRefused() {
    assertRefused(
        f.room.as(ANALYST).from(IMPRESSIONS).where(col("device").eq("mobile")).select(count()),
        PolicyRule.DIMENSION_ALLOWED,
        IMPRESSIONS,
        "publisher");
  }

  // ---- AGGREGATE_ALLOWED ----

  @Test
  void aggregateNotAllowedForMetric_isRefused() {
    assertRefused(
        f.room.as(ANALYST).from(IMPRESSIONS).select(avg("spend")),
        PolicyRule.AGGREGATE_ALLOWED,
        IMPRESSIONS,
        "publisher");
  }

  @Test
  void aggregateOfDimension_isRefused() {
    assertRefused(
        f.room.as(ANALYST).from(IMPRESSIONS).select(sum("hour")),
        PolicyRule.AGGREGATE_ALLOWED,
        IMPRESSIONS,
        "publisher");
  }

  @Test
  void allowedAggregates_areAccepted() {
    Result r =
        f.room
            .as(ANALYST)
            .from(IMPRESSIONS)
            .select(sum("spend"), sum("clicks"), avg("clicks"), count(), countDistinctUsers())
            .run();
    assertEquals(1, r.size());
    assertEquals(6L, r.rows().get(0).getLong("distinct_users"));
  }

  // ---- explain ----

  @Test
  void explain_ofAllowedQuery_showsTheStrictestLimits_andScansNothing() {
    Explanation x =
        f.room
            .as(ANALYST)
            .from(IMPRESSIONS)
            .join(CONVERSIONS)
            .onUserId()
            .where(col("impressions.country").eq("DE"))
            .groupBy("campaign")
            .select(countDistinctUsers(), sum("value"))
            .explain();
    assertTrue(x.allowed(), x.toString());
    assertTrue(x.failures().isEmpty());
    assertEquals(3, x.minDistinctUsers()); // max(2, 3)
    assertEquals(2, x.maxGroupsPerUser()); // min(3, 2)
    assertEquals(4, x.maxContributionsPerGroup()); // min(4, 5)
    assertTrue(x.checks().stream().allMatch(PolicyCheck::passed));
    assertTrue(x.checks().stream().anyMatch(c -> c.dataset().equals(IMPRESSIONS)));
    assertTrue(x.checks().stream().anyMatch(c -> c.dataset().equals(CONVERSIONS)));
    assertFalse(x.plan().isEmpty());
    assertFalse(x.toString().contains("DE"), "explain() shows a literal: " + x);
    assertEquals(0, f.scans());
    assertTrue(f.audit.events().isEmpty());
  }

  @Test
  void explain_listsEveryFailingCheck() {
    Explanation x =
        f.room
            .as(ANALYST)
            .from(IMPRESSIONS)
            .where(col("internal").eq("x"))
            .groupBy("ip")
            .select(count())
            .explain();
    assertFalse(x.allowed());
    List<PolicyRule> failed = x.failures().stream().map(PolicyCheck::rule).toList();
    assertEquals(
        List.of(PolicyRule.COLUMN_NOT_BLOCKED, PolicyRule.COLUMN_NOT_BLOCKED),
        failed,
        failed::toString);
    assertEquals(0, f.scans());
    assertTrue(f.audit.events().isEmpty());
  }

  @Test
  void explain_forAnAnalystNotAllowed_showsOnlyThatRefusal() {
    // Nothing else of the datasets: not their columns, roles or join rules.
    Explanation x =
        f.room
            .as("stranger")
            .from(IMPRESSIONS)
            .join(CRM)
            .onUserId()
            .groupBy("internal")
            .select(count())
            .explain();
    assertFalse(x.allowed());
    for (PolicyCheck c : x.checks()) {
      assertTrue(
          c.rule() == PolicyRule.ANALYST_ALLOWED || c.rule() == PolicyRule.RESULT_RECEIVER_ALLOWED,
          c::toString);
      assertFalse(c.detail().contains("internal"), c::toString);
    }
    assertTrue(x.plan().isEmpty(), x.plan()::toString);
    assertEquals(0, f.scans());
  }

  // ---- malformed queries ----

  private InvalidQueryException assertInvalid(FinalStage query) {
    int events = f.audit.events().size();
    InvalidQueryException e = assertThrows(InvalidQueryException.class, query::run);
    assertEquals(0, f.scans());
    assertEquals(events + 1, f.audit.events().size());
    assertEquals(AuditEvent.Outcome.INVALID, f.audit.last().outcome());
    assertEquals(Optional.empty(), f.audit.last().rule());
    return e;
  }

  @Test
  void unknownColumn_isInvalid_andListsTheColumns() {
    InvalidQueryException e =
        assertInvalid(f.room.as(ANALYST).from(IMPRESSIONS).groupBy("colour").select(count()));
    // Blocked columns (internal, ip: not declared) are not listed: the analyst may not use them.
    assertEquals(
        "column [colour] not found in publisher.impressions; columns are: "
            + List.of("user_id", "campaign", "country", "hour", "device", "spend", "clicks"),
        e.getMessage());
  }

  @Test
  void unknownDataset_isInvalid() {
    InvalidQueryException e =
        assertInvalid(f.room.as(ANALYST).from("publisher.clicks").select(count()));
    assertTrue(e.getMessage().contains("publisher.clicks"), e.getMessage());
    assertTrue(e.getMessage().contains(IMPRESSIONS), e.getMessage());
  }

  @Test
  void ambiguousColumn_isInvalid_andNamesBothDatasets() {
    InvalidQueryException e =
        assertInvalid(
            f.room
                .as(ANALYST)
                .from(IMPRESSIONS)
                .join(CONVERSIONS)
                .onUserId()
                .groupBy("country")
                .select(count()));
    assertTrue(e.getMessage().contains("ambiguous"), e.getMessage());
    assertTrue(e.getMessage().contains(IMPRESSIONS), e.getMessage());
    assertTrue(e.getMessage().contains(CONVERSIONS), e.getMessage());
  }

  @Test
  void qualifiedColumn_resolvesAnAmbiguousName() {
    for (String ref : List.of("impressions.country", "publisher.impressions.country")) {
      Result r =
          f.room
              .as(ANALYST)
              .from(IMPRESSIONS)
              .join(CONVERSIONS)
              .onUserId()
              .groupBy(ref)
              .select(countDistinctUsers())
              .run();
      // conversions: u2..u6; impressions: even users DE, odd FR; k=3 => DE {2,4,6}, FR {3,5}
      assertEquals(1, r.size(), r.toString());
      assertEquals("DE", r.rows().get(0).get("country"));
      assertEquals(3L, r.rows().get(0).getLong("distinct_users"));
    }
  }

  @Test
  void columnOfDatasetNotInTheQuery_isInvalid() {
    InvalidQueryException e =
        assertInvalid(
            f.room.as(ANALYST).from(IMPRESSIONS).groupBy("conversions.product").select(count()));
    assertTrue(e.getMessage().contains("conversions.product"), e.getMessage());
  }

  @Test
  void literalOfWrongType_isInvalid_withoutTheLiteral() {
    InvalidQueryException e =
        assertInvalid(
            f.room
                .as(ANALYST)
                .from(IMPRESSIONS)
                .where(col("hour").eq("SECRET-LITERAL"))
                .select(count()));
    assertTrue(e.getMessage().contains("[hour]"), e.getMessage());
    assertFalse(e.getMessage().contains("SECRET-LITERAL"), e.getMessage());
    assertFalse(f.audit.last().reason().contains("SECRET-LITERAL"));

    InvalidQueryException e2 =
        assertInvalid(
            f.room.as(ANALYST).from(IMPRESSIONS).where(col("country").eq(424242L)).select(count()));
    assertFalse(e2.getMessage().contains("424242"), e2.getMessage());
  }

  @Test
  void tooManyNameParts_isInvalid() {
    assertInvalid(f.room.as(ANALYST).from(IMPRESSIONS).groupBy("a.b.c.d").select(count()));
  }

  // ---- the strictest setting wins ----

  /** A dataset {@code owner.name} of {@code users} people, each with the given rows. */
  private static Dataset dataset(
      String owner, String name, int users, int rowsPerUser, Consumer<Policy.Builder> policy) {
    InMemorySource.Builder b =
        InMemorySource.builder(
            name, Schema.of(Column.string("uid"), Column.string("g"), Column.float64("m")));
    for (int u = 0; u < users; u++) {
      for (int r = 0; r < rowsPerUser; r++) {
        b.addRow("person" + u, "g" + r, 1.0);
      }
    }
    Policy.Builder p = Policy.builder().allowAnalysts("a").allowJoinOn("uid");
    policy.accept(p);
    return Dataset.builder(owner, name)
        .source(b.build())
        .userId("uid")
        .dimension("g")
        .metric("m", 0, 10)
        .policy(p.build())
        .build();
  }

  private static CleanRoom room(Dataset... datasets) {
    CleanRoom room =
        CleanRoom.builder()
            .secretKey(SecretKey.of("strictest-wins-key-0123456789".getBytes(UTF_8)))
            .auditSink(e -> {})
            .build();
    for (Dataset d : datasets) {
      room.register(d);
    }
    return room;
  }

  @Test
  void largestK_wins() {
    // 7 people in one group: enough for k=5, not for k=10.
    CleanRoom room =
        room(
            dataset("o1", "five", 7, 1, p -> p.minDistinctUsers(5)),
            dataset("o2", "ten", 7, 1, p -> p.minDistinctUsers(10)));
    assertEquals(
        1, room.as("a").from("o1.five").groupBy("g").select(countDistinctUsers()).run().size());
    assertEquals(
        0,
        room.as("a")
            .from("o1.five")
            .join("o2.ten")
            .onUserId()
            .groupBy("five.g")
            .select(countDistinctUsers())
            .run()
            .size());
    assertEquals(
        0,
        room.as("a")
            .from("o2.ten")
            .join("o1.five")
            .onUserId()
            .select(countDistinctUsers())
            .run()
            .size());
  }

  @Test
  void k_keepsAGroupOfExactlyKPeople() {
    CleanRoom room =
        room(
            dataset("o1", "five", 10, 1, p -> p.minDistinctUsers(5)),
            dataset("o2", "ten", 10, 1, p -> p.minDistinctUsers(10)));
    Result r =
        room.as("a").from("o1.five").join("o2.ten").onUserId().select(countDistinctUsers()).run();
    assertEquals(1, r.size());
    assertEquals(10L, r.rows().get(0).getLong("distinct_users"));
  }

  @Test
  void smallestMaxGroupsPerUser_wins() {
    // 60 people, each in 3 groups; L0 is 3 alone, min(3, 1) = 1 in the join. A group of the join
    // falls below k=2 only if at most one of 60 people picks it: probability < 1e-9.
    CleanRoom room =
        room(
            dataset("o1", "three", 60, 3, p -> p.minDistinctUsers(2).maxGroupsPerUser(3)),
            dataset("o2", "one", 60, 1, p -> p.minDistinctUsers(2).maxGroupsPerUser(1)));
    assertEquals(
        180, totalUsers(room.as("a").from("o1.three").groupBy("g").select(countDistinctUsers())));
    assertEquals(
        60,
        totalUsers(
            room.as("a")
                .from("o1.three")
                .join("o2.one")
                .onUserId()
                .groupBy("three.g")
                .select(countDistinctUsers())));
  }

  @Test
  void smallestMaxContributionsPerGroup_wins() {
    // 4 people with 4 identical rows each, all in one group.
    InMemorySource.Builder b =
        InMemorySource.builder(
            "rows", Schema.of(Column.string("uid"), Column.string("g"), Column.float64("m")));
    for (int u = 0; u < 4; u++) {
      for (int r = 0; r < 4; r++) {
        b.addRow("person" + u, "g", 1.0);
      }
    }
    Dataset five =
        Dataset.builder("o1", "five")
            .source(b.build())
            .userId("uid")
            .dimension("g")
            .metric("m", 0, 10)
            .policy(
                Policy.builder()
                    .allowAnalysts("a")
                    .allowJoinOn("uid")
                    .minDistinctUsers(2)
                    .maxContributionsPerGroup(5)
                    .build())
            .build();
    CleanRoom room =
        room(
            five,
            dataset("o2", "two", 4, 1, p -> p.minDistinctUsers(2).maxContributionsPerGroup(2)));
    assertEquals(16L, onlyRow(room.as("a").from("o1.five").select(count())).getLong("count"));
    assertEquals(
        8L,
        onlyRow(room.as("a").from("o1.five").join("o2.two").onUserId().select(count()))
            .getLong("count"));
    // count() counts rows of the first dataset only: o2.two has one row per person.
    assertEquals(
        4L,
        onlyRow(room.as("a").from("o2.two").join("o1.five").onUserId().select(count()))
            .getLong("count"));
  }

  private static long totalUsers(FinalStage query) {
    return query.run().rows().stream().mapToLong(r -> r.getLong("distinct_users")).sum();
  }

  private static ResultRow onlyRow(FinalStage query) {
    Result r = query.run();
    assertEquals(1, r.size(), r.toString());
    return r.rows().get(0);
  }
}
