package dev.cleanroom.internal.execution;

import static dev.cleanroom.query.Dsl.countDistinctUsers;
import static dev.cleanroom.query.Dsl.sum;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.cleanroom.CleanRoom;
import dev.cleanroom.dp.FineUnits;
import dev.cleanroom.internal.execution.PushdownDatabases.Db;
import dev.cleanroom.internal.execution.ThresholdConversions.Conv;
import dev.cleanroom.internal.execution.ThresholdConversions.Path;
import dev.cleanroom.internal.execution.ThresholdConversions.Tables;
import dev.cleanroom.query.ExecutionPath;
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
 * A threshold-mode sum pushed down to H2, DuckDB and PostgreSQL releases the very same doubles as
 * the streamed and the columnar paths, and those are the exact sum of every person's units of the
 * sum's fine quantum, clamped per person, rounded once: an independent {@link BigDecimal}
 * reference. The default threshold query (difference checks on) is the Q1 shape: impressions joined
 * with conversions, converters and revenue per campaign.
 */
class ThresholdSumPushdownProperties {
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

  @Property(tries = 40)
  void h2_pushedDownEqualsStreamedColumnarAndReference(@ForAll("conversions") List<Conv> convs)
      throws SQLException {
    check(dbs.h2(), convs);
  }

  @Property(tries = 40)
  void duckdb_pushedDownEqualsStreamedColumnarAndReference(@ForAll("conversions") List<Conv> convs)
      throws SQLException {
    check(dbs.duckdb(), convs);
  }

  @Property(tries = 40)
  @AddLifecycleHook(PushdownDatabases.PostgresReachable.class)
  void postgres_pushedDownEqualsStreamedColumnarAndReference(
      @ForAll("conversions") List<Conv> convs) throws SQLException {
    check(dbs.postgres(), convs);
  }

  /**
   * A sum whose units leave 64 bits (each row is 2^80 units of its quantum, a person's total 2^82,
   * the group's real total beyond the long range on the way) is exact on every path and database:
   * 2^63 + 2^63 + 3 − 2^64 = 3 in campaigns 0 and 1 (people 0, 3, 6 and 9 saw both), where adding
   * the doubles in some orders gives 0 or 4.
   */
  @Example
  void beyondSixtyFourBits_isExact_onEveryPath() throws Exception {
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
            new Conv(3, big),
            new Conv(6, 3.0),
            new Conv(9, -big),
            new Conv(9, -big),
            new Conv(9, -big),
            new Conv(9, -big));
    for (Db db : databases) {
      Map<Long, Double> pushed =
          released(db, convs, -0x1p62, 0x1p62, -0x1p64, 0x1p64, true, Path.PUSHED_DOWN);
      assertEquals(Map.of(0L, 3.0, 1L, 3.0), pushed, db::toString);
      assertEquals(
          pushed,
          released(db, convs, -0x1p62, 0x1p62, -0x1p64, 0x1p64, true, Path.STREAMED),
          db::toString);
      assertEquals(
          pushed,
          released(db, convs, -0x1p62, 0x1p62, -0x1p64, 0x1p64, true, Path.COLUMNAR),
          db::toString);
    }
  }

  /** The default threshold Q1 runs as one statement in DuckDB and PostgreSQL, explain() says so. */
  @Example
  void defaultThresholdQ1_isPushedDown_onDuckDbAndPostgres() throws Exception {
    List<Db> databases = new ArrayList<>(List.of(dbs.duckdb()));
    if (PushdownDatabases.postgresUnreachable().isEmpty() || PushdownDatabases.ci()) {
      databases.add(dbs.postgres());
    }
    for (Db db : databases) {
      Tables t = ThresholdConversions.tables(db, List.of(new Conv(0, 1.5)));
      try (CleanRoom room =
          ThresholdConversions.room(t.imps(), t.convs(), ROW_LOWER, ROW_UPPER, 0, 500, true)) {
        ExecutionPath path = q1(room).explain().path().orElseThrow();
        assertEquals(ExecutionPath.Kind.PUSHED_DOWN, path.kind(), db + ": " + path);
      } finally {
        db.execute("DROP TABLE " + t.impsName(), "DROP TABLE " + t.convsName());
      }
    }
  }

  private static void check(Db db, List<Conv> convs) throws SQLException {
    Map<Long, Double> expected = reference(convs);
    for (Path p : Path.values()) {
      Map<Long, Double> got =
          released(db, convs, ROW_LOWER, ROW_UPPER, GROUP_LOWER, GROUP_UPPER, false, p);
      assertEquals(expected, got, () -> db + " " + p + ": " + convs);
    }
  }

  /**
   * Per campaign the sum the reference releases: per person and campaign the exact units
   * ⌊clamp(v)·2^k⌋ (computed in {@link BigDecimal}, not by the code under test), the person's total
   * clamped to the group bounds in units, the group's total rounded once. Each person converts in
   * campaigns {@code person % 3} and {@code (person + 1) % 3}; campaigns of fewer than 2 people are
   * not released. Where no value is below 2^-27 of the bound, this is also the exact sum of the
   * clamped values, clamped per person, rounded once.
   */
  private static Map<Long, Double> reference(List<Conv> convs) {
    double scale = FineUnits.scale(ROW_LOWER, ROW_UPPER, GROUP_LOWER, GROUP_UPPER);
    BigDecimal s = new BigDecimal(scale);
    Map<Integer, BigInteger> perPerson = new TreeMap<>();
    for (Conv c : convs) {
      double v = Math.min(ROW_UPPER, Math.max(ROW_LOWER, c.amount()));
      BigInteger units =
          new BigDecimal(v).multiply(s).setScale(0, RoundingMode.FLOOR).toBigInteger();
      perPerson.merge(c.person(), units, BigInteger::add);
    }
    BigInteger lower = new BigDecimal(GROUP_LOWER).multiply(s).toBigIntegerExact();
    BigInteger upper = new BigDecimal(GROUP_UPPER).multiply(s).toBigIntegerExact();
    Map<Long, BigInteger> groups = new TreeMap<>();
    Map<Long, Integer> people = new TreeMap<>();
    for (Map.Entry<Integer, BigInteger> e : perPerson.entrySet()) {
      BigInteger clamped = e.getValue().max(lower).min(upper);
      for (long g : new long[] {e.getKey() % 3, (e.getKey() + 1) % 3}) {
        groups.merge(g, clamped, BigInteger::add);
        people.merge(g, 1, Integer::sum);
      }
    }
    Map<Long, Double> out = new TreeMap<>();
    for (Map.Entry<Long, BigInteger> e : groups.entrySet()) {
      if (people.get(e.getKey()) >= 2) {
        out.put(e.getKey(), new BigDecimal(e.getValue()).divide(s).doubleValue());
      }
    }
    return out;
  }

  private static Map<Long, Double> released(
      Db db,
      List<Conv> convs,
      double rowLower,
      double rowUpper,
      double groupLower,
      double groupUpper,
      boolean checks,
      Path path)
      throws SQLException {
    return ThresholdConversions.released(
        db,
        convs,
        rowLower,
        rowUpper,
        groupLower,
        groupUpper,
        checks,
        path,
        ThresholdSumPushdownProperties::q1,
        r -> r.getDouble("revenue"));
  }

  /** Converters and revenue per campaign: the threshold Q1. */
  private static FinalStage q1(CleanRoom room) {
    return room.as("a")
        .from("pub.imps")
        .join("adv.convs")
        .onUserId()
        .groupBy("campaign")
        .select(countDistinctUsers().as("converters"), sum("amount").as("revenue"));
  }
}
