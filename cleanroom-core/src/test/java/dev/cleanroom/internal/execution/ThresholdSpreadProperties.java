package dev.cleanroom.internal.execution;

import static dev.cleanroom.query.Dsl.countDistinctUsers;
import static dev.cleanroom.query.Dsl.stddev;
import static dev.cleanroom.query.Dsl.variance;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.cleanroom.CleanRoom;
import dev.cleanroom.dp.ExactVariance;
import dev.cleanroom.dp.FineUnits;
import dev.cleanroom.internal.execution.PushdownDatabases.Db;
import dev.cleanroom.internal.execution.ThresholdConversions.Conv;
import dev.cleanroom.internal.execution.ThresholdConversions.Path;
import dev.cleanroom.query.FinalStage;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.math.RoundingMode;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
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
  private static final double ROW_LOWER = ThresholdConversions.ROW_LOWER;
  private static final double ROW_UPPER = ThresholdConversions.ROW_UPPER;
  private static final double GROUP_LOWER = ThresholdConversions.GROUP_LOWER;
  private static final double GROUP_UPPER = ThresholdConversions.GROUP_UPPER;

  private static PushdownDatabases.Opened dbs;

  @BeforeContainer
  static void open() throws Exception {
    dbs = PushdownDatabases.Opened.open();
  }

  @AfterContainer
  static void close() throws Exception {
    dbs.close();
  }

  @Provide
  Arbitrary<List<Conv>> conversions() {
    return ThresholdConversions.conversions();
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
   * clamped to the group bounds in units; per campaign the count, sum and sum of squares of those
   * totals, rounded once to the variance and standard deviation by {@link ExactVariance} (whose
   * rounding {@code ExactVarianceProperties} checks against the exact fraction). A decimal of any
   * fixed number of digits rounded again to a double would round twice and can miss an exact tie.
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
    Map<Long, List<Double>> out = new TreeMap<>();
    for (Map.Entry<Long, List<BigInteger>> e : groups.entrySet()) {
      List<BigInteger> xs = e.getValue();
      if (xs.size() < 2) {
        continue;
      }
      BigInteger sum = BigInteger.ZERO;
      BigInteger squares = BigInteger.ZERO;
      for (BigInteger x : xs) {
        sum = sum.add(x);
        squares = squares.add(x.multiply(x));
      }
      out.put(
          e.getKey(),
          List.of(
              ExactVariance.variance(xs.size(), sum, squares, scale),
              ExactVariance.stddev(xs.size(), sum, squares, scale)));
    }
    return out;
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
    return ThresholdConversions.released(
        db,
        convs,
        rowLower,
        rowUpper,
        groupLower,
        groupUpper,
        false,
        path,
        ThresholdSpreadProperties::spread,
        r -> List.of(r.getDouble("var"), r.getDouble("sd")));
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
