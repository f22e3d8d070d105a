package dev.cleanroom.internal.room;

import static java.nio.charset.StandardCharsets.UTF_8;

import dev.cleanroom.AggregateFunction;
import dev.cleanroom.CleanRoom;
import dev.cleanroom.Column;
import dev.cleanroom.Dataset;
import dev.cleanroom.Policy;
import dev.cleanroom.Schema;
import dev.cleanroom.SecretKey;
import dev.cleanroom.UserIdFormat;
import dev.cleanroom.source.InMemorySource;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;

/**
 * A room with three parties' datasets, each source counting its scans:
 *
 * <ul>
 *   <li>{@code publisher.impressions}: user_id (EMAIL), campaign, country, hour (LONG), device
 *       (declared, but outside allowDimensions), spend (metric [0, 100], SUM only), clicks (metric
 *       [0, 10]), internal (blocked), ip (undeclared); open to {@code advertiser}; joinable; k=2.
 *   <li>{@code advertiser.conversions}: user_id (EMAIL), product, country, value (metric [0,
 *       1000]); open to {@code advertiser} and {@code publisher}; joinable; k=3.
 *   <li>{@code partner.crm}: user_id (EMAIL), segment; open to {@code advertiser}; not joinable;
 *       k=2.
 * </ul>
 */
final class AdFixture {
  static final String ANALYST = "advertiser";
  static final String IMPRESSIONS = "publisher.impressions";
  static final String CONVERSIONS = "advertiser.conversions";
  static final String CRM = "partner.crm";
  static final Instant NOW = Instant.parse("2024-05-01T12:00:00Z");

  static final Schema IMPRESSIONS_SCHEMA =
      Schema.of(
          Column.string("user_id"),
          Column.string("campaign"),
          Column.string("country"),
          Column.int64("hour"),
          Column.string("device"),
          Column.float64("spend"),
          Column.int64("clicks"),
          Column.string("internal"),
          Column.string("ip"));

  static final Schema CONVERSIONS_SCHEMA =
      Schema.of(
          Column.string("user_id"),
          Column.string("product"),
          Column.string("country"),
          Column.float64("value"));

  final RecordingAuditSink audit = new RecordingAuditSink();
  final CountingSource impressions;
  final CountingSource conversions;
  final CountingSource crm;
  final CleanRoom room;

  AdFixture() {
    InMemorySource.Builder imp = InMemorySource.builder("impressions.mem", IMPRESSIONS_SCHEMA);
    // six people; u1..u4 saw campaign c1, u3..u6 saw c2 (several times each)
    for (int u = 1; u <= 6; u++) {
      String email = "U" + u + "@Example.com";
      for (int rep = 0; rep < u; rep++) {
        String campaign = (u <= 2 || (u <= 4 && rep % 2 == 0)) ? "c1" : "c2";
        imp.addRow(
            email,
            campaign,
            u % 2 == 0 ? "DE" : "FR",
            (long) (rep % 24),
            "mobile",
            10.0 * u,
            (long) rep,
            "internal-" + u,
            "10.0.0." + u);
      }
    }
    impressions = new CountingSource(imp.build());

    InMemorySource.Builder conv = InMemorySource.builder("conversions.mem", CONVERSIONS_SCHEMA);
    for (int u = 2; u <= 6; u++) {
      conv.addRow(" u" + u + "@example.COM ", u % 2 == 0 ? "shoes" : "hats", "DE", 100.0 * u);
    }
    conversions = new CountingSource(conv.build());

    InMemorySource.Builder c =
        InMemorySource.builder(
            "crm.mem", Schema.of(Column.string("user_id"), Column.string("segment")));
    for (int u = 1; u <= 6; u++) {
      c.addRow("U" + u + "@Example.com", u <= 3 ? "gold" : "silver");
    }
    crm = new CountingSource(c.build());

    room =
        CleanRoom.builder()
            .secretKey(SecretKey.of("fixture-key-0123456789abcdef".getBytes(UTF_8)))
            .auditSink(audit)
            .clock(Clock.fixed(NOW, ZoneOffset.UTC))
            .build();
    room.register(
        Dataset.builder("publisher", "impressions")
            .source(impressions)
            .userId("user_id", UserIdFormat.EMAIL)
            .dimensions("campaign", "country", "hour", "device")
            .metric("spend", 0, 100)
            .metric("clicks", 0, 10)
            .blocked("internal")
            .policy(
                Policy.builder()
                    .allowAnalysts(ANALYST)
                    .allowJoinOn("user_id")
                    .allowDimensions("campaign", "country", "hour")
                    .allowAggregates("spend", AggregateFunction.SUM)
                    .minDistinctUsers(2)
                    .maxGroupsPerUser(3)
                    .maxContributionsPerGroup(4)
                    .build())
            .build());
    room.register(
        Dataset.builder("advertiser", "conversions")
            .source(conversions)
            .userId("user_id", UserIdFormat.EMAIL)
            .dimensions("product", "country")
            .metric("value", 0, 1000)
            .policy(
                Policy.builder()
                    .allowAnalysts(ANALYST, "publisher")
                    .allowJoinOn("user_id")
                    .minDistinctUsers(3)
                    .maxGroupsPerUser(2)
                    .maxContributionsPerGroup(5)
                    .build())
            .build());
    room.register(
        Dataset.builder("partner", "crm")
            .source(crm)
            .userId("user_id", UserIdFormat.EMAIL)
            .dimension("segment")
            .policy(Policy.builder().allowAnalysts(ANALYST).minDistinctUsers(2).build())
            .build());
  }

  /** The scans of all three sources so far. */
  int scans() {
    return impressions.scans() + conversions.scans() + crm.scans();
  }
}
