package dev.cleanroom.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cleanroom.CleanRoom;
import dev.cleanroom.audit.AuditTrails;
import dev.cleanroom.query.Activation;
import dev.cleanroom.query.Dsl;
import dev.cleanroom.query.QuerySpec;
import dev.cleanroom.query.ResultRow;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.DayOfWeek;
import java.time.LocalDate;
import java.time.temporal.TemporalAdjusters;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Runs the advertiser × publisher example on smaller data and checks its figures exactly. */
class AdMeasurementExampleTest {
  private static AdData data;
  private static AdMeasurementExample.Figures figures;
  private static String printed;

  @BeforeAll
  static void run() {
    data = AdData.generate(7, 40_000, 6_000, 0.4);
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    figures = AdMeasurementExample.run(data, new PrintStream(bytes, true, StandardCharsets.UTF_8));
    printed = bytes.toString(StandardCharsets.UTF_8);
  }

  private static String normalize(String email) {
    return email.strip().toLowerCase(Locale.ROOT);
  }

  /** The campaigns each person saw, keyed by normalized e-mail. */
  private static Map<String, Set<Long>> campaignsPerPerson() {
    Map<String, Set<Long>> seen = new HashMap<>();
    for (AdData.Impression i : data.impressions()) {
      seen.computeIfAbsent(normalize(i.email()), x -> new HashSet<>()).add(i.campaignId());
    }
    return seen;
  }

  @Test
  void overlap_isExactInThresholdMode() {
    assertEquals(1, figures.overlap().size());
    assertEquals(data.overlapUsers(), figures.overlap().rows().get(0).getLong("overlap_users"));
  }

  @Test
  void reach_countsEachPersonInAtMostFiveCampaigns() {
    long expected = 0;
    for (Set<Long> campaigns : campaignsPerPerson().values()) {
      expected += Math.min(5, campaigns.size());
    }
    long released = 0;
    for (ResultRow row : figures.reach().rows()) {
      released += row.getLong("reach");
      assertTrue(row.getLong("reach") >= 50, "k = 50 holds");
      assertTrue(row.getLong("impressions") >= row.getLong("reach"));
    }
    // Every campaign has far more than k people here, so nothing is suppressed.
    assertEquals(AdData.CAMPAIGNS, figures.reach().size());
    assertEquals(expected, released);
  }

  /** The channels each buyer bought through, keyed by normalized e-mail. */
  private static Map<String, Set<String>> channelsPerBuyer() {
    Map<String, Set<String>> channels = new HashMap<>();
    for (AdData.Conversion c : data.conversions()) {
      channels.computeIfAbsent(normalize(c.email()), x -> new HashSet<>()).add(c.channel());
    }
    return channels;
  }

  @Test
  void converters_matchTheBoundedJoin() {
    Set<String> buyers = channelsPerBuyer().keySet();
    long expected = 0;
    for (Map.Entry<String, Set<Long>> e : campaignsPerPerson().entrySet()) {
      if (buyers.contains(e.getKey())) {
        expected += Math.min(5, e.getValue().size());
      }
    }
    long released = 0;
    for (ResultRow row : figures.conversions().rows()) {
      long converters = row.getLong("converters");
      released += converters;
      assertTrue(converters >= 50);
      assertTrue(row.getDouble("revenue") <= 500.0 * converters, "revenue clamped per person");
      assertTrue(row.getDouble("revenue") > 0);
    }
    int campaigns = figures.conversions().size();
    assertTrue(campaigns > 0);
    // Suppressed campaigns hold fewer than 50 converters each.
    assertTrue(
        released <= expected && released >= expected - 49L * (AdData.CAMPAIGNS - campaigns),
        released + " " + expected + " " + campaigns);
  }

  /**
   * DP converters and revenue per campaign, against bounds computed here: a person who saw at most
   * five campaigns counts in each of them; one who saw more counts in five chosen at random, so the
   * true value lies between the count without and with those people (false-failure rate: see {@link
   * NoiseBounds}).
   */
  @Test
  void dpConversions_areNearTheTrueValuesPerCampaign() {
    Map<String, Double> spend = new HashMap<>();
    for (AdData.Conversion c : data.conversions()) {
      spend.merge(
          normalize(c.email()), Math.max(0, Math.min(10_000, c.purchaseValue())), Double::sum);
    }
    long[] sure = new long[AdData.CAMPAIGNS + 1];
    long[] maybe = new long[AdData.CAMPAIGNS + 1];
    double[] sureRevenue = new double[AdData.CAMPAIGNS + 1];
    double[] maybeRevenue = new double[AdData.CAMPAIGNS + 1];
    for (Map.Entry<String, Set<Long>> e : campaignsPerPerson().entrySet()) {
      Double total = spend.get(e.getKey());
      if (total == null) {
        continue;
      }
      double clamped = Math.min(500, total);
      for (long c : e.getValue()) {
        maybe[(int) c]++;
        maybeRevenue[(int) c] += clamped;
        if (e.getValue().size() <= 5) {
          sure[(int) c]++;
          sureRevenue[(int) c] += clamped;
        }
      }
    }
    assertEquals(AdData.CAMPAIGNS, figures.dpConversions().size(), "campaign ids are public");
    for (ResultRow row : figures.dpConversions().rows()) {
      int c = (int) row.getLong("campaignId");
      NoiseBounds.assertNear(
          "converters " + c,
          row.getDouble("converters"),
          row.noise("converters").orElseThrow(),
          sure[c],
          maybe[c]);
      NoiseBounds.assertNear(
          "revenue " + c,
          row.getDouble("revenue"),
          row.noise("revenue").orElseThrow(),
          sureRevenue[c],
          maybeRevenue[c]);
    }
  }

  @Test
  void weeklyReach_isEveryIsoWeek_andCountsEachPersonInAtMostFiveWeeks() {
    Map<String, Set<LocalDate>> weeks = new HashMap<>();
    for (AdData.Impression i : data.impressions()) {
      weeks
          .computeIfAbsent(normalize(i.email()), x -> new HashSet<>())
          .add(i.day().with(TemporalAdjusters.previousOrSame(DayOfWeek.MONDAY)));
    }
    Map<LocalDate, long[]> bounds = new HashMap<>(); // sure, maybe
    long expected = 0;
    for (Set<LocalDate> w : weeks.values()) {
      expected += Math.min(5, w.size());
      for (LocalDate monday : w) {
        long[] b = bounds.computeIfAbsent(monday, x -> new long[2]);
        b[1]++;
        if (w.size() <= 5) {
          b[0]++;
        }
      }
    }
    assertEquals(AdData.WEEKS, figures.weekly().size(), "every week has far more than k people");
    long released = 0;
    for (ResultRow row : figures.weekly().rows()) {
      LocalDate monday = (LocalDate) row.get("week_day");
      assertEquals(DayOfWeek.MONDAY, monday.getDayOfWeek());
      long reach = row.getLong("reach");
      released += reach;
      assertTrue(reach >= bounds.get(monday)[0] && reach <= bounds.get(monday)[1], monday + "");
    }
    assertEquals(expected, released);
    assertEquals(
        AdData.FIRST_DAY,
        figures.weekly().rows().stream()
            .map(r -> (LocalDate) r.get("week_day"))
            .min(LocalDate::compareTo)
            .orElseThrow());
  }

  /**
   * Converters and revenue within 7 days after an impression of the campaign, against the meaning
   * computed here row by row: a person counts for a campaign if one of their purchases lies on the
   * day of one of their impressions of it or up to 7 days later; only such purchases add to that
   * campaign's revenue (each person's total clamped to [0, 500]). A person attributed to at most
   * five campaigns counts in each; one with more in five of them, so each released figure lies
   * between the totals without and with those people.
   */
  @Test
  void attribution_countsOnlyPurchasesWithinSevenDaysAfterAnImpressionOfTheCampaign() {
    Map<String, Map<Long, List<LocalDate>>> seen = new HashMap<>();
    for (AdData.Impression i : data.impressions()) {
      seen.computeIfAbsent(normalize(i.email()), x -> new HashMap<>())
          .computeIfAbsent(i.campaignId(), x -> new java.util.ArrayList<>())
          .add(i.day());
    }
    Map<String, Map<Long, Double>> revenue = new HashMap<>();
    for (AdData.Conversion c : data.conversions()) {
      String who = normalize(c.email());
      for (Map.Entry<Long, List<LocalDate>> e : seen.getOrDefault(who, Map.of()).entrySet()) {
        boolean within =
            e.getValue().stream()
                .anyMatch(d -> !c.day().isBefore(d) && !c.day().isAfter(d.plusDays(7)));
        if (within) {
          revenue
              .computeIfAbsent(who, x -> new HashMap<>())
              .merge(e.getKey(), c.purchaseValue(), Double::sum);
        }
      }
    }
    long[] sure = new long[AdData.CAMPAIGNS + 1];
    long[] maybe = new long[AdData.CAMPAIGNS + 1];
    double[] sureRevenue = new double[AdData.CAMPAIGNS + 1];
    double[] maybeRevenue = new double[AdData.CAMPAIGNS + 1];
    long attributedPeople = 0;
    for (Map<Long, Double> perCampaign : revenue.values()) {
      attributedPeople++;
      for (Map.Entry<Long, Double> e : perCampaign.entrySet()) {
        int c = e.getKey().intValue();
        double clamped = Math.min(500, e.getValue());
        maybe[c]++;
        maybeRevenue[c] += clamped;
        if (perCampaign.size() <= 5) {
          sure[c]++;
          sureRevenue[c] += clamped;
        }
      }
    }
    assertTrue(
        attributedPeople > 0 && attributedPeople < data.overlapUsers(),
        "the window attributes some converters, not all: " + attributedPeople);
    assertTrue(figures.attributed().size() > 0);
    for (ResultRow row : figures.attributed().rows()) {
      int c = (int) row.getLong("campaignId");
      long converters = row.getLong("converters");
      assertTrue(converters >= 50, "k = 50 holds");
      assertTrue(converters >= sure[c] && converters <= maybe[c], "campaign " + c);
      double r = row.getDouble("revenue");
      assertTrue(
          r >= sureRevenue[c] - 1e-6 && r <= maybeRevenue[c] + 1e-6,
          "campaign " + c + ": " + r + " in [" + sureRevenue[c] + ", " + maybeRevenue[c] + "]");
    }
    // Fewer converters per campaign than without the window, where both are released.
    Map<Long, Long> all = new HashMap<>();
    for (ResultRow row : figures.conversions().rows()) {
      all.put(row.getLong("campaignId"), row.getLong("converters"));
    }
    long fewer = 0;
    for (ResultRow row : figures.attributed().rows()) {
      Long without = all.get(row.getLong("campaignId"));
      if (without != null && row.getLong("converters") < without) {
        fewer++;
      }
    }
    assertTrue(fewer > 0, "the window drops purchases long after or before every impression");
  }

  @Test
  void weeklyAttribution_isPerIsoWeekOfThePurchase() {
    assertTrue(figures.weeklyAttributed().size() > 0);
    for (ResultRow row : figures.weeklyAttributed().rows()) {
      LocalDate monday = (LocalDate) row.get("week_day");
      assertEquals(DayOfWeek.MONDAY, monday.getDayOfWeek());
      assertTrue(!monday.isBefore(AdData.FIRST_DAY), monday + "");
      assertTrue(row.getLong("converters") >= 50);
    }
  }

  @Test
  void output_showsTheWeeklyTrendAndTheAttributionWindow() {
    assertTrue(printed.contains("Weekly trend: reach and impressions per ISO week"), printed);
    assertTrue(printed.contains("7-day attribution"), printed);
    assertTrue(printed.contains("per ISO week of the purchase"), printed);
  }

  @Test
  void output_showsBothModesSideBySide_andEndsWithTheBudget() {
    assertTrue(printed.contains("side by side"), printed);
    assertTrue(printed.contains("converters (DP)"), printed);
    assertTrue(printed.contains("Average frequency"), printed);
    int budget = printed.indexOf("Budget left per ledger:");
    assertTrue(budget > printed.indexOf("side by side"), printed);
    assertTrue(printed.indexOf("publisher.impressions/advertiser/", budget) > 0, printed);
    assertTrue(printed.indexOf("advertiser.conversions/advertiser/", budget) > 0, printed);
    assertTrue(printed.contains("ε left 9.0"), printed);
  }

  @Test
  void report_hasABarPerReleasedCampaign_bothPolicies_andTheBudgetLeft() {
    String html = figures.report();
    ReportMarkup.assertStatic(html);
    int dp = figures.dpConversions().size();
    int threshold = figures.conversions().size();
    int reach = figures.reach().size();
    assertEquals(
        List.of(dp, dp, threshold, threshold, reach, reach), ReportMarkup.barsPerChart(html));
    // Every campaign the threshold mode did not release is named as suppressed, with no value.
    int suppressed = AdData.CAMPAIGNS - threshold;
    assertTrue(
        html.contains(suppressed + " of the " + AdData.CAMPAIGNS + " expected groups"), html);
    assertTrue(html.contains("<h3>publisher.impressions</h3>"), html);
    assertTrue(html.contains("<h3>advertiser.conversions</h3>"), html);
    assertTrue(html.contains("Every released row counts at least 50 distinct people"), html);
    assertTrue(html.contains("95% confidence interval of the true value"), html);
    assertTrue(html.contains("publisher.impressions/advertiser/"), html);
    assertFalse(html.contains("@example.com"), "no e-mail address");
  }

  @Test
  void groupingByTheUserId_isRefusedWithoutLeakingIds() {
    assertTrue(figures.refusal().contains("USER_ID_NOT_EXPOSED"));
    assertTrue(figures.refusal().contains("publisher.impressions"));
    assertFalse(printed.contains("@example.com"), "no e-mail address is printed");
  }

  @Test
  void output_showsEveryStep() {
    assertTrue(printed.contains("Audience overlap"));
    assertTrue(printed.contains("Reach per campaign"));
    assertTrue(printed.contains("Policy checks:"));
    assertTrue(printed.contains("Converters and revenue per campaign"));
    assertTrue(printed.contains("is refused"));
  }

  /**
   * The publisher's ids, exactly as its impressions hold them, of the people who saw campaign 7 and
   * bought at the advertiser: what the publisher's cohort sink must receive, no more, no less.
   */
  @Test
  void cohort_deliversExactlyThePublishersOwnIdsOfTheTrueCohort() {
    Set<String> buyers = channelsPerBuyer().keySet();
    Set<String> expected = new HashSet<>();
    for (AdData.Impression i : data.impressions()) {
      if (i.campaignId() == AdMeasurementExample.COHORT_CAMPAIGN
          && buyers.contains(normalize(i.email()))) {
        expected.add(i.email());
      }
    }
    assertTrue(expected.size() >= 100, "the cohort reaches the minimum: " + expected.size());
    assertEquals(expected, figures.delivered());

    Activation a = figures.activation();
    assertEquals(
        List.of("advertiser", "publisher", "publisher.impressions"),
        List.of(a.analyst(), a.receiver(), a.dataset()));
    assertTrue(printed.contains("activation " + a.activationId()), printed);
    assertTrue(
        printed.contains(
            String.format(Locale.ROOT, "received %,d ids of its own users", expected.size())),
        printed);
  }

  /** The small cohort is non-empty but below 100 here, and refused like one of any other size. */
  @Test
  void cohortForAPartyNotAllowed_orBelowTheMinimum_isRefused() {
    Map<String, Set<String>> channels = channelsPerBuyer();
    Set<String> small = new HashSet<>();
    for (AdData.Impression i : data.impressions()) {
      Set<String> bought = channels.getOrDefault(normalize(i.email()), Set.of());
      if (i.campaignId() == 20
          && i.country().equals("NL")
          && i.device().equals("tv")
          && bought.contains("store")) {
        small.add(normalize(i.email()));
      }
    }
    assertTrue(!small.isEmpty() && small.size() < 100, "small cohort: " + small.size());

    List<String> refusals = figures.cohortRefusals();
    assertEquals(2, refusals.size());
    assertTrue(refusals.get(0).contains("COHORT_RELEASE_ALLOWED"), refusals.get(0));
    assertTrue(refusals.get(0).contains("advertiser"), refusals.get(0));
    assertTrue(refusals.get(1).contains("COHORT_MIN_SIZE"), refusals.get(1));
    assertFalse(
        refusals.get(1).matches("(?s).*\\b" + small.size() + "\\b.*"), "the size is not told");
    for (String r : refusals) {
      assertTrue(printed.contains(r), printed);
    }
  }

  /**
   * One record per query and activation: seven queries (three of them on time: the weekly trend and
   * the two attributions) and three activations (one released, two refused) in the threshold room,
   * one DP query in the other; only the DP query charged ε.
   */
  @Test
  void auditTrail_verifies_withOneRecordPerQueryAndActivation() {
    AuditChecks.assertVerified(figures.trail(), 11, printed);
    AuditChecks.assertCharged(
        figures.trail(), "publisher", "publisher.impressions by advertiser: ε 1 in 1");
    AuditChecks.assertCharged(
        figures.trail(), "advertiser", "advertiser.conversions by advertiser: ε 1 in 1");
    assertTrue(printed.indexOf("Audit trail:") > printed.indexOf("Budget left per ledger:"));
  }

  @Test
  void duckDb_givesTheSameExactFigures(@TempDir Path dir) throws Exception {
    javax.sql.DataSource db = DuckDbFiles.dataSource(dir.resolve("ads.duckdb"));
    DuckDbFiles.load(db, data);
    AdMeasurementExample.Figures onDuckDb =
        AdMeasurementExample.run(
            data,
            AdMeasurementExample.Sources.duckDb(db),
            new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8));
    assertEquals(
        figures.overlap().rows().get(0).getLong("overlap_users"),
        onDuckDb.overlap().rows().get(0).getLong("overlap_users"));
    assertEquals(total(figures.reach(), "reach"), total(onDuckDb.reach(), "reach"));
    assertEquals(
        total(figures.conversions(), "converters"), total(onDuckDb.conversions(), "converters"));
    assertEquals(figures.dpConversions().size(), onDuckDb.dpConversions().size());
    assertEquals(figures.delivered(), onDuckDb.delivered());
  }

  private static long total(dev.cleanroom.query.Result r, String column) {
    long sum = 0;
    for (ResultRow row : r.rows()) {
      sum += row.getLong(column);
    }
    return sum;
  }

  @Test
  void sqlQuery_compilesToTheBuilderQuery() {
    CleanRoom room =
        AdMeasurementExample.room(
            AdMeasurementExample.Sources.inMemory(data), false, AuditTrails.inMemory());
    QuerySpec builder =
        room.as("advertiser")
            .from("publisher.impressions")
            .join("advertiser.conversions")
            .onUserId()
            .where(Dsl.col("country").in("DE", "FR", "NL", "GB", "US"))
            .groupBy("campaignId")
            .select(
                Dsl.countDistinctUsers().as("converters"), Dsl.sum("purchaseValue").as("revenue"))
            .spec();
    assertEquals(builder, room.as("advertiser").sql(AdMeasurementExample.CONVERSIONS_SQL).spec());
    assertEquals(
        builder.toSql(),
        room.as("advertiser").sql(builder.toSql()).spec().toSql(),
        "toSql() reads back");
    assertTrue(printed.contains("asked as SQL text"), printed);
  }
}
