package dev.cleanroom.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cleanroom.CleanRoom;
import dev.cleanroom.audit.AuditTrails;
import dev.cleanroom.query.CellNoise;
import dev.cleanroom.query.Dsl;
import dev.cleanroom.query.QuerySpec;
import dev.cleanroom.query.Result;
import dev.cleanroom.query.ResultRow;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
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

  /** The range of n/d when n and d each lie within their {@link NoiseBounds} margins. */
  private static double[] quotient(ResultRow row, String n, String d) {
    double nm = NoiseBounds.margin(row.noise(n).orElseThrow());
    double dm = NoiseBounds.margin(row.noise(d).orElseThrow());
    double nv = row.getDouble(n);
    double dv = row.getDouble(d);
    return new double[] {(nv - nm) / (dv + dm), (nv + nm) / (dv - dm)};
  }

  @Test
  void output_endsWithTheBudgetLeftPerLedger_andShowsNoShopper() {
    assertTrue(printed.contains("Budget left per ledger:"), printed);
    assertTrue(printed.contains("retailer.sales/brand/"), printed);
    assertTrue(printed.contains("ε left 2.0"), printed);
    assertTrue(printed.contains("brand.members/brand/"), printed);
    assertTrue(printed.contains("ε left 6.0"), printed);
    assertFalse(printed.contains("@example.org"), "no e-mail address is printed");
  }

  @Test
  void auditTrail_verifies_withTheTwoQueries_chargedToBothOwners() {
    AuditChecks.assertVerified(figures.trail(), 2, printed);
    AuditChecks.assertCharged(figures.trail(), "retailer", "retailer.sales by brand: ε 2 in 2");
    AuditChecks.assertCharged(figures.trail(), "brand", "brand.members by brand: ε 2 in 2");
  }

  /**
   * Per arm: members and buyers near their true values, the conversion rate the ratio of the two
   * released figures, and the true rate and lift near the released ones: within the quotient of the
   * members' and buyers' {@link NoiseBounds} margins (so this fails by chance as rarely as those
   * checks, below 1e-7; the 95% coverage itself is tested with a stated rate in the core module's
   * {@code DerivedColumnsTest}). The intervals are a few points wide on 6,000 shoppers, and the
   * true lift (about +20%) is far above their width, so the lift's interval lies above 0.
   */
  @Test
  void conversion_showsArmSizes_rates_andTheLift_withIntervals() {
    Map<String, String> arms = new HashMap<>();
    for (RetailPromotionExample.Member m : data.members()) {
      arms.put(m.email(), m.arm());
    }
    Map<String, Set<String>> members = new HashMap<>();
    Map<String, Set<String>> buyers = new HashMap<>();
    for (RetailPromotionExample.Sale s : data.sales()) {
      String arm = arms.get(s.loyaltyEmail());
      if (arm != null) {
        members.computeIfAbsent(arm, a -> new HashSet<>()).add(s.loyaltyEmail());
        if (s.brand().equals(RetailPromotionExample.BRAND)) {
          buyers.computeIfAbsent(arm, a -> new HashSet<>()).add(s.loyaltyEmail());
        }
      }
    }
    Result conversion = figures.conversion();
    assertEquals(2, conversion.size());
    Map<String, Double> rate = new HashMap<>();
    Map<String, double[]> released = new HashMap<>();
    for (ResultRow row : conversion.rows()) {
      String arm = row.getString("arm");
      int m = members.get(arm).size();
      int b = buyers.get(arm).size();
      rate.put(arm, (double) b / m);
      NoiseBounds.assertNear(
          arm + " members", row.getDouble("members"), row.noise("members").orElseThrow(), m);
      NoiseBounds.assertNear(
          arm + " buyers", row.getDouble("buyers"), row.noise("buyers").orElseThrow(), b);
      assertEquals(row.getDouble("buyers") / row.getDouble("members"), row.getDouble("conv_rate"));
      double[] near = quotient(row, "buyers", "members");
      released.put(arm, near);
      assertTrue(near[0] <= (double) b / m && (double) b / m <= near[1], arm + " rate");
      CellNoise ci = row.noise("conv_rate").orElseThrow();
      assertTrue(ci.lower() <= row.getDouble("conv_rate"));
      assertTrue(row.getDouble("conv_rate") <= ci.upper());
      assertTrue(ci.upper() - ci.lower() < 0.1, arm + " rate interval is informative");
    }
    ResultRow exposed = conversion.rows().get(0);
    assertEquals("exposed", exposed.getString("arm"));
    double trueLift = rate.get("exposed") / rate.get("holdout") - 1;
    double[] e = released.get("exposed");
    double[] h = released.get("holdout");
    assertTrue(e[0] / h[1] - 1 <= trueLift && trueLift <= e[1] / h[0] - 1, "lift near the truth");
    CellNoise lift = exposed.noise("lift").orElseThrow();
    assertTrue(
        lift.lower() <= exposed.getDouble("lift") && exposed.getDouble("lift") <= lift.upper());
    assertTrue(lift.lower() > 0, "the promotion's lift is clearly positive in this data");
    assertTrue(Double.isNaN(conversion.rows().get(1).getDouble("lift")), "no lift on holdout");
    assertTrue(printed.contains("lift of exposed over holdout: +"), printed);
    assertTrue(printed.contains("conversion "), printed);
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
    // Buyers and sales per region and arm; then per arm: members, buyers, the rate, and the lift
    // (on the exposed arm only).
    assertEquals(List.of(groups, groups, 2, 2, 2, 1), ReportMarkup.barsPerChart(html));
    assertTrue(html.contains("0 of the " + groups + " expected groups were suppressed"), html);
    assertTrue(html.contains("0 of the 2 expected groups were suppressed"), html);
    assertTrue(html.contains("95% interval"), html);
    // Every figure of the conversion result is in the table with its interval; the lift is
    // undefined on the holdout row.
    Result c = figures.conversion();
    for (String column : List.of("members", "buyers", "conv_rate", "lift")) {
      assertTrue(html.contains("<th>" + column + ": 95% interval</th>"), column);
    }
    String arms = html.substring(html.indexOf("<h2>Arm sizes"), html.indexOf("<h2>Policies"));
    // Members, buyers and the rate with their intervals on both arms, the lift on the exposed arm.
    assertEquals(2 * 3 + 1, ReportMarkup.count(arms, "<td class=\"num\">["), arms);
    assertTrue(c.rows().get(0).noise("lift").isPresent(), "the lift is noisy");
    assertTrue(html.contains("<td class=\"num undefined\">undefined</td>"), "holdout's lift");
    assertTrue(html.contains("more like it</td>"), "the queries left");
    assertTrue(html.contains("<h3>retailer.sales</h3>"), html);
    assertTrue(html.contains("<h3>brand.members</h3>"), html);
    assertTrue(html.contains("brand.members/brand/"), html);
  }
}
