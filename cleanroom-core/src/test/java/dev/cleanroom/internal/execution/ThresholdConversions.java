package dev.cleanroom.internal.execution;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.cleanroom.AggregateFunction;
import dev.cleanroom.CleanRoom;
import dev.cleanroom.Column;
import dev.cleanroom.Dataset;
import dev.cleanroom.Policy;
import dev.cleanroom.Schema;
import dev.cleanroom.SecretKey;
import dev.cleanroom.UserIdFormat;
import dev.cleanroom.internal.execution.PushdownDatabases.Db;
import dev.cleanroom.jdbc.JdbcSource;
import dev.cleanroom.query.ExecutionPath;
import dev.cleanroom.query.FinalStage;
import dev.cleanroom.query.ResultRow;
import dev.cleanroom.source.InMemorySource;
import dev.cleanroom.spi.DataSource;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.Tuple;

/**
 * The set-up shared by the threshold-mode pushdown properties of sums ({@link
 * ThresholdSumPushdownProperties}) and of spreads ({@link ThresholdSpreadProperties}): 30 people
 * who saw campaigns, their conversions with amounts, the tables of both in a database, the room
 * over them on each execution path, and a query's released values per campaign.
 */
final class ThresholdConversions {
  static final Schema IMPS = Schema.of(Column.string("uid"), Column.int64("campaign"));
  static final Schema CONVS = Schema.of(Column.string("uid"), Column.float64("amount"));
  static final double ROW_LOWER = -100;
  static final double ROW_UPPER = 1000;
  static final double GROUP_LOWER = -150;
  static final double GROUP_UPPER = 1500;
  private static final AtomicInteger TABLES = new AtomicInteger();

  private ThresholdConversions() {}

  /** One conversion: a person (0..29) and an amount. */
  record Conv(int person, double amount) {}

  /** Where a query runs; the explanation must name this path. */
  enum Path {
    PUSHED_DOWN,
    STREAMED,
    COLUMNAR
  }

  /**
   * Up to 120 conversions: amounts within and beyond the row bounds, on them, zeros of both signs,
   * and tiny ones below the fine quantum or held exactly just above 2^-27 of the bound.
   */
  static Arbitrary<List<Conv>> conversions() {
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

  record Tables(JdbcSource imps, JdbcSource convs, String impsName, String convsName) {}

  /** New tables of the impressions and of {@code convs} in {@code db}; the caller drops them. */
  static Tables tables(Db db, List<Conv> convs) throws SQLException {
    int n = TABLES.incrementAndGet();
    String imps = db.quote("tc_imps_" + n);
    String convsName = db.quote("tc_convs_" + n);
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
        JdbcSource.builder(db.dataSource(), "tc_imps_" + n).build(),
        JdbcSource.builder(db.dataSource(), "tc_convs_" + n).build(),
        imps,
        convsName);
  }

  /** Each of 30 people saw campaigns person % 3 and (person + 1) % 3, twice each. */
  static List<Object[]> impressionRows() {
    List<Object[]> rows = new ArrayList<>();
    for (int u = 0; u < 30; u++) {
      for (int r = 0; r < 2; r++) {
        rows.add(new Object[] {"u" + u + "@example.com", (long) (u % 3)});
        rows.add(new Object[] {"u" + u + "@example.com", (long) ((u + 1) % 3)});
      }
    }
    return rows;
  }

  static List<Object[]> conversionRows(List<Conv> convs) {
    List<Object[]> rows = new ArrayList<>();
    for (Conv c : convs) {
      rows.add(new Object[] {"u" + c.person() + "@example.com", c.amount()});
    }
    return rows;
  }

  /**
   * Runs {@code query} on {@code path} over tables of {@code convs} in {@code db} (or in-memory
   * copies for the columnar path), checks that its explanation names that path, and returns {@code
   * value} of each released row per campaign. The tables are dropped afterwards.
   */
  static <T> Map<Long, T> released(
      Db db,
      List<Conv> convs,
      double rowLower,
      double rowUpper,
      double groupLower,
      double groupUpper,
      boolean checks,
      Path path,
      Function<CleanRoom, FinalStage> query,
      Function<ResultRow, T> value)
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
      try (CleanRoom room = room(imps, cv, rowLower, rowUpper, groupLower, groupUpper, checks)) {
        FinalStage q = query.apply(room);
        ExecutionPath.Kind kind = q.explain().path().orElseThrow().kind();
        assertEquals(path.name(), kind.name(), db::toString);
        Map<Long, T> out = new TreeMap<>();
        for (ResultRow r : q.run().rows()) {
          out.put(r.getLong("campaign"), value.apply(r));
        }
        return out;
      }
    } finally {
      db.execute("DROP TABLE " + t.impsName(), "DROP TABLE " + t.convsName());
    }
  }

  /**
   * A room of the publisher's impressions ({@code pub.imps}) and the advertiser's conversions
   * ({@code adv.convs}, amounts within the row bounds, per person and group within the group
   * bounds; sums, means, variances, standard deviations and quantiles allowed), k = 2, with or
   * without difference checks.
   */
  static CleanRoom room(
      DataSource imps,
      DataSource convs,
      double rowLower,
      double rowUpper,
      double groupLower,
      double groupUpper,
      boolean checks) {
    Policy.Builder p =
        Policy.builder()
            .allowAnalysts("a")
            .allowJoinOn("uid")
            .minDistinctUsers(2)
            .maxGroupsPerUser(5);
    if (!checks) {
      p.withoutDifferenceChecks();
    }
    Policy pub = p.build();
    p.clampPerGroup("amount", groupLower, groupUpper)
        .allowAggregates(
            "amount",
            AggregateFunction.SUM,
            AggregateFunction.AVG,
            AggregateFunction.VARIANCE,
            AggregateFunction.STDDEV,
            AggregateFunction.QUANTILE);
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
}
