package dev.cleanroom.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The JMH benchmark of {@link TrinoQ1Benchmark} at the smallest scale, one warm-up and one measured
 * shot each: every benchmark runs on the cluster and every answer matches the exact reference.
 */
class TrinoBenchmarksTest {
  @Test
  void jmhRun_atTinyScale_measuresEveryBenchmarkWithCheckedAnswers() throws Exception {
    // The run fails if a benchmark missed a shot or an answer differs from the reference.
    Map<String, Double> medians =
        EngineBenchmarks.run("Trino", "Trino 435 (test)", new TrinoBenchmarks(), "tiny", 1, 1);
    assertEquals(
        List.of(
            EngineBenchmarks.OWN_SQL_Q1,
            EngineBenchmarks.OWN_SQL_Q1_GROUP_BY,
            EngineBenchmarks.OWN_SQL_Q1_IN_SUBQUERY,
            EngineBenchmarks.Q1,
            EngineBenchmarks.Q1_DP),
        List.copyOf(medians.keySet()));
  }
}
