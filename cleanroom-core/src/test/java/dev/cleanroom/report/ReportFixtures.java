package dev.cleanroom.report;

import dev.cleanroom.BudgetBalance;
import dev.cleanroom.BudgetPeriod;
import dev.cleanroom.Column;
import dev.cleanroom.ColumnType;
import dev.cleanroom.Dataset;
import dev.cleanroom.Policy;
import dev.cleanroom.PrivacyBudget;
import dev.cleanroom.Schema;
import dev.cleanroom.query.CellNoise;
import dev.cleanroom.query.LedgerStatus;
import dev.cleanroom.query.PrivacyReport;
import dev.cleanroom.query.Result;
import dev.cleanroom.query.ResultColumn;
import dev.cleanroom.query.ResultRow;
import dev.cleanroom.source.InMemorySource;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** Results, datasets and ledgers of a small report, as a room would release them. */
final class ReportFixtures {
  private ReportFixtures() {}

  static final List<ResultColumn> DP_COLUMNS =
      List.of(
          new ResultColumn("campaignId", ColumnType.LONG, false),
          new ResultColumn("converters", ColumnType.LONG, true),
          new ResultColumn("revenue", ColumnType.DOUBLE, true));

  /** Released values per campaign: converters, revenue; campaign 4 was not released. */
  static final long[] CAMPAIGNS = {1, 2, 3, 5};

  static final long[] CONVERTERS = {1_204, 388, 97, -6};
  static final double[] REVENUE = {61_520.5, 20_311.25, 4_870, 310.75};

  /** A differentially private result of converters and revenue per campaign. */
  static Result dpResult() {
    List<ResultRow> rows = new ArrayList<>();
    for (int i = 0; i < CAMPAIGNS.length; i++) {
      rows.add(
          new ResultRow(
              DP_COLUMNS,
              List.of(CAMPAIGNS[i], CONVERTERS[i], REVENUE[i]),
              List.of(
                  Optional.empty(),
                  Optional.of(
                      new CellNoise(
                          "discrete Laplace", 8, CONVERTERS[i] - 24.0, CONVERTERS[i] + 24.0)),
                  Optional.of(
                      new CellNoise(
                          "discrete Laplace", 1000, REVENUE[i] - 2996, REVENUE[i] + 2996)))));
    }
    PrivacyReport privacy =
        new PrivacyReport(
            true,
            BigDecimal.ONE,
            new BigDecimal("0.00001"),
            List.of("converters: ε=0.5", "revenue: ε=0.5"),
            List.of(
                new LedgerStatus(
                    "publisher.impressions/advertiser/2026-12",
                    "publisher.impressions",
                    BigDecimal.ONE,
                    new BigDecimal("0.00001"),
                    new BigDecimal("9.0"),
                    new BigDecimal("0.00000"))),
            false);
    return new Result("q-1", DP_COLUMNS, rows, privacy);
  }

  /** The groups expected in {@link #dpResult()}: campaigns 1 to 5, so 4 was suppressed. */
  static List<List<Object>> expectedCampaigns() {
    return List.of(List.of(1L), List.of(2L), List.of(3L), List.of(4L), List.of(5L));
  }

  static final List<ResultColumn> THRESHOLD_COLUMNS =
      List.of(
          new ResultColumn("region", ColumnType.STRING, false),
          new ResultColumn("arm", ColumnType.STRING, false),
          new ResultColumn("buyers", ColumnType.LONG, true));

  /** A threshold-mode result with two group columns. */
  static Result thresholdResult() {
    return new Result(
        "q-2",
        THRESHOLD_COLUMNS,
        List.of(
            new ResultRow(THRESHOLD_COLUMNS, List.of("north", "exposed", 512L)),
            new ResultRow(THRESHOLD_COLUMNS, List.of("north", "holdout", 130L)),
            new ResultRow(THRESHOLD_COLUMNS, List.of("south", "exposed", 77L))));
  }

  static final List<ResultColumn> ARM_COLUMNS =
      List.of(
          new ResultColumn("arm", ColumnType.STRING, false),
          new ResultColumn("members", ColumnType.LONG, true),
          new ResultColumn("buyers", ColumnType.LONG, true),
          new ResultColumn("sd_basket", ColumnType.DOUBLE, true),
          new ResultColumn("conv_rate", ColumnType.DOUBLE, true),
          new ResultColumn("lift", ColumnType.DOUBLE, true),
          new ResultColumn("lift_pilot", ColumnType.DOUBLE, true));

  /** The arms of {@link #armResult()} and their released values, column by column. */
  static final String[] ARMS = {"exposed", "holdout", "pilot"};

  static final long[] MEMBERS = {5_120, 1_000, 4};
  static final long[] BUYERS = {4_116, 650, 2};
  static final double[] SD_BASKET = {12.5, 11.8, 9.25};
  static final double[] CONV_RATE = {0.804, 0.65, 0.5};
  static final double[] LIFT = {0.237, Double.NaN, Double.NaN};
  static final double[] LIFT_PILOT = {Double.NaN, Double.NaN, -0.231};

  /** The 95% intervals of the ratio and lifts: the pilot's are open above (its arm is tiny). */
  static final double[][] CONV_RATE_CI = {{0.797, 0.811}, {0.62, 0.68}, {0, inf()}};

  static final double[] LIFT_CI = {0.19, 0.29};
  static final double[] LIFT_PILOT_CI = {-1, inf()};

  private static double inf() {
    return Double.POSITIVE_INFINITY;
  }

  private static Optional<CellNoise> laplace(double scale, double lower, double upper) {
    return Optional.of(new CellNoise("discrete Laplace", scale, lower, upper));
  }

  private static Optional<CellNoise> derived(String mechanism, double lower, double upper) {
    return Optional.of(new CellNoise(mechanism, 0, lower, upper));
  }

  /**
   * A differentially private result of arm sizes, buyers, a spread, a conversion rate (a ratio) and
   * two lifts, with consistent (whole, non-negative) counts, as the retail example releases it: one
   * lift is positive, the other negative, each undefined on the rows it does not compare; the pilot
   * arm's rate and lift have open intervals.
   */
  static Result armResult() {
    List<ResultRow> rows = new ArrayList<>();
    for (int i = 0; i < ARMS.length; i++) {
      rows.add(
          new ResultRow(
              ARM_COLUMNS,
              List.of(
                  ARMS[i],
                  MEMBERS[i],
                  BUYERS[i],
                  SD_BASKET[i],
                  CONV_RATE[i],
                  LIFT[i],
                  LIFT_PILOT[i]),
              List.of(
                  Optional.empty(),
                  laplace(8, Math.max(0, MEMBERS[i] - 24), MEMBERS[i] + 24),
                  laplace(8, Math.max(0, BUYERS[i] - 24), BUYERS[i] + 24),
                  laplace(1.5, SD_BASKET[i] - 2.5, SD_BASKET[i] + 3),
                  derived("ratio of two noisy values", CONV_RATE_CI[i][0], CONV_RATE_CI[i][1]),
                  i == 0
                      ? derived("lift of two noisy ratios", LIFT_CI[0], LIFT_CI[1])
                      : Optional.empty(),
                  i == 2
                      ? derived("lift of two noisy ratios", LIFT_PILOT_CI[0], LIFT_PILOT_CI[1])
                      : Optional.empty())));
    }
    PrivacyReport privacy =
        new PrivacyReport(
            true,
            BigDecimal.ONE,
            BigDecimal.ZERO,
            List.of("members: ε=0.333", "buyers: ε=0.333", "sd_basket: ε=0.334"),
            List.of(
                new LedgerStatus(
                    "retailer.sales/brand/2026-12",
                    "retailer.sales",
                    BigDecimal.ONE,
                    BigDecimal.ZERO,
                    new BigDecimal("3"),
                    BigDecimal.ZERO)),
            false);
    return new Result("q-3", ARM_COLUMNS, rows, privacy);
  }

  static Dataset impressions() {
    Schema schema =
        Schema.of(
            Column.string("email"),
            Column.int64("campaignId"),
            Column.string("country"),
            Column.float64("spend"));
    return Dataset.builder("publisher", "impressions")
        .source(InMemorySource.ofMaps("impressions", schema, List.<Map<String, Object>>of()))
        .userId("email")
        .dimensions("campaignId", "country")
        .metric("spend", 0, 250)
        .policy(
            Policy.builder()
                .allowAnalysts("advertiser")
                .allowJoinOn("email")
                .minDistinctUsers(50)
                .maxGroupsPerUser(5)
                .maxContributionsPerGroup(10)
                .clampPerGroup("spend", 0, 1000)
                .differentialPrivacy(PrivacyBudget.epsilonDelta(10, 1e-5), 1.0)
                .budgetPeriod(BudgetPeriod.MONTHLY)
                .allowCohortRelease("publisher")
                .minCohortSize(100)
                .build())
        .build();
  }

  static List<BudgetBalance> balances() {
    return List.of(
        new BudgetBalance(
            "publisher.impressions/advertiser/2026-12",
            "publisher.impressions",
            "publisher",
            "advertiser",
            BudgetBalance.Kind.PRIVACY,
            BudgetPeriod.MONTHLY,
            "2026-12",
            BigDecimal.ONE,
            BigDecimal.TEN,
            BigDecimal.ZERO,
            new BigDecimal("9"),
            new BigDecimal("0.00001"),
            new BigDecimal("0.00001"),
            BigDecimal.ZERO));
  }

  /** The report of both results, the dataset's policy and the balances. */
  static HtmlReport report() {
    return HtmlReport.builder("Campaign measurement")
        .result("Converters and revenue per campaign", dpResult(), expectedCampaigns())
        .result("Buyers per region and arm", thresholdResult())
        .result("Promotion arms: sizes, conversion rates and lift", armResult())
        .dataset(impressions())
        .budgets(balances())
        .build();
  }
}
