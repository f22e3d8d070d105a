package dev.cleanroom.examples;

import org.junit.jupiter.api.Test;

/**
 * Runs the JMH benchmarks of {@link SparkBenchmarks} in one run ({@link EngineBenchmarks}): Q1 and
 * Q1-DP of the performance workload on Spark SQL (executors in separate JVMs, reached through the
 * Thrift JDBC server), against Spark's own SQL for Q1. Every answer is checked against the exact
 * reference of the workload ({@link PerfReference}, {@link PerfCheck}): Q1 and the plain SQL
 * release exactly the reference's campaigns and counts (revenue to the cent for Spark's SQL, which
 * adds doubles in its own order; the same double for the engine, which adds exactly), Q1-DP is a
 * plausible noisy answer.
 *
 * <p>Not a test of the build (its name is not one Surefire runs by default): run it with {@code mvn
 * -o -B -pl cleanroom-examples/engine-spark -am test -Dtest=SparkQ1Benchmark
 * -Dsurefire.failIfNoSpecifiedTests=false -Dscale=small -Drounds=3}, where {@code scale} is a
 * {@link Workload.Scale} name ({@code tiny} by default) and {@code rounds} the measured shots of
 * each benchmark (3 by default, after as many warm-up shots).
 */
class SparkQ1Benchmark {
  @Test
  void q1AndQ1Dp_onSpark_againstSparksOwnSql() throws Exception {
    int runs = Integer.getInteger("rounds", 3);
    EngineBenchmarks.run(
        "Spark",
        "Spark SQL "
            + org.apache.spark.package$.MODULE$.SPARK_VERSION()
            + ", local-cluster (2 executor JVMs), Thrift JDBC server",
        new SparkBenchmarks(),
        System.getProperty("scale", "tiny"),
        runs,
        runs);
  }
}
