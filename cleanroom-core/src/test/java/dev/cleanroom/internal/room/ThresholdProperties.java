package dev.cleanroom.internal.room;

import static dev.cleanroom.internal.room.Fixtures.ANALYST;
import static dev.cleanroom.internal.room.Fixtures.CONVS;
import static dev.cleanroom.internal.room.Fixtures.IMPS;
import static dev.cleanroom.query.Dsl.avg;
import static dev.cleanroom.query.Dsl.count;
import static dev.cleanroom.query.Dsl.countDistinctUsers;
import static dev.cleanroom.query.Dsl.sum;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cleanroom.CleanRoom;
import dev.cleanroom.Policy;
import dev.cleanroom.internal.room.Fixtures.DimRef;
import dev.cleanroom.internal.room.Fixtures.Person;
import dev.cleanroom.query.Aggregate;
import dev.cleanroom.query.Condition;
import dev.cleanroom.query.Result;
import dev.cleanroom.query.ResultRow;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.statistics.Statistics;
import net.jqwik.api.statistics.StatisticsReport;

/**
 * The k-threshold: whatever the data, filters, grouping and k, no released row stands for fewer
 * than k distinct people, and which rows are released does not depend on metric values.
 */
class ThresholdProperties {

  /** A query shape: one or two datasets, filters and grouping over their dimensions. */
  record Query(boolean join, List<DimRef> groupBy, List<Condition> where) {
    List<String> datasets() {
      return join ? List.of(IMPS, CONVS) : List.of(IMPS);
    }

    List<String> groupRefs() {
      return Fixtures.refs(groupBy);
    }
  }

  @Provide
  Arbitrary<List<Person>> people() {
    return Fixtures.people(1, 50, 0, 3);
  }

  @Provide
  Arbitrary<Query> queries() {
    return Arbitraries.of(false, true)
        .flatMap(
            join -> {
              List<Fixtures.Dim> dims = join ? Fixtures.ALL_DIMS : Fixtures.IMPS_DIMS;
              return Combinators.combine(
                      Fixtures.groupBy(dims, 0, 2),
                      Fixtures.conditions(dims, 2).list().ofMaxSize(1))
                  .as((g, w) -> new Query(join, g, w));
            });
  }

  private static CleanRoom room(
      List<Person> people, boolean alternative, int k1, int k2, int maxGroups, int maxRows) {
    return Fixtures.room(
        Fixtures.imps(
            Fixtures.impsSource(Fixtures.impRows(people, Fixtures::plainId, alternative)),
            Fixtures.policy("email", k1, maxGroups, maxRows)),
        Fixtures.convs(
            Fixtures.convsSource(Fixtures.convRows(people, Fixtures::plainId, alternative)),
            Fixtures.policy("uid", k2, maxGroups, maxRows)));
  }

  private static List<Aggregate> metricAggregates(Query q) {
    List<Aggregate> aggs = new ArrayList<>(List.of(count(), sum("spend"), avg("clicks")));
    if (q.join()) {
      aggs.add(sum("value"));
    }
    return aggs;
  }

  @Property(tries = 100)
  @StatisticsReport(StatisticsReport.StatisticsReportMode.OFF)
  void everyReleasedRow_hasAtLeastKDistinctUsers(
      @ForAll("people") List<Person> people,
      @ForAll("queries") Query q,
      @ForAll @IntRange(min = 2, max = 20) int k1,
      @ForAll @IntRange(min = 2, max = 20) int k2,
      @ForAll @IntRange(min = 1, max = 4) int maxGroups,
      @ForAll @IntRange(min = 1, max = 3) int maxRows) {
    CleanRoom room = room(people, false, k1, k2, maxGroups, maxRows);
    int k = q.join() ? Math.max(k1, k2) : k1;
    Map<List<Object>, Set<Integer>> truth =
        Fixtures.trueGroups(people, q.join(), q.where(), q.groupRefs());
    int groupColumns = q.groupBy().size();

    List<Aggregate> withUsers = new ArrayList<>(metricAggregates(q));
    withUsers.add(0, countDistinctUsers());
    Result counted =
        Fixtures.query(room, ANALYST, q.datasets(), q.where(), q.groupRefs(), withUsers).run();
    for (ResultRow row : counted.rows()) {
      long users = row.getLong("distinct_users");
      assertTrue(users >= k, () -> "released " + users + " < k=" + k + ": " + row);
      Set<Integer> feeding = truth.get(Fixtures.key(row, groupColumns));
      assertNotNull(feeding, () -> "released a group no person feeds: " + row);
      assertTrue(users <= feeding.size(), () -> users + " users > " + feeding.size());
    }

    // Without countDistinctUsers in the select, the true number of people per row is checked.
    Result uncounted =
        Fixtures.query(room, ANALYST, q.datasets(), q.where(), q.groupRefs(), metricAggregates(q))
            .run();
    for (ResultRow row : uncounted.rows()) {
      Set<Integer> feeding = truth.get(Fixtures.key(row, groupColumns));
      assertNotNull(feeding, () -> "released a group no person feeds: " + row);
      assertTrue(feeding.size() >= k, () -> "released a group of " + feeding.size() + " < k=" + k);
    }
    Statistics.label("released").collect(counted.size() > 0);
    Statistics.label("suppressed")
        .collect(truth.values().stream().anyMatch(s -> s.size() < k && !s.isEmpty()));
    Statistics.label("released").coverage(c -> c.check(true).count(n -> n >= 3));
    Statistics.label("suppressed").coverage(c -> c.check(true).count(n -> n >= 3));
  }

  @Property(tries = 100)
  @StatisticsReport(StatisticsReport.StatisticsReportMode.OFF)
  void withoutBindingL0_exactlyTheGroupsOfAtLeastKPeopleAreReleased(
      @ForAll("people") List<Person> people,
      @ForAll("queries") Query q,
      @ForAll @IntRange(min = 2, max = 20) int k1,
      @ForAll @IntRange(min = 2, max = 20) int k2) {
    CleanRoom room = room(people, false, k1, k2, Policy.MAX_CONTRIBUTION_BOUND, 1);
    int k = q.join() ? Math.max(k1, k2) : k1;
    Map<List<Object>, Set<Integer>> truth =
        Fixtures.trueGroups(people, q.join(), q.where(), q.groupRefs());
    Map<List<Object>, Long> expected = new HashMap<>();
    truth.forEach(
        (key, users) -> {
          if (users.size() >= k) {
            expected.put(key, (long) users.size());
          }
        });
    Result r =
        Fixtures.query(
                room,
                ANALYST,
                q.datasets(),
                q.where(),
                q.groupRefs(),
                List.of(countDistinctUsers(), count()))
            .run();
    Map<List<Object>, Long> released = new HashMap<>();
    for (ResultRow row : r.rows()) {
      released.put(Fixtures.key(row, q.groupBy().size()), row.getLong("distinct_users"));
    }
    assertEquals(expected, released);
    assertEquals(released.size(), r.size(), "a group was released twice");
    Statistics.label("released").collect(r.size() > 0);
    Statistics.label("released").coverage(c -> c.check(true).count(n -> n >= 3));
  }

  @Property(tries = 100)
  @StatisticsReport(StatisticsReport.StatisticsReportMode.OFF)
  void suppression_doesNotDependOnMetricValues(
      @ForAll("people") List<Person> people,
      @ForAll("queries") Query q,
      @ForAll @IntRange(min = 2, max = 20) int k1,
      @ForAll @IntRange(min = 2, max = 20) int k2,
      @ForAll @IntRange(min = 1, max = 3) int maxRows) {
    // L0 does not bind, so the choice of groups per person is not random and runs compare.
    int l0 = Policy.MAX_CONTRIBUTION_BOUND;
    CleanRoom original = room(people, false, k1, k2, l0, maxRows);
    CleanRoom changed = room(people, true, k1, k2, l0, maxRows);
    List<Aggregate> aggs = metricAggregates(q);
    Result a =
        Fixtures.query(original, ANALYST, q.datasets(), q.where(), q.groupRefs(), aggs).run();
    Result b = Fixtures.query(changed, ANALYST, q.datasets(), q.where(), q.groupRefs(), aggs).run();
    int groupColumns = q.groupBy().size();
    assertEquals(keysAndCounts(a, groupColumns), keysAndCounts(b, groupColumns));
    Statistics.label("released").collect(a.size() > 0);
    Statistics.label("released").coverage(c -> c.check(true).count(n -> n >= 3));
  }

  /** The released group keys, each with its count (which no metric value may change). */
  private static Map<List<Object>, Long> keysAndCounts(Result r, int groupColumns) {
    Map<List<Object>, Long> out = new HashMap<>();
    for (ResultRow row : r.rows()) {
      out.put(Fixtures.key(row, groupColumns), row.getLong("count"));
    }
    return out;
  }
}
