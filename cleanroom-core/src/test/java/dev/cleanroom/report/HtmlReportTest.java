package dev.cleanroom.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

class HtmlReportTest {
  private static int count(String text, String part) {
    int n = 0;
    for (int i = text.indexOf(part); i >= 0; i = text.indexOf(part, i + 1)) {
      n++;
    }
    return n;
  }

  @Test
  void report_hasOneChartPerNumericAggregate_andOneBarPerReleasedRow() {
    String html = ReportFixtures.report().html();
    assertEquals(
        3 + 6,
        count(html, "<svg class=\"chart\""),
        "converters, revenue, buyers; members, buyers, sd_basket, conv_rate, lift, lift_pilot");
    assertEquals(4 + 4 + 3 + (3 + 3 + 3 + 3 + 1 + 1), count(html, "<rect class=\"bar\""));
    assertEquals(
        4 + 4 + (3 + 3 + 3 + 3 + 1 + 1),
        count(html, "<path class=\"ci\""),
        "whiskers only on noisy cells and defined derived values");
  }

  @Test
  void derivedColumns_showTheirValuesAndIntervals_undefinedAndOpenOnesReadably() {
    String html = HtmlReport.of("t", ReportFixtures.armResult()).html();
    for (String name : List.of("members", "buyers", "sd_basket", "conv_rate", "lift")) {
      assertTrue(html.contains("<th>" + name + "</th><th>" + name + ": 95% interval</th>"));
    }
    // Rates and lifts keep three significant digits; counts are whole.
    assertTrue(html.contains("<td class=\"num\">0.804</td><td class=\"num\">[0.797, 0.811]"));
    assertTrue(html.contains("<td class=\"num\">5,120</td><td class=\"num\">[5,096, 5,144]"));
    assertTrue(html.contains("<td class=\"num\">0.237</td><td class=\"num\">[0.190, 0.290]"));
    assertTrue(html.contains("<td class=\"num\">-0.231</td><td class=\"num\">[-1.00, +∞)"));
    assertTrue(html.contains("<td class=\"num\">0.500</td><td class=\"num\">[0.00, +∞)"));
    assertTrue(
        html.contains(
            "<td class=\"num undefined\">undefined</td><td class=\"num undefined\">none"));
    assertTrue(html.contains("a ratio whose denominator is 0, or a lift on a row other than"));
    assertTrue(html.contains("An interval with ∞ is open on that side"));
    assertFalse(html.contains("NaN") || html.contains("Infinity"), html);
    // A derived column's caption says it adds no noise; the open whisker ends in an arrow.
    assertTrue(html.contains("Computed from the released values, with no noise of its own"));
    assertTrue(html.contains("runs to the edge of the chart and ends in an arrow"));
    assertTrue(html.contains("Rows marked undefined have no value and no bar."));
  }

  @Test
  void openWhisker_reachesThePlotsEdge_andNoCoordinateIsInfinite() {
    String html = HtmlReport.of("t", ReportFixtures.armResult()).html();
    Matcher paths = Pattern.compile("<path class=\"ci\" d=\"([^\"]+)\"").matcher(html);
    int arrows = 0;
    while (paths.find()) {
      String d = paths.group(1);
      assertTrue(d.matches("[MHLv0-9. -]+"), d);
      if (d.contains("L")) {
        arrows++;
      }
    }
    assertEquals(2, arrows, "the pilot's rate and lift are open above");
  }

  @Test
  void aColumnWithNoDefinedValue_hasNoChart_butIsInTheTable() {
    List<dev.cleanroom.query.ResultColumn> cols =
        List.of(
            new dev.cleanroom.query.ResultColumn("arm", dev.cleanroom.ColumnType.STRING, false),
            new dev.cleanroom.query.ResultColumn("rate", dev.cleanroom.ColumnType.DOUBLE, true),
            new dev.cleanroom.query.ResultColumn("lift", dev.cleanroom.ColumnType.DOUBLE, true));
    dev.cleanroom.query.Result r =
        new dev.cleanroom.query.Result(
            "q",
            cols,
            List.of(
                new dev.cleanroom.query.ResultRow(cols, List.of("exposed", 0.5, Double.NaN)),
                new dev.cleanroom.query.ResultRow(cols, List.of("other", 0.25, Double.NaN))));
    String html = HtmlReport.of("t", r).html();
    assertEquals(1, count(html, "<svg class=\"chart\""), "rate only");
    assertEquals(2, count(html, "<td class=\"num undefined\">undefined</td>"));
  }

  @Test
  void budget_showsQueriesLeft_fromTheBalancesAndTheLastCharge() {
    String withBalances = ReportFixtures.report().html();
    assertTrue(withBalances.contains("<th>queries left</th>"), withBalances);
    // ε left 9 would pay 9 more queries of ε 1, but the δ is spent and the last query charged δ.
    assertTrue(withBalances.contains("<td>0 more like it</td>"), withBalances);
    String fromResult = HtmlReport.of("t", ReportFixtures.armResult()).html();
    assertTrue(fromResult.contains("<td>3 more like it</td>"), fromResult);
  }

  @Test
  void suppressedGroup_isStatedWithoutAValue() {
    String html = ReportFixtures.report().html();
    assertEquals(2, count(html, ">suppressed</text>"), "one per chart of the DP result");
    assertTrue(html.contains("<td>4</td><td class=\"suppressed\" colspan=\"4\">"), html);
    assertTrue(html.contains("1 of the 5 expected groups was suppressed"), html);
  }

  @Test
  void policy_isSummarizedInSentences_notAsToString() {
    String html = ReportFixtures.report().html();
    assertFalse(html.contains("Policy["), html);
    assertTrue(html.contains("Every released row counts at least 50 distinct people"), html);
    assertTrue(html.contains("ε = 10 and δ = 0.00001 per month, at most ε = 1 on one query"));
    assertTrue(html.contains("Each value is clamped to [0.00, 250.00]"), html);
    assertTrue(html.contains("One person&#39;s total in one group is clamped to [0.00, 1,000]"));
    assertTrue(html.contains("may be joined with others on email"), html);
    assertTrue(html.contains("Results may be grouped by and filtered on campaignId, country"));
  }

  @Test
  void page_isStatic() {
    String html = ReportFixtures.report().html();
    assertFalse(html.toLowerCase(java.util.Locale.ROOT).contains("<script"), html);
    for (String ref : List.of("http:", "https:", "src=", "href=", "url(", "@import", "<link")) {
      assertFalse(html.contains(ref), ref);
    }
  }

  @Test
  void barWidths_areProportionalToTheValues() {
    String html = HtmlReport.of("t", ReportFixtures.thresholdResult()).html();
    Matcher m =
        Pattern.compile("<rect class=\"bar\" x=\"[^\"]+\" y=\"[^\"]+\" width=\"([^\"]+)\"")
            .matcher(html);
    List<Double> widths = new java.util.ArrayList<>();
    while (m.find()) {
      widths.add(Double.parseDouble(m.group(1)));
    }
    assertEquals(3, widths.size());
    assertEquals(512.0 / 130, widths.get(0) / widths.get(1), 0.02);
    assertEquals(512.0 / 77, widths.get(0) / widths.get(2), 0.1);
  }

  @Test
  void thresholdOnlyReport_withoutBudgets_saysNothingWasCharged() {
    String html = HtmlReport.of("t", ReportFixtures.thresholdResult()).html();
    assertTrue(html.contains("No ledger was charged"), html);
    assertTrue(html.contains("Threshold mode"), html);
  }

  @Test
  void dpReport_withoutBudgets_showsTheLedgersOfItsResults() {
    String html = HtmlReport.of("t", ReportFixtures.dpResult()).html();
    assertTrue(html.contains("publisher.impressions/advertiser/2026-12"), html);
    assertTrue(html.contains("<td class=\"num\">9.0</td>"), html);
  }

  @Test
  void builder_rejectsMistakes() {
    assertThrows(IllegalStateException.class, () -> HtmlReport.builder("t").build());
    assertThrows(NullPointerException.class, () -> HtmlReport.builder(null));
    HtmlReport.Builder b = HtmlReport.builder("t").budgets(List.of());
    assertThrows(IllegalStateException.class, () -> b.budgets(List.of()));
    HtmlReport.Builder d = HtmlReport.builder("t").dataset(ReportFixtures.impressions());
    assertThrows(IllegalArgumentException.class, () -> d.dataset(ReportFixtures.impressions()));
    assertThrows(
        IllegalArgumentException.class,
        () ->
            HtmlReport.builder("t")
                .result("r", ReportFixtures.dpResult(), List.of(List.of(1L, "extra"))));
  }

  @Test
  void axis_ticksAreRoundNumbers_coveringEveryValueAndZero() {
    BarChart.Axis axis = BarChart.Axis.of(-6 - 24, 1_204 + 24, 500);
    double[] t = axis.ticks();
    assertTrue(t[0] <= -30 && t[t.length - 1] >= 1228, java.util.Arrays.toString(t));
    assertEquals(0, axis.x(t[0]), 1e-9);
    assertEquals(500, axis.x(t[t.length - 1]), 1e-9);
    for (double v : t) {
      assertEquals(0, Math.IEEEremainder(v, axis.step()), 1e-9);
    }
  }

  @Test
  void publicMethods_rejectNulls() {
    com.google.common.testing.NullPointerTester tester =
        new com.google.common.testing.NullPointerTester()
            .setDefault(dev.cleanroom.query.Result.class, ReportFixtures.dpResult())
            .setDefault(dev.cleanroom.Dataset.class, ReportFixtures.impressions());
    tester.testAllPublicStaticMethods(HtmlReport.class);
    tester.testAllPublicInstanceMethods(ReportFixtures.report());
    tester.testAllPublicInstanceMethods(HtmlReport.builder("t"));
  }
}
