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
import java.util.function.Consumer;
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

  /** The rules a test varies, each at a middle value unless changed. */
  private static final class Rules {
    List<String> analysts = List.of("p", "q");
    int k = 10;
    int groups = 3;
    double eps = 2;
    BudgetPeriod period = BudgetPeriod.NONE;
    int queries = 10;
    Duration retention = Duration.ofDays(30);
    double clamp = 50;

    Policy build() {
      return Policy.builder()
          .allowAnalysts(analysts.toArray(String[]::new))
          .allowJoinOn("uid")
          .minDistinctUsers(k)
          .maxGroupsPerUser(groups)
          .differentialPrivacy(PrivacyBudget.epsilon(eps), 0.5)
          .budgetPeriod(period)
          .maxQueries(queries, BudgetPeriod.DAILY)
          .differenceCheckRetention(retention)
          .clampPerGroup("m", 0, clamp)
          .allowAggregates("m", AggregateFunction.SUM)
          .build();
    }
  }

  /** The middle policy with one rule {@code change}d. */
  private static Policy policy(Consumer<Rules> change) {
    Rules r = new Rules();
    change.accept(r);
    return r.build();
  }

  private static Policy middle() {
    return policy(r -> {});
  }

  private static void tighterOneWay(String phrase, Consumer<Rules> stricter) {
    Policy strict = policy(stricter);
    assertEquals(List.of(), PolicyChanges.loosenings(DATA, middle(), strict));
    List<String> loosened = PolicyChanges.loosenings(DATA, strict, middle());
    // Result receivers default to the analysts, so more analysts are more receivers too.
    int expected = phrase.startsWith("allowed analysts") ? 2 : 1;
    assertEquals(expected, loosened.size(), loosened.toString());
    assertEquals(phrase, loosened.get(0));
  }

  @Test
  void eachRule_aloneIsATighteningOneWay_andNamedAsLooserTheOther() {
    tighterOneWay("allowed analysts include more", r -> r.analysts = List.of("p"));
    tighterOneWay("minimum distinct users is lower", r -> r.k = 11);
    tighterOneWay("groups per user is higher", r -> r.groups = 2);
    tighterOneWay("privacy budget is larger", r -> r.eps = 1);
    tighterOneWay("query limit is higher", r -> r.queries = 9);
    tighterOneWay(
        "difference checks are off or kept shorter", r -> r.retention = Duration.ofDays(31));
    tighterOneWay("per-group clamp of m is wider", r -> r.clamp = 40);
  }

  // Without a clamp of its own, a policy clamps each person's total to the declared [0, 100].
  @Test
  void aClampWiderThanTheDeclaredBounds_isALoosening_overAPolicyWithoutOne() {
    Policy none = Policy.builder().allowAnalysts("p").minDistinctUsers(10).build();
    Policy wider =
        Policy.builder()
            .allowAnalysts("p")
            .minDistinctUsers(10)
            .clampPerGroup("m", 0, 1_000)
            .build();
    Policy below =
        Policy.builder()
            .allowAnalysts("p")
            .minDistinctUsers(10)
            .clampPerGroup("m", -1, 100)
            .build();
    Policy inside =
        Policy.builder().allowAnalysts("p").minDistinctUsers(10).clampPerGroup("m", 0, 50).build();
    assertEquals(
        List.of("per-group clamp of m is wider"), PolicyChanges.loosenings(DATA, none, wider));
    assertEquals(
        List.of("per-group clamp of m is wider"), PolicyChanges.loosenings(DATA, none, below));
    assertEquals(List.of(), PolicyChanges.loosenings(DATA, none, inside));
    assertEquals(
        List.of("per-group clamp of m is wider"), PolicyChanges.loosenings(DATA, inside, none));
  }

  @Test
  void aChangeOfBudgetPeriod_isLooserBothWays() {
    Policy monthly = policy(r -> r.period = BudgetPeriod.MONTHLY);
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
