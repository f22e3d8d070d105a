package dev.cleanroom.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cleanroom.CleanRoom;
import dev.cleanroom.audit.AuditTrails;
import dev.cleanroom.query.Dsl;
import dev.cleanroom.query.QuerySpec;
import dev.cleanroom.query.Result;
import dev.cleanroom.query.ResultRow;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Runs the retail example on 6,000 shoppers and checks every released figure against the true value
 * computed here from the generated data (false-failure rate: see {@link NoiseBounds}).
 */
class RetailPromotionExampleTest {
  private static RetailPromotionExample.Data data;
  private static RetailPromotionExample.Figures figures;
  private static Result result;
  private static String printed;

  @BeforeAll
  static void run() {
    data = RetailPromotionExample.Data.generate(5, 6_000);
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    figures =
        RetailPromotionExample.run(data, new PrintStream(bytes, true, StandardCharsets.UTF_8));
    result = figures.result();
    printed = bytes.toString(StandardCharsets.UTF_8);
  }

  /** Per region and arm: each buyer's clamped total of the brand's sales. */
  private static Map<List<String>, Map<String, Double>> truth() {
    Map<String, String> arms = new HashMap<>();
    for (RetailPromotionExample.Member m : data.members()) {
      arms.put(m.email(), m.arm());
    }
    Map<List<String>, Map<String, Double>> totals = new HashMap<>();
    for (RetailPromotionExample.Sale s : data.sales()) {
      String arm = arms.get(s.loyaltyEmail());
      if (arm != null && s.brand().equals(RetailPromotionExample.BRAND)) {
        double line = Math.max(0, Math.min(RetailPromotionExample.MAX_LINE, s.amount()));
        totals
            .computeIfAbsent(List.of(s.region(), arm), g -> new HashMap<>())
            .merge(s.loyaltyEmail(), line, Double::sum);
      }
    }
    return totals;
  }

  @Test
  void everyRegionAndArm_isReleasedNearTheTrueValue() {
    Map<List<String>, Map<String, Double>> truth = truth();
    assertEquals(8, result.size());
    for (ResultRow row : result.rows()) {
      List<String> group = List.of(row.getString("region"), row.getString("arm"));
      Map<String, Double> buyers = truth.getOrDefault(group, Map.of());
      double sales = 0;
      for (double total : buyers.values()) {
        sales += Math.min(RetailPromotionExample.MAX_PER_SHOPPER, total);
      }
      NoiseBounds.assertNear(
          group + " buyers",
          row.getDouble("buyers"),
          row.noise("buyers").orElseThrow(),
          buyers.size());
      NoiseBounds.assertNear(
          group + " sales", row.getDouble("sales"), row.noise("sales").orElseThrow(), sales);
    }
  }

  @Test
  void output_endsWithTheBudgetLeftPerLedger_andShowsNoShopper() {
    assertTrue(printed.contains("Budget left per ledger:"), printed);
    assertTrue(printed.contains("retailer.sales/brand/"), printed);
    assertTrue(printed.contains("ε left 3.0"), printed);
    assertTrue(printed.contains("brand.members/brand/"), printed);
    assertTrue(printed.contains("ε left 7.0"), printed);
    assertFalse(printed.contains("@example.org"), "no e-mail address is printed");
  }

  @Test
  void auditTrail_verifies_withTheOneQuery_chargedToBothOwners() {
    AuditChecks.assertVerified(figures.trail(), 1, printed);
    AuditChecks.assertCharged(figures.trail(), "retailer", "retailer.sales by brand: ε 1 in 1");
    AuditChecks.assertCharged(figures.trail(), "brand", "brand.members by brand: ε 1 in 1");
  }

  @Test
  void sqlQuery_compilesToTheBuilderQuery() {
    CleanRoom room = RetailPromotionExample.room(data, AuditTrails.inMemory());
    QuerySpec builder =
        room.as("brand")
            .from("retailer.sales")
            .join("brand.members")
            .onUserId()
            .where(Dsl.col("brand").eq(RetailPromotionExample.BRAND))
            .groupBy("region", "arm")
            .select(Dsl.countDistinctUsers().as("buyers"), Dsl.sum("amount").as("sales"))
            .epsilon(1.0)
            .publicGroups(RetailPromotionExample.groups())
            .spec();
    QuerySpec sql =
        room.as("brand")
            .sql(RetailPromotionExample.PROMOTION_SQL)
            .publicGroups(RetailPromotionExample.groups())
            .spec();
    assertEquals(builder, sql);
    assertEquals(builder, room.as("brand").sql(builder.toSql()).spec());
  }

  @Test
  void report_showsEveryRegionAndArm_withIntervals_policies_andTheBudgetLeft() {
    String html = figures.report();
    ReportMarkup.assertStatic(html);
    int groups = RetailPromotionExample.groups().size();
    assertEquals(List.of(groups, groups), ReportMarkup.barsPerChart(html));
    assertTrue(html.contains("0 of the " + groups + " expected groups were suppressed"), html);
    assertTrue(html.contains("95% interval"), html);
    assertTrue(html.contains("<h3>retailer.sales</h3>"), html);
    assertTrue(html.contains("<h3>brand.members</h3>"), html);
    assertTrue(html.contains("brand.members/brand/"), html);
  }
}
