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
    assertEquals(3, count(html, "<svg class=\"chart\""), "converters, revenue, buyers");
    assertEquals(4 + 4 + 3, count(html, "<rect class=\"bar\""));
    assertEquals(4 + 4, count(html, "<path class=\"ci\""), "whiskers only on noisy cells");
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
