package dev.cleanroom.internal.room;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import dev.cleanroom.AggregateFunction;
import dev.cleanroom.BudgetPeriod;
import dev.cleanroom.Column;
import dev.cleanroom.Dataset;
import dev.cleanroom.Policy;
import dev.cleanroom.PrivacyBudget;
import dev.cleanroom.Schema;
import dev.cleanroom.UserIdFormat;
import dev.cleanroom.source.InMemorySource;
import java.time.Duration;
import java.util.List;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;

/** Each rule of a policy, changed alone, is a tightening one way and a loosening the other. */
class PolicyChangesTest {
  private static final Dataset DATA =
      Dataset.builder("own", "data")
          .source(
              InMemorySource.builder(
                      "data",
                      Schema.of(
                          Column.string("uid"),
                          Column.string("a"),
                          Column.string("b"),
                          Column.float64("m")))
                  .addRow("u", "x", "y", 1.0)
                  .build())
          .userId("uid", UserIdFormat.RAW)
          .dimensions("a", "b")
          .metric("m", 0, 100)
          .policy(Policy.builder().allowAnalysts("p").minDistinctUsers(10).build())
          .build();

  /** A policy with every rule set to a middle value, then {@code change}d. */
  private static Policy policy(UnaryOperator<Policy.Builder> change) {
    return change.apply(Policy.builder()).build();
  }

  private static Policy.Builder base(
      Policy.Builder b,
      List<String> analysts,
      int k,
      int groups,
      double eps,
      BudgetPeriod period,
      int queries,
      Duration retention,
      double clamp) {
    return b.allowAnalysts(analysts.toArray(String[]::new))
        .allowJoinOn("uid")
        .minDistinctUsers(k)
        .maxGroupsPerUser(groups)
        .differentialPrivacy(PrivacyBudget.epsilon(eps), 0.5)
        .budgetPeriod(period)
        .maxQueries(queries, BudgetPeriod.DAILY)
        .differenceCheckRetention(retention)
        .clampPerGroup("m", 0, clamp)
        .allowAggregates("m", AggregateFunction.SUM);
  }

  private static Policy middle() {
    return policy(
        b -> base(b, List.of("p", "q"), 10, 3, 2, BudgetPeriod.NONE, 10, Duration.ofDays(30), 50));
  }

  private static void tighterOneWay(String phrase, Policy stricter) {
    assertEquals(List.of(), PolicyChanges.loosenings(DATA, middle(), stricter));
    List<String> loosened = PolicyChanges.loosenings(DATA, stricter, middle());
    // Result receivers default to the analysts, so more analysts are more receivers too.
    int expected = phrase.startsWith("allowed analysts") ? 2 : 1;
    assertEquals(expected, loosened.size(), loosened.toString());
    assertEquals(phrase, loosened.get(0));
  }

  @Test
  void eachRule_aloneIsATighteningOneWay_andNamedAsLooserTheOther() {
    tighterOneWay(
        "allowed analysts include more",
        policy(
            b -> base(b, List.of("p"), 10, 3, 2, BudgetPeriod.NONE, 10, Duration.ofDays(30), 50)));
    tighterOneWay(
        "minimum distinct users is lower",
        policy(
            b ->
                base(
                    b,
                    List.of("p", "q"),
                    11,
                    3,
                    2,
                    BudgetPeriod.NONE,
                    10,
                    Duration.ofDays(30),
                    50)));
    tighterOneWay(
        "groups per user is higher",
        policy(
            b ->
                base(
                    b,
                    List.of("p", "q"),
                    10,
                    2,
                    2,
                    BudgetPeriod.NONE,
                    10,
                    Duration.ofDays(30),
                    50)));
    tighterOneWay(
        "privacy budget is larger",
        policy(
            b ->
                base(
                    b,
                    List.of("p", "q"),
                    10,
                    3,
                    1,
                    BudgetPeriod.NONE,
                    10,
                    Duration.ofDays(30),
                    50)));
    tighterOneWay(
        "query limit is higher",
        policy(
            b ->
                base(
                    b,
                    List.of("p", "q"),
                    10,
                    3,
                    2,
                    BudgetPeriod.NONE,
                    9,
                    Duration.ofDays(30),
                    50)));
    tighterOneWay(
        "difference checks are off or kept shorter",
        policy(
            b ->
                base(
                    b,
                    List.of("p", "q"),
                    10,
                    3,
                    2,
                    BudgetPeriod.NONE,
                    10,
                    Duration.ofDays(31),
                    50)));
    tighterOneWay(
        "per-group clamp of m is wider",
        policy(
            b ->
                base(
                    b,
                    List.of("p", "q"),
                    10,
                    3,
                    2,
                    BudgetPeriod.NONE,
                    10,
                    Duration.ofDays(30),
                    40)));
  }

  @Test
  void aChangeOfBudgetPeriod_isLooserBothWays() {
    Policy monthly =
        policy(
            b ->
                base(
                    b,
                    List.of("p", "q"),
                    10,
                    3,
                    2,
                    BudgetPeriod.MONTHLY,
                    10,
                    Duration.ofDays(30),
                    50));
    assertEquals(1, PolicyChanges.loosenings(DATA, middle(), monthly).size());
    assertEquals(1, PolicyChanges.loosenings(DATA, monthly, middle()).size());
  }

  @Test
  void droppingDifferentialPrivacy_isALoosening_addingItATightening() {
    Policy threshold = Policy.builder().allowAnalysts("p").minDistinctUsers(10).build();
    Policy dp =
        Policy.builder()
            .allowAnalysts("p")
            .minDistinctUsers(10)
            .differentialPrivacy(PrivacyBudget.epsilon(1), 1.0)
            .build();
    assertEquals(List.of(), PolicyChanges.loosenings(DATA, threshold, dp));
    assertEquals(
        List.of("differential privacy is no longer required"),
        PolicyChanges.loosenings(DATA, dp, threshold));
  }

  @Test
  void hash_changesWithThePolicy_andNotWithTheSource() {
    Dataset other = DATA.withPolicy(middle());
    assertNotEquals(PolicyChanges.hash(DATA), PolicyChanges.hash(other));
    assertEquals(
        PolicyChanges.hash(DATA),
        PolicyChanges.hash(
            DATA.withSource(
                InMemorySource.builder("data", DATA.schema()).addRow("v", "x", "y", 2.0).build())));
  }
}
