package dev.cleanroom.examples;

import static dev.cleanroom.query.Dsl.countDistinctUsers;
import static dev.cleanroom.query.Dsl.lift;
import static dev.cleanroom.query.Dsl.ratio;
import static dev.cleanroom.query.Dsl.sum;

import dev.cleanroom.BudgetPeriod;
import dev.cleanroom.CleanRoom;
import dev.cleanroom.Dataset;
import dev.cleanroom.Policy;
import dev.cleanroom.PrivacyBudget;
import dev.cleanroom.UserIdFormat;
import dev.cleanroom.audit.AuditTrails;
import dev.cleanroom.query.Result;
import dev.cleanroom.query.ResultRow;
import dev.cleanroom.report.HtmlReport;
import dev.cleanroom.source.InMemorySource;
import dev.cleanroom.spi.AuditTrail;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * Retailer × CPG brand promotion analysis. The brand ran a promotion for its products to the
 * members of its loyalty club, keeping a random 20% holdout who saw nothing; it brings the list of
 * members with their arm ({@code exposed} or {@code holdout}). The retailer brings its till
 * receipts: shopper, region, product brand and amount. The brand learns, per region and arm, how
 * many shoppers bought its products at the retailer and what they spent, and per arm how many
 * members there are, what share of them bought the brand (the conversion rate) and the lift of the
 * exposed arm's rate over the holdout's, under differential privacy with 95% confidence intervals;
 * neither side sees the other's shoppers.
 *
 * <p>Run it with {@code mvn -B -q -pl cleanroom-examples -am compile exec:java
 * -Dexec.mainClass=dev.cleanroom.examples.RetailPromotionExample}.
 */
public final class RetailPromotionExample {
  private static final String EXAMPLE_KEY = "retail-promotion";

  private RetailPromotionExample() {}

  /** The brand whose products the promotion was for. */
  static final String BRAND = "Acme";

  static final List<String> REGIONS = List.of("north", "south", "east", "west");
  static final List<String> ARMS = List.of("exposed", "holdout");
  private static final List<String> OTHER_BRANDS = List.of("Bolt", "Crest", "Dune");

  /** Largest amount of one receipt line, in euros (the retailer's declared bound). */
  static final double MAX_LINE = 200;

  /** Largest total of one shopper per group, in euros (the clamp in the retailer's policy). */
  static final double MAX_PER_SHOPPER = 150;

  /**
   * One receipt line at the retailer.
   *
   * @param loyaltyEmail the shopper's loyalty-card e-mail address
   * @param region the store's region
   * @param brand the product's brand
   * @param amount the amount paid in euros
   * @param promoted 1 on a line of the promoted brand, 0 otherwise: summed per shopper and clamped
   *     to [0, 1], it says whether the shopper bought the brand at all
   */
  public record Sale(
      String loyaltyEmail, String region, String brand, double amount, double promoted) {}

  /**
   * One member of the brand's loyalty club and the promotion arm they were in.
   *
   * @param email the member's e-mail address
   * @param arm {@code exposed} or {@code holdout}
   */
  public record Member(String email, String arm) {}

  /**
   * Both parties' seeded synthetic data.
   *
   * @param sales the retailer's receipt lines
   * @param members the brand's club members
   */
  public record Data(List<Sale> sales, List<Member> members) {
    /**
     * Generates the data: {@code shoppers} retail shoppers, 60% of them brand-club members, 80% of
     * members exposed; exposed members buy the brand more often.
     *
     * @param seed the random seed
     * @param shoppers the number of shoppers
     * @return the data; the same seed and size always give the same data
     */
    public static Data generate(long seed, int shoppers) {
      SplittableRandom rnd = new SplittableRandom(seed);
      List<Sale> sales = new ArrayList<>();
      List<Member> members = new ArrayList<>();
      for (int s = 0; s < shoppers; s++) {
        String email = "shopper" + s + "@example.org";
        String region = REGIONS.get(rnd.nextInt(REGIONS.size()));
        String arm = null;
        if (rnd.nextInt(10) < 6) {
          arm = rnd.nextInt(10) < 8 ? "exposed" : "holdout";
          members.add(new Member(email, arm));
        }
        double brandRate = "exposed".equals(arm) ? 0.45 : 0.30;
        int visits = 1 + rnd.nextInt(6);
        for (int v = 0; v < visits; v++) {
          String brand = rnd.nextDouble() < brandRate ? BRAND : OTHER_BRANDS.get(rnd.nextInt(3));
          double amount = Math.min(MAX_LINE, Math.round(Math.exp(2.5 + 0.8 * rnd.nextGaussian())));
          sales.add(new Sale(email, region, brand, amount, BRAND.equals(brand) ? 1 : 0));
        }
      }
      return new Data(sales, members);
    }
  }

  /**
   * Runs the example on 40,000 shoppers and writes its HTML report to {@code
   * target/retail-promotion-report.html}.
   *
   * @param args none
   * @throws IOException if the report cannot be written
   */
  public static void main(String[] args) throws IOException {
    Figures figures = run(Data.generate(2024, 40_000), System.out);
    Reports.write(REPORT, figures.report(), System.out);
  }

  /**
   * The released answer of the example and the room's audit trail, for tests.
   *
   * @param result buyers and sales per region and arm, differentially private
   * @param conversion per arm: members, buyers, the conversion rate and (on the exposed row) the
   *     lift over the holdout, differentially private with 95% intervals
   * @param report the HTML report of the result, both owners' policies and the brand's budget left
   * @param trail the room's audit trail
   */
  record Figures(Result result, Result conversion, String report, AuditTrail trail) {}

  /** Where {@link #main} writes the report. */
  static final Path REPORT = Path.of("target", "retail-promotion-report.html");

  static CleanRoom room(Data data, AuditTrail trail) {
    CleanRoom room =
        CleanRoom.builder().secretKey(DemoKey.of(EXAMPLE_KEY)).auditSink(trail).build();
    for (Dataset d : datasets(data)) {
      room.register(d);
    }
    return room;
  }

  /** The retailer's sales and the brand's club members, as {@link #room} registers them. */
  static List<Dataset> datasets(Data data) {
    return List.of(
        // The retailer's roles and rules come from the document its privacy team signed off
        // (policies/retailer-sales.yaml): line amounts in [0, MAX_LINE], one shopper's total per
        // group clamped to [0, MAX_PER_SHOPPER], k = 50, (4, 1e-6) per analyst and month.
        PolicyFiles.load("retailer-sales.yaml")
            .dataset(InMemorySource.ofRecords("sales", Sale.class, data.sales())),
        Dataset.builder("brand", "members")
            .source(InMemorySource.ofRecords("members", Member.class, data.members()))
            .userId("email", UserIdFormat.EMAIL)
            .dimension("arm")
            .policy(
                Policy.builder()
                    .allowAnalysts("brand")
                    .allowJoinOn("email")
                    .minDistinctUsers(25)
                    .maxGroupsPerUser(1)
                    .differentialPrivacy(PrivacyBudget.epsilonDelta(8, 1e-6), 2.0)
                    .budgetPeriod(BudgetPeriod.MONTHLY)
                    .build())
            .build());
  }

  /** Every region × arm: public, so every group is released (with noise) whatever the data. */
  static List<List<Object>> groups() {
    return PublicGroups.cross(REGIONS, ARMS);
  }

  /**
   * Buyers and sales of {@link #BRAND} per region and arm, with ε = 1, as SQL text (see the
   * README's section "SQL text").
   */
  static final String PROMOTION_SQL =
      """
      WITH differential_privacy AS (SELECT 1.0 AS epsilon)
      SELECT region, arm, COUNT(DISTINCT USER_ID) AS buyers, SUM(amount) AS sales
      FROM retailer.sales
      JOIN brand.members USING (USER_ID)
      WHERE brand = 'Acme'
      GROUP BY region, arm""";

  /**
   * Per arm: the members (every member shops at the retailer), the members who bought the brand
   * (each member's {@code promoted} lines summed and clamped to 1), their ratio and the lift of the
   * exposed arm's rate over the holdout's; ε = 1, split over the two aggregates. The ratio and lift
   * are computed from the released values, at no further cost.
   */
  static Result conversion(CleanRoom room) {
    return room.as("brand")
        .from("brand.members")
        .join("retailer.sales")
        .onUserId()
        .groupBy("arm")
        .select(countDistinctUsers().as("members"), sum("promoted").as("buyers"))
        .derive(
            ratio("conv_rate", "buyers", "members"),
            lift("lift", "conv_rate", "arm", "exposed", "holdout"))
        .epsilon(1.0)
        .publicGroupValues(ARMS.toArray())
        .run();
  }

  static Figures run(Data data, PrintStream out) {
    out.printf(
        Locale.ROOT,
        "Retailer x CPG brand promotion analysis: %,d receipt lines, %,d club members%n%n",
        data.sales().size(),
        data.members().size());
    AuditTrail trail = AuditTrails.inMemory();
    CleanRoom room = room(data, trail);
    // As SQL text, with ε in the text and the public groups given by the API; the builder's twin
    // is from("retailer.sales").join("brand.members").onUserId().where(col("brand").eq(BRAND))
    // .groupBy("region", "arm").select(countDistinctUsers().as("buyers"),
    // sum("amount").as("sales")).epsilon(1.0).publicGroups(groups()).
    Result result = room.as("brand").sql(PROMOTION_SQL).publicGroups(groups()).run();
    out.printf(
        "%s sales at the retailer among club members, exposed to the promotion vs holdout"
            + " (ε = 1; each shopper's total clamped to %.0f euros):%n",
        BRAND, MAX_PER_SHOPPER);
    out.println(result.toTable());
    out.println("Sales per buyer, with the 95% interval of each noisy figure:");
    for (ResultRow row : result.rows()) {
      out.printf(
          Locale.ROOT,
          "  %-6s %-8s %,8.0f buyers (%,.0f to %,.0f), %,10.0f euros (%,.0f to %,.0f),"
              + " %6.2f euros per buyer%n",
          row.getString("region"),
          row.getString("arm"),
          row.getDouble("buyers"),
          row.noise("buyers").orElseThrow().lower(),
          row.noise("buyers").orElseThrow().upper(),
          row.getDouble("sales"),
          row.noise("sales").orElseThrow().lower(),
          row.noise("sales").orElseThrow().upper(),
          row.getDouble("sales") / Math.max(1, row.getDouble("buyers")));
    }
    out.println();
    out.println(result.privacy());
    out.println();
    Result conversion = conversion(room);
    out.println(
        "Conversion per arm: members, members who bought "
            + BRAND
            + ", the conversion rate and the exposed arm's lift over the holdout (ε = 1, with 95%"
            + " intervals; the rate and lift cost nothing more):");
    for (ResultRow row : conversion.rows()) {
      out.printf(
          Locale.ROOT,
          "  %-8s %,7d members (%,.0f to %,.0f), %,7.0f buyers (%,.0f to %,.0f),"
              + " conversion %5.1f%% (%.1f%% to %.1f%%)%n",
          row.getString("arm"),
          row.getLong("members"),
          row.noise("members").orElseThrow().lower(),
          row.noise("members").orElseThrow().upper(),
          row.getDouble("buyers"),
          row.noise("buyers").orElseThrow().lower(),
          row.noise("buyers").orElseThrow().upper(),
          100 * row.getDouble("conv_rate"),
          100 * row.noise("conv_rate").orElseThrow().lower(),
          100 * row.noise("conv_rate").orElseThrow().upper());
    }
    ResultRow exposed = conversion.rows().get(0);
    exposed
        .noise("lift")
        .ifPresent(
            n ->
                out.printf(
                    Locale.ROOT,
                    "  lift of exposed over holdout: %+.1f%% (95%% interval %+.1f%% to %+.1f%%)%n",
                    100 * exposed.getDouble("lift"),
                    100 * n.lower(),
                    100 * n.upper()));
    out.println();
    Budgets.printSummary(out, trail, List.of("retailer", "brand"), result, conversion);
    HtmlReport.Builder report =
        HtmlReport.builder(BRAND + " promotion: exposed vs holdout club members")
            .result(
                "Buyers and sales per region and arm (ε = 1; every region × arm is public, so"
                    + " every group is released)",
                result,
                groups())
            .result(
                "Arm sizes, buyers, conversion rate and lift of the exposed arm over the holdout"
                    + " (ε = 1; the rate and lift are computed from the released values)",
                conversion,
                ARMS.stream().map(a -> List.<Object>of(a)).toList());
    for (Dataset d : datasets(data)) {
      report.dataset(d);
    }
    return new Figures(
        result, conversion, report.budgets(room.budgets("brand")).build().html(), trail);
  }
}
