package dev.cleanroom.examples;

import static dev.cleanroom.query.Dsl.col;
import static dev.cleanroom.query.Dsl.count;
import static dev.cleanroom.query.Dsl.countDistinctUsers;
import static dev.cleanroom.query.Dsl.sum;

import dev.cleanroom.AggregateFunction;
import dev.cleanroom.BudgetPeriod;
import dev.cleanroom.CleanRoom;
import dev.cleanroom.Dataset;
import dev.cleanroom.Policy;
import dev.cleanroom.PolicyViolationException;
import dev.cleanroom.PrivacyBudget;
import dev.cleanroom.UserIdFormat;
import dev.cleanroom.jdbc.JdbcSource;
import dev.cleanroom.query.FinalStage;
import dev.cleanroom.query.Result;
import dev.cleanroom.source.InMemorySource;
import dev.cleanroom.spi.DataSource;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Advertiser × publisher measurement: a publisher brings ad impressions, an advertiser brings
 * purchases, both keyed by e-mail address. The advertiser learns audience overlap, reach per
 * campaign, and converters and revenue per campaign, only as aggregates over at least k people;
 * neither party sees the other's rows or ids.
 *
 * <p>Run it with {@code mvn -B -q -pl cleanroom-examples -am compile exec:java}; add {@code
 * -Dexec.args="--source duckdb"} to keep both parties' tables in an embedded DuckDB file instead,
 * where each query runs inside the database as one SQL statement.
 */
public final class AdMeasurementExample {
  private AdMeasurementExample() {}

  /** The released answers of the example, for tests. */
  record Figures(
      Result overlap, Result reach, Result conversions, String refusal, Result dpConversions) {}

  /**
   * Runs the example on 200,000 impressions and 30,000 conversions with 40% overlap.
   *
   * @param args {@code --source memory} (the default) or {@code --source duckdb}
   */
  public static void main(String[] args) throws Exception {
    String source = "memory";
    for (int i = 0; i < args.length; i++) {
      if (args[i].equals("--source") && i + 1 < args.length) {
        source = args[++i];
      } else {
        throw new IllegalArgumentException("usage: [--source memory|duckdb]");
      }
    }
    AdData data = AdData.generate(42, 200_000, 30_000, 0.4);
    switch (source) {
      case "memory" -> run(data, Sources.inMemory(data), System.out);
      case "duckdb" -> {
        Path dir = Files.createTempDirectory("cleanroom-example");
        Path file = dir.resolve("ads.duckdb");
        try {
          javax.sql.DataSource db = DuckDbFiles.dataSource(file);
          DuckDbFiles.load(db, data);
          System.out.println("Data in the embedded DuckDB file " + file.getFileName());
          run(data, Sources.duckDb(db), System.out);
        } finally {
          Files.deleteIfExists(file);
          Files.deleteIfExists(dir.resolve("ads.duckdb.wal"));
          Files.deleteIfExists(dir);
        }
      }
      default -> throw new IllegalArgumentException("unknown source; use memory or duckdb");
    }
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

  /** Registers both parties' in-memory datasets in a new room, in threshold mode. */
  static CleanRoom room(AdData data) {
    return room(Sources.inMemory(data), false);
  }

  /**
   * Registers both parties' datasets in a new room; with {@code requireDp}, both owners require
   * differential privacy: ε = 10 per analyst per month, at most ε = 1 per query.
   */
  static CleanRoom room(Sources sources, boolean requireDp) {
    CleanRoom room = CleanRoom.builder().build();
    Policy.Builder publisher = Policy.builder();
    Policy.Builder advertiser = Policy.builder();
    if (requireDp) {
      for (Policy.Builder p : List.of(publisher, advertiser)) {
        p.differentialPrivacy(PrivacyBudget.epsilonDelta(10, 1e-5), 1.0)
            .budgetPeriod(BudgetPeriod.MONTHLY);
      }
    }
    room.register(
        Dataset.builder("publisher", "impressions")
            .source(sources.impressions())
            .userId("email", UserIdFormat.EMAIL)
            .dimensions("campaignId", "country", "device")
            .policy(
                publisher
                    .allowAnalysts("advertiser", "publisher")
                    .allowJoinOn("email")
                    .minDistinctUsers(50)
                    .maxGroupsPerUser(5)
                    .maxContributionsPerGroup(10)
                    .build())
            .build());
    room.register(
        Dataset.builder("advertiser", "conversions")
            .source(sources.conversions())
            .userId("email", UserIdFormat.EMAIL)
            .dimension("channel")
            .metric("purchaseValue", 0, 10_000)
            .policy(
                advertiser
                    .allowAnalysts("advertiser")
                    .allowJoinOn("email")
                    .minDistinctUsers(25)
                    .maxGroupsPerUser(5)
                    .allowAggregates("purchaseValue", AggregateFunction.SUM, AggregateFunction.AVG)
                    .clampPerGroup("purchaseValue", 0, 500)
                    .build())
            .build());
    return room;
  }

  static Figures run(AdData data, PrintStream out) {
    return run(data, Sources.inMemory(data), out);
  }

  static Figures run(AdData data, Sources sources, PrintStream out) {
    CleanRoom room = room(sources, false);
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

    FinalStage conversionsQuery =
        room.as("advertiser")
            .from("publisher.impressions")
            .join("advertiser.conversions")
            .onUserId()
            .where(col("country").in("DE", "FR", "NL", "GB", "US"))
            .groupBy("campaignId")
            .select(countDistinctUsers().as("converters"), sum("purchaseValue").as("revenue"));
    out.println("Plan of the next query:");
    out.println(conversionsQuery.explain());
    Result conversions = conversionsQuery.run();
    out.println("Converters and revenue per campaign (k = 50; revenue clamped per person):");
    out.println(conversions.toTable());

    String refusal;
    try {
      room.as("advertiser").from("publisher.impressions").groupBy("email").select(count()).run();
      throw new IllegalStateException("grouping by the user id must be refused");
    } catch (PolicyViolationException e) {
      refusal = e.getMessage();
    }
    out.println("A query that groups by the user id is refused:");
    out.println("  " + refusal);
    out.println();

    CleanRoom dpRoom = room(sources, true);
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
    return new Figures(overlap, reach, conversions, refusal, dpConversions);
  }
}
