package dev.cleanroom.internal.execution;

import static dev.cleanroom.query.Dsl.col;
import static dev.cleanroom.query.Dsl.countDistinctUsers;
import static dev.cleanroom.query.Dsl.month;
import static dev.cleanroom.query.Dsl.week;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cleanroom.CleanRoom;
import dev.cleanroom.Column;
import dev.cleanroom.ColumnType;
import dev.cleanroom.Dataset;
import dev.cleanroom.InvalidQueryException;
import dev.cleanroom.Policy;
import dev.cleanroom.Schema;
import dev.cleanroom.UserIdFormat;
import dev.cleanroom.internal.execution.PushdownDatabases.Db;
import dev.cleanroom.internal.plan.Plan;
import dev.cleanroom.internal.plan.Planner;
import dev.cleanroom.internal.value.TimeBuckets;
import dev.cleanroom.jdbc.JdbcSource;
import dev.cleanroom.query.ColumnOffset;
import dev.cleanroom.query.Explanation;
import dev.cleanroom.query.FinalStage;
import dev.cleanroom.query.TimeBucket;
import dev.cleanroom.source.InMemorySource;
import dev.cleanroom.spi.DataSource;
import java.sql.SQLException;
import java.time.DayOfWeek;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.temporal.TemporalAdjusters;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Examples of time buckets and of comparisons between time columns: names, the bucket arithmetic
 * against {@code java.time}, what owners allow, {@code explain()}, and a pushed-down statement that
 * carries offsets and dates only as bound parameters.
 */
class TimeBucketTest {
  private static Db h2;

  @BeforeAll
  static void open() throws SQLException {
    h2 = PushdownDatabases.h2();
    h2.execute(
        "CREATE TABLE TB_IMPS (\"uid\" VARCHAR(20), \"day\" DATE, \"ts\" TIMESTAMP,"
            + " \"country\" VARCHAR(8))",
        "CREATE TABLE TB_CONVS (\"uid\" VARCHAR(20), \"day\" DATE, \"ts\" TIMESTAMP)");
  }

  @AfterAll
  static void close() throws Exception {
    h2.close();
  }

  @Test
  void names_parseAndPrint() {
    assertEquals("week(impressions.day)", week("impressions.day"));
    assertEquals("month(day)", month("day"));
    assertEquals(
        Optional.of(new TimeBucket.Named(TimeBucket.DAY, "a.ts")), TimeBucket.parse("day(a.ts)"));
    assertEquals(Optional.empty(), TimeBucket.parse("day"));
    assertEquals(Optional.empty(), TimeBucket.parse("Week(day)"));
    assertEquals(Optional.empty(), TimeBucket.parse("year(day)"));
    assertEquals(Optional.empty(), TimeBucket.parse("week()"));
    assertEquals(Optional.empty(), TimeBucket.parse("week(week(day))"));
    assertThrows(IllegalArgumentException.class, () -> TimeBucket.WEEK.of("month(day)"));
    assertThrows(IllegalArgumentException.class, () -> TimeBucket.WEEK.of(" "));
  }

  @Test
  void columnOffset_rejectsBucketsNanosAndHugeOffsets() {
    assertThrows(IllegalArgumentException.class, () -> col("week(day)").plus(Duration.ZERO));
    assertThrows(IllegalArgumentException.class, () -> col("ts").plus(Duration.ofNanos(1)));
    assertThrows(
        IllegalArgumentException.class, () -> col("ts").plus(ColumnOffset.MAX_OFFSET.plusDays(1)));
    assertThrows(
        IllegalArgumentException.class, () -> col("a").within(col("b"), Duration.ofDays(-1)));
    assertEquals("b + 7 days", col("b").plus(Duration.ofDays(7)).toString());
    assertEquals("b - 1 day", col("b").minus(Duration.ofDays(1)).toString());
    assertEquals("a <= b + 7 days", col("a").le(col("b").plus(Duration.ofDays(7))).toString());
    assertEquals("a > ?", col("a").gt(LocalDate.of(2020, 1, 1)).toString());
  }

  /** Every day from 1900 to 2100 and around the years 1 and 9999, against java.time. */
  @Test
  void buckets_equalJavaTime() {
    for (LocalDate[] range :
        new LocalDate[][] {
          {LocalDate.of(1, 1, 1), LocalDate.of(1, 3, 1)},
          {LocalDate.of(1900, 1, 1), LocalDate.of(2100, 1, 1)},
          {LocalDate.of(9999, 10, 1), LocalDate.of(9999, 12, 31)}
        }) {
      for (LocalDate d = range[0]; !d.isAfter(range[1]); d = d.plusDays(1)) {
        long e = d.toEpochDay();
        assertEquals(d, LocalDate.ofEpochDay(TimeBuckets.of(TimeBucket.DAY, ColumnType.DATE, e)));
        assertEquals(
            d.with(TemporalAdjusters.previousOrSame(DayOfWeek.MONDAY)),
            LocalDate.ofEpochDay(TimeBuckets.of(TimeBucket.WEEK, ColumnType.DATE, e)));
        assertEquals(
            d.withDayOfMonth(1),
            LocalDate.ofEpochDay(TimeBuckets.of(TimeBucket.MONTH, ColumnType.DATE, e)));
        long micros = e * 86_400_000_000L;
        assertEquals(e, TimeBuckets.of(TimeBucket.DAY, ColumnType.TIMESTAMP, micros));
        assertEquals(
            e, TimeBuckets.of(TimeBucket.DAY, ColumnType.TIMESTAMP, micros + 86_399_999_999L));
      }
    }
    // The last microsecond of 1969 is on 1969-12-31, in the week of Monday 1969-12-29.
    assertEquals(
        LocalDate.of(1969, 12, 29).toEpochDay(),
        TimeBuckets.of(TimeBucket.WEEK, ColumnType.TIMESTAMP, -1));
    // 0001-01-01 was a Monday: its week starts on it, within the years a DATE holds.
    assertEquals(
        LocalDate.of(1, 1, 1).toEpochDay(),
        TimeBuckets.of(TimeBucket.WEEK, ColumnType.DATE, LocalDate.of(1, 1, 7).toEpochDay()));
  }

  // ---------------------------------------------------------------- policies

  private static final Schema SCHEMA =
      Schema.of(
          Column.string("uid"),
          Column.date("day"),
          Column.timestamp("ts"),
          Column.string("country"));

  private static Dataset dataset(DataSource source, String... allowed) {
    Policy.Builder p =
        Policy.builder()
            .withoutDifferenceChecks()
            .allowAnalysts("an")
            .allowJoinOn("uid")
            .minDistinctUsers(2);
    if (allowed.length > 0) {
      p.allowDimensions(allowed);
    }
    return Dataset.builder("pub", "imps")
        .source(source)
        .userId("uid", UserIdFormat.RAW)
        .dimensions("day", "ts", "country")
        .policy(p.build())
        .build();
  }

  private static InMemorySource rows() {
    return InMemorySource.builder("imps", SCHEMA)
        .addRow("u1", LocalDate.of(2024, 1, 1), Instant.parse("2024-01-01T10:00:00Z"), "DE")
        .build();
  }

  private static boolean allowed(String grouped, String... allowedDimensions) {
    try (CleanRoom room = CleanRoom.builder().auditSink(e -> {}).build()) {
      room.register(dataset(rows(), allowedDimensions));
      Explanation e =
          room.as("an").from("pub.imps").groupBy(grouped).select(countDistinctUsers()).explain();
      return e.path().isPresent();
    }
  }

  @Test
  void owner_allowsABucketByItsNameOrByItsColumn() {
    assertTrue(allowed("week(day)", "week(day)"));
    assertFalse(allowed("day", "week(day)"), "the week allows nothing finer");
    assertFalse(allowed("month(day)", "week(day)"), "nor another bucket");
    assertTrue(allowed("month(day)", "day"), "the column allows every bucket of it");
    assertTrue(allowed("week(ts)", "day(ts)"), "a timestamp's day allows its weeks");
    assertFalse(allowed("ts", "day(ts)"));
    assertFalse(allowed("week(ts)", "country"));
    assertTrue(allowed("week(ts)"), "no list: every dimension and its buckets");
  }

  @Test
  void policyDocument_allowsABucketByName() {
    String yaml =
        """
        cleanroomPolicy: 1
        owner: pub
        dataset: imps
        columns:
          uid: {type: string, role: user_id, format: raw}
          day: {type: date, role: dimension}
          ts: {type: timestamp, role: dimension}
          country: {type: string, role: dimension}
        policy:
          analysts: [an]
          minDistinctUsers: 2
          dimensions: [week(day), country]
        """;
    dev.cleanroom.policy.PolicyDocument doc = dev.cleanroom.policy.PolicyDocument.parse(yaml);
    assertEquals(
        java.util.Set.of("week(day)", "country"), doc.policy().allowedDimensions().orElseThrow());
    assertThrows(
        dev.cleanroom.policy.PolicyDocumentException.class,
        () ->
            dev.cleanroom.policy.PolicyDocument.parse(
                yaml.replace("[week(day), country]", "[week(nothing)]")));
  }

  @Test
  void owner_mayNotAllowABucketOfTextOrAnUndeclaredColumn() {
    assertThrows(IllegalArgumentException.class, () -> dataset(rows(), "week(country)"));
    assertThrows(IllegalArgumentException.class, () -> dataset(rows(), "week(nothing)"));
  }

  @Test
  void aBucketOfText_orComparedWithANumber_isAnInvalidQuery() {
    try (CleanRoom room = CleanRoom.builder().auditSink(e -> {}).build()) {
      room.register(dataset(rows()));
      assertThrows(
          InvalidQueryException.class,
          () ->
              room.as("an")
                  .from("pub.imps")
                  .groupBy("week(country)")
                  .select(countDistinctUsers())
                  .explain());
      assertThrows(
          InvalidQueryException.class,
          () ->
              room.as("an")
                  .from("pub.imps")
                  .where(col("week(day)").eq(3L))
                  .select(countDistinctUsers())
                  .explain());
      assertThrows(
          InvalidQueryException.class,
          () ->
              room.as("an")
                  .from("pub.imps")
                  .where(col("day").le(col("ts")))
                  .select(countDistinctUsers())
                  .explain());
      assertThrows(
          InvalidQueryException.class,
          () ->
              room.as("an")
                  .from("pub.imps")
                  .where(col("day").le(col("day").plus(Duration.ofHours(1))))
                  .select(countDistinctUsers())
                  .explain());
    }
  }

  // ---------------------------------------------------------------- explain and SQL

  private static List<Dataset> tables() {
    Dataset imps = dataset(JdbcSource.builder(h2.dataSource(), "TB_IMPS").build());
    Dataset convs =
        Dataset.builder("adv", "convs")
            .source(JdbcSource.builder(h2.dataSource(), "TB_CONVS").build())
            .userId("uid", UserIdFormat.RAW)
            .dimensions("day", "ts")
            .policy(
                Policy.builder()
                    .withoutDifferenceChecks()
                    .allowAnalysts("an")
                    .allowJoinOn("uid")
                    .minDistinctUsers(2)
                    .build())
            .build();
    return List.of(imps, convs);
  }

  private static FinalStage attribution(CleanRoom room) {
    return room.as("an")
        .from("pub.imps")
        .join("adv.convs")
        .onUserId()
        .where(col("convs.ts").within(col("imps.ts"), Duration.ofDays(123456).plusSeconds(1)))
        .where(col("week(imps.day)").ge(LocalDate.of(2077, 7, 7)))
        .groupBy(month("convs.day"))
        .select(countDistinctUsers());
  }

  @Test
  void explain_describesTheBucketsAndTheTimeCondition_andThePathObeysIt() {
    try (CleanRoom room = CleanRoom.builder().auditSink(e -> {}).build()) {
      tables().forEach(room::register);
      Explanation e = attribution(room).explain();
      String plan = String.join("\n", e.plan());
      assertTrue(
          plan.contains("time bucket month(day): the first day of the month of [day], a DATE"),
          plan);
      assertTrue(
          plan.contains(
              "keep combinations where [convs.ts >= imps.ts, convs.ts <= imps.ts + PT2962944H1S]"),
          plan);
      assertTrue(plan.contains("week(imps.day) >= ?"), plan);
      assertFalse(plan.contains("2077"), "no literal date in the plan");
      assertEquals(
          dev.cleanroom.query.ExecutionPath.Kind.PUSHED_DOWN, e.path().orElseThrow().kind());
      assertEquals(List.of(), attribution(room).run().rows(), "empty tables release nothing");
    }
  }

  @Test
  void pushedDown_offsetsAndDaysAreBoundNeverText() {
    List<Dataset> ds = tables();
    Map<String, Dataset> registry = new HashMap<>();
    ds.forEach(d -> registry.put(d.qualifiedName(), d));
    try (CleanRoom room = CleanRoom.builder().auditSink(e -> {}).build()) {
      ds.forEach(room::register);
      Planner.Outcome outcome =
          new Planner(registry::get, a -> registry.keySet()).plan(attribution(room).spec());
      assertTrue(outcome.allowed(), () -> outcome.checks().toString());
      Plan plan = outcome.plan();
      Pushdown.Statement st = PlanPaths.pushdown(plan).orElseThrow().statement("00");
      long offsetMicros = (123456L * 86_400 + 1) * 1_000_000L;
      long monday = LocalDate.of(2077, 7, 12).toEpochDay();
      assertTrue(st.params().contains(offsetMicros), st.params().toString());
      assertTrue(st.params().contains(monday), st.params().toString());
      for (String leak :
          List.of(Long.toString(offsetMicros), Long.toString(monday), "2077", "123456")) {
        assertFalse(st.sql().contains(leak), leak);
      }
      assertTrue(st.sql().contains("MOD(") || st.sql().contains("EXTRACT(DAY FROM"), st.sql());
    }
  }
}
