package dev.cleanroom.examples;

import static dev.cleanroom.query.Dsl.col;
import static dev.cleanroom.query.Dsl.count;
import static dev.cleanroom.query.Dsl.countDistinctUsers;
import static dev.cleanroom.query.Dsl.sum;
import static dev.cleanroom.query.Dsl.week;

import dev.cleanroom.BudgetPeriod;
import dev.cleanroom.CleanRoom;
import dev.cleanroom.Dataset;
import dev.cleanroom.Policy;
import dev.cleanroom.PolicyViolationException;
import dev.cleanroom.PrivacyBudget;
import dev.cleanroom.UserIdFormat;
import dev.cleanroom.audit.AuditTrails;
import dev.cleanroom.jdbc.JdbcSource;
import dev.cleanroom.policy.PolicyDocument;
import dev.cleanroom.query.Activation;
import dev.cleanroom.query.CohortStage;
import dev.cleanroom.query.Condition;
import dev.cleanroom.query.FinalStage;
import dev.cleanroom.query.Result;
import dev.cleanroom.query.ResultRow;
import dev.cleanroom.report.HtmlReport;
import dev.cleanroom.source.InMemorySource;
import dev.cleanroom.spi.AuditTrail;
import dev.cleanroom.spi.DataSource;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

/**
 * Advertiser × publisher measurement: a publisher brings ad impressions, an advertiser brings
 * purchases, both keyed by e-mail address. The advertiser learns audience overlap, reach per
 * campaign, and converters and revenue per campaign, only as aggregates over at least k people;
 * neither party sees the other's rows or ids. It follows reach per ISO week and attributes
 * purchases to campaigns within 7 days after an impression. Finally the advertiser activates the
 * converters of one campaign as a cohort back to the publisher, which receives only the ids of its
 * own users.
 *
 * <p>Run it with {@code mvn -B -q -pl cleanroom-examples -am compile exec:java}; add {@code
 * -Dexec.args="--source duckdb"} to keep both parties' tables in an embedded DuckDB file instead,
 * where each query runs inside the database as one SQL statement.
 */
public final class AdMeasurementExample {
  private static final String EXAMPLE_KEY = "ad-measurement";

  private AdMeasurementExample() {}

  /** Where the report goes unless {@code --report} says otherwise. */
  static final Path DEFAULT_REPORT = Path.of("target", "ad-measurement-report.html");

  /**
   * The released answers of the example, for tests.
   *
   * @param overlap the audience overlap, threshold mode
   * @param reach reach and impressions per campaign, threshold mode
   * @param conversions converters and revenue per campaign, threshold mode
   * @param weekly reach and impressions per ISO week of the impression, threshold mode
   * @param attributed converters and revenue per campaign within the attribution window (a purchase
   *     on the day of an impression of the campaign or up to {@link #WINDOW} after it), threshold
   *     mode
   * @param weeklyAttributed converters and revenue within the attribution window per ISO week of
   *     the purchase, threshold mode
   * @param refusal the message of the refused query
   * @param dpConversions converters and revenue per campaign, differentially private
   * @param report the HTML report of the measurement: the DP and threshold figures per campaign,
   *     both owners' policies and the advertiser's budget left
   * @param activation the activation of the converters of {@link #COHORT_CAMPAIGN} for the
   *     publisher
   * @param delivered the publisher ids its cohort sink received for that activation
   * @param cohortRefusals the messages of the refused activations: for a party not allowed, then
   *     for a cohort below the minimum size
   * @param trail the audit trail of both rooms
   */
  record Figures(
      Result overlap,
      Result reach,
      Result conversions,
      Result weekly,
      Result attributed,
      Result weeklyAttributed,
      String refusal,
      Result dpConversions,
      String report,
      Activation activation,
      Set<String> delivered,
      List<String> cohortRefusals,
      AuditTrail trail) {}

  /**
   * The attribution window: a purchase counts for an impression on its day or up to 7 days after.
   */
  static final Duration WINDOW = Duration.ofDays(7);

  /** A purchase on the day of an impression or up to {@link #WINDOW} after it. */
  static Condition attributionWindow() {
    return col("conversions.day").within(col("impressions.day"), WINDOW);
  }

  /** The campaign whose converters the advertiser activates for the publisher. */
  static final long COHORT_CAMPAIGN = 7;

  /**
   * A cohort below the minimum size of 100: the converters of campaign 20 who saw it on a TV in the
   * Netherlands and bought in a store (64 people in the example's data, 10 in the test's).
   */
  static final String SMALL_COHORT = "campaign 20 on a TV in NL, bought in a store";

  private static Condition smallCohort() {
    return col("campaignId")
        .eq(20L)
        .and(col("country").eq("NL"))
        .and(col("device").eq("tv"))
        .and(col("channel").eq("store"));
  }

  /**
   * Runs the example on 200,000 impressions and 30,000 conversions with 40% overlap.
   *
   * @param args {@code --source memory} (the default) or {@code --source duckdb}; {@code --report
   *     file} for the HTML report (default {@code target/ad-measurement-report.html})
   * @throws Exception if the DuckDB file or the report cannot be written
   */
  public static void main(String[] args) throws Exception {
    String source = "memory";
    Path report = DEFAULT_REPORT;
    for (int i = 0; i < args.length; i++) {
      if (args[i].equals("--source") && i + 1 < args.length) {
        source = args[++i];
      } else if (args[i].equals("--report") && i + 1 < args.length) {
        report = Path.of(args[++i]);
      } else {
        throw new IllegalArgumentException("usage: [--source memory|duckdb] [--report file]");
      }
    }
    AdData data = AdData.generate(42, 200_000, 30_000, 0.4);
    switch (source) {
      case "memory" -> writeReport(run(data, Sources.inMemory(data), System.out), report);
      case "duckdb" -> {
        Path dir = Files.createTempDirectory("cleanroom-example");
        Path file = dir.resolve("ads.duckdb");
        try {
          javax.sql.DataSource db = DuckDbFiles.dataSource(file);
          DuckDbFiles.load(db, data);
          System.out.println("Data in the embedded DuckDB file " + file.getFileName());
          writeReport(run(data, Sources.duckDb(db), System.out), report);
        } finally {
          Files.deleteIfExists(file);
          Files.deleteIfExists(dir.resolve("ads.duckdb.wal"));
          Files.deleteIfExists(dir);
        }
      }
      default -> throw new IllegalArgumentException("unknown source; use memory or duckdb");
    }
  }

  private static void writeReport(Figures figures, Path report) throws java.io.IOException {
    Reports.write(report, figures.report(), System.out);
  }

  /**
   * Where the two parties' tables live.
   *
   * @param impressions the publisher's impressions
   * @param conversions the advertiser's conversions
   */
  record Sources(DataSource impressions, DataSource conversions) {
    static Sources inMemory(AdData data) {
      return new Sources(
          InMemorySource.ofRecords("impressions", AdData.Impression.class, data.impressions()),
          InMemorySource.ofRecords("conversions", AdData.Conversion.class, data.conversions()));
    }

    static Sources duckDb(javax.sql.DataSource db) {
      return new Sources(
          JdbcSource.builder(db, "impressions").build(),
          JdbcSource.builder(db, "conversions").build());
    }
  }

  /**
   * Registers both parties' datasets in a new room that records to {@code trail}; with {@code
   * requireDp}, both owners require differential privacy: ε = 10 per analyst per month, at most ε =
   * 1 per query.
   */
  static CleanRoom room(Sources sources, boolean requireDp, AuditTrail trail) {
    CleanRoom room =
        CleanRoom.builder().secretKey(DemoKey.of(EXAMPLE_KEY)).auditSink(trail).build();
    for (Dataset d : datasets(sources, requireDp)) {
      room.register(d);
    }
    return room;
  }

  /**
   * The publisher's impressions and the advertiser's conversions, as {@link #room} registers them.
   */
  static List<Dataset> datasets(Sources sources, boolean requireDp) {
    return List.of(
        Dataset.builder("publisher", "impressions")
            .source(sources.impressions())
            .userId("email", UserIdFormat.EMAIL)
            .dimensions("campaignId", "country", "device", "day")
            .policy(publisherPolicy(requireDp))
            .build(),
        // The advertiser's roles and rules come from the document its privacy team signed off.
        advertiserDocument(requireDp).dataset(sources.conversions()));
  }

  /** With {@code requireDp}: ε = 10, δ = 1e-5 per analyst per month, at most ε = 1 per query. */
  private static Policy.Builder withDp(Policy.Builder policy, boolean requireDp) {
    return requireDp
        ? policy
            .differentialPrivacy(PrivacyBudget.epsilonDelta(10, 1e-5), 1.0)
            .budgetPeriod(BudgetPeriod.MONTHLY)
        : policy;
  }

  static Policy publisherPolicy(boolean requireDp) {
    return withDp(Policy.builder(), requireDp)
        .allowAnalysts("advertiser", "publisher")
        .allowJoinOn("email")
        .allowCohortRelease("publisher")
        .minCohortSize(100)
        .minDistinctUsers(50)
        .maxGroupsPerUser(5)
        .maxContributionsPerGroup(10)
        .build();
  }

  /**
   * The advertiser's policy document, shipped as {@code policies/advertiser-conversions.yaml}; with
   * {@code requireDp}, its version {@code advertiser-conversions-dp.yaml}, which adds ε = 10, δ =
   * 1e-5 per analyst per month, at most ε = 1 per query.
   */
  static PolicyDocument advertiserDocument(boolean requireDp) {
    return PolicyFiles.load(
        requireDp ? "advertiser-conversions-dp.yaml" : "advertiser-conversions.yaml");
  }

  static Policy advertiserPolicy(boolean requireDp) {
    return advertiserDocument(requireDp).policy();
  }

  /** Converters and revenue per campaign, as SQL text (see the README's section "SQL text"). */
  static final String CONVERSIONS_SQL =
      """
      SELECT campaignId, COUNT(DISTINCT USER_ID) AS converters, SUM(purchaseValue) AS revenue
      FROM publisher.impressions
      JOIN advertiser.conversions USING (USER_ID)
      WHERE country IN ('DE', 'FR', 'NL', 'GB', 'US')
      GROUP BY campaignId""";

  static Figures run(AdData data, PrintStream out) {
    return run(data, Sources.inMemory(data), out);
  }

  static Figures run(AdData data, Sources sources, PrintStream out) {
    // One audit trail for both rooms: the host operator keeps a single verifiable record.
    AuditTrail trail = AuditTrails.inMemory();
    CleanRoom room = room(sources, false, trail);
    out.printf(
        "Advertiser x publisher measurement: %,d impressions, %,d conversions%n%n",
        data.impressions().size(), data.conversions().size());

    Result overlap =
        room.as("advertiser")
            .from("publisher.impressions")
            .join("advertiser.conversions")
            .onUserId()
            .select(countDistinctUsers().as("overlap_users"))
            .run();
    out.println("Audience overlap (people who saw an ad and bought):");
    out.println(overlap.toTable());

    Result reach =
        room.as("advertiser")
            .from("publisher.impressions")
            .groupBy("campaignId")
            .select(countDistinctUsers().as("reach"), count().as("impressions"))
            .run();
    out.println("Reach per campaign (each person counted in at most 5 campaigns):");
    out.println(reach.toTable());
    out.println(
        "Average frequency (impressions per person reached; at most 10 counted per person):");
    for (ResultRow row : reach.rows()) {
      out.printf(
          Locale.ROOT,
          "  campaign %2d: %.2f%n",
          row.getLong("campaignId"),
          (double) row.getLong("impressions") / row.getLong("reach"));
    }
    out.println();

    // The same query as SQL text; it compiles to the same QuerySpec as the builder's
    //   from("publisher.impressions").join("advertiser.conversions").onUserId()
    //   .where(col("country").in("DE", "FR", "NL", "GB", "US")).groupBy("campaignId")
    //   .select(countDistinctUsers().as("converters"), sum("purchaseValue").as("revenue"))
    FinalStage conversionsQuery = room.as("advertiser").sql(CONVERSIONS_SQL);
    out.println("Converters and revenue per campaign, asked as SQL text:");
    out.println(CONVERSIONS_SQL);
    out.println();
    out.println("Plan of the next query:");
    out.println(conversionsQuery.explain());
    Result conversions = conversionsQuery.run();
    out.println("Converters and revenue per campaign (k = 50; revenue clamped per person):");
    out.println(conversions.toTable());

    // Time: a weekly trend (the ISO week of each impression, as its Monday) and a 7-day
    // attribution window, a condition across the two datasets on their days.
    Result weekly =
        room.as("advertiser")
            .from("publisher.impressions")
            .groupBy(week("day"))
            .select(countDistinctUsers().as("reach"), count().as("impressions"))
            .run();
    out.println("Weekly trend: reach and impressions per ISO week (week_day is its Monday):");
    out.println(weekly.toTable());
    Result attributed =
        room.as("advertiser")
            .from("publisher.impressions")
            .join("advertiser.conversions")
            .onUserId()
            .where(attributionWindow())
            .groupBy("campaignId")
            .select(countDistinctUsers().as("converters"), sum("purchaseValue").as("revenue"))
            .run();
    out.println(
        "7-day attribution: converters and revenue per campaign, counting only purchases on the"
            + " day of an\nimpression of the campaign or up to 7 days after it:");
    out.println(attributed.toTable());
    Result weeklyAttributed =
        room.as("advertiser")
            .from("publisher.impressions")
            .join("advertiser.conversions")
            .onUserId()
            .where(attributionWindow())
            .groupBy(week("conversions.day"))
            .select(countDistinctUsers().as("converters"), sum("purchaseValue").as("revenue"))
            .run();
    out.println("Attributed converters and revenue per ISO week of the purchase:");
    out.println(weeklyAttributed.toTable());

    String refusal =
        refusal(
            () ->
                room.as("advertiser")
                    .from("publisher.impressions")
                    .groupBy("email")
                    .select(count())
                    .run());
    out.println("A query that groups by the user id is refused:");
    out.println("  " + refusal);
    out.println();

    CleanRoom dpRoom = room(sources, true, trail);
    Object[] campaigns = new Object[AdData.CAMPAIGNS];
    for (int c = 0; c < campaigns.length; c++) {
      campaigns[c] = (long) c + 1;
    }
    Result dpConversions =
        dpRoom
            .as("advertiser")
            .from("publisher.impressions")
            .join("advertiser.conversions")
            .onUserId()
            .groupBy("campaignId")
            .select(countDistinctUsers().as("converters"), sum("purchaseValue").as("revenue"))
            .epsilon(1.0)
            .publicGroupValues(campaigns)
            .run();
    out.println(
        "With differential privacy (both owners require it; ε = 1 for this query, campaign ids"
            + " public):");
    out.println(dpConversions.toTable());
    out.println("(± is the half-width of the 95% confidence interval of each noisy value)");
    out.println(dpConversions.privacy());
    out.println();
    out.println("Threshold mode and DP mode side by side:");
    out.println(sideBySide(conversions, dpConversions));

    List<List<Object>> campaignGroups = new java.util.ArrayList<>();
    for (Object c : campaigns) {
      campaignGroups.add(List.of(c));
    }
    HtmlReport.Builder reportBuilder =
        HtmlReport.builder("Advertiser x publisher measurement")
            .result(
                "Converters and revenue per campaign, differentially private (ε = 1 in total;"
                    + " campaign ids public, so every campaign is released)",
                dpConversions,
                campaignGroups)
            .result(
                "Converters and revenue per campaign, threshold mode (k = 50)",
                conversions,
                campaignGroups)
            .result("Reach and impressions per campaign, threshold mode", reach, campaignGroups);
    for (Dataset d : datasets(sources, true)) {
      reportBuilder.dataset(d);
    }
    String report = reportBuilder.budgets(dpRoom.budgets("advertiser")).build().html();
    out.println();

    Map<String, Set<String>> publisherInbox = new ConcurrentHashMap<>();
    room.registerCohortSink(
        "publisher", (a, userIds) -> publisherInbox.put(a.activationId(), Set.copyOf(userIds)));
    Activation activation =
        converters(room, col("campaignId").eq(COHORT_CAMPAIGN)).activateFor("publisher");
    Set<String> delivered = publisherInbox.getOrDefault(activation.activationId(), Set.of());
    out.printf(
        Locale.ROOT,
        "Cohort activation: the advertiser releases the publisher's users who saw campaign %d and"
            + " bought%n(at least 100 people); the advertiser sees only the activation, the"
            + " publisher only its own users' ids:%n"
            + "  activation %s from %s%n"
            + "  the publisher's sink received %,d ids of its own users (every such converter;"
            + " the tables%n  above count each person in at most 5 campaigns)%n",
        COHORT_CAMPAIGN,
        activation.activationId(),
        activation.dataset(),
        delivered.size());
    List<String> cohortRefusals =
        List.of(
            refusal(
                () ->
                    converters(room, col("campaignId").eq(COHORT_CAMPAIGN))
                        .activateFor("advertiser")),
            refusal(() -> converters(room, smallCohort()).activateFor("publisher")));
    out.println(
        "The same cohort activated for the advertiser, a party no policy allows, is refused:");
    out.println("  " + cohortRefusals.get(0));
    out.printf(
        Locale.ROOT,
        "A cohort below the minimum (converters of %s) is refused, whatever its size:%n"
            + "  %s%n%n",
        SMALL_COHORT,
        cohortRefusals.get(1));

    Budgets.printSummary(out, trail, List.of("publisher", "advertiser"), dpConversions);
    return new Figures(
        overlap,
        reach,
        conversions,
        weekly,
        attributed,
        weeklyAttributed,
        refusal,
        dpConversions,
        report,
        activation,
        delivered,
        cohortRefusals,
        trail);
  }

  /** The cohort of publisher users who saw an ad matching {@code where} and bought. */
  private static CohortStage converters(CleanRoom room, Condition where) {
    return room.as("advertiser")
        .from("publisher.impressions")
        .join("advertiser.conversions")
        .onUserId()
        .where(where)
        .cohort();
  }

  /** The message of the policy violation {@code action} throws; it must throw one. */
  private static String refusal(Supplier<?> action) {
    try {
      Object unused = action.get();
    } catch (PolicyViolationException e) {
      return e.getMessage();
    }
    throw new IllegalStateException("the example expects this to be refused");
  }

  /**
   * Per campaign: the exact threshold-mode figures next to the DP ones with their 95% half-width; a
   * campaign suppressed in threshold mode shows a dash there.
   */
  static String sideBySide(Result threshold, Result dp) {
    Map<Long, ResultRow> exact = new HashMap<>();
    for (ResultRow row : threshold.rows()) {
      exact.put(row.getLong("campaignId"), row);
    }
    StringBuilder sb = new StringBuilder();
    sb.append(
        String.format(
            Locale.ROOT,
            "%8s  %12s  %16s  %14s  %20s%n",
            "campaign",
            "converters",
            "converters (DP)",
            "revenue",
            "revenue (DP)"));
    for (ResultRow row : dp.rows()) {
      long campaign = row.getLong("campaignId");
      ResultRow t = exact.get(campaign);
      sb.append(
          String.format(
              Locale.ROOT,
              "%8d  %12s  %16s  %14s  %20s%n",
              campaign,
              t == null ? "-" : String.format(Locale.ROOT, "%,d", t.getLong("converters")),
              withInterval(row, "converters"),
              t == null ? "-" : String.format(Locale.ROOT, "%,.2f", t.getDouble("revenue")),
              withInterval(row, "revenue")));
    }
    return sb.toString();
  }

  private static String withInterval(ResultRow row, String column) {
    double half = row.noise(column).map(n -> (n.upper() - n.lower()) / 2).orElse(0.0);
    return String.format(Locale.ROOT, "%,.0f ±%,.0f", row.getDouble(column), half);
  }
}
