package dev.cleanroom.internal.release;

import static dev.cleanroom.query.Dsl.median;
import static dev.cleanroom.query.Dsl.quantile;
import static dev.cleanroom.query.Dsl.sum;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cleanroom.AggregateFunction;
import dev.cleanroom.CleanRoom;
import dev.cleanroom.Column;
import dev.cleanroom.Dataset;
import dev.cleanroom.Policy;
import dev.cleanroom.PolicyViolationException;
import dev.cleanroom.PrivacyBudget;
import dev.cleanroom.Schema;
import dev.cleanroom.SecretKey;
import dev.cleanroom.UserIdFormat;
import dev.cleanroom.query.CellNoise;
import dev.cleanroom.query.Explanation;
import dev.cleanroom.query.NoiseKind;
import dev.cleanroom.query.Result;
import dev.cleanroom.query.ResultRow;
import dev.cleanroom.source.InMemorySource;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The release of quantiles with differential privacy: values within the bounds, intervals that
 * contain the released value and cover the exact nearest-rank quantile at the stated level, all
 * quantiles of one metric in one budget share, the right value when the noise is negligible; the
 * exact quantiles in threshold mode; and the owner's consent.
 *
 * <p>Data: in group {@code Gn} (n = 400, 800, 1600, 3200 people) person i has one row with the
 * value ((i·37) % 1000)/10 within the bounds [0, 100]; the exact quantiles are computed here by
 * sorting.
 */
class QuantileReleaseTest {
  private static final Schema SCHEMA =
      Schema.of(Column.string("uid"), Column.string("ward"), Column.float64("lab"));
  private static final double[] PS = {0.25, 0.5, 0.75};

  private static double value(int i) {
    return ((i * 37) % 1000) / 10.0;
  }

  private static double exact(int n, double p) {
    double[] v = new double[n];
    for (int i = 0; i < n; i++) {
      v[i] = value(i);
    }
    Arrays.sort(v);
    int rank = (int) Math.ceil(p * n); // exact here: p·n is a whole number
    return v[rank - 1];
  }

  private static Map<String, Integer> sizes() {
    Map<String, Integer> sizes = new LinkedHashMap<>();
    for (int n = 400; n <= 3200; n *= 2) {
      sizes.put("G" + n, n);
    }
    return sizes;
  }

  private static CleanRoom room(boolean dp, boolean allowed) {
    InMemorySource.Builder b = InMemorySource.builder("people", SCHEMA);
    for (Map.Entry<String, Integer> e : sizes().entrySet()) {
      for (int i = 0; i < e.getValue(); i++) {
        b.addRow("p" + e.getKey() + "_" + i, e.getKey(), value(i));
      }
    }
    Policy.Builder p =
        Policy.builder()
            .allowAnalysts("an")
            .allowJoinOn("uid")
            .minDistinctUsers(2)
            .withoutDifferenceChecks();
    if (allowed) {
      p.allowAggregates("lab", AggregateFunction.SUM, AggregateFunction.QUANTILE);
    }
    if (dp) {
      p.differentialPrivacy(PrivacyBudget.epsilonDelta(1_000_000, 0.5), 100_000);
    }
    CleanRoom room = CleanRoom.builder().secretKey(SecretKey.random()).auditSink(e -> {}).build();
    room.register(
        Dataset.builder("own", "people")
            .source(b.build())
            .userId("uid", UserIdFormat.RAW)
            .dimension("ward")
            .metric("lab", 0, 100)
            .policy(p.build())
            .build());
    return room;
  }

  private static Result run(CleanRoom room, String alias, double epsilon, NoiseKind noise) {
    return room.as("an")
        .from("own.people")
        .groupBy("ward")
        .select(
            quantile("lab", 0.25).as("p25_" + alias),
            median("lab").as("p50_" + alias),
            quantile("lab", 0.75).as("p75_" + alias))
        .budget(
            noise == NoiseKind.GAUSSIAN
                ? PrivacyBudget.epsilonDelta(epsilon, 1e-6)
                : PrivacyBudget.epsilon(epsilon))
        .noise(noise)
        .publicGroupValues(sizes().keySet().toArray())
        .run();
  }

  /**
   * The 95% intervals of the noisy quantiles cover the exact ones at least 95% of the time.
   *
   * <p>50 runs × 4 groups = 200 trees, each with its own independent noise (each run is a new
   * query, as its aliases differ). The three intervals of one tree all hold when every band of the
   * tree holds, an event of probability at least 0.95, so a tree counts as a miss if any of its
   * three intervals misses; misses are stochastically at most Binomial(200, 0.05), and the test
   * fails if more than 30 trees miss: P[Bin(200, 0.05) ≥ 31] ≈ 2e-7 (computed below), below the
   * stated false-failure rate of 1e-6. ε = 1 per query.
   */
  @ParameterizedTest
  @EnumSource(NoiseKind.class)
  void intervals_coverTheExactQuantiles_atLeast95PercentOfTheTime(NoiseKind noise) {
    CleanRoom room = room(true, true);
    int trees = 0;
    int misses = 0;
    for (int run = 0; run < 50; run++) {
      Result r = run(room, "r" + run, 1.0, noise);
      assertEquals(4, r.size());
      for (ResultRow row : r.rows()) {
        int n = sizes().get(row.getString("ward"));
        boolean miss = false;
        for (int i = 0; i < PS.length; i++) {
          String column = List.of("p25_", "p50_", "p75_").get(i) + "r" + run;
          double v = row.getDouble(column);
          CellNoise c = row.noise(column).orElseThrow();
          assertTrue(c.lower() <= v && v <= c.upper(), column + ": " + v + " not in " + c);
          assertTrue(c.lower() >= 0 && c.upper() <= 100, c::toString);
          miss |= !(c.lower() <= exact(n, PS[i]) && exact(n, PS[i]) <= c.upper());
        }
        trees++;
        if (miss) {
          misses++;
        }
      }
    }
    assertEquals(200, trees);
    double tail = binomialUpperTail(200, 0.05, 31);
    assertTrue(tail <= 1e-6, "false-failure probability " + tail);
    assertTrue(misses <= 30, misses + " of 200 trees miss the exact quantiles");
  }

  /** With ε = 10^4 the noise is negligible: the released quantiles are within a leaf. */
  @ParameterizedTest
  @EnumSource(NoiseKind.class)
  void largeEpsilon_releasesTheExactQuantiles_withinALeaf(NoiseKind noise) {
    Result r = run(room(true, true), "big", 10_000, noise);
    double leaf = 100.0 / 4096;
    for (ResultRow row : r.rows()) {
      int n = sizes().get(row.getString("ward"));
      assertEquals(exact(n, 0.25), row.getDouble("p25_big"), 2 * leaf, row::toString);
      assertEquals(exact(n, 0.5), row.getDouble("p50_big"), 2 * leaf, row::toString);
      assertEquals(exact(n, 0.75), row.getDouble("p75_big"), 2 * leaf, row::toString);
      CellNoise c = row.noise("p50_big").orElseThrow();
      // Narrow: it reaches a few ranks either side (the bands hold a count or two), and in the
      // smallest group neighbouring values lie up to about 0.3 apart.
      assertTrue(c.upper() - c.lower() <= 1.5, c::toString);
    }
  }

  /** The three quantiles share one part of the budget with the sum: ε/2 each, one line. */
  @Test
  void quantilesOfOneMetric_shareOneBudgetShare() {
    Explanation e =
        room(true, true)
            .as("an")
            .from("own.people")
            .groupBy("ward")
            .select(
                quantile("lab", 0.25).as("a"),
                median("lab").as("b"),
                quantile("lab", 0.75).as("c"),
                sum("lab").as("s"))
            .budget(PrivacyBudget.epsilon(1))
            .publicGroupValues(sizes().keySet().toArray())
            .explain();
    String text = e.toString();
    assertTrue(text.contains("a, b, c: ε=0.5"), text);
    assertTrue(text.contains("s: ε=0.5"), text);
    assertTrue(text.contains("one noisy quantile tree of [lab]"), text);
  }

  @Test
  void thresholdMode_isExact() {
    Result r =
        room(false, true)
            .as("an")
            .from("own.people")
            .groupBy("ward")
            .select(quantile("lab", 0.25).as("p25"), median("lab"), quantile("lab", 0.75).as("p75"))
            .run();
    assertEquals(4, r.size());
    for (ResultRow row : r.rows()) {
      int n = sizes().get(row.getString("ward"));
      assertEquals(exact(n, 0.25), row.getDouble("p25"));
      assertEquals(exact(n, 0.5), row.getDouble("median_lab"));
      assertEquals(exact(n, 0.75), row.getDouble("p75"));
      assertTrue(row.noise("p25").isEmpty());
    }
  }

  @Test
  void withoutTheOwnersConsent_isRefused() {
    CleanRoom room = room(false, false);
    assertThrows(
        PolicyViolationException.class,
        () -> room.as("an").from("own.people").groupBy("ward").select(median("lab")).run());
  }

  /** P[Binomial(n, p) >= k], summed in log space. */
  private static double binomialUpperTail(int n, double p, int k) {
    double sum = 0;
    for (int i = k; i <= n; i++) {
      double s = 0;
      for (int j = 1; j <= i; j++) {
        s += Math.log(n - i + j) - Math.log(j);
      }
      sum += Math.exp(s + i * Math.log(p) + (n - i) * Math.log1p(-p));
    }
    return sum;
  }
}
