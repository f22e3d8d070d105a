package dev.cleanroom.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cleanroom.CleanRoom;
import dev.cleanroom.engine.trino.TrinoCluster;
import dev.cleanroom.jdbc.JdbcSource;
import dev.cleanroom.query.ExecutionPath;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.StringJoiner;
import java.util.concurrent.Callable;
import org.junit.jupiter.api.Test;

/**
 * Q1 and Q1-DP of the benchmark workload on a distributed Trino (coordinator and two worker JVMs,
 * memory connector), measured in one run against Trino's own SQL for Q1, every answer checked
 * against the workload's exact reference ({@link PerfReference}, {@link PerfCheck}).
 *
 * <p>Not part of the test suite (its name matches no Surefire include); run it with
 *
 * <pre>
 * mvn -B -q -pl cleanroom-examples/engine-trino -am test -Dtest=TrinoQ1Benchmark \
 *     -Dsurefire.failIfNoSpecifiedTests=false -Dtrino.scale=small
 * </pre>
 *
 * where {@code trino.scale} is a {@link Workload.Scale} name ({@code tiny} by default, {@code
 * small} for 1M impressions and 100k conversions) and {@code trino.runs} the measured runs of each
 * row (5 by default, after one warm-up run).
 */
class TrinoQ1Benchmark {
  private static final int CHUNK = 5_000;

  @Test
  void q1AndQ1Dp_onTrino_againstTrinosOwnSql() throws Exception {
    Workload.Scale scale = Workload.Scale.of(System.getProperty("trino.scale", "tiny"));
    int runs = Integer.getInteger("trino.runs", 5);
    Workload w = Workload.generate(scale, 42);
    PerfReference ref = PerfReference.of(w);
    TrinoCluster trino = TrinoCluster.get();
    long loadStart = System.nanoTime();
    load(trino, w);
    double loadSeconds = (System.nanoTime() - loadStart) / 1e9;
    JdbcSource imps = JdbcSource.builder(trino.jdbc(), "impressions").build();
    JdbcSource convs = JdbcSource.builder(trino.jdbc(), "conversions").build();
    dev.cleanroom.SecretKey key = dev.cleanroom.SecretKey.random();
    CleanRoom plain = PerfRooms.room(key, imps, convs, false);
    CleanRoom dp = PerfRooms.room(key, imps, convs, true);
    ExecutionPath q1Path = plainQ1(plain).explain().path().orElseThrow();
    ExecutionPath dpPath =
        plainQ1(dp)
            .budget(dev.cleanroom.PrivacyBudget.epsilonDelta(PerfRooms.EPSILON, PerfRooms.DELTA))
            .explain()
            .path()
            .orElseThrow();
    assertEquals(ExecutionPath.Kind.PUSHED_DOWN, dpPath.kind(), dpPath::reason);

    List<String> lines = new ArrayList<>();
    List<String> problems = new ArrayList<>();
    Row trinoSql =
        measure(
            "Trino SQL, Q1 (its own statement)",
            runs,
            () -> {
              try (Connection c = trino.jdbc().getConnection()) {
                return DuckDbWorkload.run(c, DuckDbWorkload.Formulation.Q1_JOIN_FIRST);
              }
            });
    check(trinoSql, PerfCheck.exact(trinoSql.answers, ref.q1(), false), lines, problems);
    Row ours =
        measure("cleanroom on Trino, Q1 (" + q1Path.kind() + ")", runs, () -> PerfRooms.q1(plain));
    check(ours, PerfCheck.exact(ours.answers, ref.q1(), false), lines, problems);
    Row oursDp =
        measure(
            "cleanroom on Trino, Q1-DP (" + dpPath.kind() + ")", runs, () -> PerfRooms.q1Dp(dp));
    check(oursDp, PerfCheck.noisy(oursDp.answers, ref, PerfCheck.Noise.engine()), lines, problems);

    System.out.printf(
        Locale.ROOT,
        "Trino 435, coordinator + %d worker JVMs, memory connector; %,d impressions, %,d"
            + " conversions (seed 42), loaded in %.1f s; %d measured runs after 1 warm-up%n",
        TrinoCluster.WORKERS,
        w.impressionRows(),
        w.conversionRows(),
        loadSeconds,
        runs);
    System.out.printf(Locale.ROOT, "%-52s %10s %10s  %s%n", "", "median ms", "min ms", "check");
    lines.forEach(System.out::println);
    System.out.println("Q1 path: " + q1Path);
    System.out.println("Q1-DP path: " + dpPath.kind());
    assertTrue(problems.isEmpty(), () -> String.join("\n", problems));
  }

  private static dev.cleanroom.query.FinalStage plainQ1(CleanRoom room) {
    return room.as("advertiser")
        .from("publisher.impressions")
        .join("advertiser.conversions")
        .onUserId()
        .groupBy("campaign_id")
        .select(
            dev.cleanroom.query.Dsl.countDistinctUsers().as("converters"),
            dev.cleanroom.query.Dsl.sum("value").as("revenue"));
  }

  private record Row(String name, long[] nanos, List<PerfAnswer> answers) {}

  private static Row measure(String name, int runs, Callable<Object> shot) throws Exception {
    shot.call();
    long[] nanos = new long[runs];
    List<PerfAnswer> answers = new ArrayList<>();
    for (int i = 0; i < runs; i++) {
      long start = System.nanoTime();
      Object answer = shot.call();
      nanos[i] = System.nanoTime() - start;
      answers.add(PerfAnswer.from(answer));
    }
    return new Row(name, nanos, answers);
  }

  private static void check(
      Row row, PerfCheck.Outcome outcome, List<String> lines, List<String> problems) {
    long[] sorted = row.nanos().clone();
    java.util.Arrays.sort(sorted);
    lines.add(
        String.format(
            Locale.ROOT,
            "%-52s %10.1f %10.1f  %s",
            row.name(),
            sorted[sorted.length / 2] / 1e6,
            sorted[0] / 1e6,
            outcome.problems().isEmpty() ? "ok: " + outcome.summary() : "FAILED"));
    outcome.problems().forEach(p -> problems.add(row.name() + ": " + p));
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
  private static void load(TrinoCluster trino, Workload w) throws SQLException {
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
