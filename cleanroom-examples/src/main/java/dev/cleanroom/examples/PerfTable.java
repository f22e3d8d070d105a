package dev.cleanroom.examples;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Stream;
import org.openjdk.jmh.results.BenchmarkResult;
import org.openjdk.jmh.results.IterationResult;
import org.openjdk.jmh.results.Result;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.ChainedOptionsBuilder;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.VerboseMode;

/**
 * Runs every benchmark of {@link PerfBenchmarks} in one JMH run on one generated workload and
 * prints the comparison table: per benchmark the median time, its ratio to DuckDB's figure for the
 * same task (Q1 for the queries, {@code read_csv} for the loads) and, for ours, the peak heap.
 *
 * <p>Usage: {@code PerfTable [tiny|small|small2x|small4x|full] [--quick|--full-runs]
 * [--in-process]}. {@code --quick} runs 1 warm-up and 3 measured iterations instead of 3 and 15 at
 * full scale or 10 and 15 below it (the default, {@code --full-runs}); {@code --in-process} runs
 * without forked JVMs (for tests; heap caps do not apply then). The README section "Performance"
 * has the Maven command.
 */
public final class PerfTable {
  private PerfTable() {}

  /** One printed row. */
  record Row(String task, String benchmark, double medianMs, double peakMiB, String against) {}

  /**
   * Generates the workload, runs the benchmarks and prints the table.
   *
   * @param args the scale, then options
   */
  public static void main(String[] args) throws IOException, RunnerException {
    String scale = "small";
    boolean quick = false;
    boolean inProcess = false;
    for (String a : args) {
      switch (a) {
        case "--quick" -> quick = true;
        case "--in-process" -> inProcess = true;
        case "--full-runs" -> quick = false;
        default -> scale = a;
      }
    }
    run(Workload.Scale.of(scale), quick, inProcess, System.out);
  }

  /**
   * Warm-up single shots: 1 with {@code --quick}; otherwise 3 at full scale, and 10 below it, where
   * a shot takes tens of milliseconds and three shots leave the code partly compiled.
   */
  static int warmups(Workload.Scale scale, boolean quick) {
    if (quick) {
      return 1;
    }
    return scale.impressions() >= Workload.Scale.of("full").impressions() ? 3 : 10;
  }

  /** Runs everything at {@code scale} and prints the table to {@code out}; returns its rows. */
  static List<Row> run(Workload.Scale scale, boolean quick, boolean inProcess, PrintStream out)
      throws IOException, RunnerException {
    Path dir = Files.createTempDirectory("cleanroom-perf");
    try {
      long t0 = System.nanoTime();
      Workload.generate(scale, 42)
          .writeCsv(dir.resolve("impressions.csv"), dir.resolve("conversions.csv"));
      out.printf(
          Locale.ROOT,
          "Workload: %,d impressions, %,d conversions (seed 42), written in %.1f s%n",
          scale.impressions(),
          scale.conversions(),
          (System.nanoTime() - t0) / 1e9);
      ChainedOptionsBuilder options =
          new OptionsBuilder()
              .include(PerfBenchmarks.class.getName() + ".")
              .param("dir", dir.toString())
              .warmupIterations(warmups(scale, quick))
              .measurementIterations(quick ? 3 : 15)
              .addProfiler(PeakHeapProfiler.class)
              .shouldFailOnError(false)
              .verbosity(inProcess ? VerboseMode.SILENT : VerboseMode.NORMAL);
      if (inProcess) {
        options.forks(0);
      }
      Collection<RunResult> results = new Runner(options.build()).run();
      List<Row> rows = rows(results);
      print(rows, scale, out);
      return rows;
    } finally {
      try (Stream<Path> files = Files.list(dir)) {
        for (Path p : files.toList()) {
          Files.deleteIfExists(p);
        }
      }
      Files.deleteIfExists(dir);
    }
  }

  private static final Map<String, String[]> TASKS = new LinkedHashMap<>();

  static {
    // benchmark -> task, DuckDB benchmark it is compared with
    TASKS.put("oursQ1", new String[] {"Q1, our engine, in-memory columnar", "duckdbQ1"});
    TASKS.put("oursQ1Dp", new String[] {"Q1-DP, our engine, in-memory columnar", "duckdbQ1"});
    TASKS.put(
        "oursPushdownQ1Dp", new String[] {"Q1-DP, our engine, pushdown on DuckDB", "duckdbQ1"});
    TASKS.put(
        "oursCsvStreamQ1Dp",
        new String[] {"Q1-DP, our engine, streaming CSV (-Xmx512m)", "duckdbQ1"});
    TASKS.put("duckdbQ1", new String[] {"Q1, DuckDB SQL", "duckdbQ1"});
    TASKS.put("duckdbQ1Dp", new String[] {"Q1-DP (bounded, no noise), DuckDB SQL", "duckdbQ1"});
    TASKS.put("baselineQ1", new String[] {"Q1, row-at-a-time Java", "duckdbQ1"});
    TASKS.put("baselineQ1Dp", new String[] {"Q1-DP, row-at-a-time Java", "duckdbQ1"});
    TASKS.put("oursCsvLoad", new String[] {"CSV load, ours (columnar)", "duckdbCsvLoad"});
    TASKS.put("duckdbCsvLoad", new String[] {"CSV load, DuckDB read_csv", "duckdbCsvLoad"});
  }

  private static List<Row> rows(Collection<RunResult> results) {
    List<Row> rows = new ArrayList<>();
    for (RunResult r : results) {
      String label = r.getParams().getBenchmark();
      String name = label.substring(label.lastIndexOf('.') + 1);
      String[] task = TASKS.getOrDefault(name, new String[] {name, "duckdbQ1"});
      List<Double> times = new ArrayList<>();
      double peak = Double.NaN;
      for (BenchmarkResult br : r.getBenchmarkResults()) {
        for (IterationResult ir : br.getIterationResults()) {
          times.add(ir.getPrimaryResult().getScore());
          Result<?> heap = ir.getSecondaryResults().get(PeakHeapProfiler.RESULT);
          if (heap != null) {
            peak = Double.isNaN(peak) ? heap.getScore() : Math.max(peak, heap.getScore());
          }
        }
      }
      rows.add(new Row(task[0], name, median(times), peak, task[1]));
    }
    List<String> order = new ArrayList<>(TASKS.keySet());
    rows.sort(Comparator.comparingInt(row -> order.indexOf(row.benchmark())));
    return rows;
  }

  private static double median(List<Double> xs) {
    if (xs.isEmpty()) {
      return Double.NaN;
    }
    List<Double> s = new ArrayList<>(xs);
    s.sort(null);
    int n = s.size();
    return n % 2 == 1 ? s.get(n / 2) : (s.get(n / 2 - 1) + s.get(n / 2)) / 2;
  }

  private static void print(List<Row> rows, Workload.Scale scale, PrintStream out) {
    Map<String, Double> byName = new LinkedHashMap<>();
    for (Row r : rows) {
      byName.put(r.benchmark(), r.medianMs());
    }
    out.printf(
        Locale.ROOT,
        "%nComparison at %,d / %,d rows (median of single-shot runs; ratio to DuckDB's Q1 for"
            + " queries, to DuckDB's read_csv for loads):%n",
        scale.impressions(),
        scale.conversions());
    out.printf(
        Locale.ROOT, "%-46s %12s %10s %14s%n", "task", "median ms", "× DuckDB", "peak heap MiB");
    for (Row r : rows) {
      double base = byName.getOrDefault(r.against(), Double.NaN);
      out.printf(
          Locale.ROOT,
          "%-46s %12s %10s %14s%n",
          r.task(),
          Double.isNaN(r.medianMs()) ? "failed" : String.format(Locale.ROOT, "%.1f", r.medianMs()),
          Double.isNaN(r.medianMs() / base)
              ? "-"
              : String.format(Locale.ROOT, "%.2f", r.medianMs() / base),
          r.benchmark().startsWith("ours") && !Double.isNaN(r.peakMiB())
              ? String.format(Locale.ROOT, "%.0f", r.peakMiB())
              : "");
    }
    Double q1 = byName.get("oursQ1");
    Double q1Dp = byName.get("oursQ1Dp");
    if (q1 != null && q1Dp != null) {
      out.printf(Locale.ROOT, "Privacy overhead (our Q1-DP / our Q1): %.2f%n", q1Dp / q1);
    }
  }
}
