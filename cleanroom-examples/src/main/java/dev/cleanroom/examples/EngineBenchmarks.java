package dev.cleanroom.examples;

import dev.cleanroom.query.ExecutionPath;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.ChainedOptionsBuilder;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.VerboseMode;

/**
 * The JMH benchmark of a distributed engine (the Spark SQL and Trino modules under {@code
 * cleanroom-examples}): Q1 and Q1-DP of the performance workload through the engine, against the
 * engine's own SQL for Q1, in one JMH run of the engine module's benchmark class. That class has
 * the benchmark methods {@link #Q1} and {@link #Q1_DP}, and one per formulation of the engine's own
 * SQL ({@link #OWN_SQL}), each handing its shot's answer to {@link #keep}; every answer of every
 * shot, warm-ups included, is then checked against the workload's exact reference ({@link
 * PerfCheck}), so that a fast wrong answer fails the run. Each row's ratio is to the fastest of the
 * engine's own formulations in the same run, so that the engine is compared with the best SQL an
 * expert would write for it among those, whichever that is on this engine.
 *
 * <p>The run is in this JVM ({@code forks = 0}): the engine's cluster is started and loaded once
 * and serves all the benchmarks, which so measure the same tables on the same nodes. The work they
 * time runs mostly in the cluster's own JVMs (Spark's executors, Trino's workers); what runs here
 * is the client, and for Trino its coordinator. JMH runs the benchmarks one after the other (in the
 * order of their names), so the first one meets a cold cluster: each gets as many warm-up shots as
 * measured ones (the README has a run with one warm-up, where the first row paid for it).
 */
final class EngineBenchmarks {
  private EngineBenchmarks() {}

  /**
   * The benchmark method that runs the engine's own SQL for Q1, joined first ({@link #OWN_SQL}).
   */
  static final String OWN_SQL_Q1 = "ownSqlQ1";

  /** The benchmark method that runs the engine's own SQL for Q1 grouped ({@link #OWN_SQL}). */
  static final String OWN_SQL_Q1_GROUP_BY = "ownSqlQ1GroupBy";

  /** The benchmark method that runs the engine's own SQL for Q1 with IN ({@link #OWN_SQL}). */
  static final String OWN_SQL_Q1_IN_SUBQUERY = "ownSqlQ1InSubquery";

  /**
   * The formulation of Q1 that each own-SQL benchmark method runs, in table order: the DuckDB
   * benchmark's fastest ({@link DuckDbWorkload#Q1}), its variant with GROUP BY, and the semi join
   * written as {@code IN}, which Trino and Spark SQL plan as a semi join.
   */
  static final Map<String, DuckDbWorkload.Formulation> OWN_SQL = ownSql();

  private static Map<String, DuckDbWorkload.Formulation> ownSql() {
    Map<String, DuckDbWorkload.Formulation> m = new LinkedHashMap<>();
    m.put(OWN_SQL_Q1, DuckDbWorkload.Q1);
    m.put(OWN_SQL_Q1_GROUP_BY, DuckDbWorkload.Formulation.Q1_JOIN_FIRST_GROUP_BY);
    m.put(OWN_SQL_Q1_IN_SUBQUERY, DuckDbWorkload.Formulation.Q1_IN_SUBQUERY);
    return Collections.unmodifiableMap(m);
  }

  /**
   * The benchmark method that runs Q1 (threshold only, difference checks on) through our engine.
   */
  static final String Q1 = "cleanroomQ1";

  /** The benchmark method that runs Q1-DP through our engine. */
  static final String Q1_DP = "cleanroomQ1Dp";

  /** Every benchmark method of an engine's benchmark class, in table order. */
  static final List<String> METHODS = methods();

  private static List<String> methods() {
    List<String> m = new ArrayList<>(OWN_SQL.keySet());
    m.add(Q1);
    m.add(Q1_DP);
    return List.copyOf(m);
  }

  private static final Map<String, List<Object>> KEPT = new ConcurrentHashMap<>();

  /** Keeps {@code answer}, one shot of benchmark method {@code method}, and returns it. */
  static <T> T keep(String method, T answer) {
    KEPT.computeIfAbsent(method, m -> Collections.synchronizedList(new ArrayList<>())).add(answer);
    return answer;
  }

  /** Loads a workload into an engine. */
  @FunctionalInterface
  interface Loader {
    void load(Workload w) throws Exception;
  }

  /** The workload in this JVM's engine, of {@code scale}, and the seconds its load took. */
  private record Loaded(String scale, Workload workload, double seconds) {}

  private static Loaded loaded;

  /**
   * The workload of {@code scale} (seed 42), generated and handed to {@code loader} unless this
   * JVM's engine already holds it: the benchmarks of a run share one load.
   */
  static synchronized Workload load(String scale, Loader loader) throws Exception {
    if (loaded == null || !loaded.scale().equals(scale)) {
      Workload w = Workload.generate(Workload.Scale.of(scale), 42);
      long start = System.nanoTime();
      loader.load(w);
      loaded = new Loaded(scale, w, (System.nanoTime() - start) / 1e9);
    }
    return loaded.workload();
  }

  /** Seconds that the last load took. */
  private static synchronized double loadSeconds() {
    return loaded.seconds();
  }

  /**
   * Loads the workload of {@code scale} into the engine, checks that Q1 and Q1-DP run there in one
   * statement each, runs the benchmarks of {@code benchmarks}' class at {@code scale}, checks every
   * answer and prints the table to standard output.
   *
   * @param engine the engine's name, as in "Trino"
   * @param setting the engine's version and nodes, for the table's title
   * @param benchmarks an instance of the engine module's JMH class
   * @param scale a {@link Workload.Scale} name
   * @param warmups the warm-up shots of each benchmark
   * @param runs the measured shots of each benchmark
   * @return the median milliseconds of each benchmark method, in table order
   * @throws IllegalStateException after printing, if a benchmark failed, missed a shot or an answer
   *     is wrong; before running, if a query would not run in the engine
   */
  static Map<String, Double> run(
      String engine,
      String setting,
      EngineQ1Benchmarks benchmarks,
      String scale,
      int warmups,
      int runs)
      throws Exception {
    benchmarks.scale = scale;
    benchmarks.setUp();
    Workload w = load(scale, benchmarks::load);
    ExecutionPath q1Path = PerfRooms.path(benchmarks.plain, false);
    ExecutionPath dpPath = PerfRooms.path(benchmarks.dp, true);
    for (ExecutionPath p : List.of(q1Path, dpPath)) {
      if (p.kind() != ExecutionPath.Kind.PUSHED_DOWN) {
        throw new IllegalStateException("not pushed down to " + engine + ": " + p.reason());
      }
    }
    Map<String, String> rows = new LinkedHashMap<>();
    for (String method : METHODS) {
      rows.put(
          method,
          switch (method) {
            case Q1 -> "Q1 through the engine (" + q1Path.kind() + ")";
            case Q1_DP -> "Q1-DP through the engine (" + dpPath.kind() + ")";
            default -> engine + "'s own SQL for Q1: " + OWN_SQL.get(method).description();
          });
    }
    return run(
        benchmarks.getClass(),
        Map.of("scale", scale),
        rows,
        PerfReference.of(w),
        warmups,
        runs,
        String.format(
            Locale.ROOT,
            "%s; %,d impressions, %,d conversions (seed 42), loaded in %.1f s; %d measured shots"
                + " after %d warm-ups",
            setting,
            w.impressionRows(),
            w.conversionRows(),
            loadSeconds(),
            runs,
            warmups),
        System.out);
  }

  /**
   * Runs the benchmarks of {@code benchmarks}, checks every answer and prints the table, each row
   * with its ratio to the fastest of the engine's own formulations.
   *
   * @param benchmarks the engine module's JMH class
   * @param params its JMH parameters
   * @param rows each benchmark method's description in the table, in table order
   * @param reference the exact answers of the workload the cluster holds
   * @param warmups the warm-up shots of each benchmark
   * @param runs the measured shots of each benchmark
   * @param title the table's first line: the engine, its nodes and the workload
   * @param out where the table goes
   * @return the median milliseconds of each benchmark method, in table order
   * @throws IllegalStateException after printing, if a benchmark failed, missed a shot or an answer
   *     is wrong
   */
  private static Map<String, Double> run(
      Class<?> benchmarks,
      Map<String, String> params,
      Map<String, String> rows,
      PerfReference reference,
      int warmups,
      int runs,
      String title,
      PrintStream out)
      throws RunnerException {
    KEPT.clear();
    ChainedOptionsBuilder options =
        new OptionsBuilder()
            .include("^" + Pattern.quote(benchmarks.getName() + ".") + "\\w+$")
            .forks(0)
            .mode(Mode.SingleShotTime)
            .timeUnit(TimeUnit.MILLISECONDS)
            .warmupIterations(warmups)
            .measurementIterations(runs)
            .shouldFailOnError(true)
            .verbosity(VerboseMode.NORMAL);
    params.forEach(options::param);
    Collection<RunResult> results = new Runner(options.build()).run();

    Map<String, RunResult> byMethod = new LinkedHashMap<>();
    for (RunResult r : results) {
      String b = r.getParams().getBenchmark();
      byMethod.put(b.substring(b.lastIndexOf('.') + 1), r);
    }
    List<String> problems = new ArrayList<>();
    StringBuilder table = new StringBuilder(title).append('\n');
    int width = rows.values().stream().mapToInt(String::length).max().orElse(1);
    table.append(
        String.format(
            Locale.ROOT,
            "%-" + width + "s %10s %10s %10s %9s  %s%n",
            "",
            "median ms",
            "min ms",
            "max ms",
            "× own best",
            "answers"));
    Map<String, Double> medians = new LinkedHashMap<>();
    Map<String, List<Double>> timesOf = new LinkedHashMap<>();
    Map<String, PerfCheck.Outcome> checks = new LinkedHashMap<>();
    for (String method : rows.keySet()) {
      RunResult r = byMethod.get(method);
      List<Double> times = r == null ? List.of() : PerfTable.times(r);
      List<PerfAnswer> answers = new ArrayList<>();
      for (Object o : KEPT.getOrDefault(method, List.of())) {
        answers.add(PerfAnswer.from(o));
      }
      PerfCheck.Outcome check = check(method, answers, reference);
      if (!check.ok()) {
        problems.add(
            method
                + ": "
                + (check.problems().isEmpty() ? "no answer" : String.join("; ", check.problems())));
      }
      if (times.size() != runs || answers.size() != warmups + runs) {
        problems.add(
            method + ": " + times.size() + " measured shots, " + answers.size() + " answers");
      }
      timesOf.put(method, times);
      checks.put(method, check);
      medians.put(method, PerfTable.median(times));
    }
    // The fastest own formulation that gave the right answer; NaN if none did.
    double own =
        OWN_SQL.keySet().stream()
            .filter(m -> checks.containsKey(m) && checks.get(m).ok())
            .mapToDouble(medians::get)
            .filter(d -> !Double.isNaN(d))
            .min()
            .orElse(Double.NaN);
    for (Map.Entry<String, String> row : rows.entrySet()) {
      List<Double> times = timesOf.get(row.getKey());
      double median = medians.get(row.getKey());
      PerfCheck.Outcome check = checks.get(row.getKey());
      table.append(
          String.format(
              Locale.ROOT,
              "%-" + width + "s %10.1f %10.1f %10.1f %9.2f  %s%n",
              row.getValue(),
              median,
              times.stream().mapToDouble(Double::doubleValue).min().orElse(Double.NaN),
              times.stream().mapToDouble(Double::doubleValue).max().orElse(Double.NaN),
              median / own,
              check.ok() ? "ok: " + check.summary() : "WRONG"));
    }
    out.print(table);
    if (!problems.isEmpty()) {
      throw new IllegalStateException(String.join("\n", problems));
    }
    return medians;
  }

  /**
   * The check of one benchmark's answers: the engine's own SQL releases the reference's campaigns
   * and counts, with revenue to the cent (it adds doubles in its own order); Q1 through our engine
   * the same, with revenue the exact sum rounded once; Q1-DP a plausible noisy answer.
   */
  private static PerfCheck.Outcome check(
      String method, List<PerfAnswer> answers, PerfReference reference) {
    return switch (method) {
      case OWN_SQL_Q1, OWN_SQL_Q1_GROUP_BY, OWN_SQL_Q1_IN_SUBQUERY ->
          PerfCheck.exact(answers, reference.q1(), false);
      case Q1 -> PerfCheck.exact(answers, reference.q1(), true);
      case Q1_DP -> PerfCheck.noisy(answers, reference, PerfCheck.Noise.engine());
      default -> throw new IllegalArgumentException("not a benchmark of an engine: " + method);
    };
  }
}
