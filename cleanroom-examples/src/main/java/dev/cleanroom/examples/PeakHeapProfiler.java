package dev.cleanroom.examples;

import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.util.Collection;
import java.util.List;
import org.openjdk.jmh.infra.BenchmarkParams;
import org.openjdk.jmh.infra.IterationParams;
import org.openjdk.jmh.profile.InternalProfiler;
import org.openjdk.jmh.results.AggregationPolicy;
import org.openjdk.jmh.results.IterationResult;
import org.openjdk.jmh.results.Result;
import org.openjdk.jmh.results.ScalarResult;

/**
 * A JMH profiler that reports the peak heap of each iteration, in the benchmark's own (forked) JVM:
 * a full GC and a reset of every heap pool's peak before the iteration, then the sum of the pools'
 * peaks after it. The sum is an upper bound of the true peak (pools peak at different moments) and
 * includes the data that the benchmark's state holds.
 */
public final class PeakHeapProfiler implements InternalProfiler {
  /** The name of the secondary result. */
  static final String RESULT = "peak.heap";

  /** A profiler; JMH creates it by reflection. */
  public PeakHeapProfiler() {}

  @Override
  public String getDescription() {
    return "peak heap per iteration (sum of heap pool peaks after a GC baseline)";
  }

  @Override
  public void beforeIteration(BenchmarkParams benchmarkParams, IterationParams iterationParams) {
    System.gc();
    for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
      if (pool.getType() == MemoryType.HEAP) {
        pool.resetPeakUsage();
      }
    }
  }

  @Override
  public Collection<? extends Result<?>> afterIteration(
      BenchmarkParams benchmarkParams, IterationParams iterationParams, IterationResult result) {
    long peak = 0;
    for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
      if (pool.getType() == MemoryType.HEAP) {
        peak += pool.getPeakUsage().getUsed();
      }
    }
    return List.of(new ScalarResult(RESULT, peak / 1048576.0, "MiB", AggregationPolicy.MAX));
  }
}
