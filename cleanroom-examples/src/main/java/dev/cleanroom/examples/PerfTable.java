package dev.cleanroom.examples;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SortedMap;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.openjdk.jmh.infra.BenchmarkParams;
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
 * Runs every benchmark of {@link PerfBenchmarks} in one JMH run on one generated workload, then the
 * time-to-first-answer benchmarks ({@link FirstAnswerBenchmarks}) as one cold shot per forked JVM,
 * checks every answer of every shot against the exact reference ({@link PerfCheck}) and prints the
 * comparison table: per benchmark the median time, its ratio to DuckDB's figure for the same task
 * (named in the table), for ours the peak heap, and the check. A failed benchmark or check fails
 * the run, after the table is printed.
 *
 * <p>Usage: {@code PerfTable [tiny|small|small2x|small4x|full] [--quick|--full-runs]
 * [--duckdb-candidates] [--in-process]}. {@code --quick} runs 3 measured iterations instead of 15
 * (the default, {@code --full-runs}) after the same warm-ups (5 at full scale, 10 below it), and 3
 * first answers instead of 10; {@code --duckdb-candidates} adds one row per formulation of Q1 and
 * the bounded Q1-DP in DuckDB's SQL ({@link DuckDbCandidates}); {@code --in-process} runs without
 * forked JVMs (for tests; heap caps do not apply then, and first answers are not cold). The README
 * section "Performance" has the Maven command.
 */
public final class PerfTable {
  private PerfTable() {}

  /**
   * One printed row.
   *
   * @param task what was measured
   * @param label the benchmark's label ({@link PerfBenchmarks#label})
   * @param medianMs the median time of its measured shots; NaN if it failed
   * @param peakMiB the peak heap of its JVM; NaN if not measured
   * @param against the label of the DuckDB row it is compared with
   * @param check the outcome of the reference check of its answers
   */
  record Row(
      String task,
      String label,
      double medianMs,
      double peakMiB,
      String against,
      PerfCheck.Outcome check) {}

  /**
   * Generates the workload, runs the benchmarks and prints the table; exits with an error if a
   * benchmark or a check failed.
   *
   * @param args the scale, then options
   */
  public static void main(String[] args) throws IOException, RunnerException, SQLException {
    String scale = "small";
    boolean quick = false;
    boolean inProcess = false;
    boolean candidates = false;
    // Maven passes -Dperf.options as one argument: options may also be separated by spaces there.
    for (String arg : args) {
      for (String a : arg.trim().split("\\s+")) {
        switch (a) {
          case "--quick" -> quick = true;
          case "--in-process" -> inProcess = true;
          case "--full-runs" -> quick = false;
          case "--duckdb-candidates" -> candidates = true;
          case "" -> {}
          default -> scale = a;
        }
      }
    }
    run(Workload.Scale.of(scale), quick, inProcess, candidates, System.out);
  }

  /**
   * Warm-up single shots: 5 at full scale, and 10 below it, where a shot takes tens of
   * milliseconds, with or without {@code --quick}. At full scale the in-memory query's second to
   * fourth shots still run partly compiled code (1.3 to 3 times its later shots), so fewer warm-ups
   * would report a cold figure as a warm one.
   */
  static int warmups(Workload.Scale scale) {
    return scale.impressions() >= Workload.Scale.of("full").impressions() ? 5 : 10;
  }

  /** First answers: one per forked JVM, 3 with {@code --quick}, otherwise 10. */
  static int firstAnswers(boolean quick) {
    return quick ? 3 : 10;
  }

  /**
   * Runs everything at {@code scale}, prints the table to {@code out} and returns its rows.
   *
   * @throws IllegalStateException after printing, if a benchmark or a reference check failed
   */
  static List<Row> run(
      Workload.Scale scale, boolean quick, boolean inProcess, boolean candidates, PrintStream out)
      throws IOException, RunnerException, SQLException {
    Path dir = Files.createTempDirectory("cleanroom-perf");
    try {
      PerfReference reference = prepare(scale, dir, out);
      ChainedOptionsBuilder options =
          new OptionsBuilder()
              .include(Pattern.quote(PerfBenchmarks.class.getName() + "."))
              .param("dir", dir.toString())
              .warmupIterations(warmups(scale))
              .measurementIterations(quick ? 3 : 15)
              .addProfiler(PeakHeapProfiler.class)
              .shouldFailOnError(false)
              .verbosity(inProcess ? VerboseMode.SILENT : VerboseMode.NORMAL);
      if (candidates) {
        options
            .include(Pattern.quote(DuckDbCandidates.class.getName() + "."))
            .param(
                PerfBenchmarks.FORMULATION,
                Arrays.stream(DuckDbWorkload.Formulation.values())
                    .map(Enum::name)
                    .toArray(String[]::new));
      }
      ChainedOptionsBuilder first =
          new OptionsBuilder()
              .include(Pattern.quote(FirstAnswerBenchmarks.class.getName() + "."))
              .param("dir", dir.toString())
              .warmupIterations(0)
              .measurementIterations(1)
              .forks(inProcess ? 0 : firstAnswers(quick))
              .addProfiler(PeakHeapProfiler.class)
              .shouldFailOnError(false)
              .verbosity(inProcess ? VerboseMode.SILENT : VerboseMode.NORMAL);
      if (inProcess) {
        options.forks(0);
      }
      List<RunResult> results = new ArrayList<>(new Runner(options.build()).run());
      results.addAll(new Runner(first.build()).run());

      Map<String, List<PerfAnswer>> answers = answers(dir.resolve(PerfBenchmarks.ANSWERS));
      List<Row> rows = new ArrayList<>();
      try (Checker checker = new Checker(reference, dir)) {
        for (Task t : tasks(candidates)) {
          RunResult r = find(results, t.label());
          PerfCheck.Outcome check = checker.check(t, answers.getOrDefault(t.label(), List.of()));
          rows.add(
              new Row(
                  t.task(),
                  t.label(),
                  r == null ? Double.NaN : median(times(r)),
                  r == null ? Double.NaN : peak(r),
                  t.against(),
                  check));
        }
      }
      print(rows, scale, out);
      List<String> failed = new ArrayList<>();
      for (Row r : rows) {
        if (Double.isNaN(r.medianMs()) || !r.check().ok()) {
          failed.add(r.label());
        }
      }
      if (!failed.isEmpty()) {
        throw new IllegalStateException("benchmark or reference check failed: " + failed);
      }
      return rows;
    } finally {
      delete(dir);
    }
  }

  /** Generates the workload, writes its files into {@code dir} and computes its reference. */
  private static PerfReference prepare(Workload.Scale scale, Path dir, PrintStream out)
      throws IOException {
    long t0 = System.nanoTime();
    Workload workload = Workload.generate(scale, 42);
    workload.writeCsv(dir.resolve("impressions.csv"), dir.resolve("conversions.csv"));
    Files.createDirectory(dir.resolve(PerfBenchmarks.ANSWERS));
    out.printf(
        Locale.ROOT,
        "Workload: %,d impressions, %,d conversions (seed 42), written in %.1f s%n",
        scale.impressions(),
        scale.conversions(),
        (System.nanoTime() - t0) / 1e9);
    t0 = System.nanoTime();
    PerfReference reference = PerfReference.of(workload);
    out.printf(
        Locale.ROOT,
        "Reference: %,d people in both tables, computed in %.1f s%n",
        reference.people(),
        (System.nanoTime() - t0) / 1e9);
    return reference;
  }

  private static void delete(Path dir) throws IOException {
    try (Stream<Path> files = Files.walk(dir)) {
      for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    }
  }

  /**
   * A row of the table.
   *
   * @param label the benchmark's label
   * @param task what it measures
   * @param against the label of the DuckDB row it is compared with
   * @param kind how its answers are checked
   * @param formulation for DuckDB's bounded Q1-DP, the formulation whose hash ranks the check needs
   */
  record Task(
      String label,
      String task,
      String against,
      PerfCheck.Kind kind,
      DuckDbWorkload.Formulation formulation) {}

  private static final String DUCKDB_Q1 = "duckdbQ1";
  private static final String DUCKDB_Q1_DP = "duckdbQ1Dp";
  private static final String DUCKDB_FIRST = "duckdbFirstQ1Dp";
  private static final String DUCKDB_LOAD = "duckdbCsvLoad";
  private static final String DUCKDB_COUNTS = "duckdbQ1Counts";

  /** The rows of the table, in order. */
  static List<Task> tasks(boolean candidates) {
    DuckDbWorkload.Formulation q1 = DuckDbWorkload.Q1;
    DuckDbWorkload.Formulation dp = DuckDbWorkload.Q1_DP;
    List<Task> t = new ArrayList<>();
    t.add(
        new Task(
            "oursQ1",
            "Q1, our engine, in-memory columnar",
            DUCKDB_Q1,
            PerfCheck.Kind.Q1_EXACT,
            null));
    t.add(
        new Task(
            "oursQ1Dp",
            "Q1-DP, our engine, in-memory columnar",
            DUCKDB_Q1,
            PerfCheck.Kind.NOISY_ENGINE,
            null));
    t.add(
        new Task(
            "oursPushdownQ1Dp",
            "Q1-DP, our engine, pushdown on DuckDB",
            DUCKDB_Q1_DP,
            PerfCheck.Kind.NOISY_ENGINE,
            null));
    t.add(
        new Task(
            "oursPushdownQ1",
            "Q1 (threshold, difference checks), our engine, pushdown on DuckDB",
            DUCKDB_Q1,
            PerfCheck.Kind.Q1_EXACT,
            null));
    t.add(
        new Task(
            "oursPushdownQ1Counts",
            "Q1 counts (threshold, difference checks), our engine, pushdown on DuckDB",
            DUCKDB_COUNTS,
            PerfCheck.Kind.Q1_COUNTS,
            null));
    t.add(
        new Task(
            "oursCsvStreamQ1Dp",
            "Q1-DP, our engine, streaming CSV (-Xmx512m)",
            DUCKDB_FIRST,
            PerfCheck.Kind.NOISY_ENGINE,
            null));
    t.add(
        new Task(
            DUCKDB_Q1,
            "Q1, DuckDB SQL (" + q1.name() + ")",
            DUCKDB_Q1,
            PerfCheck.Kind.Q1_TO_THE_CENT,
            null));
    t.add(
        new Task(
            DUCKDB_COUNTS,
            "Q1 counts, DuckDB SQL (semi join, deduplicate)",
            DUCKDB_COUNTS,
            PerfCheck.Kind.Q1_COUNTS,
            null));
    t.add(
        new Task(
            DUCKDB_Q1_DP,
            "Q1-DP (bounded, no noise), DuckDB SQL (" + dp.name() + ")",
            DUCKDB_Q1,
            PerfCheck.Kind.BOUNDED_TO_THE_CENT,
            dp));
    t.add(
        new Task(
            "baselineQ1",
            "Q1, row-at-a-time Java",
            DUCKDB_Q1,
            PerfCheck.Kind.Q1_TO_THE_CENT,
            null));
    t.add(
        new Task(
            "baselineQ1Dp",
            "Q1-DP, row-at-a-time Java",
            DUCKDB_Q1_DP,
            PerfCheck.Kind.NOISY_BASELINE,
            null));
    t.add(
        new Task(
            "oursCsvLoad", "CSV load, ours (columnar)", DUCKDB_LOAD, PerfCheck.Kind.LOAD, null));
    t.add(
        new Task(DUCKDB_LOAD, "CSV load, DuckDB read_csv", DUCKDB_LOAD, PerfCheck.Kind.LOAD, null));
    t.add(
        new Task(
            "oursFirstQ1Dp",
            "First answer, ours: load + first Q1-DP, new JVM",
            DUCKDB_FIRST,
            PerfCheck.Kind.NOISY_ENGINE,
            null));
    t.add(
        new Task(
            DUCKDB_FIRST,
            "First answer, DuckDB: read_csv + Q1-DP, new JVM",
            DUCKDB_FIRST,
            PerfCheck.Kind.BOUNDED_TO_THE_CENT,
            dp));
    if (candidates) {
      for (DuckDbWorkload.Formulation f : DuckDbWorkload.Formulation.values()) {
        boolean isQ1 = f.query() == DuckDbWorkload.Query.Q1;
        t.add(
            new Task(
                PerfBenchmarks.label("duckdbCandidate", f.name()),
                (isQ1 ? "candidate Q1, DuckDB: " : "candidate Q1-DP, DuckDB: ") + f.name(),
                isQ1 ? DUCKDB_Q1 : DUCKDB_Q1_DP,
                isQ1 ? PerfCheck.Kind.Q1_TO_THE_CENT : PerfCheck.Kind.BOUNDED_TO_THE_CENT,
                isQ1 ? null : f));
      }
    }
    return t;
  }

  /** Checks each row's answers, computing each reference once. */
  private static final class Checker implements AutoCloseable {
    private final PerfReference reference;
    private final Path dir;
    private SortedMap<Long, PerfReference.Exact> q1;
    private final Map<String, SortedMap<Long, PerfReference.Exact>> bounded = new HashMap<>();
    private Connection duckdb;

    Checker(PerfReference reference, Path dir) {
      this.reference = reference;
      this.dir = dir;
    }

    PerfCheck.Outcome check(Task t, List<PerfAnswer> answers) throws SQLException {
      if (answers.isEmpty()) {
        return new PerfCheck.Outcome(0, List.of("no answers"), "no answers");
      }
      return switch (t.kind()) {
        case LOAD -> PerfCheck.load(answers, reference);
        case Q1_EXACT -> PerfCheck.exact(answers, q1(), true);
        case Q1_TO_THE_CENT -> PerfCheck.exact(answers, q1(), false);
        case Q1_COUNTS -> PerfCheck.exact(answers, q1(), true, false);
        case BOUNDED_TO_THE_CENT -> PerfCheck.exact(answers, bounded(t.formulation()), false);
        case NOISY_ENGINE -> PerfCheck.noisy(answers, reference, PerfCheck.Noise.engine());
        case NOISY_BASELINE -> PerfCheck.noisy(answers, reference, PerfCheck.Noise.baseline());
      };
    }

    private SortedMap<Long, PerfReference.Exact> q1() {
      if (q1 == null) {
        q1 = reference.q1();
      }
      return q1;
    }

    /** The bounded reference for {@code f}'s rank, with the hash values taken from DuckDB. */
    private SortedMap<Long, PerfReference.Exact> bounded(DuckDbWorkload.Formulation f)
        throws SQLException {
      SortedMap<Long, PerfReference.Exact> b = bounded.get(f.rank());
      if (b == null) {
        if (duckdb == null) {
          duckdb = DriverManager.getConnection("jdbc:duckdb:");
          DuckDbWorkload.load(
              duckdb, dir.resolve("impressions.csv"), dir.resolve("conversions.csv"));
        }
        b = reference.bounded(PerfReference.duckDbRanks(duckdb, f.rank()));
        bounded.put(f.rank(), b);
      }
      return b;
    }

    @Override
    public void close() throws SQLException {
      if (duckdb != null) {
        duckdb.close();
      }
    }
  }

  private static Map<String, List<PerfAnswer>> answers(Path dir) throws IOException {
    Map<String, List<PerfAnswer>> out = new HashMap<>();
    try (Stream<Path> files = Files.list(dir)) {
      for (Path p : files.sorted().toList()) {
        String name = p.getFileName().toString();
        String label = name.substring(0, name.indexOf(PerfBenchmarks.SEPARATOR));
        out.computeIfAbsent(label, x -> new ArrayList<>()).addAll(PerfAnswer.read(p));
      }
    }
    return out;
  }

  private static RunResult find(List<RunResult> results, String label) {
    for (RunResult r : results) {
      BenchmarkParams p = r.getParams();
      if (PerfBenchmarks.label(p.getBenchmark(), p.getParam(PerfBenchmarks.FORMULATION))
          .equals(label)) {
        return r;
      }
    }
    return null;
  }

  /** The time of each measured shot of {@code r}, in its unit. */
  static List<Double> times(RunResult r) {
    List<Double> times = new ArrayList<>();
    for (BenchmarkResult br : r.getBenchmarkResults()) {
      for (IterationResult ir : br.getIterationResults()) {
        times.add(ir.getPrimaryResult().getScore());
      }
    }
    return times;
  }

  private static double peak(RunResult r) {
    double peak = Double.NaN;
    for (BenchmarkResult br : r.getBenchmarkResults()) {
      for (IterationResult ir : br.getIterationResults()) {
        Result<?> heap = ir.getSecondaryResults().get(PeakHeapProfiler.RESULT);
        if (heap != null) {
          peak = Double.isNaN(peak) ? heap.getScore() : Math.max(peak, heap.getScore());
        }
      }
    }
    return peak;
  }

  /** The median of {@code xs}; NaN if it is empty. */
  static double median(List<Double> xs) {
    if (xs.isEmpty()) {
      return Double.NaN;
    }
    List<Double> s = new ArrayList<>(xs);
    s.sort(null);
    int n = s.size();
    return n % 2 == 1 ? s.get(n / 2) : (s.get(n / 2 - 1) + s.get(n / 2)) / 2;
  }

  private static String shortName(String against) {
    return switch (against) {
      case DUCKDB_Q1 -> "Q1";
      case DUCKDB_Q1_DP -> "Q1-DP";
      case DUCKDB_FIRST -> "load+Q1-DP";
      case DUCKDB_LOAD -> "read_csv";
      default -> against;
    };
  }

  private static void print(List<Row> rows, Workload.Scale scale, PrintStream out) {
    Map<String, Double> byName = new LinkedHashMap<>();
    for (Row r : rows) {
      byName.put(r.label(), r.medianMs());
    }
    out.printf(
        Locale.ROOT,
        "%nComparison at %,d / %,d rows (median of single-shot runs; first answers: one cold shot"
            + " per new JVM; ratio to the DuckDB row named):%n",
        scale.impressions(),
        scale.conversions());
    out.printf(
        Locale.ROOT,
        "%-60s %10s %8s %-10s %9s  %s%n",
        "task",
        "median ms",
        "×",
        "DuckDB",
        "heap MiB",
        "check");
    for (Row r : rows) {
      double base = byName.getOrDefault(r.against(), Double.NaN);
      out.printf(
          Locale.ROOT,
          "%-60s %10s %8s %-10s %9s  %s%n",
          r.task(),
          Double.isNaN(r.medianMs()) ? "failed" : String.format(Locale.ROOT, "%.1f", r.medianMs()),
          Double.isNaN(r.medianMs() / base)
              ? "-"
              : String.format(Locale.ROOT, "%.2f", r.medianMs() / base),
          shortName(r.against()),
          r.label().startsWith("ours") && !Double.isNaN(r.peakMiB())
              ? String.format(Locale.ROOT, "%.0f", r.peakMiB())
              : "",
          r.check().ok() ? "ok" : "FAILED");
    }
    Double q1 = byName.get("oursQ1");
    Double q1Dp = byName.get("oursQ1Dp");
    if (q1 != null && q1Dp != null) {
      out.printf(Locale.ROOT, "Privacy overhead (our Q1-DP / our Q1): %.2f%n", q1Dp / q1);
    }
    out.printf(
        Locale.ROOT,
        "DuckDB's SQL: Q1 = %s (%s); Q1-DP = %s (%s)%n",
        DuckDbWorkload.Q1.name(),
        DuckDbWorkload.Q1.description(),
        DuckDbWorkload.Q1_DP.name(),
        DuckDbWorkload.Q1_DP.description());
    out.printf(
        Locale.ROOT,
        "%nReference check (every shot's answer against an exact reference computed from the"
            + " generated rows):%n");
    for (Row r : rows) {
      out.printf(
          Locale.ROOT,
          "  %-7s %s: %s%n",
          r.check().ok() ? "ok" : "FAILED",
          r.label(),
          r.check().summary());
      for (String p : r.check().problems()) {
        out.printf(Locale.ROOT, "            %s%n", p);
      }
    }
  }
}
