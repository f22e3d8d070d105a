package dev.cleanroom.examples;

import dev.cleanroom.engine.trino.TrinoCluster;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.StringJoiner;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;

/**
 * The JMH benchmarks of Q1 and Q1-DP on a distributed Trino ({@link TrinoCluster}: coordinator in
 * this JVM, two worker JVMs, memory connector), against Trino's own SQL for Q1. Run them with
 * {@link TrinoQ1Benchmark}, which runs them in one JMH run ({@link EngineBenchmarks}) and checks
 * every answer.
 */
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@State(Scope.Benchmark)
public class TrinoBenchmarks extends EngineQ1Benchmarks {
  private static final int CHUNK = 5_000;

  @Override
  protected javax.sql.DataSource db() {
    return TrinoCluster.get().jdbc();
  }

  /**
   * Creates both tables in Trino and fills them with INSERT statements of {@value #CHUNK} rows,
   * each column one text literal of comma-separated values, split and cast into an array and
   * unnested ({@code INSERT ... SELECT * FROM UNNEST(split('...', ','), CAST(split('...', ',') AS
   * array(bigint)))}): Trino plans that far faster than as many rows of a {@code VALUES} list (an
   * array constructor takes at most 254 elements). The generated ids (no comma, no quote) and
   * numbers are ours, no caller text; doubles travel as {@link Double#toString} text, which Trino's
   * cast to DOUBLE reads back exactly.
   */
  @Override
  protected void load(Workload w) throws SQLException {
    TrinoCluster trino = TrinoCluster.get();
    trino.execute(
        "DROP TABLE IF EXISTS impressions",
        "DROP TABLE IF EXISTS conversions",
        "CREATE TABLE impressions (user_id VARCHAR, campaign_id BIGINT, ts BIGINT)",
        "CREATE TABLE conversions (user_id VARCHAR, value DOUBLE)");
    try (Connection c = trino.jdbc().getConnection();
        Statement s = c.createStatement()) {
      for (int from = 0; from < w.impressionRows(); from += CHUNK) {
        int to = Math.min(w.impressionRows(), from + CHUNK);
        StringJoiner users = new StringJoiner(",");
        StringJoiner campaigns = new StringJoiner(",");
        for (int r = from; r < to; r++) {
          users.add(safe(w.impressionUser(r)));
          campaigns.add(Long.toString(w.campaign(r)));
        }
        s.executeUpdate(
            "INSERT INTO impressions SELECT u, c, 0 FROM UNNEST(split('"
                + users
                + "', ','), CAST(split('"
                + campaigns
                + "', ',') AS array(bigint))) AS t (u, c)");
      }
      for (int from = 0; from < w.conversionRows(); from += CHUNK) {
        int to = Math.min(w.conversionRows(), from + CHUNK);
        StringJoiner users = new StringJoiner(",");
        StringJoiner values = new StringJoiner(",");
        for (int r = from; r < to; r++) {
          users.add(safe(w.conversionUser(r)));
          double v = w.value(r);
          if (!Double.isFinite(v)) {
            throw new IllegalStateException("a generated value is not finite");
          }
          values.add(Double.toString(v));
        }
        s.executeUpdate(
            "INSERT INTO conversions SELECT u, v FROM UNNEST(split('"
                + users
                + "', ','), CAST(split('"
                + values
                + "', ',') AS array(double))) AS t (u, v)");
      }
    }
  }

  /** A generated id, which is letters, digits and dashes (no comma, no quote); else a bug here. */
  private static String safe(String id) {
    if (!id.matches("[A-Za-z0-9@._+-]+")) {
      throw new IllegalStateException("unexpected character in a generated id");
    }
    return id;
  }
}
