package dev.cleanroom.examples;

import static dev.cleanroom.query.Dsl.countDistinctUsers;
import static dev.cleanroom.query.Dsl.sum;

import dev.cleanroom.BudgetPeriod;
import dev.cleanroom.CleanRoom;
import dev.cleanroom.Dataset;
import dev.cleanroom.Policy;
import dev.cleanroom.PrivacyBudget;
import dev.cleanroom.SecretKey;
import dev.cleanroom.UserIdFormat;
import dev.cleanroom.jdbc.JdbcSource;
import dev.cleanroom.query.ExecutionPath;
import dev.cleanroom.query.FinalStage;
import dev.cleanroom.query.Result;
import dev.cleanroom.spi.DataSource;

/** The rooms and queries of the benchmark workload ({@link Workload}). */
final class PerfRooms {
  private PerfRooms() {}

  /** k: the fewest distinct users a released campaign has. */
  static final int MIN_USERS = 50;

  /** Q1-DP's L0: the most campaigns one person adds to. */
  static final int MAX_CAMPAIGNS = 5;

  /** Q1-DP's bound on one person's total per campaign: [0, CLAMP]. */
  static final double CLAMP = 500;

  /** The bounds of one purchase value: [0, ROW_MAX]. */
  static final double ROW_MAX = 10_000;

  /** Q1-DP's ε. */
  static final double EPSILON = 1.0;

  /** Q1-DP's δ. */
  static final double DELTA = 1e-6;

  /**
   * A room over the two tables. Without {@code dp}, both owners require k = 50 and allow a person
   * in every campaign (no bounding: the plain query); with it, both require differential privacy, k
   * = 50, at most 5 campaigns per person, and the advertiser clamps each person's value per
   * campaign to [0, 500]. Rooms with the same {@code key} share the engine's cache of pseudonymized
   * ids, as one long-lived room would.
   */
  static CleanRoom room(SecretKey key, DataSource impressions, DataSource conversions, boolean dp) {
    CleanRoom room = CleanRoom.builder().secretKey(key).build();
    Policy.Builder publisher = Policy.builder();
    Policy.Builder advertiser = Policy.builder();
    if (dp) {
      for (Policy.Builder p : new Policy.Builder[] {publisher, advertiser}) {
        p.differentialPrivacy(PrivacyBudget.epsilonDelta(1_000_000, 0.5), 1.0)
            .budgetPeriod(BudgetPeriod.MONTHLY)
            .maxGroupsPerUser(MAX_CAMPAIGNS);
      }
      advertiser.clampPerGroup("value", 0, CLAMP);
    } else {
      publisher.maxGroupsPerUser(Workload.CAMPAIGNS);
      advertiser.maxGroupsPerUser(Workload.CAMPAIGNS);
    }
    room.register(
        Dataset.builder("publisher", "impressions")
            .source(impressions)
            .userId("user_id", UserIdFormat.RAW)
            .dimension("campaign_id")
            .policy(
                publisher
                    .allowAnalysts("advertiser")
                    .allowJoinOn("user_id")
                    .minDistinctUsers(MIN_USERS)
                    .build())
            .build());
    room.register(
        Dataset.builder("advertiser", "conversions")
            .source(conversions)
            .userId("user_id", UserIdFormat.RAW)
            .metric("value", 0, ROW_MAX)
            .policy(
                advertiser
                    .allowAnalysts("advertiser")
                    .allowJoinOn("user_id")
                    .minDistinctUsers(MIN_USERS)
                    .build())
            .build());
    return room;
  }

  /**
   * A room, as {@link #room(SecretKey, DataSource, DataSource, boolean)}, over the tables {@code
   * impressions} and {@code conversions} of the database that {@code db} reaches.
   */
  static CleanRoom room(SecretKey key, javax.sql.DataSource db, boolean dp) {
    return room(
        key,
        JdbcSource.builder(db, "impressions").build(),
        JdbcSource.builder(db, "conversions").build(),
        dp);
  }

  /** The path that {@link #q1} (or, with {@code dp}, {@link #q1Dp}) takes in {@code room}. */
  static ExecutionPath path(CleanRoom room, boolean dp) {
    FinalStage q = q1Stage(room);
    if (dp) {
      q = q.budget(PrivacyBudget.epsilonDelta(EPSILON, DELTA));
    }
    return q.explain().path().orElseThrow();
  }

  /** Q1: per campaign, distinct converting users and summed purchase value (threshold only). */
  static Result q1(CleanRoom room) {
    return q1Stage(room).run();
  }

  /** Q1-DP: Q1 with ε = 1 and δ = 1e-6, groups selected privately (k = 50 on the noisy count). */
  static Result q1Dp(CleanRoom room) {
    return q1Stage(room).budget(PrivacyBudget.epsilonDelta(EPSILON, DELTA)).run();
  }

  /**
   * Q1's counts alone, threshold only, difference checks on (the default): per campaign, distinct
   * converting users. It runs in a database when both tables are there.
   */
  static Result q1Counts(CleanRoom room) {
    return room.as("advertiser")
        .from("publisher.impressions")
        .join("advertiser.conversions")
        .onUserId()
        .groupBy("campaign_id")
        .select(countDistinctUsers().as("converters"))
        .run();
  }

  private static FinalStage q1Stage(CleanRoom room) {
    return room.as("advertiser")
        .from("publisher.impressions")
        .join("advertiser.conversions")
        .onUserId()
        .groupBy("campaign_id")
        .select(countDistinctUsers().as("converters"), sum("value").as("revenue"));
  }
}
