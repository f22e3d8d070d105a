package dev.cleanroom.internal.room;

import static dev.cleanroom.internal.room.Fixtures.ANALYST;
import static dev.cleanroom.internal.room.Fixtures.CONVS;
import static dev.cleanroom.internal.room.Fixtures.IMPS;
import static dev.cleanroom.query.Dsl.count;
import static dev.cleanroom.query.Dsl.countDistinctUsers;
import static dev.cleanroom.query.Dsl.sum;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cleanroom.CleanRoom;
import dev.cleanroom.PolicyRule;
import dev.cleanroom.internal.room.Fixtures.DimRef;
import dev.cleanroom.internal.room.Fixtures.Person;
import dev.cleanroom.query.Aggregate;
import dev.cleanroom.query.Condition;
import dev.cleanroom.query.Explanation;
import dev.cleanroom.query.PolicyCheck;
import dev.cleanroom.query.Result;
import dev.cleanroom.query.ResultRow;
import java.util.List;
import java.util.Map;
import java.util.Set;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.statistics.Statistics;
import net.jqwik.api.statistics.StatisticsReport;

/**
 * Two joined datasets with their own k, L0 and rows-per-group bound: the query runs under the
 * strictest of each (largest k, smallest L0, smallest row bound), both as {@code explain()} reports
 * it and in the released rows.
 */
class StrictestPolicyProperties {

  @Provide
  Arbitrary<List<Person>> people() {
    // Every person is in both datasets, most with several rows, so that L0 and the row bound bind.
    return Fixtures.people(10, 60, 1, 4);
  }

  @Provide
  Arbitrary<List<DimRef>> groupBy() {
    return Fixtures.groupBy(Fixtures.ALL_DIMS, 1, 2);
  }

  @Provide
  Arbitrary<List<Condition>> where() {
    return Fixtures.conditions(Fixtures.ALL_DIMS, 1).list().ofMaxSize(1);
  }

  @Property(tries = 100)
  @StatisticsReport(StatisticsReport.StatisticsReportMode.OFF)
  void strictestSettingOfEachPolicy_applies(
      @ForAll("people") List<Person> people,
      @ForAll("groupBy") List<DimRef> groupBy,
      @ForAll("where") List<Condition> where,
      @ForAll @IntRange(min = 2, max = 20) int k1,
      @ForAll @IntRange(min = 2, max = 20) int k2,
      @ForAll @IntRange(min = 1, max = 3) int l0a,
      @ForAll @IntRange(min = 1, max = 3) int l0b,
      @ForAll @IntRange(min = 1, max = 5) int rowsA,
      @ForAll @IntRange(min = 1, max = 5) int rowsB,
      @ForAll boolean convsFirst) {
    CleanRoom room =
        Fixtures.room(
            Fixtures.imps(
                Fixtures.impsSource(Fixtures.impRows(people, Fixtures::plainId, false)),
                Fixtures.policy("email", k1, l0a, rowsA)),
            Fixtures.convs(
                Fixtures.convsSource(Fixtures.convRows(people, Fixtures::plainId, false)),
                Fixtures.policy("uid", k2, l0b, rowsB)));
    int k = Math.max(k1, k2);
    int l0 = Math.min(l0a, l0b);
    int maxRows = Math.min(rowsA, rowsB);
    List<String> datasets = convsFirst ? List.of(CONVS, IMPS) : List.of(IMPS, CONVS);
    List<String> refs = Fixtures.refs(groupBy);
    List<Aggregate> aggs = List.of(countDistinctUsers(), count(), sum("spend"));

    Explanation e = Fixtures.query(room, ANALYST, datasets, where, refs, aggs).explain();
    assertTrue(e.allowed(), e::toString);
    assertEquals(k, e.minDistinctUsers(), "k");
    assertEquals(l0, e.maxGroupsPerUser(), "L0");
    assertEquals(maxRows, e.maxContributionsPerGroup(), "rows per person and group");
    for (String d : List.of(IMPS, CONVS)) {
      for (PolicyRule rule :
          List.of(
              PolicyRule.MIN_DISTINCT_USERS,
              PolicyRule.MAX_GROUPS_PER_USER,
              PolicyRule.CONTRIBUTION_PER_GROUP)) {
        assertTrue(
            e.checks().stream()
                .anyMatch(c -> c.dataset().equals(d) && c.rule() == rule && c.passed()),
            () -> "no passed check of " + rule + " for " + d + ": " + e);
      }
    }
    assertTrue(e.checks().stream().allMatch(PolicyCheck::passed));

    Result r = Fixtures.query(room, ANALYST, datasets, where, refs, aggs).run();
    Map<List<Object>, Set<Integer>> truth = Fixtures.trueGroups(people, true, where, refs);
    int joined = Fixtures.contributors(truth).size();
    long totalUsers = 0;
    for (ResultRow row : r.rows()) {
      long users = row.getLong("distinct_users");
      assertTrue(users >= k, () -> "released " + users + " users < k=" + k);
      Set<Integer> feeding = truth.get(Fixtures.key(row, groupBy.size()));
      assertNotNull(feeding, () -> "released a group no person feeds: " + row);
      assertTrue(users <= feeding.size(), () -> users + " users > " + feeding.size());
      long rows = row.getLong("count");
      assertTrue(
          rows <= (long) maxRows * users,
          () -> "count " + rows + " > " + maxRows + " rows x " + users + " users");
      totalUsers += users;
    }
    assertTrue(
        totalUsers <= (long) l0 * joined,
        "sum of distinct users " + totalUsers + " > L0 " + l0 + " x " + joined + " people");

    // Coverage: the bounds must bind often, or the assertions above could not fail.
    long memberships = truth.values().stream().mapToLong(Set::size).sum();
    Statistics.label("L0 binds").collect(memberships > (long) l0 * joined);
    Statistics.label("released").collect(r.size() > 0);
    Statistics.label("L0 binds").coverage(c -> c.check(true).count(n -> n >= 3));
    Statistics.label("released").coverage(c -> c.check(true).count(n -> n >= 3));
  }
}
