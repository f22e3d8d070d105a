package dev.cleanroom.internal.room;

import static dev.cleanroom.query.Dsl.avg;
import static dev.cleanroom.query.Dsl.col;
import static dev.cleanroom.query.Dsl.count;
import static dev.cleanroom.query.Dsl.countDistinctUsers;
import static dev.cleanroom.query.Dsl.sum;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

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
import dev.cleanroom.query.Aggregate;
import dev.cleanroom.query.Condition;
import dev.cleanroom.query.Result;
import dev.cleanroom.query.ResultColumn;
import dev.cleanroom.query.ResultRow;
import dev.cleanroom.query.RowStage;
import dev.cleanroom.source.InMemorySource;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Assume;
import net.jqwik.api.Combinators;
import net.jqwik.api.EdgeCasesMode;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.RandomDistribution;
import net.jqwik.api.Tuple;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.statistics.Statistics;

/**
 * The engine against {@link ReferenceEngine} on random data, filters and groupings: one dataset or
 * a join of two, users from a shared pool (so the join overlaps), dimension values from small
 * domains, metrics with NaN and out-of-bound values, and an L0 large enough never to bind.
 */
class EngineProperties {
  private static final SecretKey KEY = SecretKey.of("engine-properties-key-0123".getBytes(UTF_8));
  private static final Pseudonymizer PSEUDONYMIZER = Pseudonymizer.of(KEY);

  private static final List<String> REGIONS_A = List.of("east", "north", "south");
  private static final List<String> REGIONS_B = List.of("north", "south", "west");
  private static final List<String> DIM1 = List.of("x", "y", "z");
  private static final List<String> BDIM = List.of("p", "q");

  /** The dimensions of the first dataset ({@code pub.imps}), by qualified name. */
  private static final Map<String, List<Object>> DIMS_A = new LinkedHashMap<>();

  /** The dimensions of the second dataset ({@code adv.convs}), by qualified name. */
  private static final Map<String, List<Object>> DIMS_B = new LinkedHashMap<>();

  /** The dimensions of both datasets. */
  private static final Map<String, List<Object>> DIMS_AB = new LinkedHashMap<>();

  static {
    DIMS_A.put("imps.region", List.copyOf(REGIONS_A));
    DIMS_A.put("imps.dim1", List.copyOf(DIM1));
    DIMS_A.put("imps.dim2", List.of(1L, 2L, 3L));
    DIMS_B.put("convs.region", List.copyOf(REGIONS_B));
    DIMS_B.put("convs.bdim", List.copyOf(BDIM));
    DIMS_AB.putAll(DIMS_A);
    DIMS_AB.putAll(DIMS_B);
  }

  private static final Bounds BOUNDS_A = Bounds.of(0, 10);
  private static final Bounds BOUNDS_B = Bounds.of(-5, 20);

  record RowA(int user, String pad, String region, String dim1, long dim2, double m) {}

  record RowB(int user, String pad, String region, String bdim, long bm) {}

  record Policies(
      int kA,
      int kB,
      int capA,
      int capB,
      Optional<Bounds> clampA,
      Optional<Bounds> clampB,
      boolean bPseudonymized) {}

  record Scenario(
      boolean join,
      List<RowA> a,
      List<RowB> b,
      Policies policies,
      List<Condition> where,
      List<String> groupBy) {
    @Override
    public String toString() {
      return "Scenario[join="
          + join
          + ", where="
          + where.stream().map(ReferenceEngine::render).toList()
          + ", groupBy="
          + groupBy
          + ", policies="
          + policies
          + ",\n  a="
          + a
          + ",\n  b="
          + (join ? b : "-")
          + "]";
    }
  }

  // ---- generators ----

  @Provide
  Arbitrary<Scenario> scenarios() {
    return Arbitraries.of(true, false)
        .flatMap(
            join -> {
              Map<String, List<Object>> dims = join ? DIMS_AB : DIMS_A;
              List<String> cols = List.copyOf(dims.keySet());
              Arbitrary<Condition> where =
                  join
                      ? Arbitraries.frequencyOf(
                          Tuple.of(2, condition(dims, 2)),
                          // a cross-dataset OR
                          Tuple.of(
                              1,
                              Combinators.combine(condition(DIMS_A, 1), condition(DIMS_B, 1))
                                  .as(Condition::or)))
                      : condition(dims, 2);
              return Combinators.combine(
                      listOf(rowsA(), 40),
                      listOf(rowsB(), 25),
                      policies(),
                      listOf(where, 2),
                      Arbitraries.of(0, 1, 2)
                          .flatMap(n -> Arbitraries.of(cols).list().uniqueElements().ofSize(n)))
                  .as((a, b, p, w, g) -> new Scenario(join, a, b, p, w, g));
            });
  }

  /** Lists of up to {@code max} elements, every size equally likely. */
  private static <T> Arbitrary<List<T>> listOf(Arbitrary<T> element, int max) {
    return Arbitraries.integers()
        .between(0, max)
        .withDistribution(RandomDistribution.uniform())
        .flatMap(n -> element.list().ofSize(n));
  }

  private static Arbitrary<Integer> users() {
    return Arbitraries.integers().between(0, 6);
  }

  private static Arbitrary<String> pads() {
    return Arbitraries.of("", " ", "\t", "  ");
  }

  private static Arbitrary<RowA> rowsA() {
    Arbitrary<Double> m =
        Arbitraries.frequencyOf(
            Tuple.of(6, Arbitraries.doubles().between(-20, 30).ofScale(2)),
            Tuple.of(2, Arbitraries.of(0.0, 10.0, 2.5, -0.0)),
            Tuple.of(
                1, Arbitraries.of(Double.NaN, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY)));
    return Combinators.combine(
            users(),
            pads(),
            Arbitraries.of(REGIONS_A),
            Arbitraries.of(DIM1),
            Arbitraries.longs().between(1, 3),
            m)
        .as(RowA::new);
  }

  private static Arbitrary<RowB> rowsB() {
    return Combinators.combine(
            users(),
            pads(),
            Arbitraries.of(REGIONS_B),
            Arbitraries.of(BDIM),
            Arbitraries.longs().between(-50, 50))
        .as(RowB::new);
  }

  private static Arbitrary<Policies> policies() {
    return Combinators.combine(
            Arbitraries.integers().between(2, 3),
            Arbitraries.integers().between(2, 3),
            Arbitraries.integers().between(1, 3),
            Arbitraries.integers().between(1, 3),
            Arbitraries.<Optional<Bounds>>of(
                Optional.empty(), Optional.of(Bounds.of(0, 15)), Optional.of(Bounds.of(2, 8))),
            Arbitraries.<Optional<Bounds>>of(
                Optional.empty(), Optional.of(Bounds.of(-10, 30)), Optional.of(Bounds.of(0, 12))),
            Arbitraries.of(true, false))
        .as(Policies::new);
  }

  /** A random condition over {@code dims}, nested at most {@code depth} levels. */
  private static Arbitrary<Condition> condition(Map<String, List<Object>> dims, int depth) {
    Arbitrary<Condition> leaf =
        Arbitraries.of(List.copyOf(dims.keySet())).flatMap(c -> leaf(c, dims.get(c)));
    if (depth == 0) {
      return leaf;
    }
    Arbitrary<Condition> sub = condition(dims, depth - 1);
    return Arbitraries.frequencyOf(
        Tuple.of(3, leaf),
        Tuple.of(1, Combinators.combine(sub, sub).as(Condition::and)),
        Tuple.of(1, Combinators.combine(sub, sub).as(Condition::or)),
        Tuple.of(1, sub.map(Condition::not)));
  }

  private static Arbitrary<Condition> leaf(String column, List<Object> domain) {
    boolean text = domain.get(0) instanceof String;
    List<Object> literals = new ArrayList<>(domain);
    if (text) {
      literals.addAll(List.of("a", "o", "zz"));
    } else {
      literals.addAll(List.of(0L, 4L));
    }
    Arbitrary<Object> lit = Arbitraries.of(literals);
    Arbitrary<String> op = Arbitraries.of("eq", "ne", "lt", "le", "gt", "ge", "in", "between");
    return Combinators.combine(op, lit, lit, lit.list().ofMinSize(1).ofMaxSize(3))
        .as((o, x, y, xs) -> leaf(column, o, x, y, xs));
  }

  private static Condition leaf(String column, String op, Object x, Object y, List<Object> xs) {
    if (x instanceof String s) {
      String t = (String) y;
      return switch (op) {
        case "eq" -> col(column).eq(s);
        case "ne" -> col(column).ne(s);
        case "lt" -> col(column).lt(s);
        case "le" -> col(column).le(s);
        case "gt" -> col(column).gt(s);
        case "ge" -> col(column).ge(s);
        case "in" -> col(column).in(xs.stream().map(String.class::cast).toArray(String[]::new));
        default -> col(column).between(s, t);
      };
    }
    long l = (Long) x;
    long m = (Long) y;
    return switch (op) {
      case "eq" -> col(column).eq(l);
      case "ne" -> col(column).ne(l);
      case "lt" -> col(column).lt(l);
      case "le" -> col(column).le(l);
      case "gt" -> col(column).gt(l);
      case "ge" -> col(column).ge(l);
      case "in" -> col(column).in(xs.stream().mapToLong(Long.class::cast).toArray());
      default -> col(column).between(l, m);
    };
  }

  // ---- the property ----

  // Edge cases are off: mixed into every nested generator, they made most scenarios trivially
  // empty; empty lists and no conditions still come up through the uniform sizes.
  @Property(tries = 400, edgeCases = EdgeCasesMode.NONE)
  void engine_matchesTheReference(@ForAll("scenarios") Scenario s) {
    Policies p = s.policies();
    CleanRoom room = CleanRoom.builder().secretKey(KEY).auditSink(e -> {}).build();
    InMemorySource.Builder sa =
        InMemorySource.builder(
            "imps",
            Schema.of(
                Column.string("uid"),
                Column.string("region"),
                Column.string("dim1"),
                Column.int64("dim2"),
                Column.float64("m")));
    List<String> peopleA = new ArrayList<>();
    List<Map<String, Object>> rowsA = new ArrayList<>();
    for (RowA r : s.a()) {
      sa.addRow(r.pad() + "user" + r.user() + r.pad(), r.region(), r.dim1(), r.dim2(), r.m());
      peopleA.add("user" + r.user());
      rowsA.add(Map.of("region", r.region(), "dim1", r.dim1(), "dim2", r.dim2(), "m", r.m()));
    }
    room.register(
        Dataset.builder("pub", "imps")
            .source(sa.build())
            .userId("uid", UserIdFormat.RAW)
            .dimensions("region", "dim1", "dim2")
            .metric("m", BOUNDS_A.lower(), BOUNDS_A.upper())
            .policy(policy(p.kA(), p.capA(), "m", p.clampA()))
            .build());
    List<ReferenceEngine.Table> tables = new ArrayList<>();
    tables.add(
        new ReferenceEngine.Table(
            "imps",
            peopleA,
            rowsA,
            Map.of("m", BOUNDS_A),
            Map.of("m", p.clampA().orElse(BOUNDS_A)),
            p.kA(),
            p.capA()));

    RowStage query = room.as("analyst").from("pub.imps");
    List<Aggregate> aggregates =
        new ArrayList<>(List.of(count(), countDistinctUsers(), sum("imps.m"), avg("imps.m")));
    if (s.join()) {
      InMemorySource.Builder sb =
          InMemorySource.builder(
              "convs",
              Schema.of(
                  Column.string("uid"),
                  Column.string("region"),
                  Column.string("bdim"),
                  Column.int64("bm")));
      List<String> peopleB = new ArrayList<>();
      List<Map<String, Object>> rowsB = new ArrayList<>();
      for (RowB r : s.b()) {
        String id = "user" + r.user();
        String uid =
            p.bPseudonymized()
                ? r.pad()
                    + PSEUDONYMIZER.pseudonymize(id, UserIdFormat.RAW).toUpperCase(Locale.ROOT)
                : r.pad() + id;
        sb.addRow(uid, r.region(), r.bdim(), r.bm());
        peopleB.add(id);
        rowsB.add(Map.of("region", r.region(), "bdim", r.bdim(), "bm", r.bm()));
      }
      room.register(
          Dataset.builder("adv", "convs")
              .source(sb.build())
              .userId("uid", p.bPseudonymized() ? UserIdFormat.PSEUDONYMIZED : UserIdFormat.RAW)
              .dimensions("region", "bdim")
              .metric("bm", BOUNDS_B.lower(), BOUNDS_B.upper())
              .policy(policy(p.kB(), p.capB(), "bm", p.clampB()))
              .build());
      tables.add(
          new ReferenceEngine.Table(
              "convs",
              peopleB,
              rowsB,
              Map.of("bm", BOUNDS_B),
              Map.of("bm", p.clampB().orElse(BOUNDS_B)),
              p.kB(),
              p.capB()));
      query = query.join("adv.convs").onUserId();
      aggregates.add(sum("adv.convs.bm"));
      aggregates.add(avg("convs.bm"));
    }
    for (Condition c : s.where()) {
      query = query.where(c);
    }
    Aggregate[] selected = aggregates.toArray(new Aggregate[0]);
    Result result =
        s.groupBy().isEmpty()
            ? query.select(selected).run()
            : query.groupBy(s.groupBy().toArray(new String[0])).select(selected).run();

    List<ReferenceEngine.Agg> refAggs = new ArrayList<>();
    for (Aggregate a : aggregates) {
      String column = a.column();
      if (column.startsWith("adv.")) {
        column = column.substring("adv.".length());
      }
      refAggs.add(new ReferenceEngine.Agg(a.function(), column));
    }
    List<List<Object>> expected = ReferenceEngine.run(tables, s.where(), s.groupBy(), refAggs);

    assertColumns(s, aggregates, result.columns());
    assertRows(expected, result);
    Statistics.label("join").collect(s.join());
    Statistics.label("cross-dataset condition")
        .collect(s.join() && s.where().stream().anyMatch(EngineProperties::isCross));
    Statistics.label("released rows").collect(Math.min(expected.size(), 3));
    Statistics.label("some row suppressed").collect(suppressedAny(tables, s, refAggs));
  }

  /**
   * With L0 = {@code maxGroups} and every person in {@code groups} groups, each person counts in
   * exactly min(L0, groups) of them: when no group is suppressed, the distinct users of all groups
   * add up to that many per person.
   */
  @Property(tries = 40)
  void maxGroupsPerUser_boundsEveryPerson(
      @ForAll @IntRange(min = 1, max = 5) int maxGroups,
      @ForAll @IntRange(min = 1, max = 7) int groups) {
    int people = 150;
    InMemorySource.Builder b =
        InMemorySource.builder("rows", Schema.of(Column.string("uid"), Column.int64("g")));
    for (int u = 0; u < people; u++) {
      for (int g = 0; g < groups; g++) {
        b.addRow("person" + u, (long) g);
        b.addRow("person" + u, (long) g); // a repeated row is no extra group
      }
    }
    CleanRoom room = CleanRoom.builder().secretKey(KEY).auditSink(e -> {}).build();
    room.register(
        Dataset.builder("o", "d")
            .source(b.build())
            .userId("uid")
            .dimension("g")
            .policy(
                Policy.builder()
                    .allowAnalysts("analyst")
                    .minDistinctUsers(2)
                    .maxGroupsPerUser(maxGroups)
                    .build())
            .build());
    Result r = room.as("analyst").from("o.d").groupBy("g").select(countDistinctUsers()).run();
    Assume.that(r.size() == groups); // a suppressed group would hide some people's choices
    long total = r.rows().stream().mapToLong(row -> row.getLong("distinct_users")).sum();
    assertEquals((long) Math.min(maxGroups, groups) * people, total);
    assertTrue(
        r.rows().stream().allMatch(row -> row.getLong("distinct_users") <= people), r.toString());
  }

  private static boolean isCross(Condition c) {
    return c.columns().stream().map(n -> n.substring(0, n.indexOf('.'))).distinct().count() > 1;
  }

  /** Whether the reference with k=1 would release more rows than with the scenario's k. */
  private static boolean suppressedAny(
      List<ReferenceEngine.Table> tables, Scenario s, List<ReferenceEngine.Agg> aggs) {
    List<ReferenceEngine.Table> k1 = new ArrayList<>();
    for (ReferenceEngine.Table t : tables) {
      k1.add(
          new ReferenceEngine.Table(
              t.name(), t.people(), t.rows(), t.valueBounds(), t.groupBounds(), 1, t.maxRows()));
    }
    return ReferenceEngine.run(k1, s.where(), s.groupBy(), aggs).size()
        > ReferenceEngine.run(tables, s.where(), s.groupBy(), aggs).size();
  }

  private static Policy policy(int k, int cap, String metric, Optional<Bounds> clamp) {
    Policy.Builder b =
        Policy.builder()
            .withoutDifferenceChecks()
            .allowAnalysts("analyst")
            .allowJoinOn("uid")
            .minDistinctUsers(k)
            .maxGroupsPerUser(Policy.MAX_CONTRIBUTION_BOUND)
            .maxContributionsPerGroup(cap);
    clamp.ifPresent(c -> b.clampPerGroup(metric, c.lower(), c.upper()));
    return b.build();
  }

  private static void assertColumns(
      Scenario s, List<Aggregate> aggregates, List<ResultColumn> columns) {
    assertEquals(s.groupBy().size() + aggregates.size(), columns.size(), columns.toString());
    for (int j = 0; j < s.groupBy().size(); j++) {
      ResultColumn c = columns.get(j);
      assertTrue(!c.aggregate(), c.toString());
      ColumnType expected =
          s.groupBy().get(j).endsWith("dim2") ? ColumnType.LONG : ColumnType.STRING;
      assertEquals(expected, c.type(), c.toString());
    }
    for (int a = 0; a < aggregates.size(); a++) {
      ResultColumn c = columns.get(s.groupBy().size() + a);
      assertTrue(c.aggregate(), c.toString());
      assertEquals(aggregates.get(a).alias(), c.name());
      AggregateFunction f = aggregates.get(a).function();
      assertEquals(f.needsMetric() ? ColumnType.DOUBLE : ColumnType.LONG, c.type(), c.toString());
    }
  }

  /** Compares group keys and counts exactly, sums and means within 1e-6 relative. */
  static void assertRows(List<List<Object>> expected, Result actual) {
    List<List<Object>> got = new ArrayList<>();
    for (ResultRow r : actual.rows()) {
      got.add(r.values());
    }
    String message = "\nexpected: " + expected + "\nactual:   " + got;
    if (expected.size() != got.size()) {
      fail("row count differs" + message);
    }
    for (int i = 0; i < expected.size(); i++) {
      List<Object> e = expected.get(i);
      List<Object> g = got.get(i);
      if (e.size() != g.size()) {
        fail("row " + i + " has another width" + message);
      }
      for (int j = 0; j < e.size(); j++) {
        Object ev = e.get(j);
        Object gv = g.get(j);
        if (ev instanceof Double ed && gv instanceof Double gd) {
          if (!close(ed, gd)) {
            fail("row " + i + ", column " + j + ": " + ed + " != " + gd + message);
          }
        } else if (!ev.equals(gv)) {
          fail("row " + i + ", column " + j + ": " + ev + " != " + gv + message);
        }
      }
    }
  }

  static boolean close(double a, double b) {
    if (Double.isNaN(a) || Double.isNaN(b)) {
      return Double.isNaN(a) && Double.isNaN(b);
    }
    return Math.abs(a - b) <= 1e-6 * Math.max(1.0, Math.max(Math.abs(a), Math.abs(b)));
  }
}
