package dev.cleanroom.examples;

import dev.cleanroom.spark.SparkCluster;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;

/**
 * The JMH benchmarks of Q1 and Q1-DP on Spark SQL (the cluster of {@link SparkCluster}: executors
 * in separate JVMs, reached through the Thrift JDBC server), against Spark's own SQL for Q1. Run
 * them with {@link SparkQ1Benchmark}, which runs them in one JMH run ({@link EngineBenchmarks}) and
 * checks every answer.
 */
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@State(Scope.Benchmark)
public class SparkBenchmarks extends EngineQ1Benchmarks {
  /** Spark's own SQL for Q1: the fastest formulation the DuckDB benchmark found, unchanged. */
  static final String PLAIN_Q1 =
      """
      WITH c AS (SELECT user_id, sum(least(greatest(value, 0), 10000)) AS total
                 FROM conversions GROUP BY user_id),
           p AS (SELECT DISTINCT i.user_id, i.campaign_id
                 FROM impressions i LEFT SEMI JOIN c ON i.user_id = c.user_id)
      SELECT campaign_id, count(*) AS converters, sum(total) AS revenue
      FROM p JOIN c ON p.user_id = c.user_id
      GROUP BY campaign_id HAVING count(*) >= 50 ORDER BY campaign_id""";

  @Override
  protected javax.sql.DataSource db() {
    return SparkCluster.get().pooled();
  }

  /**
   * Spark's own SQL for Q1 ({@link #PLAIN_Q1}), over the same pooled connection as the engine's
   * queries: a new connection is a new session of the Thrift server, which the engine's rows do not
   * pay either.
   */
  @Benchmark
  public PerfAnswer ownSqlQ1() throws SQLException {
    List<PerfAnswer.Cell> cells = new ArrayList<>();
    try (Connection c = db().getConnection();
        Statement s = c.createStatement();
        ResultSet rs = s.executeQuery(PLAIN_Q1)) {
      while (rs.next()) {
        cells.add(PerfAnswer.Cell.exact(rs.getLong(1), (double) rs.getLong(2), rs.getDouble(3)));
      }
    }
    return EngineBenchmarks.keep(EngineBenchmarks.OWN_SQL_Q1, PerfAnswer.of(cells));
  }

  /** Creates both tables in the cluster's warehouse from the rows of {@code w}. */
  @Override
  protected void load(Workload w) {
    SparkCluster spark = SparkCluster.get();
    List<Object[]> imps = new ArrayList<>(w.impressionRows());
    for (int r = 0; r < w.impressionRows(); r++) {
      imps.add(new Object[] {w.impressionUser(r), (long) w.campaign(r)});
    }
    spark.table(
        "impressions",
        new StructType()
            .add("user_id", DataTypes.StringType)
            .add("campaign_id", DataTypes.LongType),
        imps);
    imps = null;
    List<Object[]> convs = new ArrayList<>(w.conversionRows());
    for (int r = 0; r < w.conversionRows(); r++) {
      convs.add(new Object[] {w.conversionUser(r), w.value(r)});
    }
    spark.table(
        "conversions",
        new StructType().add("user_id", DataTypes.StringType).add("value", DataTypes.DoubleType),
        convs);
  }
}
