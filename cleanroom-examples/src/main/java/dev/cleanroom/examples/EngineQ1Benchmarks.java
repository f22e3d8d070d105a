package dev.cleanroom.examples;

import dev.cleanroom.CleanRoom;
import dev.cleanroom.SecretKey;
import dev.cleanroom.query.Result;
import java.sql.Connection;
import java.sql.SQLException;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * The JMH benchmarks that the benchmark class of every distributed engine (the Spark SQL and Trino
 * modules) shares: Q1 and Q1-DP through our engine over the workload's two tables in the engine's
 * database, and the engine's own SQL for Q1, written three ways (the fastest of them in each run is
 * the row the others are compared with). A subclass, compiled with JMH's annotation processor, says
 * how the workload is loaded and where the tables are. {@link EngineBenchmarks#run} runs them.
 */
@State(Scope.Benchmark)
public abstract class EngineQ1Benchmarks {
  /** The {@link Workload.Scale} name of the workload in the engine. */
  @Param("tiny")
  public String scale;

  /** Without differential privacy: Q1 is a threshold query with difference checks. */
  CleanRoom plain;

  /** With differential privacy, for Q1-DP. */
  CleanRoom dp;

  /** Loads the workload into the engine (once per JVM and scale) and makes both rooms. */
  @Setup(Level.Trial)
  public void setUp() throws Exception {
    EngineBenchmarks.load(scale, this::load);
    SecretKey key = SecretKey.random();
    plain = PerfRooms.room(key, db(), false);
    dp = PerfRooms.room(key, db(), true);
  }

  /** Creates the tables {@code impressions} and {@code conversions} of {@code w} in the engine. */
  protected abstract void load(Workload w) throws Exception;

  /** The engine's database, where the tables are. */
  protected abstract javax.sql.DataSource db();

  /**
   * The engine's own SQL for Q1 as the DuckDB benchmark's fastest formulation ({@link
   * DuckDbWorkload#Q1}: the totals joined to the impressions first, then the joined pairs
   * deduplicated), over the same data source as the engine's queries.
   */
  @Benchmark
  public PerfAnswer ownSqlQ1() throws SQLException {
    return ownSql(EngineBenchmarks.OWN_SQL_Q1);
  }

  /**
   * The engine's own SQL for Q1 joined first, with one group per (user, campaign) instead of {@code
   * DISTINCT} ({@link DuckDbWorkload.Formulation#Q1_JOIN_FIRST_GROUP_BY}).
   */
  @Benchmark
  public PerfAnswer ownSqlQ1GroupBy() throws SQLException {
    return ownSql(EngineBenchmarks.OWN_SQL_Q1_GROUP_BY);
  }

  /**
   * The engine's own SQL for Q1 with the impressions of converting users chosen first, by {@code
   * IN} over a subquery ({@link DuckDbWorkload.Formulation#Q1_IN_SUBQUERY}).
   */
  @Benchmark
  public PerfAnswer ownSqlQ1InSubquery() throws SQLException {
    return ownSql(EngineBenchmarks.OWN_SQL_Q1_IN_SUBQUERY);
  }

  private PerfAnswer ownSql(String method) throws SQLException {
    try (Connection c = db().getConnection()) {
      return EngineBenchmarks.keep(
          method, DuckDbWorkload.run(c, EngineBenchmarks.OWN_SQL.get(method)));
    }
  }

  /** Q1 through our engine (threshold only, difference checks on). */
  @Benchmark
  public Result cleanroomQ1() {
    return EngineBenchmarks.keep(EngineBenchmarks.Q1, PerfRooms.q1(plain));
  }

  /** Q1-DP through our engine. */
  @Benchmark
  public Result cleanroomQ1Dp() {
    return EngineBenchmarks.keep(EngineBenchmarks.Q1_DP, PerfRooms.q1Dp(dp));
  }
}
