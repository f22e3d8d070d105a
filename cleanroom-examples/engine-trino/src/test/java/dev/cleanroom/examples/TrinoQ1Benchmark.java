package dev.cleanroom.examples;

import dev.cleanroom.engine.trino.TrinoCluster;
import org.junit.jupiter.api.Test;

/**
 * Runs the JMH benchmarks of {@link TrinoBenchmarks} in one run ({@link EngineBenchmarks}): Q1 and
 * Q1-DP of the benchmark workload on a distributed Trino (coordinator and two worker JVMs, memory
 * connector), against Trino's own SQL for Q1, every answer checked against the workload's exact
 * reference ({@link PerfReference}, {@link PerfCheck}).
 *
 * <p>Not part of the test suite (its name matches no Surefire include); run it with
 *
 * <pre>
 * mvn -B -q -pl cleanroom-examples/engine-trino -am test -Dtest=TrinoQ1Benchmark \
 *     -Dsurefire.failIfNoSpecifiedTests=false -Dtrino.scale=small
 * </pre>
 *
 * where {@code trino.scale} is a {@link Workload.Scale} name ({@code tiny} by default, {@code
 * small} for 1M impressions and 100k conversions) and {@code trino.runs} the measured shots of each
 * benchmark (5 by default, after as many warm-up shots).
 */
class TrinoQ1Benchmark {
  @Test
  void q1AndQ1Dp_onTrino_againstTrinosOwnSql() throws Exception {
    int runs = Integer.getInteger("trino.runs", 5);
    EngineBenchmarks.run(
        "Trino",
        "Trino 435, coordinator + " + TrinoCluster.WORKERS + " worker JVMs, memory connector",
        new TrinoBenchmarks(),
        System.getProperty("trino.scale", "tiny"),
        runs,
        runs);
  }
}
