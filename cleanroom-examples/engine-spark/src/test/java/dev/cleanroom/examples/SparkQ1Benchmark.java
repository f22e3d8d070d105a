package dev.cleanroom.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cleanroom.CleanRoom;
import dev.cleanroom.SecretKey;
import dev.cleanroom.jdbc.JdbcSource;
import dev.cleanroom.query.ExecutionPath;
import dev.cleanroom.spark.SparkCluster;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;

/**
 * Q1 and Q1-DP of the performance workload on Spark SQL (the cluster of {@link SparkCluster}:
 * executors in separate JVMs, reached through the Thrift JDBC server), against Spark's own plain
 * SQL for Q1, measured in one run: the tables are loaded once, then each query runs {@code
 * -Drounds} times after one warm-up, and the table of medians is printed. Every answer is checked
 * against the exact reference of the workload ({@link PerfReference}, {@link PerfCheck}): Q1 and
 * the plain SQL release exactly the reference's campaigns and counts (revenue to the cent for
 * Spark's SQL, which adds doubles in its own order; the same double for the engine, which adds
 * exactly), Q1-DP is a plausible noisy answer.
 *
 * <p>Not a test of the build (its name is not one surefire runs by default): run it with {@code mvn
 * -o -B -pl cleanroom-examples/engine-spark -am test -Dtest=SparkQ1Benchmark
 * -Dsurefire.failIfNoSpecifiedTests=false -Dscale=small -Drounds=3}.
 */
class SparkQ1Benchmark {
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

  @Test
  void q1AndQ1Dp_onSpark_againstSparksOwnSql() throws Exception {
    String scaleName = System.getProperty("scale", "tiny");
    int rounds = Integer.getInteger("rounds", 3);
    Workload w = Workload.generate(Workload.Scale.of(scaleName), 42);
    PerfReference ref = PerfReference.of(w);
    SparkCluster spark = SparkCluster.get();
    long t0 = System.nanoTime();
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
    double loadSeconds = (System.nanoTime() - t0) / 1e9;

    javax.sql.DataSource jdbc = spark.pooled();
    SecretKey key = SecretKey.random();
    CleanRoom plain =
        PerfRooms.room(
            key,
            JdbcSource.builder(jdbc, "impressions").build(),
            JdbcSource.builder(jdbc, "conversions").build(),
            false);
    CleanRoom dp =
        PerfRooms.room(
            key,
            JdbcSource.builder(jdbc, "impressions").build(),
            JdbcSource.builder(jdbc, "conversions").build(),
            true);
    ExecutionPath q1Path = path(plain, false);
    ExecutionPath dpPath = path(dp, true);
    assertEquals(ExecutionPath.Kind.PUSHED_DOWN, dpPath.kind(), dpPath.reason());

    List<PerfAnswer> sqlAnswers = new ArrayList<>();
    List<PerfAnswer> q1Answers = new ArrayList<>();
    List<PerfAnswer> dpAnswers = new ArrayList<>();
    double[] sqlTimes = measure(rounds, () -> sqlAnswers.add(plainSql(spark)));
    double[] q1Times = measure(rounds, () -> q1Answers.add(PerfAnswer.from(PerfRooms.q1(plain))));
    double[] dpTimes = measure(rounds, () -> dpAnswers.add(PerfAnswer.from(PerfRooms.q1Dp(dp))));

    PerfCheck.Outcome sqlCheck = PerfCheck.exact(sqlAnswers, ref.q1(), false);
    PerfCheck.Outcome q1Check = PerfCheck.exact(q1Answers, ref.q1(), true);
    PerfCheck.Outcome dpCheck = PerfCheck.noisy(dpAnswers, ref, PerfCheck.Noise.engine());
    StringBuilder table = new StringBuilder();
    table.append(
        String.format(
            Locale.ROOT,
            "Spark SQL %s, %s scale (%,d impressions, %,d conversions), loaded in %.1f s;"
                + " %d rounds after one warm-up%n",
            org.apache.spark.package$.MODULE$.SPARK_VERSION(),
            scaleName,
            w.impressionRows(),
            w.conversionRows(),
            loadSeconds,
            rounds));
    row(table, "Spark's own SQL for Q1", sqlTimes, sqlCheck, "its own statement");
    row(table, "Q1 on Spark", q1Times, q1Check, q1Path.kind() + ": " + q1Path.reason());
    row(table, "Q1-DP on Spark", dpTimes, dpCheck, dpPath.kind() + ": one statement");
    System.out.print(table);
    assertTrue(sqlCheck.ok(), sqlCheck.toString());
    assertTrue(q1Check.ok(), q1Check.toString());
    assertTrue(dpCheck.ok(), dpCheck.toString());
  }

  private static ExecutionPath path(CleanRoom room, boolean dp) {
    var stage =
        room.as("advertiser")
            .from("publisher.impressions")
            .join("advertiser.conversions")
            .onUserId()
            .groupBy("campaign_id")
            .select(
                dev.cleanroom.query.Dsl.countDistinctUsers().as("converters"),
                dev.cleanroom.query.Dsl.sum("value").as("revenue"));
    if (dp) {
      stage =
          stage.budget(
              dev.cleanroom.PrivacyBudget.epsilonDelta(PerfRooms.EPSILON, PerfRooms.DELTA));
    }
    return stage.explain().path().orElseThrow();
  }

  private static PerfAnswer plainSql(SparkCluster spark) throws SQLException {
    List<PerfAnswer.Cell> cells = new ArrayList<>();
    try (Connection c = spark.connect();
        Statement s = c.createStatement();
        ResultSet rs = s.executeQuery(PLAIN_Q1)) {
      while (rs.next()) {
        cells.add(PerfAnswer.Cell.exact(rs.getLong(1), (double) rs.getLong(2), rs.getDouble(3)));
      }
    }
    return PerfAnswer.of(cells);
  }

  /** Seconds of each measured round, after one warm-up round. */
  private static double[] measure(int rounds, Callable<?> shot) throws Exception {
    shot.call();
    double[] seconds = new double[rounds];
    for (int i = 0; i < rounds; i++) {
      long t = System.nanoTime();
      shot.call();
      seconds[i] = (System.nanoTime() - t) / 1e9;
    }
    return seconds;
  }

  private static void row(
      StringBuilder table, String name, double[] seconds, PerfCheck.Outcome check, String how) {
    double[] sorted = seconds.clone();
    java.util.Arrays.sort(sorted);
    table.append(
        String.format(
            Locale.ROOT,
            "%-24s median %7.2f s (min %.2f, max %.2f)  answers %s  [%s]%n",
            name,
            sorted[sorted.length / 2],
            sorted[0],
            sorted[sorted.length - 1],
            check.ok() ? "checked" : "WRONG: " + check.problems(),
            how));
  }
}
