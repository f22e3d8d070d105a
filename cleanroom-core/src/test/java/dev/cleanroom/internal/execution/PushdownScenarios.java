package dev.cleanroom.internal.execution;

import static dev.cleanroom.query.Dsl.avg;
import static dev.cleanroom.query.Dsl.count;
import static dev.cleanroom.query.Dsl.countDistinctUsers;
import static dev.cleanroom.query.Dsl.sum;

import dev.cleanroom.Bounds;
import dev.cleanroom.CleanRoom;
import dev.cleanroom.Column;
import dev.cleanroom.Dataset;
import dev.cleanroom.Policy;
import dev.cleanroom.Schema;
import dev.cleanroom.UserIdFormat;
import dev.cleanroom.jdbc.JdbcSource;
import dev.cleanroom.query.Condition;
import dev.cleanroom.query.FinalStage;
import dev.cleanroom.query.ResultRow;
import dev.cleanroom.query.RowStage;
import dev.cleanroom.source.InMemorySource;
import dev.cleanroom.spi.DataSource;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicInteger;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.RandomDistribution;
import net.jqwik.api.Tuple;

/**
 * Random small clean-room scenarios for the pushdown tests: one or two tables over a shared pool of
 * people (ids already pseudonymized, 64 lower-case hexadecimal digits), text and whole-number
 * dimensions from small domains, a nullable floating-point metric with values beyond its bounds,
 * random filters (including conditions across both tables), grouping, limits and bounds; and a
 * reference model of what the engine must answer when no person has more groups than L0.
 *
 * <p>Dimensions are numbered 0 = {@code a.s0} (text), 1 = {@code a.l0} (whole number), 2 = {@code
 * b.s1}, 3 = {@code b.l1}; metric 0 is {@code a.m0}, metric 1 is {@code b.m1}. A NULL text reads as
 * the empty string; whole numbers are never NULL; a NULL metric is a missing value.
 */
public final class PushdownScenarios {
  /** Texts of the dimension domain (NULL is added by the generator). */
  public static final List<String> TEXTS = List.of("", "a", "b", "B", "ab", "é");

  /** Whole numbers of the dimension domain. */
  public static final List<Long> LONGS = List.of(-1L, 0L, 1L, 2L, 3L);

  /** Metric values: inside and far outside every bound the generator picks. */
  public static final List<Double> METRICS =
      List.of(-1e6, -7.5, -1.0, 0.0, 0.5, 1.0, 2.25, 4.0, 9.0, 250.0, 1e6);

  private static final String[] DIMS = {"s0", "l0", "s1", "l1"};
  private static final String[] DATASET = {"a", "b"};
  private static final String[] OWNER = {"pub", "adv"};
  private static final AtomicInteger TABLES = new AtomicInteger();

  private PushdownScenarios() {}

  /** A row: its person (index into the pool), text dimension, whole-number dimension, metric. */
  public record Row(int user, String s, long l, Double m) {}

  /** A filter over the four dimensions, as the generator builds it. */
  public sealed interface Cond permits Cmp, InList, AndC, OrC, NotC {}

  /**
   * {@code dim op value}; {@code qualified} 0 names the column plainly, 1 as {@code dataset.col}, 2
   * as {@code owner.dataset.col}.
   */
  public record Cmp(int dim, Condition.Op op, Object value, int qualified) implements Cond {}

  /** {@code dim IN (values)}. */
  public record InList(int dim, List<Object> values, int qualified) implements Cond {}

  /** Both hold. */
  public record AndC(Cond a, Cond b) implements Cond {}

  /** Either holds. */
  public record OrC(Cond a, Cond b) implements Cond {}

  /** The operand does not hold. */
  public record NotC(Cond a) implements Cond {}

  /** The policies of the two datasets. */
  public record Policies(
      int k0,
      int k1,
      int groups0,
      int groups1,
      int rows0,
      int rows1,
      Bounds values0,
      Bounds values1,
      Optional<Bounds> clamp0,
      Optional<Bounds> clamp1) {}

  /**
   * A scenario: the data, the policies and the query (filters, grouped dimensions, and the datasets
   * of the summed and averaged metrics). Normalized: without a join, every dimension and metric is
   * of dataset a, and every row's person is in the pool.
   */
  public record Scenario(
      int users,
      boolean join,
      List<Row> t0,
      List<Row> t1,
      Policies policies,
      List<Cond> where,
      List<Integer> groupBy,
      int sumOf,
      int avgOf) {

    /** The applied k: the largest of the touched datasets. */
    public int k() {
      return join ? Math.max(policies.k0(), policies.k1()) : policies.k0();
    }

    /** The applied L0: the smallest of the touched datasets. */
    public int maxGroups() {
      return join ? Math.min(policies.groups0(), policies.groups1()) : policies.groups0();
    }

    /** The applied per-group row bound: the smallest of the touched datasets. */
    public int maxRows() {
      return join ? Math.min(policies.rows0(), policies.rows1()) : policies.rows0();
    }

    /** The per-value bounds of metric {@code m}. */
    public Bounds valueBounds(int m) {
      return m == 0 ? policies.values0() : policies.values1();
    }

    /** The per-person-and-group bounds of metric {@code m}. */
    public Bounds groupBounds(int m) {
      return m == 0
          ? policies.clamp0().orElse(policies.values0())
          : policies.clamp1().orElse(policies.values1());
    }

    /** The grouped column names, in order. */
    public List<String> groupNames() {
      return groupBy.stream().map(d -> DIMS[d]).toList();
    }

    /** A short description for failure messages (the tables are in {@link #t0} and {@link #t1}). */
    @Override
    public String toString() {
      return "Scenario[users="
          + users
          + ", join="
          + join
          + ", k="
          + k()
          + ", L0="
          + maxGroups()
          + ", rows="
          + maxRows()
          + ", where="
          + where
          + ", groupBy="
          + groupNames()
          + ", sum=m"
          + sumOf
          + ", avg=m"
          + avgOf
          + ", bounds="
          + valueBounds(0)
          + "/"
          + groupBounds(0)
          + ", "
          + valueBounds(1)
          + "/"
          + groupBounds(1)
          + "\n t0="
          + t0
          + "\n t1="
          + t1
          + "]";
    }
  }

  // ---------------------------------------------------------------- generators

  /**
   * Random scenarios.
   *
   * @param forceJoin always join the two tables
   * @param zeroLowerBounds declare every metric with lower bound 0: on databases whose {@code
   *     GREATEST} skips NULLs (DuckDB, PostgreSQL), a pushed-down clamp turns a NULL metric into
   *     the lower bound and sums it (a reported bug); with 0 as the lower bound that adds nothing
   */
  public static Arbitrary<Scenario> scenarios(boolean forceJoin, boolean zeroLowerBounds) {
    Arbitrary<Integer> users = Arbitraries.integers().between(3, 8);
    Arbitrary<List<Row>> t0 =
        rows().list().ofMinSize(1).ofMaxSize(60).withSizeDistribution(RandomDistribution.uniform());
    Arbitrary<List<Row>> t1 =
        rows().list().ofMinSize(1).ofMaxSize(60).withSizeDistribution(RandomDistribution.uniform());
    Arbitrary<Boolean> join = forceJoin ? Arbitraries.just(true) : Arbitraries.of(true, false);
    Arbitrary<Cond> c = cond(2);
    Arbitrary<List<Cond>> where =
        Arbitraries.frequencyOf(
            Tuple.of(3, Arbitraries.just(List.<Cond>of())),
            Tuple.of(4, c.list().ofSize(1)),
            Tuple.of(2, c.list().ofSize(2)));
    Arbitrary<List<Integer>> groupBy =
        Arbitraries.integers()
            .between(0, 3)
            .list()
            .uniqueElements()
            .ofMaxSize(2)
            .withSizeDistribution(RandomDistribution.uniform());
    Arbitrary<Integer> metric = Arbitraries.integers().between(0, 1);
    var data = Combinators.combine(users, join, t0, t1, policies(zeroLowerBounds)).as(Tuple::of);
    var query = Combinators.combine(where, groupBy, metric, metric).as(Tuple::of);
    return Combinators.combine(data, query)
        .as(
            (d, q) ->
                normalized(
                    d.get1(), d.get2(), d.get3(), d.get4(), d.get5(), q.get1(), q.get2(), q.get3(),
                    q.get4()));
  }

  /**
   * Random one-table scenarios where L0 binds and yet no group can fall below k whatever groups the
   * bounding keeps: each group of the one grouped dimension has at least k "light" people with rows
   * in that group only, and one to three "heavy" people have rows in more than L0 groups.
   */
  public static Arbitrary<Scenario> boundScenarios(boolean zeroLowerBounds) {
    return Combinators.combine(Arbitraries.randoms(), policies(zeroLowerBounds))
        .as(PushdownScenarios::bound);
  }

  private static Scenario bound(java.util.Random random, Policies p) {
    int dim = random.nextInt(2);
    int groups = 2 + random.nextInt(3);
    int k = 2 + random.nextInt(2);
    int maxGroups = 1 + random.nextInt(groups - 1);
    List<Row> rows = new ArrayList<>();
    int user = 0;
    for (int g = 0; g < groups; g++) {
      int light = k + random.nextInt(2);
      for (int i = 0; i < light; i++, user++) {
        for (int r = 1 + random.nextInt(2); r > 0; r--) {
          rows.add(boundRow(random, user, dim, g));
        }
      }
    }
    for (int heavy = 1 + random.nextInt(3); heavy > 0; heavy--, user++) {
      for (int g = 0; g < groups; g++) {
        if (g <= maxGroups || random.nextBoolean()) {
          for (int r = 1 + random.nextInt(3); r > 0; r--) {
            rows.add(boundRow(random, user, dim, g));
          }
        }
      }
    }
    java.util.Collections.shuffle(rows, random);
    Policies bound =
        new Policies(
            k,
            p.k1(),
            maxGroups,
            p.groups1(),
            p.rows0(),
            p.rows1(),
            p.values0(),
            p.values1(),
            p.clamp0(),
            p.clamp1());
    return new Scenario(user, false, rows, List.of(), bound, List.of(), List.of(dim), 0, 0);
  }

  /** A row of {@code user} in group {@code g} of dimension {@code dim}, the rest random. */
  private static Row boundRow(java.util.Random random, int user, int dim, int g) {
    String s = dim == 0 ? TEXTS.get(g) : TEXTS.get(random.nextInt(TEXTS.size()));
    long l = dim == 1 ? LONGS.get(g) : LONGS.get(random.nextInt(LONGS.size()));
    Double m = random.nextInt(5) == 0 ? null : METRICS.get(random.nextInt(METRICS.size()));
    return new Row(user, s, l, m);
  }

  private static Scenario normalized(
      int users,
      boolean join,
      List<Row> t0,
      List<Row> t1,
      Policies p,
      List<Cond> where,
      List<Integer> groupBy,
      int sumOf,
      int avgOf) {
    List<Row> r0 = t0.stream().map(r -> new Row(r.user() % users, r.s(), r.l(), r.m())).toList();
    List<Row> r1 = t1.stream().map(r -> new Row(r.user() % users, r.s(), r.l(), r.m())).toList();
    List<Cond> w = join ? where : where.stream().map(PushdownScenarios::toFirstTable).toList();
    LinkedHashSet<Integer> g = new LinkedHashSet<>();
    for (int d : groupBy) {
      g.add(join ? d : d % 2);
    }
    return new Scenario(
        users,
        join,
        r0,
        join ? r1 : List.of(),
        p,
        w,
        List.copyOf(g),
        join ? sumOf : 0,
        join ? avgOf : 0);
  }

  private static Cond toFirstTable(Cond c) {
    if (c instanceof Cmp x) {
      return new Cmp(x.dim() % 2, x.op(), x.value(), x.qualified());
    }
    if (c instanceof InList x) {
      return new InList(x.dim() % 2, x.values(), x.qualified());
    }
    if (c instanceof AndC x) {
      return new AndC(toFirstTable(x.a()), toFirstTable(x.b()));
    }
    if (c instanceof OrC x) {
      return new OrC(toFirstTable(x.a()), toFirstTable(x.b()));
    }
    return new NotC(toFirstTable(((NotC) c).a()));
  }

  private static Arbitrary<Row> rows() {
    return Combinators.combine(
            Arbitraries.integers().between(0, 8),
            Arbitraries.of(TEXTS).injectNull(0.15),
            Arbitraries.of(LONGS),
            Arbitraries.of(METRICS).injectNull(0.2))
        .as(Row::new);
  }

  private static Arbitrary<Policies> policies(boolean zeroLowerBounds) {
    Arbitrary<Integer> k =
        Arbitraries.frequency(Tuple.of(8, 2), Tuple.of(2, 3), Tuple.of(1, 4), Tuple.of(1, 5));
    Arbitrary<Integer> groups = Arbitraries.integers().between(1, 4);
    Arbitrary<Integer> rows = Arbitraries.integers().between(1, 3);
    Arbitrary<Bounds> values =
        Combinators.combine(
                zeroLowerBounds ? Arbitraries.just(0.0) : Arbitraries.of(-2.0, 0.0, 1.0),
                Arbitraries.of(3.0, 10.0))
            .as(Bounds::of);
    Arbitrary<Optional<Bounds>> clamp =
        Combinators.combine(Arbitraries.of(-5.0, 0.0, 2.0), Arbitraries.of(6.0, 20.0, 1000.0))
            .as(Bounds::of)
            .optional();
    var limits = Combinators.combine(k, k, groups, groups, rows, rows).as(Tuple::of);
    return Combinators.combine(limits, values, values, clamp, clamp)
        .as(
            (l, v0, v1, x0, x1) ->
                new Policies(
                    l.get1(), l.get2(), l.get3(), l.get4(), l.get5(), l.get6(), v0, v1, x0, x1));
  }

  private static Arbitrary<Cond> cond(int depth) {
    Arbitrary<Cond> leaf =
        Arbitraries.oneOf(
            Arbitraries.integers()
                .between(0, 3)
                .flatMap(
                    d ->
                        Combinators.combine(
                                Arbitraries.of(Condition.Op.class),
                                literal(d),
                                Arbitraries.integers().between(0, 2))
                            .as((op, v, q) -> (Cond) new Cmp(d, op, v, q))),
            Arbitraries.integers()
                .between(0, 3)
                .flatMap(
                    d ->
                        Combinators.combine(
                                literal(d).list().ofMinSize(1).ofMaxSize(4),
                                Arbitraries.integers().between(0, 2))
                            .as((vs, q) -> (Cond) new InList(d, vs, q))));
    if (depth == 0) {
      return leaf;
    }
    Arbitrary<Cond> sub = cond(depth - 1);
    Arbitrary<Cond> and = Combinators.combine(sub, sub).as(AndC::new);
    Arbitrary<Cond> or = Combinators.combine(sub, sub).as(OrC::new);
    Arbitrary<Cond> not = sub.map(NotC::new);
    return Arbitraries.frequencyOf(
        Tuple.of(5, leaf), Tuple.of(1, and), Tuple.of(3, or), Tuple.of(1, not));
  }

  /** A literal for dimension {@code d}: from its domain, or just outside it. */
  private static Arbitrary<Object> literal(int d) {
    if (d % 2 == 0) {
      List<String> texts = new ArrayList<>(TEXTS);
      texts.add("zz");
      texts.add("A");
      return Arbitraries.of(texts).map(s -> (Object) s);
    }
    List<Long> longs = new ArrayList<>(LONGS);
    longs.add(-3L);
    longs.add(7L);
    return Arbitraries.of(longs).map(l -> (Object) l);
  }

  // ---------------------------------------------------------------- the query

  /** The id of person {@code u}: 64 lower-case hexadecimal digits. */
  public static String userId(int u) {
    try {
      byte[] h =
          MessageDigest.getInstance("SHA-256")
              .digest(("person " + u).getBytes(StandardCharsets.UTF_8));
      return HexFormat.of().formatHex(h);
    } catch (NoSuchAlgorithmException e) {
      throw new AssertionError(e);
    }
  }

  /** The column name of dimension {@code d} as the condition names it. */
  private static String columnRef(int d, int qualified) {
    String c = DIMS[d];
    int ds = d / 2;
    return switch (qualified) {
      case 0 -> c;
      case 1 -> DATASET[ds] + "." + c;
      default -> OWNER[ds] + "." + DATASET[ds] + "." + c;
    };
  }

  /** Whether a filter of the scenario orders text ({@code <}, {@code <=}, ... on a text column). */
  public static boolean ordersText(Scenario sc) {
    return sc.where().stream().anyMatch(PushdownScenarios::ordersText);
  }

  private static boolean ordersText(Cond c) {
    if (c instanceof Cmp x) {
      return x.dim() % 2 == 0 && x.op() != Condition.Op.EQ && x.op() != Condition.Op.NE;
    }
    if (c instanceof InList) {
      return false;
    }
    if (c instanceof AndC x) {
      return ordersText(x.a()) || ordersText(x.b());
    }
    if (c instanceof OrC x) {
      return ordersText(x.a()) || ordersText(x.b());
    }
    return ordersText(((NotC) c).a());
  }

  /** The engine's condition for {@code c}. */
  public static Condition condition(Cond c) {
    if (c instanceof Cmp x) {
      return new Condition.Comparison(columnRef(x.dim(), x.qualified()), x.op(), x.value());
    }
    if (c instanceof InList x) {
      return new Condition.In(columnRef(x.dim(), x.qualified()), x.values());
    }
    if (c instanceof AndC x) {
      return new Condition.And(List.of(condition(x.a()), condition(x.b())));
    }
    if (c instanceof OrC x) {
      return new Condition.Or(List.of(condition(x.a()), condition(x.b())));
    }
    return new Condition.Not(condition(((NotC) c).a()));
  }

  /** The scenario's query, with aggregates distinct_users, count, s (sum) and v (avg). */
  public static FinalStage query(CleanRoom room, Scenario sc) {
    return query(room, sc, true);
  }

  /**
   * The scenario's query, with aggregates distinct_users and count, and if {@code sums} s (sum) and
   * v (avg). In threshold mode only the counts push down: a sum stays in the engine, which adds
   * exactly.
   */
  public static FinalStage query(CleanRoom room, Scenario sc, boolean sums) {
    RowStage q = room.as("an").from("pub.a");
    if (sc.join()) {
      q = q.join("adv.b").onUserId();
    }
    for (Cond c : sc.where()) {
      q = q.where(condition(c));
    }
    var aggregates =
        sums
            ? new dev.cleanroom.query.Aggregate[] {
              countDistinctUsers(),
              count(),
              sum("m" + sc.sumOf()).as("s"),
              avg("m" + sc.avgOf()).as("v")
            }
            : new dev.cleanroom.query.Aggregate[] {countDistinctUsers(), count()};
    return sc.groupBy().isEmpty()
        ? q.select(aggregates)
        : q.groupBy(sc.groupNames().toArray(new String[0])).select(aggregates);
  }

  /** A room without audit output holding {@code datasets}. */
  public static CleanRoom room(List<Dataset> datasets) {
    CleanRoom room = CleanRoom.builder().auditSink(e -> {}).build();
    datasets.forEach(room::register);
    return room;
  }

  /** The datasets of the scenario over the given sources (the second only with a join). */
  public static List<Dataset> datasets(Scenario sc, DataSource a, DataSource b) {
    Policies p = sc.policies();
    List<Dataset> out = new ArrayList<>();
    out.add(
        Dataset.builder("pub", "a")
            .source(a)
            .userId("uid", UserIdFormat.PSEUDONYMIZED)
            .dimensions("s0", "l0")
            .metric("m0", p.values0().lower(), p.values0().upper())
            .policy(policy(p.k0(), p.groups0(), p.rows0(), "m0", p.clamp0()))
            .build());
    if (sc.join()) {
      out.add(
          Dataset.builder("adv", "b")
              .source(b)
              .userId("uid", UserIdFormat.PSEUDONYMIZED)
              .dimensions("s1", "l1")
              .metric("m1", p.values1().lower(), p.values1().upper())
              .policy(policy(p.k1(), p.groups1(), p.rows1(), "m1", p.clamp1()))
              .build());
    }
    return out;
  }

  private static Policy policy(int k, int groups, int rows, String metric, Optional<Bounds> clamp) {
    Policy.Builder b =
        Policy.builder()
            .withoutDifferenceChecks()
            .allowAnalysts("an")
            .allowJoinOn("uid")
            .minDistinctUsers(k)
            .maxGroupsPerUser(groups)
            .maxContributionsPerGroup(rows);
    clamp.ifPresent(c -> b.clampPerGroup(metric, c.lower(), c.upper()));
    return b.build();
  }

  // ---------------------------------------------------------------- tables

  /** The two tables of a scenario in a database; {@link #drop()} removes them. */
  public record Tables(PushdownDatabases.Db db, String a, String b) {
    /** Drops both tables. */
    public void drop() throws SQLException {
      db.execute("DROP TABLE IF EXISTS " + db.quote(a), "DROP TABLE IF EXISTS " + db.quote(b));
    }
  }

  /** Creates and fills the scenario's tables (both, even without a join) under fresh names. */
  public static Tables create(PushdownDatabases.Db db, Scenario sc) throws SQLException {
    int n = TABLES.incrementAndGet();
    Tables t = new Tables(db, "pd" + n + "_a", "pd" + n + "_b");
    createTable(db, t.a(), 0, sc.t0());
    createTable(db, t.b(), 1, sc.t1());
    return t;
  }

  private static void createTable(PushdownDatabases.Db db, String name, int i, List<Row> rows)
      throws SQLException {
    db.execute(
        "CREATE TABLE "
            + db.quote(name)
            + " ("
            + db.quote("uid")
            + " VARCHAR(64) NOT NULL, "
            + db.quote("s" + i)
            + " VARCHAR(8), "
            + db.quote("l" + i)
            + " BIGINT NOT NULL, "
            + db.quote("m" + i)
            + " DOUBLE PRECISION)");
    List<Object[]> values = new ArrayList<>();
    for (Row r : rows) {
      values.add(new Object[] {userId(r.user()), r.s(), r.l(), r.m()});
    }
    db.insert(db.quote(name), values);
  }

  /** The JDBC sources of the tables, both over the same data source. */
  public static List<JdbcSource> sources(Tables t, javax.sql.DataSource ds) {
    return List.of(JdbcSource.builder(ds, t.a()).build(), JdbcSource.builder(ds, t.b()).build());
  }

  /** Table {@code i} of the scenario in memory (NULL text as "", NULL metric as NaN). */
  public static InMemorySource inMemory(Scenario sc, int i) {
    InMemorySource.Builder b =
        InMemorySource.builder(
            "mem_" + DATASET[i],
            Schema.of(
                Column.string("uid"),
                Column.string("s" + i),
                Column.int64("l" + i),
                Column.float64("m" + i)));
    for (Row r : i == 0 ? sc.t0() : sc.t1()) {
      b.addRow(
          userId(r.user()), r.s() == null ? "" : r.s(), r.l(), r.m() == null ? Double.NaN : r.m());
    }
    return b.build();
  }

  // ---------------------------------------------------------------- the reference model

  /**
   * What the engine must compute, from the scenario alone: per person and group, the rows of each
   * table that take part in some pair of rows (of the same person) that passes every filter.
   */
  public static final class Model {
    private final Scenario sc;

    /** Per person, per group key, the indices of the rows of t0 and of t1 in it. */
    private final Map<Integer, Map<List<Object>, List<Set<Integer>>>> parts = new TreeMap<>();

    public Model(Scenario sc) {
      this.sc = sc;
      for (int i0 = 0; i0 < sc.t0().size(); i0++) {
        Row r0 = sc.t0().get(i0);
        List<Integer> partners = new ArrayList<>();
        if (sc.join()) {
          for (int i1 = 0; i1 < sc.t1().size(); i1++) {
            if (sc.t1().get(i1).user() == r0.user()) {
              partners.add(i1);
            }
          }
        } else {
          partners.add(-1);
        }
        for (int i1 : partners) {
          Row r1 = i1 < 0 ? null : sc.t1().get(i1);
          if (sc.where().stream().allMatch(c -> holds(c, r0, r1))) {
            List<Object> key = new ArrayList<>();
            for (int d : sc.groupBy()) {
              key.add(value(d, r0, r1));
            }
            List<Set<Integer>> p =
                parts
                    .computeIfAbsent(r0.user(), x -> new HashMap<>())
                    .computeIfAbsent(
                        List.copyOf(key), x -> List.of(new TreeSet<>(), new TreeSet<>()));
            p.get(0).add(i0);
            if (i1 >= 0) {
              p.get(1).add(i1);
            }
          }
        }
      }
    }

    /** The number of groups of the person with the most. */
    public int maxGroupsOfAPerson() {
      return parts.values().stream().mapToInt(Map::size).max().orElse(0);
    }

    /** The distinct people per group, before bounding. */
    public Map<List<Object>, Integer> trueUsers() {
      Map<List<Object>, Integer> out = new HashMap<>();
      parts.values().forEach(m -> m.keySet().forEach(g -> out.merge(g, 1, Integer::sum)));
      return out;
    }

    /** Per group, the people who have at most L0 groups and so keep all of them. */
    public Map<List<Object>, Integer> guaranteedUsers() {
      Map<List<Object>, Integer> out = new HashMap<>();
      for (Map<List<Object>, List<Set<Integer>>> m : parts.values()) {
        if (m.size() <= sc.maxGroups()) {
          m.keySet().forEach(g -> out.merge(g, 1, Integer::sum));
        }
      }
      return out;
    }

    /** Σ over people of min(L0, number of their groups): the users after bounding, summed. */
    public long boundedUserSum() {
      return parts.values().stream().mapToLong(m -> Math.min(sc.maxGroups(), m.size())).sum();
    }

    /**
     * The released rows (group values, distinct_users, count, s, v) in key order, valid when no
     * person has more than L0 groups.
     */
    public List<List<Object>> expectedRows() {
      Map<List<Object>, long[]> counts = new HashMap<>();
      Map<List<Object>, double[]> sums = new HashMap<>();
      for (Map.Entry<Integer, Map<List<Object>, List<Set<Integer>>>> person : parts.entrySet()) {
        for (Map.Entry<List<Object>, List<Set<Integer>>> e : person.getValue().entrySet()) {
          long[] c = counts.computeIfAbsent(e.getKey(), x -> new long[4]);
          double[] s = sums.computeIfAbsent(e.getKey(), x -> new double[2]);
          c[0]++;
          c[1] += Math.min(sc.maxRows(), e.getValue().get(0).size());
          int[] metric = {sc.sumOf(), sc.avgOf()};
          for (int a = 0; a < 2; a++) {
            OptionalTotal t = total(metric[a], e.getValue().get(metric[a]));
            if (t.present) {
              s[a] += t.value;
              c[2 + a]++;
            }
          }
        }
      }
      List<List<Object>> keys = new ArrayList<>(counts.keySet());
      keys.removeIf(k -> counts.get(k)[0] < sc.k());
      keys.sort(KEY_ORDER);
      List<List<Object>> rows = new ArrayList<>();
      for (List<Object> k : keys) {
        long[] c = counts.get(k);
        double[] s = sums.get(k);
        List<Object> row = new ArrayList<>(k);
        row.add(c[0]);
        row.add(c[1]);
        row.add(s[0]);
        row.add(c[3] == 0 ? Double.NaN : s[1] / c[3]);
        rows.add(row);
      }
      return rows;
    }

    private record OptionalTotal(boolean present, double value) {}

    private OptionalTotal total(int metric, Set<Integer> rowIndices) {
      List<Row> table = metric == 0 ? sc.t0() : sc.t1();
      Bounds vb = sc.valueBounds(metric);
      double sum = 0;
      int n = 0;
      for (int i : rowIndices) {
        Double v = table.get(i).m();
        if (v != null) {
          sum += Math.min(Math.max(v, vb.lower()), vb.upper());
          n++;
        }
      }
      if (n == 0) {
        return new OptionalTotal(false, 0);
      }
      Bounds gb = sc.groupBounds(metric);
      return new OptionalTotal(true, Math.min(Math.max(sum, gb.lower()), gb.upper()));
    }

    private static boolean holds(Cond c, Row r0, Row r1) {
      if (c instanceof Cmp x) {
        return holds(x.op(), compare(value(x.dim(), r0, r1), x.value()));
      }
      if (c instanceof InList x) {
        Object v = value(x.dim(), r0, r1);
        return x.values().stream().anyMatch(l -> compare(v, l) == 0);
      }
      if (c instanceof AndC x) {
        return holds(x.a(), r0, r1) && holds(x.b(), r0, r1);
      }
      if (c instanceof OrC x) {
        return holds(x.a(), r0, r1) || holds(x.b(), r0, r1);
      }
      return !holds(((NotC) c).a(), r0, r1);
    }

    private static int compare(Object v, Object literal) {
      return v instanceof String s
          ? s.compareTo((String) literal)
          : Long.compare((Long) v, (Long) literal);
    }

    private static boolean holds(Condition.Op op, int c) {
      return switch (op) {
        case EQ -> c == 0;
        case NE -> c != 0;
        case LT -> c < 0;
        case LE -> c <= 0;
        case GT -> c > 0;
        case GE -> c >= 0;
      };
    }

    private static Object value(int d, Row r0, Row r1) {
      Row r = d < 2 ? r0 : r1;
      if (d % 2 == 0) {
        return r.s() == null ? "" : r.s();
      }
      return r.l();
    }
  }

  /** The engine's order of group keys. */
  @SuppressWarnings({"unchecked", "rawtypes"})
  public static final Comparator<List<Object>> KEY_ORDER =
      (x, y) -> {
        for (int i = 0; i < x.size(); i++) {
          int c = ((Comparable) x.get(i)).compareTo(y.get(i));
          if (c != 0) {
            return c;
          }
        }
        return 0;
      };

  // ---------------------------------------------------------------- comparing results

  /** The values of each row. */
  public static List<List<Object>> values(List<ResultRow> rows) {
    return rows.stream().map(ResultRow::values).toList();
  }

  /**
   * Whether two lists of rows are equal: the same keys in the same order, whole numbers exactly,
   * floating-point numbers within 1e-9 relative (both NaN counts as equal).
   */
  public static boolean sameRows(List<List<Object>> x, List<List<Object>> y) {
    if (x.size() != y.size()) {
      return false;
    }
    for (int r = 0; r < x.size(); r++) {
      List<Object> a = x.get(r);
      List<Object> b = y.get(r);
      if (a.size() != b.size()) {
        return false;
      }
      for (int i = 0; i < a.size(); i++) {
        Object u = a.get(i);
        Object v = b.get(i);
        if (u instanceof Double du && v instanceof Double dv) {
          if (!close(du, dv)) {
            return false;
          }
        } else if (!u.equals(v)) {
          return false;
        }
      }
    }
    return true;
  }

  /** Equal within 1e-9 relative (1e-9 absolute near zero); NaN equals NaN. */
  public static boolean close(double a, double b) {
    if (Double.isNaN(a) || Double.isNaN(b)) {
      return Double.isNaN(a) && Double.isNaN(b);
    }
    return Math.abs(a - b) <= 1e-9 * Math.max(1.0, Math.max(Math.abs(a), Math.abs(b)));
  }
}
