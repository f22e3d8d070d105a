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
        .dataset(impressions())
        .budgets(balances())
        .build();
  }
}
