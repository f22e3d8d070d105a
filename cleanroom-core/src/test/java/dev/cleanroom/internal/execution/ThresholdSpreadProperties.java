package dev.cleanroom.internal.execution;

import static dev.cleanroom.query.Dsl.countDistinctUsers;
import static dev.cleanroom.query.Dsl.stddev;
import static dev.cleanroom.query.Dsl.variance;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.cleanroom.AggregateFunction;
import dev.cleanroom.CleanRoom;
import dev.cleanroom.Column;
import dev.cleanroom.Dataset;
import dev.cleanroom.Policy;
import dev.cleanroom.Schema;
import dev.cleanroom.SecretKey;
import dev.cleanroom.UserIdFormat;
import dev.cleanroom.dp.FineUnits;
import dev.cleanroom.internal.execution.PushdownDatabases.Db;
import dev.cleanroom.jdbc.JdbcSource;
import dev.cleanroom.query.ExecutionPath;
import dev.cleanroom.query.FinalStage;
import dev.cleanroom.query.ResultRow;
import dev.cleanroom.source.InMemorySource;
import dev.cleanroom.spi.DataSource;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.math.MathContext;
import java.math.RoundingMode;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicInteger;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;
import net.jqwik.api.lifecycle.AddLifecycleHook;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;

/**
 * A threshold-mode variance and standard deviation pushed down to H2, DuckDB and PostgreSQL release
 * the very same doubles as the streamed and the columnar paths, and those are the exact population
 * variance (and its exact square root) of the people's totals in units of the fine quantum, clamped
 * per person, rounded once: an independent {@link BigDecimal} reference at 120 significant digits.
 * Units of a person's total reach 2^81, their squares 2^162: the database's sum of squares must be
 * exact far beyond 128 bits.
 */
class ThresholdSpreadProperties {
  private static final Schema IMPS = Schema.of(Column.string("uid"), Column.int64("campaign"));
  private static final Schema CONVS = Schema.of(Column.string("uid"), Column.float64("amount"));
  private static final double ROW_LOWER = -100;
  private static final double ROW_UPPER = 1000;
  private static final double GROUP_LOWER = -150;
  private static final double GROUP_UPPER = 1500;
  private static final AtomicInteger TABLES = new AtomicInteger();

  private static PushdownDatabases.Opened dbs;

  @BeforeContainer
  static void open() throws Exception {
    dbs = PushdownDatabases.Opened.open();
  }

  @AfterContainer
  static void close() throws Exception {
    dbs.close();
  }

  /** One conversion: a person (0..29) and an amount. */
  record Conv(int person, double amount) {}

  @Provide
  Arbitrary<List<Conv>> conversions() {
    Arbitrary<Double> amounts =
        Arbitraries.frequencyOf(
            Tuple.of(6, Arbitraries.doubles().between(-200, 1200)),
            Tuple.of(2, Arbitraries.of(ROW_LOWER, ROW_UPPER, 0.0, -0.0, 0.1, 999.99, -99.99)),
            // Far beyond the row bounds: clamped.
            Tuple.of(1, Arbitraries.of(1e300, -1e300, 5000.5, -777.25)),
            // Tiny: below the quantum, or held exactly just above 2^-27 of the bound.
            Tuple.of(
                2,
                Arbitraries.of(
                    1e-300, -1e-300, 3e-20, -3e-20, 0x1p-40, -0x1p-40, 0x1p-17, 1.0000001e-5)));
    return Combinators.combine(Arbitraries.integers().between(0, 29), amounts)
        .as(Conv::new)
        .list()
        .ofMinSize(1)
        .ofMaxSize(120);
  }

  @Property(tries = 25)
  void h2_pushedDownEqualsStreamedColumnarAndReference(@ForAll("conversions") List<Conv> convs)
      throws SQLException {
    check(dbs.h2(), convs);
  }

  @Property(tries = 25)
  void duckdb_pushedDownEqualsStreamedColumnarAndReference(@ForAll("conversions") List<Conv> convs)
      throws SQLException {
    check(dbs.duckdb(), convs);
  }

  @Property(tries = 25)
  @AddLifecycleHook(PushdownDatabases.PostgresReachable.class)
  void postgres_pushedDownEqualsStreamedColumnarAndReference(
      @ForAll("conversions") List<Conv> convs) throws SQLException {
    check(dbs.postgres(), convs);
  }

  /**
   * Totals far apart (2^62 and −2^62 with group bounds ±2^64) and tiny ones: the squares leave 128
   * bits of units, and the variance is still exact on every path and database.
   */
  @Example
  void squaresBeyond128Bits_areExact_onEveryPath() throws Exception {
    List<Db> databases = new ArrayList<>(List.of(dbs.h2(), dbs.duckdb()));
    if (PushdownDatabases.postgresUnreachable().isEmpty() || PushdownDatabases.ci()) {
      databases.add(dbs.postgres());
    }
    double big = 0x1p62;
    List<Conv> convs =
        List.of(
            new Conv(0, big),
            new Conv(0, big),
            new Conv(3, big),
            new Conv(6, 3.0),
            new Conv(9, -big),
            new Conv(9, -big),
            new Conv(9, -big),
            new Conv(12, 0x1p-17));
    for (Db db : databases) {
      Map<Long, List<Double>> expected = reference(convs, -0x1p62, 0x1p62, -0x1p64, 0x1p64);
      for (Path p : Path.values()) {
        assertEquals(
            expected, released(db, convs, -0x1p62, 0x1p62, -0x1p64, 0x1p64, p), () -> db + " " + p);
      }
    }
  }

  private enum Path {
    PUSHED_DOWN,
    STREAMED,
    COLUMNAR
  }

  private static void check(Db db, List<Conv> convs) throws SQLException {
    Map<Long, List<Double>> expected =
        reference(convs, ROW_LOWER, ROW_UPPER, GROUP_LOWER, GROUP_UPPER);
    for (Path p : Path.values()) {
      Map<Long, List<Double>> got =
          released(db, convs, ROW_LOWER, ROW_UPPER, GROUP_LOWER, GROUP_UPPER, p);
      assertEquals(expected, got, () -> db + " " + p + ": " + convs);
    }
  }

  /**
   * Per campaign the variance and standard deviation the reference releases: per person the exact
   * units ⌊clamp(v)·2^k⌋ (computed in {@link BigDecimal}, not by the code under test) added up and
   * clamped to the group bounds in units; per campaign the population variance of those totals as a
   * decimal of 120 significant digits, its square root likewise, each then rounded to a double.
   * Each person converts in campaigns {@code person % 3} and {@code (person + 1) % 3}; campaigns of
   * fewer than 2 people are not released.
   */
  private static Map<Long, List<Double>> reference(
      List<Conv> convs, double rowLower, double rowUpper, double groupLower, double groupUpper) {
    double scale = FineUnits.scale(rowLower, rowUpper, groupLower, groupUpper);
    BigDecimal s = new BigDecimal(scale);
    Map<Integer, BigInteger> perPerson = new TreeMap<>();
    for (Conv c : convs) {
      double v = Math.min(rowUpper, Math.max(rowLower, c.amount()));
      BigInteger units =
          new BigDecimal(v).multiply(s).setScale(0, RoundingMode.FLOOR).toBigInteger();
      perPerson.merge(c.person(), units, BigInteger::add);
    }
    BigInteger lower = new BigDecimal(groupLower).multiply(s).toBigIntegerExact();
    BigInteger upper = new BigDecimal(groupUpper).multiply(s).toBigIntegerExact();
    Map<Long, List<BigInteger>> groups = new TreeMap<>();
    for (Map.Entry<Integer, BigInteger> e : perPerson.entrySet()) {
      BigInteger clamped = e.getValue().max(lower).min(upper);
      for (long g : new long[] {e.getKey() % 3, (e.getKey() + 1) % 3}) {
        groups.computeIfAbsent(g, x -> new ArrayList<>()).add(clamped);
      }
    }
    MathContext mc = new MathContext(120);
    Map<Long, List<Double>> out = new TreeMap<>();
    for (Map.Entry<Long, List<BigInteger>> e : groups.entrySet()) {
      List<BigInteger> xs = e.getValue();
      if (xs.size() < 2) {
        continue;
      }
      BigDecimal n = BigDecimal.valueOf(xs.size());
      BigDecimal mean =
          new BigDecimal(xs.stream().reduce(BigInteger.ZERO, BigInteger::add)).divide(n, mc);
      BigDecimal squares = BigDecimal.ZERO;
      for (BigInteger x : xs) {
        BigDecimal d = new BigDecimal(x).subtract(mean);
        squares = squares.add(d.multiply(d));
      }
      BigDecimal variance = squares.divide(n, mc).divide(s.multiply(s), mc);
      out.put(e.getKey(), List.of(variance.doubleValue(), variance.sqrt(mc).doubleValue()));
    }
    return out;
  }

  private record Tables(JdbcSource imps, JdbcSource convs, String impsName, String convsName) {}

  private static Tables tables(Db db, List<Conv> convs) throws SQLException {
    int n = TABLES.incrementAndGet();
    String imps = db.quote("tv_imps_" + n);
    String convsName = db.quote("tv_convs_" + n);
    db.execute(
        "CREATE TABLE "
            + imps
            + " ("
            + db.quote("uid")
            + " VARCHAR(40), "
            + db.quote("campaign")
            + " BIGINT)",
        "CREATE TABLE "
            + convsName
            + " ("
            + db.quote("uid")
            + " VARCHAR(40), "
            + db.quote("amount")
            + " DOUBLE PRECISION)");
    db.insert(imps, impressionRows());
    db.insert(convsName, conversionRows(convs));
    return new Tables(
        JdbcSource.builder(db.dataSource(), "tv_imps_" + n).build(),
        JdbcSource.builder(db.dataSource(), "tv_convs_" + n).build(),
        imps,
        convsName);
  }

  /** Each of 30 people saw campaigns person % 3 and (person + 1) % 3, twice each. */
  private static List<Object[]> impressionRows() {
    List<Object[]> rows = new ArrayList<>();
    for (int u = 0; u < 30; u++) {
      for (int r = 0; r < 2; r++) {
        rows.add(new Object[] {"u" + u + "@example.com", (long) (u % 3)});
        rows.add(new Object[] {"u" + u + "@example.com", (long) ((u + 1) % 3)});
      }
    }
    return rows;
  }

  private static List<Object[]> conversionRows(List<Conv> convs) {
    List<Object[]> rows = new ArrayList<>();
    for (Conv c : convs) {
      rows.add(new Object[] {"u" + c.person() + "@example.com", c.amount()});
    }
    return rows;
  }

  private static Map<Long, List<Double>> released(
      Db db,
      List<Conv> convs,
      double rowLower,
      double rowUpper,
      double groupLower,
      double groupUpper,
      Path path)
      throws SQLException {
    Tables t = tables(db, convs);
    try {
      DataSource imps;
      DataSource cv;
      switch (path) {
        case PUSHED_DOWN -> {
          imps = t.imps();
          cv = t.convs();
        }
        case STREAMED -> {
          imps = PushdownDatabases.streamed(t.imps());
          cv = PushdownDatabases.streamed(t.convs());
        }
        default -> {
          InMemorySource.Builder ib = InMemorySource.builder("imps", IMPS);
          impressionRows().forEach(r -> ib.addRow(r));
          InMemorySource.Builder cb = InMemorySource.builder("convs", CONVS);
          conversionRows(convs).forEach(r -> cb.addRow(r));
          imps = ib.build();
          cv = cb.build();
        }
      }
      try (CleanRoom room = room(imps, cv, rowLower, rowUpper, groupLower, groupUpper)) {
        FinalStage q = spread(room);
        ExecutionPath.Kind kind = q.explain().path().orElseThrow().kind();
        assertEquals(path.name(), kind.name(), db::toString);
        Map<Long, List<Double>> out = new TreeMap<>();
        for (ResultRow r : q.run().rows()) {
          out.put(r.getLong("campaign"), List.of(r.getDouble("var"), r.getDouble("sd")));
        }
        return out;
      }
    } finally {
      db.execute("DROP TABLE " + t.impsName(), "DROP TABLE " + t.convsName());
    }
  }

  private static CleanRoom room(
      DataSource imps,
      DataSource convs,
      double rowLower,
      double rowUpper,
      double groupLower,
      double groupUpper) {
    Policy.Builder p =
        Policy.builder()
            .allowAnalysts("a")
            .allowJoinOn("uid")
            .minDistinctUsers(2)
            .maxGroupsPerUser(5)
            .withoutDifferenceChecks();
    Policy pub = p.build();
    p.clampPerGroup("amount", groupLower, groupUpper)
        .allowAggregates("amount", AggregateFunction.VARIANCE, AggregateFunction.STDDEV);
    CleanRoom room = CleanRoom.builder().secretKey(SecretKey.random()).auditSink(e -> {}).build();
    room.register(
        Dataset.builder("pub", "imps")
            .source(imps)
            .userId("uid", UserIdFormat.EMAIL)
            .dimension("campaign")
            .policy(pub)
            .build());
    room.register(
        Dataset.builder("adv", "convs")
            .source(convs)
            .userId("uid", UserIdFormat.EMAIL)
            .metric("amount", rowLower, rowUpper)
            .policy(p.build())
            .build());
    return room;
  }

  /** Variance and standard deviation of the amount per campaign. */
  private static FinalStage spread(CleanRoom room) {
    return room.as("a")
        .from("pub.imps")
        .join("adv.convs")
        .onUserId()
        .groupBy("campaign")
        .select(
            countDistinctUsers().as("converters"),
            variance("amount").as("var"),
            stddev("amount").as("sd"));
  }
}
