package dev.cleanroom.internal.room;

import static dev.cleanroom.internal.room.Fixtures.ANALYST;
import static dev.cleanroom.internal.room.Fixtures.CONVS;
import static dev.cleanroom.internal.room.Fixtures.IMPS;
import static dev.cleanroom.query.Dsl.avg;
import static dev.cleanroom.query.Dsl.col;
import static dev.cleanroom.query.Dsl.count;
import static dev.cleanroom.query.Dsl.countDistinctUsers;
import static dev.cleanroom.query.Dsl.sum;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cleanroom.AggregateFunction;
import dev.cleanroom.CleanRoom;
import dev.cleanroom.Dataset;
import dev.cleanroom.InvalidQueryException;
import dev.cleanroom.Policy;
import dev.cleanroom.PolicyRule;
import dev.cleanroom.PolicyViolationException;
import dev.cleanroom.UserIdFormat;
import dev.cleanroom.internal.room.Fixtures.CountingSource;
import dev.cleanroom.internal.room.Fixtures.DimRef;
import dev.cleanroom.internal.room.Fixtures.Person;
import dev.cleanroom.query.Aggregate;
import dev.cleanroom.query.Condition;
import dev.cleanroom.query.Explanation;
import dev.cleanroom.query.FinalStage;
import dev.cleanroom.query.PolicyCheck;
import dev.cleanroom.source.InMemorySource;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
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
 * A refused query never reaches a source: for every refusal rule, {@code run()} throws {@link
 * PolicyViolationException} naming that rule and dataset without any source's {@code scan()} being
 * called; {@code explain()} of any query, allowed, refused or malformed, never scans either.
 *
 * <p>The room: {@code pub.imps} (allows dimensions country and tier, not device; only SUM of
 * spend), {@code adv.convs} (only AVG of value), {@code solo.nojoin} (may not be joined) and {@code
 * partner.closed} (open to another analyst only).
 */
class RefusalBeforeScanProperties {
  private static final String NOJOIN = "solo.nojoin";
  private static final String CLOSED = "partner.closed";

  /** A row of {@code solo.nojoin}. */
  public record SoloRow(String sid, String region) {}

  /** A row of {@code partner.closed}. */
  public record ClosedRow(String pid, String plan) {}

  /** A valid query: datasets, grouping and filters over allowed dimensions, allowed aggregates. */
  record Base(boolean join, List<DimRef> groupBy, List<Condition> where, List<Aggregate> select) {
    List<String> datasets() {
      return join ? List.of(IMPS, CONVS) : List.of(IMPS);
    }
  }

  /**
   * A refused query and the refusal it must get.
   *
   * @param analyst who runs it
   * @param datasets the datasets, first from {@code from}
   * @param where its conditions
   * @param groupBy its grouping
   * @param select its aggregates
   * @param rule the refusing rule
   * @param dataset the refusing dataset
   * @param description what was broken, for reports
   */
  record Refused(
      String analyst,
      List<String> datasets,
      List<Condition> where,
      List<String> groupBy,
      List<Aggregate> select,
      PolicyRule rule,
      String dataset,
      String description) {}

  /** The allowed dimensions of the two joinable datasets. */
  private static final List<Fixtures.Dim> ALLOWED_IMPS = List.of(Fixtures.COUNTRY, Fixtures.TIER);

  private static final List<Fixtures.Dim> ALLOWED_ALL =
      List.of(Fixtures.COUNTRY, Fixtures.TIER, Fixtures.CHANNEL, Fixtures.SEGMENT);

  @Provide
  Arbitrary<Base> bases() {
    return Arbitraries.of(false, true)
        .flatMap(
            join -> {
              List<Fixtures.Dim> dims = join ? ALLOWED_ALL : ALLOWED_IMPS;
              List<Aggregate> aggs =
                  new ArrayList<>(List.of(countDistinctUsers(), count(), sum("spend")));
              aggs.add(avg("clicks"));
              if (join) {
                aggs.add(avg("value"));
              }
              return Combinators.combine(
                      Fixtures.groupBy(dims, 0, 2),
                      Fixtures.conditions(dims, 2).list().ofMaxSize(2),
                      Arbitraries.subsetOf(aggs).ofMinSize(1))
                  .as(
                      (g, w, a) ->
                          new Base(join, g, w, aggs.stream().filter(a::contains).toList()));
            });
  }

  /** One violation of each rule, in several forms, on top of a valid query. */
  @Provide
  Arbitrary<Refused> refused() {
    Arbitrary<String> userIds = Arbitraries.of("email", "imps.email", "pub.imps.email");
    Arbitrary<String> blocked = Arbitraries.of("secret", "note", "imps.secret", "pub.imps.note");
    Arbitrary<String> disallowedDims = Arbitraries.of("device", "imps.device", "spend", "clicks");
    Arbitrary<String> strangers =
        Arbitraries.strings().alpha().ofMinLength(1).ofMaxLength(8).filter(s -> !s.equals(ANALYST));
    return Combinators.combine(
            bases(),
            Arbitraries.of(Violation.class),
            userIds,
            blocked,
            disallowedDims,
            strangers,
            Arbitraries.of(Condition.Op.class),
            Fixtures.conditions(ALLOWED_IMPS, 1))
        .as(RefusalBeforeScanProperties::inject);
  }

  /** The ways a query breaks a rule, each with the rule that refuses it. */
  enum Violation {
    STRANGER_ANALYST(PolicyRule.ANALYST_ALLOWED),
    CLOSED_DATASET(PolicyRule.ANALYST_ALLOWED),
    NOJOIN_FIRST(PolicyRule.JOIN_ALLOWED),
    NOJOIN_LAST(PolicyRule.JOIN_ALLOWED),
    GROUP_BY_USER_ID(PolicyRule.USER_ID_NOT_EXPOSED),
    FILTER_ON_USER_ID(PolicyRule.USER_ID_NOT_EXPOSED),
    AGGREGATE_USER_ID(PolicyRule.USER_ID_NOT_EXPOSED),
    GROUP_BY_BLOCKED(PolicyRule.COLUMN_NOT_BLOCKED),
    FILTER_ON_BLOCKED(PolicyRule.COLUMN_NOT_BLOCKED),
    AGGREGATE_BLOCKED(PolicyRule.COLUMN_NOT_BLOCKED),
    GROUP_BY_DISALLOWED(PolicyRule.DIMENSION_ALLOWED),
    FILTER_ON_DISALLOWED(PolicyRule.DIMENSION_ALLOWED),
    AVG_NOT_ALLOWED(PolicyRule.AGGREGATE_ALLOWED),
    SUM_NOT_ALLOWED(PolicyRule.AGGREGATE_ALLOWED),
    SUM_OF_DIMENSION(PolicyRule.AGGREGATE_ALLOWED);

    final PolicyRule rule;

    Violation(PolicyRule rule) {
      this.rule = rule;
    }
  }

  /** {@code base} with one violation. */
  private static Refused inject(
      Base base,
      Violation violation,
      String userId,
      String blockedColumn,
      String disallowed,
      String stranger,
      Condition.Op op,
      Condition other) {
    List<String> ds = new ArrayList<>(base.datasets());
    List<Condition> where = new ArrayList<>(base.where());
    List<String> groupBy = new ArrayList<>(Fixtures.refs(base.groupBy()));
    List<Aggregate> select = new ArrayList<>(base.select());
    String analyst = ANALYST;
    String dataset = IMPS;
    switch (violation) {
      case STRANGER_ANALYST -> analyst = stranger;
      case CLOSED_DATASET -> {
        ds.add(CLOSED);
        dataset = CLOSED;
      }
      case NOJOIN_FIRST, NOJOIN_LAST -> {
        ds.add(violation == Violation.NOJOIN_FIRST ? 0 : ds.size(), NOJOIN);
        dataset = NOJOIN;
      }
      case GROUP_BY_USER_ID -> groupBy.add(userId);
      case FILTER_ON_USER_ID ->
          where.add(hide(new Condition.Comparison(userId, op, "someone@example.com"), other, op));
      case AGGREGATE_USER_ID -> select.add(new Aggregate(AggregateFunction.SUM, userId, "s_uid"));
      case GROUP_BY_BLOCKED -> groupBy.add(blockedColumn);
      case FILTER_ON_BLOCKED ->
          where.add(hide(new Condition.In(blockedColumn, List.of("x", "y")), other, op));
      case AGGREGATE_BLOCKED ->
          select.add(new Aggregate(AggregateFunction.AVG, blockedColumn, "a_blocked"));
      case GROUP_BY_DISALLOWED -> groupBy.add(disallowed);
      case FILTER_ON_DISALLOWED -> {
        Object value = disallowed.endsWith("device") ? "ios" : (Object) 1L;
        where.add(hide(new Condition.Comparison(disallowed, op, value), other, op));
      }
      // pub.imps allows only SUM of spend.
      case AVG_NOT_ALLOWED -> select.add(new Aggregate(AggregateFunction.AVG, "spend", "a_spend"));
      case SUM_NOT_ALLOWED -> {
        // adv.convs allows only AVG of value.
        if (!ds.contains(CONVS)) {
          ds.add(CONVS);
        }
        select.add(new Aggregate(AggregateFunction.SUM, "value", "s_value"));
        dataset = CONVS;
      }
      case SUM_OF_DIMENSION -> select.add(new Aggregate(AggregateFunction.SUM, "tier", "s_tier"));
    }
    String what = violation + " (" + String.join(", ", groupBy) + "; " + analyst + ")";
    return new Refused(analyst, ds, where, groupBy, select, violation.rule, dataset, what);
  }

  /** {@code bad} alone or hidden in a larger condition. */
  private static Condition hide(Condition bad, Condition other, Condition.Op how) {
    return switch (how) {
      case EQ, NE -> bad;
      case LT -> other.and(bad);
      case LE -> other.or(bad);
      case GT -> bad.not();
      case GE -> other.or(bad.not()).not();
    };
  }

  /** A room over counting sources, and the counters by dataset. */
  private record CountingRoom(CleanRoom room, Map<String, CountingSource> sources) {
    int scans() {
      return sources.values().stream().mapToInt(s -> s.scans.get()).sum();
    }
  }

  private static CountingRoom room(List<Person> people, int k) {
    Map<String, CountingSource> sources = new LinkedHashMap<>();
    CountingSource imps =
        new CountingSource(Fixtures.impsSource(Fixtures.impRows(people, Fixtures::plainId, false)));
    CountingSource convs =
        new CountingSource(
            Fixtures.convsSource(Fixtures.convRows(people, Fixtures::plainId, false)));
    List<SoloRow> soloRows = new ArrayList<>();
    List<ClosedRow> closedRows = new ArrayList<>();
    for (int i = 0; i < people.size(); i++) {
      soloRows.add(new SoloRow(Fixtures.plainId(i), i % 2 == 0 ? "north" : "south"));
      closedRows.add(new ClosedRow(Fixtures.plainId(i), i % 3 == 0 ? "gold" : "basic"));
    }
    CountingSource nojoin =
        new CountingSource(InMemorySource.ofRecords("solo_source", SoloRow.class, soloRows));
    CountingSource closed =
        new CountingSource(InMemorySource.ofRecords("closed_source", ClosedRow.class, closedRows));
    sources.put(IMPS, imps);
    sources.put(CONVS, convs);
    sources.put(NOJOIN, nojoin);
    sources.put(CLOSED, closed);
    CleanRoom room =
        Fixtures.room(
            Fixtures.impsBuilder("pub", "imps", imps)
                .policy(
                    Policy.builder()
                        .allowAnalysts(ANALYST)
                        .allowJoinOn("email")
                        .allowDimensions("country", "tier")
                        .allowAggregates("spend", AggregateFunction.SUM)
                        .minDistinctUsers(k)
                        .build())
                .build(),
            Fixtures.convsBuilder("adv", "convs", convs)
                .policy(
                    Policy.builder()
                        .allowAnalysts(ANALYST)
                        .allowJoinOn("uid")
                        .allowAggregates("value", AggregateFunction.AVG)
                        .minDistinctUsers(k)
                        .build())
                .build(),
            Dataset.builder("solo", "nojoin")
                .source(nojoin)
                .userId("sid", UserIdFormat.EMAIL)
                .dimension("region")
                .policy(Policy.builder().allowAnalysts(ANALYST).minDistinctUsers(k).build())
                .build(),
            Dataset.builder("partner", "closed")
                .source(closed)
                .userId("pid", UserIdFormat.EMAIL)
                .dimension("plan")
                .policy(
                    Policy.builder()
                        .allowAnalysts("partner")
                        .allowJoinOn("pid")
                        .minDistinctUsers(k)
                        .build())
                .build());
    return new CountingRoom(room, sources);
  }

  @Provide
  Arbitrary<List<Person>> people() {
    return Fixtures.people(0, 30, 0, 3);
  }

  @Property(tries = 200)
  @StatisticsReport(StatisticsReport.StatisticsReportMode.OFF)
  void refusedQueries_neverScan(
      @ForAll("people") List<Person> people,
      @ForAll("refused") Refused q,
      @ForAll @IntRange(min = 2, max = 20) int k) {
    CountingRoom r = room(people, k);
    FinalStage query =
        Fixtures.query(r.room(), q.analyst(), q.datasets(), q.where(), q.groupBy(), q.select());

    Explanation e = query.explain();
    assertEquals(0, r.scans(), "explain() scanned");
    assertFalse(e.allowed(), () -> q.description() + " explained as allowed: " + e);
    PolicyCheck first = e.failures().get(0);
    assertEquals(q.rule(), first.rule(), e::toString);
    assertEquals(q.dataset(), first.dataset(), e::toString);

    PolicyViolationException refusal = assertThrows(PolicyViolationException.class, query::run);
    assertEquals(0, r.scans(), () -> "a refused query scanned: " + q.description());
    assertEquals(q.rule(), refusal.rule(), refusal::getMessage);
    assertEquals(q.dataset(), refusal.dataset(), refusal::getMessage);
    Statistics.label("rule").collect(q.rule());
    Statistics.label("rule")
        .coverage(
            c -> {
              for (PolicyRule rule :
                  List.of(
                      PolicyRule.ANALYST_ALLOWED,
                      PolicyRule.JOIN_ALLOWED,
                      PolicyRule.USER_ID_NOT_EXPOSED,
                      PolicyRule.COLUMN_NOT_BLOCKED,
                      PolicyRule.DIMENSION_ALLOWED,
                      PolicyRule.AGGREGATE_ALLOWED)) {
                c.check(rule).count(n -> n > 0);
              }
            });
  }

  @Property(tries = 200)
  void explain_neverScans_andValidQueriesDo(
      @ForAll("people") List<Person> people,
      @ForAll("bases") Base base,
      @ForAll @IntRange(min = 2, max = 20) int k) {
    CountingRoom r = room(people, k);
    List<String> groupBy = Fixtures.refs(base.groupBy());
    FinalStage query =
        Fixtures.query(r.room(), ANALYST, base.datasets(), base.where(), groupBy, base.select());

    Explanation e = query.explain();
    assertEquals(0, r.scans(), "explain() scanned");
    assertTrue(e.allowed(), e::toString);

    // A malformed query is neither scanned by explain() nor by run().
    FinalStage malformed =
        Fixtures.query(
            r.room(),
            ANALYST,
            base.datasets(),
            List.of(col("tier").eq("not a number")),
            groupBy,
            base.select());
    assertThrows(InvalidQueryException.class, malformed::explain);
    assertThrows(InvalidQueryException.class, malformed::run);
    assertEquals(0, r.scans(), "a malformed query scanned");

    // The counters work: running the valid query scans each of its datasets once, and no other.
    query.run();
    for (Map.Entry<String, CountingSource> s : r.sources().entrySet()) {
      int expected = base.datasets().contains(s.getKey()) ? 1 : 0;
      assertEquals(expected, s.getValue().scans.get(), s.getKey());
    }
  }
}
