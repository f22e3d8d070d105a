package dev.cleanroom.examples;

import java.sql.SQLException;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;

/**
 * Every formulation of Q1 and of the bounded Q1-DP in DuckDB's SQL ({@link
 * DuckDbWorkload.Formulation}), measured side by side on the same database as {@link
 * PerfBenchmarks}' DuckDB rows, each answer checked like theirs. Not part of the default run:
 * {@code PerfTable --duckdb-candidates} adds them, one row per formulation, to choose {@link
 * DuckDbWorkload#Q1} and {@link DuckDbWorkload#Q1_DP}.
 */
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Fork(value = 1)
public class DuckDbCandidates {
  /** The formulation: a {@link DuckDbWorkload.Formulation} name, set by {@link PerfTable}. */
  @State(Scope.Benchmark)
  public static class Candidate {
    /** The formulation's name. */
    @Param("Q1_JOIN_FIRST")
    public String formulation;
  }

  /** One formulation, on DuckDB's tables. */
  @Benchmark
  public PerfAnswer duckdbCandidate(PerfBenchmarks.Duck d, Candidate c, PerfBenchmarks.Answers a)
      throws SQLException {
    return a.keep(
        DuckDbWorkload.run(d.connection, DuckDbWorkload.Formulation.valueOf(c.formulation)));
  }
}
