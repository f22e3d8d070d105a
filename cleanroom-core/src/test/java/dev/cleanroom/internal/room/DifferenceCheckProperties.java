package dev.cleanroom.internal.room;

import static dev.cleanroom.query.Dsl.col;
import static dev.cleanroom.query.Dsl.countDistinctUsers;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cleanroom.CleanRoom;
import dev.cleanroom.Column;
import dev.cleanroom.Dataset;
import dev.cleanroom.Policy;
import dev.cleanroom.Schema;
import dev.cleanroom.SecretKey;
import dev.cleanroom.UserIdFormat;
import dev.cleanroom.query.Result;
import dev.cleanroom.query.ResultRow;
import dev.cleanroom.query.RowStage;
import dev.cleanroom.source.InMemorySource;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.statistics.Statistics;

/**
 * Difference checks: whatever the data and the sequence of filtered queries, no two rows released
 * to one analyst from one dataset differ by 1 to k−1 people. The people of each released row are
 * computed independently from the generated data.
 */
class DifferenceCheckProperties {
  private static final List<String> REGIONS = List.of("r0", "r1", "r2", "r3");
  private static final List<String> SEGMENTS = List.of("s0", "s1", "s2");

  /** One person: one row with a region and a segment. */
  record Person(int region, int segment) {}

  /** A query: the regions it keeps (all when empty) and whether it groups by segment. */
  record Query(List<Integer> regions, boolean bySegment) {}

  @Provide
  Arbitrary<List<Person>> people() {
    return Combinators.combine(
            Arbitraries.integers().between(0, REGIONS.size() - 1),
            Arbitraries.integers().between(0, SEGMENTS.size() - 1))
        .as(Person::new)
        .list()
        .ofMinSize(2)
        .ofMaxSize(40);
  }

  @Provide
  Arbitrary<List<Query>> queries() {
    return Combinators.combine(
            Arbitraries.integers().between(0, REGIONS.size() - 1).set().map(List::copyOf),
            Arbitraries.of(false, true))
        .as(Query::new)
        .list()
        .ofMinSize(1)
        .ofMaxSize(10);
  }

  @Property(tries = 300)
  void releasedRows_neverDifferByOneToKMinusOne(
      @ForAll("people") List<Person> people,
      @ForAll("queries") List<Query> queries,
      @ForAll @IntRange(min = 2, max = 6) int k) {
    CleanRoom room = room(people, k);
    List<Set<Integer>> released = new ArrayList<>();
    int suppressed = 0;
    for (Query q : queries) {
      RowStage stage = room.as("analyst").from("retailer.sales");
      if (!q.regions().isEmpty()) {
        stage =
            stage.where(
                col("region").in(q.regions().stream().map(REGIONS::get).toArray(String[]::new)));
      }
      Result r =
          q.bySegment()
              ? stage.groupBy("segment").select(countDistinctUsers().as("n")).run()
              : stage.select(countDistinctUsers().as("n")).run();
      int eligible = 0;
      for (int s = -1; s < SEGMENTS.size(); s++) {
        if ((s == -1) != q.bySegment() && peopleOf(people, q, s).size() >= k) {
          eligible++;
        }
      }
      suppressed += eligible - r.size();
      for (ResultRow row : r.rows()) {
        int segment = q.bySegment() ? SEGMENTS.indexOf(row.getString("segment")) : -1;
        Set<Integer> set = peopleOf(people, q, segment);
        assertEquals(set.size(), row.getLong("n"));
        for (Set<Integer> earlier : released) {
          int d = symmetricDifference(set, earlier);
          assertTrue(d == 0 || d >= k, "two released rows differ by " + d + " < k=" + k);
        }
        released.add(set);
      }
    }
    Statistics.label("rows suppressed by difference checks").collect(suppressed > 0);
  }

  /** The people of a row: those in the query's regions and, when grouped, in {@code segment}. */
  private static Set<Integer> peopleOf(List<Person> people, Query q, int segment) {
    Set<Integer> out = new HashSet<>();
    for (int i = 0; i < people.size(); i++) {
      Person p = people.get(i);
      if ((q.regions().isEmpty() || q.regions().contains(p.region()))
          && (segment < 0 || p.segment() == segment)) {
        out.add(i);
      }
    }
    return out;
  }

  private static int symmetricDifference(Set<Integer> a, Set<Integer> b) {
    int d = 0;
    for (Integer x : a) {
      d += b.contains(x) ? 0 : 1;
    }
    for (Integer x : b) {
      d += a.contains(x) ? 0 : 1;
    }
    return d;
  }

  private static CleanRoom room(List<Person> people, int k) {
    Schema schema =
        Schema.of(Column.string("uid"), Column.string("region"), Column.string("segment"));
    InMemorySource.Builder b = InMemorySource.builder("sales", schema);
    for (int i = 0; i < people.size(); i++) {
      Person p = people.get(i);
      b.addRow("p" + i, REGIONS.get(p.region()), SEGMENTS.get(p.segment()));
    }
    CleanRoom room =
        CleanRoom.builder()
            .secretKey(SecretKey.of("difference-props-0123456789abcdef".getBytes(UTF_8)))
            .build();
    room.register(
        Dataset.builder("retailer", "sales")
            .source(b.build())
            .userId("uid", UserIdFormat.RAW)
            .dimensions("region", "segment")
            .policy(Policy.builder().allowAnalysts("analyst").minDistinctUsers(k).build())
            .build());
    return room;
  }
}
