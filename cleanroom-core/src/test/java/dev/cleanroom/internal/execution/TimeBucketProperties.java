package dev.cleanroom.internal.execution;

import static dev.cleanroom.query.Dsl.col;
import static dev.cleanroom.query.Dsl.count;
import static dev.cleanroom.query.Dsl.countDistinctUsers;
import static dev.cleanroom.query.Dsl.sum;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cleanroom.CleanRoom;
import dev.cleanroom.Column;
import dev.cleanroom.Dataset;
import dev.cleanroom.Policy;
import dev.cleanroom.Schema;
import dev.cleanroom.UserIdFormat;
import dev.cleanroom.internal.execution.PushdownDatabases.Db;
import dev.cleanroom.jdbc.JdbcSource;
import dev.cleanroom.query.Condition;
import dev.cleanroom.query.ExecutionPath;
import dev.cleanroom.query.FinalStage;
import dev.cleanroom.query.ResultRow;
import dev.cleanroom.query.RowStage;
import dev.cleanroom.query.TimeBucket;
import dev.cleanroom.source.CsvSource;
import dev.cleanroom.source.InMemorySource;
import dev.cleanroom.spi.DataSource;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.SQLException;
import java.time.DayOfWeek;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.temporal.TemporalAdjusters;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicInteger;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;

/**
 * Time buckets and conditions between time columns of two datasets mean the same on every path: in
 * memory (columnar, or streamed for conditions across datasets), CSV (streamed), and tables of H2,
 * DuckDB and PostgreSQL (pushed down and streamed; PostgreSQL skipped when no server is reachable,
 * unless {@code CI=true}), and each equals a direct computation with {@code java.time} over the
 * rows: a day's ISO week by {@link TemporalAdjusters#previousOrSame}, its month by {@link
 * LocalDate#withDayOfMonth}, a timestamp's day by its UTC date, and "a conversion within w after an
 * impression" row by row.
 */
class TimeBucketProperties {
  private static final String ANALYST = "analyst";
  private static final int K = 2;
  private static final Schema IMPRESSIONS =
      Schema.of(
          Column.string("uid"),
          Column.date("day"),
          Column.timestamp("ts"),
          Column.string("campaign"));
  private static final Schema CONVERSIONS =
      Schema.of(
          Column.string("uid"),
          Column.date("day"),
          Column.timestamp("ts"),
          Column.float64("value"));
  private static final AtomicInteger TABLES = new AtomicInteger();

  private static PushdownDatabases.Opened dbs;

  @BeforeContainer
  static void open() throws Exception {
    dbs = PushdownDatabases.Opened.open();
  }

  @AfterContainer
  static void close() throws Exception {
    if (dbs != null) {
      dbs.close();
    }
  }

  /** An impression: a person, a day, an instant and a campaign. */
  record Imp(String uid, LocalDate day, Instant ts, String campaign) {}

  /** A conversion: a person, a day, an instant and a whole value. */
  record Conv(String uid, LocalDate day, Instant ts, long value) {}

  // ---------------------------------------------------------------- buckets

  /** A bucket query: the bucket of day or ts grouped by, and an optional filter on a bucket. */
  record BucketQuery(
      TimeBucket bucket,
      boolean ofTs,
      Optional<Condition.Op> op,
      TimeBucket filterBucket,
      LocalDate literal) {
    String grouped() {
      return bucket.of(ofTs ? "ts" : "day");
    }

    String filtered() {
      return filterBucket.of(ofTs ? "day" : "ts");
    }
  }

  static LocalDate bucketOf(TimeBucket b, LocalDate d) {
    return switch (b) {
      case DAY -> d;
      case WEEK -> d.with(TemporalAdjusters.previousOrSame(DayOfWeek.MONDAY));
      case MONTH -> d.withDayOfMonth(1);
    };
  }

  static LocalDate utcDay(Instant t) {
    return LocalDateTime.ofInstant(t, ZoneOffset.UTC).toLocalDate();
  }

  static boolean holds(Condition.Op op, int cmp) {
    return switch (op) {
      case EQ -> cmp == 0;
      case NE -> cmp != 0;
      case LT -> cmp < 0;
      case LE -> cmp <= 0;
      case GT -> cmp > 0;
      case GE -> cmp >= 0;
    };
  }

  @Property(tries = 30)
  void bucketsMeanTheSameOnEveryPath(
      @ForAll("impressions") List<Imp> rows, @ForAll("bucketQueries") BucketQuery q)
      throws Exception {
    // The direct answer.
    Map<String, Set<String>> people = new TreeMap<>();
    Map<String, Long> counts = new TreeMap<>();
    for (Imp r : rows) {
      if (q.op().isPresent()) {
        LocalDate v = bucketOf(q.filterBucket(), q.ofTs() ? r.day() : utcDay(r.ts()));
        if (!holds(q.op().get(), v.compareTo(q.literal()))) {
          continue;
        }
      }
      String key = bucketOf(q.bucket(), q.ofTs() ? utcDay(r.ts()) : r.day()).toString();
      people.computeIfAbsent(key, x -> new HashSet<>()).add(r.uid());
      counts.merge(key, 1L, Long::sum);
    }
    StringBuilder expected = new StringBuilder();
    people.forEach(
        (k, p) -> {
          if (p.size() >= K) {
            expected.append(k).append('=').append(p.size()).append('/').append(counts.get(k));
            expected.append(';');
          }
        });
    Path dir = Files.createTempDirectory("time-buckets");
    Path csv = dir.resolve("impressions.csv");
    try {
      writeImpressions(csv, rows);
      checkBuckets(
          "in memory", inMemory(rows), q, expected.toString(), ExecutionPath.Kind.COLUMNAR);
      checkBuckets(
          "CSV",
          CsvSource.of(csv, IMPRESSIONS),
          q,
          expected.toString(),
          ExecutionPath.Kind.STREAMED);
      for (Db db : databases()) {
        String table = impressionsTable(db, rows);
        try {
          JdbcSource source = JdbcSource.builder(db.dataSource(), table).build();
          checkBuckets(
              db + " streamed",
              PushdownDatabases.streamed(source),
              q,
              expected.toString(),
              ExecutionPath.Kind.STREAMED);
          checkBuckets(
              db + " pushed down", source, q, expected.toString(), ExecutionPath.Kind.PUSHED_DOWN);
        } finally {
          db.execute("DROP TABLE " + table);
        }
      }
    } finally {
      Files.deleteIfExists(csv);
      Files.delete(dir);
    }
  }

  private static void checkBuckets(
      String label, DataSource source, BucketQuery q, String expected, ExecutionPath.Kind kind) {
    try (CleanRoom room = room()) {
      room.register(impressionsDataset(source));
      RowStage stage = room.as(ANALYST).from("pub.impressions");
      if (q.op().isPresent()) {
        stage = stage.where(new Condition.Comparison(q.filtered(), q.op().get(), q.literal()));
      }
      FinalStage f =
          stage.groupBy(q.grouped()).select(countDistinctUsers().as("people"), count().as("rows"));
      ExecutionPath path = f.explain().path().orElseThrow();
      assertEquals(kind, path.kind(), label + ": " + path.reason());
      StringBuilder actual = new StringBuilder();
      TreeMap<String, String> sorted = new TreeMap<>();
      for (ResultRow r : f.run().rows()) {
        sorted.put(r.get(0).toString(), r.get(1) + "/" + r.get(2));
      }
      sorted.forEach((k, v) -> actual.append(k).append('=').append(v).append(';'));
      assertEquals(expected, actual.toString(), label + " " + q);
    }
  }

  // ---------------------------------------------------------------- conditions across datasets

  /**
   * A time condition: conversions' day (or ts) within {@code window} after the impressions' (or,
   * with {@code before}, at most {@code window} before), grouped by campaign, by the week of the
   * impression's day, or not at all.
   */
  record WindowQuery(
      boolean ofTs, boolean before, long windowDays, long extraMicros, String groupBy) {
    Duration window() {
      return ofTs
          ? Duration.ofDays(windowDays).plusNanos(extraMicros * 1000)
          : Duration.ofDays(windowDays);
    }

    Condition condition() {
      String c = ofTs ? "conversions.ts" : "conversions.day";
      String i = ofTs ? "impressions.ts" : "impressions.day";
      return before
          ? col(c).between(col(i).minus(window()), col(i).plus(Duration.ZERO))
          : col(c).within(col(i), window());
    }

    boolean test(Imp imp, Conv conv) {
      if (ofTs) {
        Instant lo = before ? imp.ts().minus(window()) : imp.ts();
        Instant hi = before ? imp.ts() : imp.ts().plus(window());
        return !conv.ts().isBefore(lo) && !conv.ts().isAfter(hi);
      }
      LocalDate lo = before ? imp.day().minusDays(windowDays) : imp.day();
      LocalDate hi = before ? imp.day() : imp.day().plusDays(windowDays);
      return !conv.day().isBefore(lo) && !conv.day().isAfter(hi);
    }

    String key(Imp imp) {
      return switch (groupBy) {
        case "campaign" -> imp.campaign();
        case "week" -> bucketOf(TimeBucket.WEEK, imp.day()).toString();
        default -> "";
      };
    }
  }

  /**
   * The attribution meaning, row by row: an impression row counts in its group if some conversion
   * of the same person passes the condition with it; a conversion row's value counts in a group if
   * some impression of the same person in that group passes with it.
   */
  static String attributed(List<Imp> imps, List<Conv> convs, WindowQuery q) {
    Map<String, Set<String>> people = new TreeMap<>();
    Map<String, Long> rows = new TreeMap<>();
    Map<String, Long> sums = new TreeMap<>();
    for (Imp i : imps) {
      if (convs.stream().anyMatch(c -> c.uid().equals(i.uid()) && q.test(i, c))) {
        people.computeIfAbsent(q.key(i), x -> new HashSet<>()).add(i.uid());
        rows.merge(q.key(i), 1L, Long::sum);
      }
    }
    for (Conv c : convs) {
      Set<String> keys = new HashSet<>();
      for (Imp i : imps) {
        if (i.uid().equals(c.uid()) && q.test(i, c)) {
          keys.add(q.key(i));
        }
      }
      for (String k : keys) {
        sums.merge(k, c.value(), Long::sum);
      }
    }
    StringBuilder sb = new StringBuilder();
    people.forEach(
        (k, p) -> {
          if (p.size() >= K) {
            sb.append(k).append('=').append(p.size()).append('/').append(rows.get(k));
            sb.append('/').append(sums.get(k)).append(';');
          }
        });
    return sb.toString();
  }

  @Property(tries = 25)
  void timeConditionsAcrossDatasetsMeanTheSameOnEveryPath(
      @ForAll("impressions") List<Imp> imps,
      @ForAll("conversions") List<Conv> convs,
      @ForAll("windowQueries") WindowQuery q)
      throws Exception {
    String expected = attributed(imps, convs, q);
    checkWindow(
        "in memory",
        inMemory(imps),
        inMemoryConversions(convs),
        q,
        expected,
        ExecutionPath.Kind.STREAMED);
    for (Db db : databases()) {
      String it = impressionsTable(db, imps);
      String ct = conversionsTable(db, convs);
      try {
        JdbcSource is = JdbcSource.builder(db.dataSource(), it).build();
        JdbcSource cs = JdbcSource.builder(db.dataSource(), ct).build();
        checkWindow(
            db + " streamed",
            PushdownDatabases.streamed(is),
            PushdownDatabases.streamed(cs),
            q,
            expected,
            ExecutionPath.Kind.STREAMED);
        checkWindow(db + " pushed down", is, cs, q, expected, ExecutionPath.Kind.PUSHED_DOWN);
      } finally {
        db.execute("DROP TABLE " + it, "DROP TABLE " + ct);
      }
    }
  }

  /**
   * The attribution example, computed by hand. Window: a conversion on the day of an impression of
   * the campaign or up to 7 days after it.
   *
   * <pre>
   * person  impressions (campaign, day)        conversions (day, value)
   * a       (A, 06-01)                          (06-03, 10), (06-20, 99)
   * b       (A, 06-01), (B, 06-05)              (06-06, 20)
   * c       (B, 06-10)                          (06-09, 40)      before: not attributed
   * d       (A, 06-02)                          (06-09, 30)      7 days after: attributed
   * e       (B, 06-12)                          (06-12, 5)
   * </pre>
   *
   * Campaign A: people a, b, d; impression rows 3; value 10 + 20 + 30 = 60 (a's 99 is 19 days
   * late). Campaign B: people b, e (c's conversion came first); rows 2; value 20 + 5 = 25 (b's
   * conversion is within the window of both campaigns and counts in each).
   */
  @Example
  void attributionByHand() throws Exception {
    List<Imp> imps =
        List.of(
            imp("a", "A", 1),
            imp("b", "A", 1),
            imp("b", "B", 5),
            imp("c", "B", 10),
            imp("d", "A", 2),
            imp("e", "B", 12));
    List<Conv> convs =
        List.of(
            conv("a", 3, 10),
            conv("a", 20, 99),
            conv("b", 6, 20),
            conv("c", 9, 40),
            conv("d", 9, 30),
            conv("e", 12, 5));
    WindowQuery q = new WindowQuery(false, false, 7, 0, "campaign");
    String byHand = "A=3/3/60;B=2/2/25;";
    assertEquals(byHand, attributed(imps, convs, q), "the reference");
    checkWindow(
        "in memory",
        inMemory(imps),
        inMemoryConversions(convs),
        q,
        byHand,
        ExecutionPath.Kind.STREAMED);
    for (Db db : databases()) {
      String it = impressionsTable(db, imps);
      String ct = conversionsTable(db, convs);
      try {
        JdbcSource is = JdbcSource.builder(db.dataSource(), it).build();
        JdbcSource cs = JdbcSource.builder(db.dataSource(), ct).build();
        checkWindow(
            db + " streamed",
            PushdownDatabases.streamed(is),
            PushdownDatabases.streamed(cs),
            q,
            byHand,
            ExecutionPath.Kind.STREAMED);
        checkWindow(db + " pushed down", is, cs, q, byHand, ExecutionPath.Kind.PUSHED_DOWN);
      } finally {
        db.execute("DROP TABLE " + it, "DROP TABLE " + ct);
      }
    }
  }

  private static Imp imp(String uid, String campaign, int juneDay) {
    LocalDate d = LocalDate.of(2026, 6, juneDay);
    return new Imp(uid, d, d.atStartOfDay(ZoneOffset.UTC).toInstant(), campaign);
  }

  private static Conv conv(String uid, int juneDay, long value) {
    LocalDate d = LocalDate.of(2026, 6, juneDay);
    return new Conv(uid, d, d.atStartOfDay(ZoneOffset.UTC).toInstant(), value);
  }

  private static void checkWindow(
      String label,
      DataSource impressions,
      DataSource conversions,
      WindowQuery q,
      String expected,
      ExecutionPath.Kind kind) {
    try (CleanRoom room = room()) {
      room.register(impressionsDataset(impressions));
      room.register(
          Dataset.builder("shop", "conversions")
              .source(conversions)
              .userId("uid", UserIdFormat.RAW)
              .dimensions("day", "ts")
              .metric("value", 0, 1000)
              .policy(policy())
              .build());
      RowStage stage =
          room.as(ANALYST)
              .from("pub.impressions")
              .join("shop.conversions")
              .onUserId()
              .where(q.condition());
      var aggregates =
          new dev.cleanroom.query.Aggregate[] {
            countDistinctUsers().as("people"), count().as("rows"), sum("value").as("value")
          };
      FinalStage f =
          switch (q.groupBy()) {
            case "campaign" -> stage.groupBy("campaign").select(aggregates);
            case "week" -> stage.groupBy("week(impressions.day)").select(aggregates);
            default -> stage.select(aggregates);
          };
      var explained = f.explain();
      ExecutionPath path =
          explained.path().orElseThrow(() -> new AssertionError(explained.checks().toString()));
      assertEquals(kind, path.kind(), label + ": " + path.reason());
      assertTrue(
          String.join("\n", explained.plan()).contains("keep combinations where"),
          label + ": explain names the time condition");
      int g = q.groupBy().isEmpty() ? 0 : 1;
      TreeMap<String, String> sorted = new TreeMap<>();
      for (ResultRow r : f.run().rows()) {
        sorted.put(
            g == 0 ? "" : r.get(0).toString(),
            r.get(g) + "/" + r.get(g + 1) + "/" + Math.round((Double) r.get(g + 2)));
      }
      StringBuilder actual = new StringBuilder();
      sorted.forEach((k, v) -> actual.append(k).append('=').append(v).append(';'));
      assertEquals(expected, actual.toString(), label + " " + q);
    }
  }

  // ---------------------------------------------------------------- rooms and sources

  private static CleanRoom room() {
    return CleanRoom.builder().auditSink(e -> {}).build();
  }

  private static Policy policy() {
    return Policy.builder()
        .withoutDifferenceChecks()
        .allowAnalysts(ANALYST)
        .allowJoinOn("uid")
        .minDistinctUsers(K)
        .maxGroupsPerUser(1000)
        .maxContributionsPerGroup(1000)
        .build();
  }

  private static Dataset impressionsDataset(DataSource source) {
    return Dataset.builder("pub", "impressions")
        .source(source)
        .userId("uid", UserIdFormat.RAW)
        .dimensions("day", "ts", "campaign")
        .policy(policy())
        .build();
  }

  private static List<Db> databases() throws SQLException {
    List<Db> out = new ArrayList<>(List.of(dbs.h2(), dbs.duckdb()));
    if (PushdownDatabases.ci() || PushdownDatabases.postgresUnreachable().isEmpty()) {
      out.add(dbs.postgres());
    }
    return out;
  }

  private static InMemorySource inMemory(List<Imp> rows) {
    InMemorySource.Builder b = InMemorySource.builder("impressions", IMPRESSIONS);
    for (Imp r : rows) {
      b.addRow(r.uid(), r.day(), r.ts(), r.campaign());
    }
    return b.build();
  }

  private static InMemorySource inMemoryConversions(List<Conv> rows) {
    InMemorySource.Builder b = InMemorySource.builder("conversions", CONVERSIONS);
    for (Conv r : rows) {
      b.addRow(r.uid(), r.day(), r.ts(), (double) r.value());
    }
    return b.build();
  }

  private static void writeImpressions(Path file, List<Imp> rows) throws IOException {
    StringBuilder sb = new StringBuilder("uid,day,ts,campaign\n");
    for (Imp r : rows) {
      sb.append(r.uid()).append(',').append(r.day()).append(',').append(r.ts()).append(',');
      sb.append(r.campaign()).append('\n');
    }
    Files.writeString(file, sb);
  }

  private static String timestamp(Instant t) {
    LocalDateTime l = LocalDateTime.ofInstant(t, ZoneOffset.UTC);
    return "TIMESTAMP '"
        + l.toLocalDate()
        + " "
        + l.toLocalTime().format(DateTimeFormatter.ofPattern("HH:mm:ss.SSSSSS"))
        + "'";
  }

  private static String impressionsTable(Db db, List<Imp> rows) throws SQLException {
    String table = "time_imp_" + TABLES.incrementAndGet();
    db.execute(
        "CREATE TABLE "
            + table
            + " ("
            + db.quote("uid")
            + " VARCHAR(20), "
            + db.quote("day")
            + " DATE, "
            + db.quote("ts")
            + " TIMESTAMP, "
            + db.quote("campaign")
            + " VARCHAR(20))");
    List<String> inserts = new ArrayList<>();
    for (Imp r : rows) {
      inserts.add(
          "INSERT INTO "
              + table
              + " VALUES ('"
              + r.uid()
              + "', DATE '"
              + r.day()
              + "', "
              + timestamp(r.ts())
              + ", '"
              + r.campaign()
              + "')");
    }
    db.execute(inserts.toArray(new String[0]));
    return table;
  }

  private static String conversionsTable(Db db, List<Conv> rows) throws SQLException {
    String table = "time_conv_" + TABLES.incrementAndGet();
    db.execute(
        "CREATE TABLE "
            + table
            + " ("
            + db.quote("uid")
            + " VARCHAR(20), "
            + db.quote("day")
            + " DATE, "
            + db.quote("ts")
            + " TIMESTAMP, "
            + db.quote("value")
            + " DOUBLE PRECISION)");
    List<String> inserts = new ArrayList<>();
    for (Conv r : rows) {
      inserts.add(
          "INSERT INTO "
              + table
              + " VALUES ('"
              + r.uid()
              + "', DATE '"
              + r.day()
              + "', "
              + timestamp(r.ts())
              + ", "
              + r.value()
              + ")");
    }
    db.execute(inserts.toArray(new String[0]));
    return table;
  }

  // ---------------------------------------------------------------- the data

  private static final String[] IDS = {"u1", "u2", "u3", "u4"};

  /** Days near a few anchors (year ends, leap days, 1970, the years 1 and 9999), or any day. */
  @Provide
  Arbitrary<List<Imp>> impressions() {
    Arbitrary<Imp> row =
        Combinators.combine(
                Arbitraries.of(IDS),
                TimeTypesProperties.days(),
                Arbitraries.of("A", "B"),
                TimeTypesProperties.instants())
            .as((u, d, c, t) -> new Imp(u, d, t, c));
    return row.list().ofMinSize(1).ofMaxSize(10).flatMap(TimeBucketProperties::spread);
  }

  /** Rows repeated under other people, so that groups reach the threshold. */
  private static Arbitrary<List<Imp>> spread(List<Imp> base) {
    return Arbitraries.integers()
        .between(0, 1000)
        .list()
        .ofSize(base.size() * 2)
        .map(
            picks -> {
              List<Imp> out = new ArrayList<>(base);
              for (int i = 0; i < picks.size(); i++) {
                Imp r = base.get(picks.get(i) % base.size());
                out.add(
                    new Imp(IDS[(picks.get(i) / 7) % IDS.length], r.day(), r.ts(), r.campaign()));
              }
              return out;
            });
  }

  /**
   * Conversions close to a few fixed anchor days and instants (so that windows often match the
   * impressions' days, which are drawn near the same anchors), or anywhere.
   */
  @Provide
  Arbitrary<List<Conv>> conversions() {
    Arbitrary<Conv> row =
        Combinators.combine(
                Arbitraries.of(IDS),
                TimeTypesProperties.days(),
                TimeTypesProperties.instants(),
                Arbitraries.longs().between(0, 50))
            .as(Conv::new);
    return row.list().ofMinSize(1).ofMaxSize(10);
  }

  @Provide
  Arbitrary<BucketQuery> bucketQueries() {
    return Combinators.combine(
            Arbitraries.of(TimeBucket.values()),
            Arbitraries.of(true, false),
            Arbitraries.of(Condition.Op.values()).optional(0.6),
            Arbitraries.of(TimeBucket.values()),
            TimeTypesProperties.days())
        .as(BucketQuery::new);
  }

  @Provide
  Arbitrary<WindowQuery> windowQueries() {
    return Combinators.combine(
            Arbitraries.of(true, false),
            Arbitraries.of(true, false),
            Arbitraries.longs().between(0, 10),
            Arbitraries.oneOf(
                Arbitraries.just(0L), Arbitraries.longs().between(0, 86_400_000_000L - 1)),
            Arbitraries.of("campaign", "week", ""))
        .as(WindowQuery::new);
  }
}
