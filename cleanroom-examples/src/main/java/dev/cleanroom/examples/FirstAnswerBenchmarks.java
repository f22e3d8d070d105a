package dev.cleanroom.examples;

import dev.cleanroom.SecretKey;
import dev.cleanroom.query.Result;
import dev.cleanroom.source.ColumnarSource;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * Time to first answer: from the two CSV files to the first Q1-DP answer in a new process. {@link
 * PerfTable} runs each benchmark as one measured shot per forked JVM, without warm-up, in as many
 * forks as it takes shots, so every shot starts cold: no class loaded, nothing compiled, no
 * pseudonym cached. JVM start-up itself is not counted (for DuckDB, loading its native library is
 * done before the shot, as a DuckDB process would have it at start).
 */
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
public class FirstAnswerBenchmarks {
  /** DuckDB's driver and native library, loaded before the shot. */
  @State(Scope.Benchmark)
  public static class DuckDbStarted {
    /** Opens and closes one in-memory database. */
    @Setup(Level.Trial)
    public void start() throws SQLException {
      try (Connection c = DriverManager.getConnection("jdbc:duckdb:")) {
        c.isValid(1);
      }
    }
  }

  /**
   * Ours: both files into {@link ColumnarSource}s, a room with a new key, and its first Q1-DP,
   * which derives every person code. The fork's heap is fixed at 1 GiB ({@code -Xms1g -Xmx1g}), as
   * a service that loads data would run: a heap that starts small and grows collects again at each
   * step of its growth while the load fills it. Its pages are still touched for the first time
   * inside the shot, as DuckDB's memory is in its own.
   */
  @Benchmark
  @Fork(
      value = 1,
      jvmArgsAppend = {"-Xms1g", "-Xmx1g"})
  public Result oursFirstQ1Dp(PerfBenchmarks.Inputs f, PerfBenchmarks.Answers a) {
    ColumnarSource impressions =
        ColumnarSource.readCsv("impressions", f.impressions, Workload.IMPRESSIONS);
    ColumnarSource conversions =
        ColumnarSource.readCsv("conversions", f.conversions, Workload.CONVERSIONS);
    return a.keep(
        PerfRooms.q1Dp(PerfRooms.room(SecretKey.random(), impressions, conversions, true)));
  }

  /**
   * DuckDB: a new in-memory database, both files loaded with {@code read_csv}, and the bounded
   * Q1-DP ({@link DuckDbWorkload#Q1_DP}).
   */
  @Benchmark
  @Fork(value = 1)
  public PerfAnswer duckdbFirstQ1Dp(
      PerfBenchmarks.Inputs f, DuckDbStarted started, PerfBenchmarks.Answers a)
      throws SQLException {
    try (Connection c = DriverManager.getConnection("jdbc:duckdb:")) {
      DuckDbWorkload.load(c, f.impressions, f.conversions);
      return a.keep(DuckDbWorkload.run(c, DuckDbWorkload.Q1_DP));
    }
  }
}
