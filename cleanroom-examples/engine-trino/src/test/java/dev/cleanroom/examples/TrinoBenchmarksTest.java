package dev.cleanroom.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

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
    assertEquals(EngineBenchmarks.METHODS, List.copyOf(medians.keySet()));
    assertTrue(medians.values().stream().allMatch(ms -> ms > 0), medians::toString);
  }
}
