package dev.cleanroom.internal.execution;

import static dev.cleanroom.query.Dsl.col;
import static dev.cleanroom.query.Dsl.count;
import static dev.cleanroom.query.Dsl.countDistinctUsers;
import static org.junit.jupiter.api.Assertions.assertEquals;

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
import dev.cleanroom.source.ColumnarSource;
import dev.cleanroom.source.CsvSource;
import dev.cleanroom.source.InMemorySource;
import dev.cleanroom.spi.DataSource;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.SQLException;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import java.util.function.Predicate;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;

/**
 * DATE, TIMESTAMP and BOOLEAN columns mean the same on every path: a random filter on a range of
 * days, a range of instants or a truth value, grouped by a day, an instant or a truth value (or not
 * at all), releases exactly the rows a direct computation over the same values gives, whether the
 * rows are read from memory (columnar), a CSV file (streamed, ISO-8601), a CSV file loaded into a
 * {@link ColumnarSource} with a declared day pattern (columnar), or tables of H2, DuckDB and
 * PostgreSQL (pushed down, and streamed; PostgreSQL is skipped when no server is reachable, unless
 * {@code CI=true}). Days and instants are drawn around the edges that calendars get wrong: leap
 * days, year ends, ISO week 53, the years 1 and 9999 and days before 1970.
 */
class TimeTypesProperties {
  private static final String OWNER = "shop";
  private static final String NAME = "visits";
  private static final String ANALYST = "analyst";
  private static final int K = 2;
  private static final Schema SCHEMA =
      Schema.of(
          Column.string("uid"), Column.date("day"), Column.timestamp("ts"), Column.bool("flag"));
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

  /** One row: a person, a day, an instant and a truth value. */
  record Row(String uid, LocalDate day, Instant ts, boolean flag) {}

  /** What a query filters on. */
  enum FilterKind {
    NONE,
    DAYS,
    INSTANTS,
    FLAG
  }

  /** A query: a filter with its ends, and the grouped column (empty for none). */
  record Query(
      FilterKind filter,
      LocalDate fromDay,
      LocalDate toDay,
      Instant from,
      Instant to,
      boolean flag,
      Optional<String> groupBy) {
    Condition condition() {
      return switch (filter) {
        case DAYS -> col("day").between(fromDay, toDay);
        case INSTANTS -> col("ts").ge(from).and(col("ts").lt(to));
        case FLAG -> col("flag").eq(flag);
        case NONE -> throw new IllegalStateException();
      };
    }

    boolean test(Row r) {
      return switch (filter) {
        case DAYS -> !r.day().isBefore(fromDay) && !r.day().isAfter(toDay);
        case INSTANTS -> !r.ts().isBefore(from) && r.ts().isBefore(to);
        case FLAG -> r.flag() == flag;
        case NONE -> true;
      };
    }
  }

  // ---------------------------------------------------------------- the property

  @Property(tries = 40)
  void everyPathReleasesTheDirectAnswer(@ForAll("rows") List<Row> rows, @ForAll("queries") Query q)
      throws Exception {
    Map<List<Object>, long[]> expected = expected(rows, q);
    Path dir = Files.createTempDirectory("time-types");
    try {
      Path csv = writeCsv(dir.resolve("iso.csv"), rows, DateTimeFormatter.ISO_LOCAL_DATE);
      Path dotted =
          writeCsv(
              dir.resolve("dotted.csv"),
              rows,
              DateTimeFormatter.ofPattern("dd.MM.uuuu", Locale.ROOT));
      check("in memory", inMemory(rows), q, expected, ExecutionPath.Kind.COLUMNAR);
      check("CSV", CsvSource.of(csv, SCHEMA), q, expected, ExecutionPath.Kind.STREAMED);
      check(
          "CSV with a day pattern",
          CsvSource.builder(dotted, SCHEMA).format("day", "dd.MM.uuuu").build(),
          q,
          expected,
          ExecutionPath.Kind.STREAMED);
      check(
          "columnar CSV",
          ColumnarSource.readCsv("visits", dotted, SCHEMA, Map.of("day", "dd.MM.uuuu")),
          q,
          expected,
          ExecutionPath.Kind.COLUMNAR);
      List<Db> databases = new ArrayList<>(List.of(dbs.h2(), dbs.duckdb()));
      if (PushdownDatabases.ci() || PushdownDatabases.postgresUnreachable().isEmpty()) {
        databases.add(dbs.postgres());
      }
      for (Db db : databases) {
        // PostgreSQL reports its BOOLEAN as BIT, which a statement does not compare (a BIT(n)
        // column would not be a truth value): queries on the flag stream there.
        boolean streams =
            db.dialect() == dev.cleanroom.jdbc.SqlDialect.POSTGRESQL
                && (q.filter() == FilterKind.FLAG || q.groupBy().equals(Optional.of("flag")));
        String table = createTable(db, rows);
        try {
          JdbcSource source = JdbcSource.builder(db.dataSource(), table).build();
          check(
              db + " streamed",
              PushdownDatabases.streamed(source),
              q,
              expected,
              ExecutionPath.Kind.STREAMED);
          check(
              db + " pushed down",
              source,
              q,
              expected,
              streams ? ExecutionPath.Kind.STREAMED : ExecutionPath.Kind.PUSHED_DOWN);
        } finally {
          db.execute("DROP TABLE " + table);
        }
      }
    } finally {
      try (var files = Files.list(dir)) {
        for (Path f : files.toList()) {
          Files.delete(f);
        }
      }
      Files.delete(dir);
    }
  }

  private static void check(
      String label,
      DataSource source,
      Query q,
      Map<List<Object>, long[]> expected,
      ExecutionPath.Kind kind) {
    try (CleanRoom room = CleanRoom.builder().auditSink(e -> {}).build()) {
      room.register(
          Dataset.builder(OWNER, NAME)
              .source(source)
              .userId("uid", UserIdFormat.RAW)
              .dimensions("day", "ts", "flag")
              .policy(
                  Policy.builder()
                      .withoutDifferenceChecks()
                      .allowAnalysts(ANALYST)
                      .minDistinctUsers(K)
                      .maxGroupsPerUser(1000)
                      .maxContributionsPerGroup(1000)
                      .build())
              .build());
      RowStage stage = room.as(ANALYST).from(OWNER + "." + NAME);
      if (q.filter() != FilterKind.NONE) {
        stage = stage.where(q.condition());
      }
      FinalStage f =
          q.groupBy().isEmpty()
              ? stage.select(countDistinctUsers().as("people"), count().as("rows"))
              : stage
                  .groupBy(q.groupBy().get())
                  .select(countDistinctUsers().as("people"), count().as("rows"));
      if (kind != null) {
        ExecutionPath path = f.explain().path().orElseThrow();
        assertEquals(kind, path.kind(), label + ": " + path.reason());
      }
      Map<List<Object>, long[]> actual = new TreeMap<>(KEYS);
      for (ResultRow r : f.run().rows()) {
        int g = q.groupBy().isEmpty() ? 0 : 1;
        List<Object> key = r.values().subList(0, g);
        actual.put(key, new long[] {(Long) r.get(g), (Long) r.get(g + 1)});
      }
      assertEquals(render(expected), render(actual), label + " " + q);
    }
  }

  private static final java.util.Comparator<List<Object>> KEYS =
      (a, b) -> String.valueOf(a).compareTo(String.valueOf(b));

  private static String render(Map<List<Object>, long[]> m) {
    StringBuilder sb = new StringBuilder();
    TreeMap<List<Object>, long[]> sorted = new TreeMap<>(KEYS);
    sorted.putAll(m);
    sorted.forEach((k, v) -> sb.append(k).append(" -> ").append(v[0]).append('/').append(v[1]));
    return sb.toString();
  }

  /** The released rows, computed directly: people and rows per group of at least K people. */
  private static Map<List<Object>, long[]> expected(List<Row> rows, Query q) {
    Function<Row, List<Object>> key =
        r ->
            q.groupBy().isEmpty()
                ? List.of()
                : List.of(
                    switch (q.groupBy().get()) {
                      case "day" -> r.day();
                      case "ts" -> r.ts();
                      default -> r.flag();
                    });
    Map<List<Object>, Set<String>> people = new TreeMap<>(KEYS);
    Map<List<Object>, Long> counts = new TreeMap<>(KEYS);
    Predicate<Row> filter = q::test;
    for (Row r : rows) {
      if (filter.test(r)) {
        people.computeIfAbsent(key.apply(r), k -> new HashSet<>()).add(r.uid());
        counts.merge(key.apply(r), 1L, Long::sum);
      }
    }
    Map<List<Object>, long[]> out = new TreeMap<>(KEYS);
    people.forEach(
        (k, p) -> {
          if (p.size() >= K) {
            out.put(k, new long[] {p.size(), counts.get(k)});
          }
        });
    return out;
  }

  // ---------------------------------------------------------------- the sources

  private static InMemorySource inMemory(List<Row> rows) {
    InMemorySource.Builder b = InMemorySource.builder("visits", SCHEMA);
    for (Row r : rows) {
      b.addRow(r.uid(), r.day(), r.ts(), r.flag());
    }
    return b.build();
  }

  private static Path writeCsv(Path file, List<Row> rows, DateTimeFormatter days)
      throws IOException {
    StringBuilder sb = new StringBuilder("uid,day,ts,flag\n");
    for (Row r : rows) {
      sb.append(r.uid())
          .append(',')
          .append(days.format(r.day()))
          .append(',')
          .append(r.ts())
          .append(',')
          .append(r.flag() ? "TRUE" : "false")
          .append('\n');
    }
    return Files.writeString(file, sb);
  }

  private static String createTable(Db db, List<Row> rows) throws SQLException {
    String table = "time_types_" + TABLES.incrementAndGet();
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
            + db.quote("flag")
            + " BOOLEAN)");
    List<String> inserts = new ArrayList<>();
    for (Row r : rows) {
      LocalDateTime t = LocalDateTime.ofInstant(r.ts(), ZoneOffset.UTC);
      inserts.add(
          "INSERT INTO "
              + table
              + " VALUES ('"
              + r.uid()
              + "', DATE '"
              + r.day()
              + "', TIMESTAMP '"
              + t.toLocalDate()
              + " "
              + t.toLocalTime().format(DateTimeFormatter.ofPattern("HH:mm:ss.SSSSSS"))
              + "', "
              + r.flag()
              + ")");
    }
    db.execute(inserts.toArray(new String[0]));
    return table;
  }

  // ---------------------------------------------------------------- the data

  /** Days that calendars get wrong, and a few around them. */
  private static final List<LocalDate> EDGE_DAYS =
      List.of(
          LocalDate.of(1, 1, 1),
          LocalDate.of(9999, 12, 31),
          LocalDate.of(1969, 12, 31),
          LocalDate.of(1970, 1, 1),
          LocalDate.of(1900, 2, 28),
          LocalDate.of(2000, 2, 29),
          LocalDate.of(2024, 2, 29),
          LocalDate.of(2020, 12, 31), // ISO week 53 of 2020
          LocalDate.of(2021, 1, 3), // still week 53 of 2020
          LocalDate.of(2021, 1, 4), // week 1 of 2021, a Monday
          LocalDate.of(2015, 12, 28),
          LocalDate.of(1899, 12, 31),
          LocalDate.of(1600, 2, 29));

  static Arbitrary<LocalDate> days() {
    Arbitrary<LocalDate> edge = Arbitraries.of(EDGE_DAYS);
    Arbitrary<LocalDate> near =
        Combinators.combine(Arbitraries.of(EDGE_DAYS), Arbitraries.integers().between(-8, 8))
            .as(
                (d, n) -> {
                  LocalDate x = d.plusDays(n);
                  return x.getYear() < 1 || x.getYear() > 9999 ? d : x;
                });
    Arbitrary<LocalDate> any =
        Arbitraries.longs()
            .between(LocalDate.of(1, 1, 1).toEpochDay(), LocalDate.of(9999, 12, 31).toEpochDay())
            .map(LocalDate::ofEpochDay);
    return Arbitraries.frequencyOf(
        net.jqwik.api.Tuple.of(3, edge),
        net.jqwik.api.Tuple.of(4, near),
        net.jqwik.api.Tuple.of(1, any));
  }

  static Arbitrary<Instant> instants() {
    Arbitrary<Long> micros =
        Arbitraries.oneOf(
            Arbitraries.of(0L, 1L, 999_999L, 1_000_000L, 86_399_999_999L),
            Arbitraries.longs().between(0, 86_400_000_000L - 1));
    return Combinators.combine(days(), micros)
        .as((d, us) -> d.atStartOfDay(ZoneOffset.UTC).toInstant().plus(us, ChronoUnit.MICROS));
  }

  @Provide
  Arbitrary<List<Row>> rows() {
    Arbitrary<Row> row =
        Combinators.combine(
                Arbitraries.of("u1", "u2", "u3", "u4", "u5"),
                days(),
                instants(),
                Arbitraries.of(true, false))
            .as(Row::new);
    // Repeated days and instants, so that groups reach the threshold.
    return row.list()
        .ofMinSize(1)
        .ofMaxSize(12)
        .flatMap(
            base ->
                Arbitraries.integers()
                    .list()
                    .ofSize(base.size() * 2)
                    .map(
                        picks -> {
                          List<Row> out = new ArrayList<>(base);
                          String[] ids = {"u1", "u2", "u3", "u4", "u5"};
                          for (int i = 0; i < picks.size(); i++) {
                            Row r = base.get(Math.floorMod(picks.get(i), base.size()));
                            out.add(
                                new Row(
                                    ids[Math.floorMod(picks.get(i) / 7, ids.length)],
                                    r.day(),
                                    r.ts(),
                                    r.flag()));
                          }
                          return out;
                        }));
  }

  @Provide
  Arbitrary<Query> queries() {
    return Combinators.combine(
            Arbitraries.of(FilterKind.values()),
            days(),
            days(),
            instants(),
            instants(),
            Arbitraries.of(true, false),
            Arbitraries.of("", "day", "ts", "flag"))
        .as(
            (f, a, b, s, t, flag, g) ->
                new Query(
                    f,
                    a.isAfter(b) ? b : a,
                    a.isAfter(b) ? a : b,
                    s.isAfter(t) ? t : s,
                    s.isAfter(t) ? s : t,
                    flag,
                    g.isEmpty() ? Optional.empty() : Optional.of(g)));
  }

  static {
    Objects.requireNonNull(EDGE_DAYS);
  }
}
