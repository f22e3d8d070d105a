package dev.cleanroom.internal.room;

import static dev.cleanroom.query.Dsl.col;
import static java.nio.charset.StandardCharsets.UTF_8;

import dev.cleanroom.CleanRoom;
import dev.cleanroom.Column;
import dev.cleanroom.Dataset;
import dev.cleanroom.Policy;
import dev.cleanroom.PrivacyBudget;
import dev.cleanroom.Schema;
import dev.cleanroom.SecretKey;
import dev.cleanroom.UserIdFormat;
import dev.cleanroom.query.Activation;
import dev.cleanroom.query.CohortStage;
import dev.cleanroom.query.Result;
import dev.cleanroom.source.InMemorySource;
import dev.cleanroom.spi.AuditEvent;
import dev.cleanroom.spi.DataSource;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.UnaryOperator;

/**
 * A room of three parties for cohort and receiver tests, every source counting its scans:
 *
 * <ul>
 *   <li>{@code publisher.impressions}: user_id (EMAIL, written {@code Pub<i>@Example.com}),
 *       campaign (LONG dimension); publisher users 0..19, even ones saw campaign 7, odd ones 8.
 *   <li>{@code advertiser.conversions}: user_id (EMAIL, written {@code " pub<i>@example.COM "}),
 *       product (dimension), value (metric [0, 100]); the given converters among the publisher's
 *       users, plus advertiser-only users.
 *   <li>{@code retailer.baskets}: user_id (EMAIL), store (dimension); every publisher user.
 * </ul>
 *
 * <p>Each dataset's policy is the given builder's, completed with the analyst {@code advertiser},
 * joins on {@code user_id} and k=2 (a test adds rules through the policy functions).
 */
final class CollabFixture {
  static final String ANALYST = "advertiser";
  static final String IMPRESSIONS = "publisher.impressions";
  static final String CONVERSIONS = "advertiser.conversions";
  static final String BASKETS = "retailer.baskets";
  static final Instant NOW = Instant.parse("2024-05-01T12:00:00Z");
  static final SecretKey KEY = SecretKey.of("collab-fixture-key-0123456789".getBytes(UTF_8));

  final RecordingAuditSink audit = new RecordingAuditSink();
  private final List<CountingSource> sources = new ArrayList<>();
  final Map<String, List<Activation>> activations = new ConcurrentHashMap<>();
  final Map<String, List<Set<String>>> cohorts = new ConcurrentHashMap<>();
  final Map<String, List<Result>> results = new ConcurrentHashMap<>();
  final CleanRoom room;

  /**
   * @param converters the publisher users (indexes 0..19) who converted at the advertiser
   * @param publisher completes the publisher's policy builder
   * @param advertiser completes the advertiser's policy builder
   * @param retailer completes the retailer's policy builder
   */
  CollabFixture(
      List<Integer> converters,
      UnaryOperator<Policy.Builder> publisher,
      UnaryOperator<Policy.Builder> advertiser,
      UnaryOperator<Policy.Builder> retailer) {
    InMemorySource.Builder imp =
        InMemorySource.builder(
            "impressions.mem", Schema.of(Column.string("user_id"), Column.int64("campaign")));
    for (int i = 0; i < 20; i++) {
      imp.addRow(pubId(i), i % 2 == 0 ? 7L : 8L);
      imp.addRow(pubId(i), 9L);
    }
    InMemorySource.Builder conv =
        InMemorySource.builder(
            "conversions.mem",
            Schema.of(Column.string("user_id"), Column.string("product"), Column.float64("value")));
    for (int i : converters) {
      conv.addRow(advId(i), "shoes", 10.0 * (i % 10));
    }
    for (int j = 0; j < 5; j++) {
      conv.addRow("adv-only-" + j + "@example.com", "hats", 5.0);
    }
    InMemorySource.Builder bask =
        InMemorySource.builder(
            "baskets.mem", Schema.of(Column.string("user_id"), Column.string("store")));
    for (int i = 0; i < 20; i++) {
      bask.addRow("pub" + i + "@example.com", i < 10 ? "north" : "south");
    }
    room =
        CleanRoom.builder()
            .secretKey(KEY)
            .auditSink(audit)
            .clock(Clock.fixed(NOW, ZoneOffset.UTC))
            .build();
    room.register(
        Dataset.builder("publisher", "impressions")
            .source(counting(imp.build()))
            .userId("user_id", UserIdFormat.EMAIL)
            .dimension("campaign")
            .policy(publisher.apply(base()).build())
            .build());
    room.register(
        Dataset.builder("advertiser", "conversions")
            .source(counting(conv.build()))
            .userId("user_id", UserIdFormat.EMAIL)
            .dimension("product")
            .metric("value", 0, 100)
            .policy(advertiser.apply(base()).build())
            .build());
    room.register(
        Dataset.builder("retailer", "baskets")
            .source(counting(bask.build()))
            .userId("user_id", UserIdFormat.EMAIL)
            .dimension("store")
            .policy(retailer.apply(base()).build())
            .build());
  }

  /** The publisher's id of its user {@code i}, exactly as its dataset holds it. */
  static String pubId(int i) {
    return "Pub" + i + "@Example.com";
  }

  /** The advertiser's id of publisher user {@code i}, exactly as its dataset holds it. */
  static String advId(int i) {
    return " pub" + i + "@example.COM ";
  }

  private static Policy.Builder base() {
    return Policy.builder().allowAnalysts(ANALYST).allowJoinOn("user_id").minDistinctUsers(2);
  }

  /** A differential-privacy rule with room for a few queries. */
  static Policy.Builder dp(Policy.Builder b) {
    return b.differentialPrivacy(PrivacyBudget.epsilon(10), 1.0);
  }

  /** The cohort of publisher users who saw campaign 7 and converted at the advertiser. */
  CohortStage campaign7() {
    return room.as(ANALYST)
        .from(IMPRESSIONS)
        .join(CONVERSIONS)
        .onUserId()
        .where(col("campaign").eq(7L))
        .cohort();
  }

  /** Registers a cohort sink for {@code party} that keeps what it receives. */
  CollabFixture cohortSink(String party) {
    room.registerCohortSink(
        party,
        (activation, ids) -> {
          activations.computeIfAbsent(party, p -> new CopyOnWriteArrayList<>()).add(activation);
          cohorts.computeIfAbsent(party, p -> new CopyOnWriteArrayList<>()).add(ids);
        });
    return this;
  }

  /** Registers a result sink for {@code party} that keeps what it receives. */
  CollabFixture resultSink(String party) {
    room.registerResultSink(
        party, r -> results.computeIfAbsent(party, p -> new CopyOnWriteArrayList<>()).add(r));
    return this;
  }

  /** Everything {@code party} received through a sink. */
  List<Object> received(String party) {
    List<Object> out = new ArrayList<>();
    out.addAll(cohorts.getOrDefault(party, List.of()));
    out.addAll(results.getOrDefault(party, List.of()));
    return out;
  }

  AuditEvent lastEvent() {
    return audit.last();
  }

  private DataSource counting(DataSource delegate) {
    CountingSource c = new CountingSource(delegate);
    sources.add(c);
    return c;
  }

  /** The scans of all three sources so far. */
  int scans() {
    return sources.stream().mapToInt(CountingSource::scans).sum();
  }
}
