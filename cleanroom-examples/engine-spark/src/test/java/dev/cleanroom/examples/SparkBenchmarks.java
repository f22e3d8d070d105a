package dev.cleanroom.examples;

import dev.cleanroom.spark.SparkCluster;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
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
  @Override
  protected javax.sql.DataSource db() {
    return SparkCluster.get().pooled();
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
