package dev.cleanroom.examples;

import static dev.cleanroom.query.Dsl.col;
import static dev.cleanroom.query.Dsl.count;
import static dev.cleanroom.query.Dsl.countDistinctUsers;
import static dev.cleanroom.query.Dsl.sum;

import dev.cleanroom.AggregateFunction;
import dev.cleanroom.CleanRoom;
import dev.cleanroom.Dataset;
import dev.cleanroom.Policy;
import dev.cleanroom.PolicyViolationException;
import dev.cleanroom.UserIdFormat;
import dev.cleanroom.query.FinalStage;
import dev.cleanroom.query.Result;
import dev.cleanroom.source.InMemorySource;
import java.io.PrintStream;

/**
 * Advertiser × publisher measurement: a publisher brings ad impressions, an advertiser brings
 * purchases, both keyed by e-mail address. The advertiser learns audience overlap, reach per
 * campaign, and converters and revenue per campaign, only as aggregates over at least k people;
 * neither party sees the other's rows or ids.
 *
 * <p>Run it with {@code mvn -B -q -pl cleanroom-examples -am compile exec:java}.
 */
public final class AdMeasurementExample {
  private AdMeasurementExample() {}

  /** The released answers of the example, for tests. */
  record Figures(Result overlap, Result reach, Result conversions, String refusal) {}

  /** Runs the example on 200,000 impressions and 30,000 conversions with 40% overlap. */
  public static void main(String[] args) {
    run(AdData.generate(42, 200_000, 30_000, 0.4), System.out);
  }

  /** Registers both parties' datasets in a new room. */
  static CleanRoom room(AdData data) {
    CleanRoom room = CleanRoom.builder().build();
    room.register(
        Dataset.builder("publisher", "impressions")
            .source(
                InMemorySource.ofRecords(
                    "impressions", AdData.Impression.class, data.impressions()))
            .userId("email", UserIdFormat.EMAIL)
            .dimensions("campaignId", "country", "device")
            .policy(
                Policy.builder()
                    .allowAnalysts("advertiser", "publisher")
                    .allowJoinOn("email")
                    .minDistinctUsers(50)
                    .maxGroupsPerUser(5)
                    .maxContributionsPerGroup(10)
                    .build())
            .build());
    room.register(
        Dataset.builder("advertiser", "conversions")
            .source(
                InMemorySource.ofRecords(
                    "conversions", AdData.Conversion.class, data.conversions()))
            .userId("email", UserIdFormat.EMAIL)
            .dimension("channel")
            .metric("purchaseValue", 0, 10_000)
            .policy(
                Policy.builder()
                    .allowAnalysts("advertiser")
                    .allowJoinOn("email")
                    .minDistinctUsers(25)
                    .maxGroupsPerUser(5)
                    .allowAggregates("purchaseValue", AggregateFunction.SUM, AggregateFunction.AVG)
                    .clampPerGroup("purchaseValue", 0, 2_000)
                    .build())
            .build());
    return room;
  }

  static Figures run(AdData data, PrintStream out) {
    CleanRoom room = room(data);
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
    return new Figures(overlap, reach, conversions, refusal);
  }
}
