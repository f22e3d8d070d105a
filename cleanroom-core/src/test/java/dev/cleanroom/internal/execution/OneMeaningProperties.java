package dev.cleanroom.internal.execution;

import static dev.cleanroom.query.Dsl.avg;
import static dev.cleanroom.query.Dsl.count;
import static dev.cleanroom.query.Dsl.countDistinctUsers;
import static dev.cleanroom.query.Dsl.sum;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cleanroom.Bounds;
import dev.cleanroom.CleanRoom;
import dev.cleanroom.Column;
import dev.cleanroom.Dataset;
import dev.cleanroom.InvalidQueryException;
import dev.cleanroom.Policy;
import dev.cleanroom.PrivacyBudget;
import dev.cleanroom.Schema;
import dev.cleanroom.SecretKey;
import dev.cleanroom.UserIdFormat;
import dev.cleanroom.dp.KeyedRank;
import dev.cleanroom.internal.execution.PushdownDatabases.Db;
import dev.cleanroom.internal.plan.Plan;
import dev.cleanroom.internal.plan.Planner;
import dev.cleanroom.internal.room.Room;
import dev.cleanroom.jdbc.JdbcSource;
import dev.cleanroom.pseudonymization.Pseudonymizer;
import dev.cleanroom.query.Aggregate;
import dev.cleanroom.query.Condition;
import dev.cleanroom.query.ExecutionPath;
import dev.cleanroom.query.Explanation;
import dev.cleanroom.query.FinalStage;
import dev.cleanroom.query.ResultRow;
import dev.cleanroom.query.RowStage;
import dev.cleanroom.source.ColumnarSource;
import dev.cleanroom.source.InMemorySource;
import dev.cleanroom.spi.DataSource;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.EdgeCasesMode;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;
import net.jqwik.api.lifecycle.AddLifecycleHook;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;
import net.jqwik.api.statistics.Statistics;

/**
 * One meaning on every path: the same random query over the same adversarial data releases the same
 * rows in threshold mode, and computes the same pre-noise aggregates in differentially private
 * mode, whether it is streamed, answered on the columnar path (from an {@link InMemorySource} and
 * from a {@link ColumnarSource}), or pushed down to H2, DuckDB or PostgreSQL (which is skipped when
 * no server is reachable, and fails instead when {@code CI=true}); each database's tables are also
 * streamed, to tell reading them apart from the statement. Every path's plan, and the {@code
 * explain()} of its room, name the path it takes.
 *
 * <p>The meaning every path must compute: an id is normalized by {@link
 * Pseudonymizer#normalize(String, UserIdFormat)}; a row whose id is NULL, blank or not of its
 * format belongs to no person and is dropped, never an error; a NaN metric value (NULL in SQL) is
 * dropped; metric values are clamped to their declared bounds before summing; a NULL text is {@code
 * ""}. The reference is the streamed path over the same rows in memory (without the rows of NULL
 * ids, which in-memory sources reject and every path drops). Answers are compared exactly: the same
 * group keys, the same whole numbers, and floating-point numbers equal in value (NaN equal to NaN),
 * because a released number must not depend on where it was computed.
 *
 * <p>The data: ids of three formats (RAW, EMAIL, and PSEUDONYMIZED ids computed with the room's
 * key), varied in case (one person in EMAIL and PSEUDONYMIZED, two in RAW), padded with every
 * character that Java counts as whitespace and with look-alikes that it does not, NULL, empty,
 * blank, or malformed (an e-mail address without {@code @}, a pseudonym of 63 digits), all behind
 * random filters; metrics NaN, ±∞, ±2^53, ±(2^53+2) and, in LONG columns, 2^53+1 and {@code
 * Long.MIN_VALUE}/{@code Long.MAX_VALUE}; text dimensions that differ by case or trailing space,
 * and whole-number dimensions at the ends of {@code long}. Every room has the same key and chooses
 * each person's groups with the same salt.
 */
class OneMeaningProperties {
  /** Every character that {@link Character#isWhitespace} accepts, which {@code strip()} removes. */
  private static final String[] WHITESPACE = {
    "\t", "\n", "\u000B", "\f", "\r", "\u001C", "\u001D", "\u001E", "\u001F", " ", "\u1680",
    "\u2000", "\u2001", "\u2002", "\u2003", "\u2004", "\u2005", "\u2006", "\u2008", "\u2009",
    "\u200A", "\u2028", "\u2029", "\u205F", "\u3000"
  };

  /** Space-like characters that Java does not count as whitespace: part of the id. */
  private static final String[] LOOK_ALIKES = {"\u00A0", "\u2007", "\u202F", "\u0085", "\u200B"};

  private static final double TWO_53 = 0x1p53;
  private static final long LONG_53 = 1L << 53;

  private static final SecretKey KEY = SecretKey.random();
  private static final Pseudonymizer PSEUDONYMIZER = Pseudonymizer.of(KEY);
  private static final String ANALYST = "analyst";
  private static final int PEOPLE = 3;

  /** The threshold: the smallest that a policy accepts, so that small tables release rows. */
  private static final int K = 2;

  /** Per dataset (impressions, conversions): owner, name and columns. */
  private static final String[] OWNER = {"pub", "adv"};

  private static final String[] NAME = {"impressions", "conversions"};
  private static final String[] TEXT = {"creative", "channel"};
  private static final String[] NUMBER = {"campaign", "store"};
  private static final String[] AMOUNT = {"cost", "revenue"};
  private static final String[] QUANTITY = {"views", "items"};

  private static final AtomicInteger TABLES = new AtomicInteger();
  private static final Map<String, Boolean> STORES_INFINITY = new HashMap<>();

  private static PushdownDatabases.Opened dbs;

  @BeforeContainer
  static void open() throws Exception {
    dbs = PushdownDatabases.Opened.open();
  }

  @AfterContainer
  static void close() throws Exception {
    dbs.close();
  }

  private static Db postgres() {
    return dbs.postgres();
  }

  // ---------------------------------------------------------------- the properties

  @Property(tries = 25)
  void columnar_threshold_releasesTheRowsOfStreaming(@ForAll("scenarios") Scenario sc) {
    compare(sc, columnarPaths(sc), false);
  }

  @Property(tries = 25)
  void columnar_differentialPrivacy_preNoiseAggregatesOfStreaming(
      @ForAll("scenarios") Scenario sc) {
    compare(sc, columnarPaths(sc), true);
  }

  @Property(tries = 30)
  void h2_threshold_releasesTheRowsOfStreaming(@ForAll("scenarios") Scenario sc)
      throws SQLException {
    onDatabase(dbs.h2(), sc, false);
  }

  @Property(tries = 30)
  void h2_differentialPrivacy_preNoiseAggregatesOfStreaming(@ForAll("scenarios") Scenario sc)
      throws SQLException {
    onDatabase(dbs.h2(), sc, true);
  }

  @Property(tries = 30)
  void duckdb_threshold_releasesTheRowsOfStreaming(@ForAll("scenarios") Scenario sc)
      throws SQLException {
    onDatabase(dbs.duckdb(), sc, false);
  }

  @Property(tries = 30)
  void duckdb_differentialPrivacy_preNoiseAggregatesOfStreaming(@ForAll("scenarios") Scenario sc)
      throws SQLException {
    onDatabase(dbs.duckdb(), sc, true);
  }

  @Property(tries = 30)
  @AddLifecycleHook(PushdownDatabases.PostgresReachable.class)
  void postgres_threshold_releasesTheRowsOfStreaming(@ForAll("scenarios") Scenario sc)
      throws SQLException {
    onDatabase(postgres(), sc, false);
  }

  @Property(tries = 30)
  @AddLifecycleHook(PushdownDatabases.PostgresReachable.class)
  void postgres_differentialPrivacy_preNoiseAggregatesOfStreaming(@ForAll("scenarios") Scenario sc)
      throws SQLException {
    onDatabase(postgres(), sc, true);
  }

  /**
   * The scenarios are not vacuous: the reference releases rows for many of them, and finds groups
   * before noise for most (for about half and three quarters of them, so that these checks fail by
   * chance far less often than once in 10^9 runs).
   */
  @Property(tries = 200, edgeCases = EdgeCasesMode.NONE)
  void scenarios_oftenReleaseRows(@ForAll("scenarios") Scenario sc) {
    Path reference = reference(sc);
    boolean released = !answer(sc, reference, false).empty();
    boolean grouped = !answer(sc, reference, true).empty();
    Statistics.label("released rows").collect(released ? "some" : "none");
    Statistics.label("pre-noise groups").collect(grouped ? "some" : "none");
    Statistics.label("released rows").coverage(c -> c.check("some").percentage(p -> p >= 20));
    Statistics.label("pre-noise groups").coverage(c -> c.check("some").percentage(p -> p >= 40));
  }

  /**
   * The padding is what its names say, for the Java of this build: {@link #WHITESPACE} is every
   * character that {@code strip()} removes, and no look-alike is one of them.
   */
  @Example
  void padding_isEveryJavaWhitespace_andLookAlikesAreNot() {
    Set<Character> whitespace = new HashSet<>();
    for (char c = 0; c < Character.MAX_VALUE; c++) {
      if (Character.isWhitespace(c)) {
        whitespace.add(c);
      }
    }
    Set<Character> listed = new HashSet<>();
    for (String w : WHITESPACE) {
      listed.add(w.charAt(0));
      assertEquals("x", (w + "x" + w).strip(), () -> show(w) + " is stripped");
    }
    assertEquals(whitespace, listed);
    for (String l : LOOK_ALIKES) {
      assertFalse(Character.isWhitespace(l.charAt(0)), () -> show(l) + " is not whitespace");
      assertEquals(l + "x", (l + "x").strip(), () -> show(l) + " is kept");
    }
  }

  // ---------------------------------------------------------------- the paths

  /** A way to answer: its label, the path its plan must take, and the sources of both datasets. */
  private record Path(
      String label, ExecutionPath.Kind kind, DataSource impressions, DataSource conversions) {}

  private static Path reference(Scenario sc) {
    return new Path(
        "streamed from memory",
        ExecutionPath.Kind.STREAMED,
        PushdownDatabases.streamed(inMemory(sc, 0)),
        PushdownDatabases.streamed(inMemory(sc, 1)));
  }

  private static List<Path> columnarPaths(Scenario sc) {
    return List.of(
        new Path(
            "columnar from InMemorySource",
            ExecutionPath.Kind.COLUMNAR,
            inMemory(sc, 0),
            inMemory(sc, 1)),
        new Path(
            "columnar from ColumnarSource",
            ExecutionPath.Kind.COLUMNAR,
            columnar(sc, 0),
            columnar(sc, 1)));
  }

  private static boolean sameFormat(Scenario sc) {
    return !sc.query().join() || sc.format(0) == sc.format(1);
  }

  /**
   * Compares the pushed-down and the streamed answer over {@code db}'s tables with the reference.
   */
  private static void onDatabase(Db db, Scenario original, boolean dp) throws SQLException {
    Scenario sc = storesInfinity(db) ? original : original.withoutInfinities();
    // Every sum pushes down: each row's value becomes whole units (of the noise granularity, or of
    // a threshold-mode sum's fine quantum), which every path adds exactly.
    boolean pushedDown = sameFormat(sc);
    Tables t = create(db, sc);
    try {
      JdbcSource impressions = JdbcSource.builder(db.dataSource(), t.impressions()).build();
      JdbcSource conversions = JdbcSource.builder(db.dataSource(), t.conversions()).build();
      compare(
          sc,
          List.of(
              // The database joins normalized ids, so only datasets of one id format push down;
              // the others read the same tables through scans.
              new Path(
                  db + (pushedDown ? " pushed down" : " scanned"),
                  pushedDown ? ExecutionPath.Kind.PUSHED_DOWN : ExecutionPath.Kind.STREAMED,
                  impressions,
                  conversions),
              new Path(
                  db + " streamed",
                  ExecutionPath.Kind.STREAMED,
                  PushdownDatabases.streamed(impressions),
                  PushdownDatabases.streamed(conversions))),
          dp);
    } finally {
      t.drop();
    }
  }

  /**
   * Asserts that every path answers as the reference does: the released rows in threshold mode, the
   * pre-noise aggregates if {@code dp}; a failure on any path, the reference included, is a
   * difference too.
   */
  private static void compare(Scenario sc, List<Path> paths, boolean dp) {
    Path reference = reference(sc);
    Answer expected = answer(sc, reference, dp);
    List<String> differences = new ArrayList<>();
    boolean refused = expected.failure() != null && expected.failure().startsWith("Invalid");
    if (expected.failure() != null && !refused) {
      differences.add(reference.label() + " failed: " + expected.failure());
    }
    for (Path p : paths) {
      Answer a = answer(sc, p, dp);
      boolean agrees =
          refused
              ? expected.failure().equals(a.failure())
              : a.failure() == null && same(expected.value(), a.value());
      if (!agrees) {
        differences.add(p.label() + ": " + a);
      }
    }
    Statistics.label("reference").collect(expected.empty() ? "empty" : "not empty");
    assertTrue(
        differences.isEmpty(),
        () ->
            (dp ? "pre-noise aggregates" : "released rows")
                + " differ from "
                + reference.label()
                + ": "
                + expected
                + "\n"
                + String.join("\n", differences)
                + "\n"
                + sc);
  }

  /** What a path answered: its value, or the failure it threw instead. */
  private record Answer(Object value, String failure) {
    static Answer failed(RuntimeException e) {
      return new Answer(null, e.getClass().getSimpleName() + ": " + e.getMessage());
    }

    boolean empty() {
      return value instanceof List<?> l
          ? l.isEmpty()
          : value == null || ((Map<?, ?>) value).isEmpty();
    }

    @Override
    public String toString() {
      return failure != null ? "failed with " + failure : show(value);
    }
  }

  private static Answer answer(Scenario sc, Path path, boolean dp) {
    List<Dataset> datasets = datasets(sc, path, dp);
    byte[] salt = salt(sc.salt());
    CleanRoom room = room(datasets, salt);
    FinalStage stage = query(room, sc.query());
    if (dp) {
      stage = stage.budget(PrivacyBudget.epsilonDelta(10, 1e-6));
    }
    Plan plan;
    try {
      plan = plan(path, datasets, stage);
    } catch (InvalidQueryException e) {
      // Refused before anything runs (a noisy sum whose value bounds are too wide for its noise
      // granularity): the same refusal on every path is the same answer.
      return Answer.failed(e);
    }
    try {
      if (dp) {
        return new Answer(preNoise(plan, salt), null);
      }
      List<List<Object>> rows = new ArrayList<>();
      for (ResultRow r : stage.run().rows()) {
        rows.add(r.values());
      }
      return new Answer(rows, null);
    } catch (RuntimeException e) {
      return Answer.failed(e);
    }
  }

  /**
   * The plan of {@code stage} over {@code datasets}, after asserting that it takes {@code path}'s
   * kind and that the room's {@code explain()} says the same.
   */
  private static Plan plan(Path path, List<Dataset> datasets, FinalStage stage) {
    Map<String, Dataset> registry = new HashMap<>();
    datasets.forEach(d -> registry.put(d.qualifiedName(), d));
    Planner.Outcome outcome = new Planner(registry::get, a -> registry.keySet()).plan(stage.spec());
    assertTrue(
        outcome.allowed(), () -> path.label() + ": the query must be allowed: " + outcome.checks());
    Plan plan = outcome.plan();
    assertEquals(
        path.kind(), plan.path().kind(), () -> path.label() + ": planned path " + plan.path());
    Explanation e = stage.explain();
    assertEquals(
        Optional.of(path.kind()),
        e.path().map(ExecutionPath::kind),
        () -> path.label() + ": explained path " + e.path());
    return plan;
  }

  /**
   * The pre-noise aggregates of {@code plan} on its path, per group key: the distinct users, the
   * bounded count, and per aggregate of a metric the people with a value and the fixed-point units
   * (the sums for a plan without noise). The one place that reads {@link Executor} and its group
   * state, to adapt when that changes.
   */
  private static Map<List<Object>, List<Object>> preNoise(Plan plan, byte[] salt) {
    Map<List<Object>, Executor.GroupState> groups =
        new Executor(PSEUDONYMIZER, KeyedRank.forTestingWithSalt(salt), PeopleHash.random())
            .groups(plan);
    boolean units = plan.noise().isPresent();
    Map<List<Object>, List<Object>> out = new HashMap<>();
    for (Map.Entry<List<Object>, Executor.GroupState> e : groups.entrySet()) {
      Executor.GroupState s = e.getValue();
      List<Object> v = new ArrayList<>(List.of(s.users, s.count));
      for (int a = 0; a < plan.aggregates().size(); a++) {
        if (plan.aggregates().get(a).dataset() >= 0) {
          v.add(s.people[a]);
          v.add(units ? (Object) s.units[a] : (Object) s.sums[a]);
        }
      }
      out.put(e.getKey(), v);
    }
    return out;
  }

  /** A room with the test key and {@code datasets}, choosing groups with {@code salt}. */
  private static CleanRoom room(List<Dataset> datasets, byte[] salt) {
    Room room = (Room) CleanRoom.builder().secretKey(KEY).auditSink(e -> {}).build();
    sameRanks(room, salt);
    datasets.forEach(room::register);
    return room;
  }

  /**
   * Makes {@code room} choose each person's groups with {@code salt}, as every other room of the
   * comparison does: today each query draws a fresh salt. Unneeded once the engine derives the salt
   * from the room key and the query.
   */
  private static void sameRanks(Room room, byte[] salt) {
    room.useRanksForTesting(() -> KeyedRank.forTestingWithSalt(salt));
  }

  private static byte[] salt(int seed) {
    try {
      return MessageDigest.getInstance("SHA-256")
          .digest(("salt " + seed).getBytes(StandardCharsets.UTF_8));
    } catch (NoSuchAlgorithmException e) {
      throw new AssertionError(e);
    }
  }

  // ---------------------------------------------------------------- the query

  private static FinalStage query(CleanRoom room, Query q) {
    RowStage rows = room.as(ANALYST).from(OWNER[0] + "." + NAME[0]);
    if (q.join()) {
      rows = rows.join(OWNER[1] + "." + NAME[1]).onUserId();
    }
    for (Filter f : q.filters()) {
      rows = rows.where(f.condition());
    }
    List<Aggregate> aggregates = new ArrayList<>();
    aggregates.add(countDistinctUsers().as("users"));
    aggregates.add(count().as("rows"));
    if (q.sums()) {
      aggregates.add(sum(q.metric(0)).as("total"));
      aggregates.add(avg(q.metric(0)).as("mean"));
    }
    if (q.sums() && q.join()) {
      aggregates.add(sum(q.metric(1)).as("converted"));
    }
    Aggregate[] a = aggregates.toArray(new Aggregate[0]);
    return q.groupBy().isEmpty() ? rows.select(a) : rows.groupBy(q.groupBy().get()).select(a);
  }

  /** Both datasets over the path's sources, with policies of threshold or differential privacy. */
  private static List<Dataset> datasets(Scenario sc, Path path, boolean dp) {
    Limits l = sc.query().limits();
    List<Dataset> out = new ArrayList<>();
    for (int i = 0; i < 2; i++) {
      Policy.Builder p =
          Policy.builder()
              .withoutDifferenceChecks()
              .allowAnalysts(ANALYST)
              .allowJoinOn("uid")
              .minDistinctUsers(K)
              .maxGroupsPerUser(l.l0())
              .maxContributionsPerGroup(l.rows());
      if (l.groupClamp().isPresent()) {
        Bounds g = l.groupClamp().get();
        p.clampPerGroup(AMOUNT[i], g.lower(), g.upper());
        p.clampPerGroup(QUANTITY[i], g.lower(), g.upper());
      }
      if (dp) {
        p.differentialPrivacy(PrivacyBudget.epsilonDelta(1_000, 0.5), 100);
      }
      out.add(
          Dataset.builder(OWNER[i], NAME[i])
              .source(i == 0 ? path.impressions() : path.conversions())
              .userId("uid", sc.format(i))
              .dimensions(TEXT[i], NUMBER[i])
              .metric(AMOUNT[i], l.amount(i).lower(), l.amount(i).upper())
              .metric(QUANTITY[i], l.quantity(i).lower(), l.quantity(i).upper())
              .policy(p.build())
              .build());
    }
    return out;
  }

  // ---------------------------------------------------------------- the data

  /** How an id is broken, if it is. */
  enum IdKind {
    VALID,
    NULL,
    EMPTY,
    BLANK,
    /** An e-mail address without {@code @}: malformed as EMAIL, a fine RAW id. */
    NO_AT,
    /** The person's pseudonym without its first digit: malformed as PSEUDONYMIZED. */
    SHORT_PSEUDONYM
  }

  /**
   * An id of {@code person}, independent of the format of the dataset that holds it (see {@link
   * #render}). Shown as {@code p<person>}, which stands for the person's e-mail address in a RAW or
   * EMAIL dataset and for its pseudonym in a PSEUDONYMIZED one, in upper case if {@code upper},
   * between its padding.
   */
  record Id(IdKind kind, int person, boolean upper, String before, String after) {
    @Override
    public String toString() {
      String core =
          switch (kind) {
            case VALID -> "p" + person;
            case NULL -> "NULL";
            case EMPTY -> "";
            case BLANK -> "   ";
            case NO_AT -> "p" + person + "-without-@";
            case SHORT_PSEUDONYM -> "p" + person + "-63-digits";
          };
      if (kind == IdKind.NULL) {
        return core;
      }
      return "'"
          + escape(before)
          + (upper ? core.toUpperCase(Locale.ROOT) : core)
          + escape(after)
          + "'";
    }
  }

  /** The e-mail address of {@code person}, also its RAW id. */
  private static String email(int person) {
    return "p" + person + "@x.org";
  }

  /** The id as a dataset of {@code format} holds it; null for NULL. */
  static String render(Id id, UserIdFormat format) {
    String pseudonym = PSEUDONYMIZER.pseudonymize(email(id.person()), UserIdFormat.RAW);
    String core =
        switch (id.kind()) {
          case NULL -> null;
          case EMPTY -> "";
          case BLANK -> "   ";
          case VALID -> format == UserIdFormat.PSEUDONYMIZED ? pseudonym : email(id.person());
          case NO_AT -> email(id.person()).replace("@", "");
          case SHORT_PSEUDONYM -> pseudonym.substring(1);
        };
    if (core == null) {
      return null;
    }
    return id.before() + (id.upper() ? core.toUpperCase(Locale.ROOT) : core) + id.after();
  }

  /** A row of either dataset: the id, a text and a whole-number dimension, and two metrics. */
  record Row(Id id, String text, long number, double amount, long quantity) {
    @Override
    public String toString() {
      return "("
          + id
          + ", "
          + show(text)
          + ", "
          + num(number)
          + ", "
          + num(amount)
          + ", "
          + num(quantity)
          + ")";
    }
  }

  /** One filter of one dataset's columns: a leaf, or either of two leaves, maybe negated. */
  record Filter(int dataset, Leaf first, Optional<Leaf> or, boolean negated) {
    Condition condition() {
      Condition c = first.condition(dataset);
      if (or.isPresent()) {
        c = new Condition.Or(List.of(c, or.get().condition(dataset)));
      }
      return negated ? new Condition.Not(c) : c;
    }

    @Override
    public String toString() {
      String s = first.show(dataset) + or.map(o -> " OR " + o.show(dataset)).orElse("");
      return negated ? "NOT (" + s + ")" : "(" + s + ")";
    }
  }

  /** How a leaf compares: one of the engine's comparisons, or IN. */
  enum LeafOp {
    EQ,
    NE,
    LT,
    LE,
    GT,
    GE,
    IN
  }

  /**
   * A comparison of a dataset's text or whole-number dimension. Text is only compared for
   * (in)equality: databases order it by their collation, so an order keeps a query in Java.
   */
  record Leaf(boolean text, LeafOp op, List<Object> values) {
    Condition condition(int dataset) {
      String column = (text ? TEXT : NUMBER)[dataset];
      return op == LeafOp.IN
          ? new Condition.In(column, values)
          : new Condition.Comparison(column, Condition.Op.valueOf(op.name()), values.get(0));
    }

    String show(int dataset) {
      String column = (text ? TEXT : NUMBER)[dataset];
      return op == LeafOp.IN
          ? column + " IN " + OneMeaningProperties.show(values)
          : column + " " + op + " " + OneMeaningProperties.show(values.get(0));
    }
  }

  /** The L0 and row bounds, the metrics' bounds and the clamp per person and group. */
  record Limits(
      int l0,
      int rows,
      Bounds amount0,
      Bounds quantity0,
      Bounds amount1,
      Bounds quantity1,
      Optional<Bounds> groupClamp) {
    Bounds amount(int i) {
      return i == 0 ? amount0 : amount1;
    }

    Bounds quantity(int i) {
      return i == 0 ? quantity0 : quantity1;
    }
  }

  /**
   * The query: an optional join, filters, at most one grouped column, the metric of each dataset
   * and the limits. Without a join, the filters and grouping of conversions are left out.
   */
  record Query(
      boolean join,
      List<Filter> filters,
      Optional<String> groupBy,
      boolean quantity0,
      boolean quantity1,
      Limits limits,
      boolean sums) {
    /** A query with sums and means of the metrics. */
    Query(
        boolean join,
        List<Filter> filters,
        Optional<String> groupBy,
        boolean quantity0,
        boolean quantity1,
        Limits limits) {
      this(join, filters, groupBy, quantity0, quantity1, limits, true);
    }

    Query {
      if (!join) {
        filters = filters.stream().filter(f -> f.dataset() == 0).toList();
        groupBy = groupBy.filter(g -> !g.equals(TEXT[1]) && !g.equals(NUMBER[1]));
      }
    }

    /** The metric summed and averaged of dataset {@code i}. */
    String metric(int i) {
      return (i == 0 ? quantity0 : quantity1) ? QUANTITY[i] : AMOUNT[i];
    }

    private String bounds(int i) {
      Bounds b = (i == 0 ? quantity0 : quantity1) ? limits.quantity(i) : limits.amount(i);
      return metric(i) + " in " + range(b);
    }

    @Override
    public String toString() {
      StringBuilder b = new StringBuilder(join ? "join" : "no join");
      if (!filters.isEmpty()) {
        b.append(", where ")
            .append(filters.stream().map(Filter::toString).collect(Collectors.joining(" AND ")));
      }
      groupBy.ifPresent(g -> b.append(", group by ").append(g));
      if (sums) {
        b.append(", sum and mean of ").append(metric(0));
        if (join) {
          b.append(", sum of ").append(metric(1));
        }
      } else {
        b.append(", counts only");
      }
      b.append(", L0=")
          .append(limits.l0())
          .append(" rows=")
          .append(limits.rows())
          .append(", ")
          .append(bounds(0));
      if (join) {
        b.append(", ").append(bounds(1));
      }
      limits.groupClamp().ifPresent(c -> b.append(", per person and group in ").append(range(c)));
      return b.toString();
    }
  }

  /** Both tables with the formats of their ids, the query and the salt of the choice of groups. */
  record Scenario(
      UserIdFormat format0,
      UserIdFormat format1,
      List<Row> impressions,
      List<Row> conversions,
      Query query,
      int salt) {
    UserIdFormat format(int i) {
      return i == 0 ? format0 : format1;
    }

    List<Row> rows(int i) {
      return i == 0 ? impressions : conversions;
    }

    /** This scenario without the rows of infinite amounts, for a database that cannot hold them. */
    Scenario withoutInfinities() {
      return new Scenario(format0, format1, finite(impressions), finite(conversions), query, salt);
    }

    private static List<Row> finite(List<Row> rows) {
      return rows.stream().filter(r -> !Double.isInfinite(r.amount())).toList();
    }

    @Override
    public String toString() {
      return NAME[0]
          + " "
          + format0
          + " "
          + impressions
          + (query.join() ? ", " + NAME[1] + " " + format1 + " " + conversions : "")
          + ", "
          + query
          + ", salt "
          + salt;
    }
  }

  @Provide
  Arbitrary<Scenario> scenarios() {
    Arbitrary<UserIdFormat> formats =
        Arbitraries.of(UserIdFormat.RAW, UserIdFormat.EMAIL, UserIdFormat.PSEUDONYMIZED);
    return Combinators.combine(
            formats,
            formats,
            rows().list().ofMaxSize(16),
            rows().list().ofMaxSize(16),
            queries(),
            Arbitraries.integers())
        .as(Scenario::new);
  }

  private static Arbitrary<Row> rows() {
    return Combinators.combine(
            ids(),
            texts().injectNull(0.1),
            numbers(),
            Arbitraries.of(
                1.0,
                0.5,
                -2.0,
                0.1,
                Double.NaN,
                Double.POSITIVE_INFINITY,
                Double.NEGATIVE_INFINITY,
                TWO_53,
                -TWO_53,
                TWO_53 + 2,
                -TWO_53 - 2,
                1e-300,
                -3e-20,
                1234.5678),
            Arbitraries.of(
                1L,
                0L,
                -3L,
                LONG_53,
                -LONG_53,
                LONG_53 + 1,
                LONG_53 + 2,
                -LONG_53 - 2,
                Long.MIN_VALUE,
                Long.MAX_VALUE))
        .as(Row::new);
  }

  /**
   * Values of text dimensions, and the values that filters compare them with: mostly one, so that
   * groups reach the threshold, and others that differ from it by case or a trailing space.
   */
  private static Arbitrary<String> texts() {
    return Arbitraries.frequencyOf(
        Tuple.of(2, Arbitraries.just("a")), Tuple.of(1, Arbitraries.of("b", "A", "a ", "")));
  }

  /** Values of whole-number dimensions and filters: mostly 0, and the ends of {@code long}. */
  private static Arbitrary<Long> numbers() {
    return Arbitraries.frequencyOf(
        Tuple.of(2, Arbitraries.just(0L)),
        Tuple.of(1, Arbitraries.of(1L, -1L, Long.MIN_VALUE, Long.MAX_VALUE)));
  }

  private static Arbitrary<Id> ids() {
    Arbitrary<String> pads =
        Arbitraries.frequencyOf(
            Tuple.of(12, Arbitraries.just("")),
            Tuple.of(4, Arbitraries.of(WHITESPACE)),
            Tuple.of(1, Arbitraries.of(LOOK_ALIKES)));
    return Combinators.combine(
            Arbitraries.frequency(
                Tuple.of(24, IdKind.VALID),
                Tuple.of(1, IdKind.NULL),
                Tuple.of(1, IdKind.EMPTY),
                Tuple.of(1, IdKind.BLANK),
                Tuple.of(1, IdKind.NO_AT),
                Tuple.of(1, IdKind.SHORT_PSEUDONYM)),
            Arbitraries.integers().between(0, PEOPLE - 1),
            Arbitraries.frequency(Tuple.of(3, false), Tuple.of(1, true)),
            pads,
            pads)
        .as(Id::new);
  }

  private static Arbitrary<Query> queries() {
    List<Optional<String>> groups = new ArrayList<>();
    groups.add(Optional.empty());
    for (int i = 0; i < 2; i++) {
      groups.add(Optional.of(TEXT[i]));
      groups.add(Optional.of(NUMBER[i]));
    }
    Arbitrary<Filter> filters =
        Combinators.combine(
                Arbitraries.integers().between(0, 1),
                leaves(),
                leaves().optional(0.3),
                Arbitraries.frequency(Tuple.of(3, false), Tuple.of(1, true)))
            .as(Filter::new);
    return Combinators.combine(
            Arbitraries.of(false, true),
            filters.list().ofMaxSize(1),
            Arbitraries.of(groups),
            Arbitraries.of(false, true),
            Arbitraries.of(false, true),
            limits())
        .as(Query::new);
  }

  private static Arbitrary<Leaf> leaves() {
    Arbitrary<Object> texts = texts().map(t -> t);
    Arbitrary<Object> numbers = numbers().map(n -> n);
    Arbitrary<Leaf> text =
        Combinators.combine(
                Arbitraries.of(LeafOp.EQ, LeafOp.NE, LeafOp.IN),
                texts.list().ofMinSize(1).ofMaxSize(2))
            .as((op, values) -> new Leaf(true, op, values));
    Arbitrary<Leaf> number =
        Combinators.combine(Arbitraries.of(LeafOp.class), numbers.list().ofMinSize(1).ofMaxSize(2))
            .as((op, values) -> new Leaf(false, op, values));
    return Arbitraries.oneOf(text, number);
  }

  private static Arbitrary<Limits> limits() {
    Arbitrary<Bounds> bounds =
        Arbitraries.of(
            Bounds.of(0, 10),
            Bounds.of(-10, 10),
            Bounds.of(-TWO_53, TWO_53),
            Bounds.of(-0x1p62, 0x1p62));
    return Combinators.combine(
            Arbitraries.integers().between(1, 3),
            Arbitraries.integers().between(1, 3),
            bounds,
            bounds,
            bounds,
            bounds,
            Arbitraries.of(
                Optional.<Bounds>empty(),
                Optional.of(Bounds.of(0, 10)),
                Optional.of(Bounds.of(-0x1p60, 0x1p60))))
        .as(Limits::new);
  }

  // ---------------------------------------------------------------- sources

  private static Schema schema(int i) {
    return Schema.of(
        Column.string("uid"),
        Column.string(TEXT[i]),
        Column.int64(NUMBER[i]),
        Column.float64(AMOUNT[i]),
        Column.int64(QUANTITY[i]));
  }

  /**
   * The rows of dataset {@code i} that an in-memory source holds: all but those of NULL ids (which
   * it rejects), a NULL text as {@code ""}.
   */
  private static List<Object[]> memoryRows(Scenario sc, int i) {
    List<Object[]> out = new ArrayList<>();
    for (Row r : sc.rows(i)) {
      String uid = render(r.id(), sc.format(i));
      if (uid != null) {
        out.add(
            new Object[] {
              uid, r.text() == null ? "" : r.text(), r.number(), r.amount(), r.quantity()
            });
      }
    }
    return out;
  }

  private static InMemorySource inMemory(Scenario sc, int i) {
    InMemorySource.Builder b = InMemorySource.builder(NAME[i], schema(i));
    memoryRows(sc, i).forEach(b::addRow);
    return b.build();
  }

  private static ColumnarSource columnar(Scenario sc, int i) {
    List<Object[]> rows = memoryRows(sc, i);
    int n = rows.size();
    List<String> dictionary = new ArrayList<>();
    Map<String, Integer> codes = new HashMap<>();
    int[] uid = new int[n];
    int[] text = new int[n];
    long[] number = new long[n];
    double[] amount = new double[n];
    long[] quantity = new long[n];
    for (int r = 0; r < n; r++) {
      Object[] row = rows.get(r);
      uid[r] = codes.computeIfAbsent((String) row[0], s -> add(dictionary, s));
      text[r] = codes.computeIfAbsent((String) row[1], s -> add(dictionary, s));
      number[r] = (Long) row[2];
      amount[r] = (Double) row[3];
      quantity[r] = (Long) row[4];
    }
    String[] d = dictionary.toArray(new String[0]);
    return ColumnarSource.builder(NAME[i], schema(i), n)
        .strings("uid", d, uid)
        .strings(TEXT[i], d, text)
        .longs(NUMBER[i], number)
        .doubles(AMOUNT[i], amount)
        .longs(QUANTITY[i], quantity)
        .build();
  }

  private static int add(List<String> dictionary, String s) {
    dictionary.add(s);
    return dictionary.size() - 1;
  }

  /** The tables of one scenario in a database. */
  private record Tables(Db db, String impressions, String conversions) {
    void drop() throws SQLException {
      db.execute(
          "DROP TABLE IF EXISTS " + db.quote(impressions),
          "DROP TABLE IF EXISTS " + db.quote(conversions));
    }
  }

  /** Both tables of {@code sc}, with NULL for a NULL id or text and for a NaN amount. */
  private static Tables create(Db db, Scenario sc) throws SQLException {
    int n = TABLES.incrementAndGet();
    Tables t = new Tables(db, "om" + n + "_" + NAME[0], "om" + n + "_" + NAME[1]);
    for (int i = 0; i < 2; i++) {
      String table = db.quote(i == 0 ? t.impressions() : t.conversions());
      db.execute(
          "CREATE TABLE "
              + table
              + " ("
              + db.quote("uid")
              + " VARCHAR(100), "
              + db.quote(TEXT[i])
              + " VARCHAR(20), "
              + db.quote(NUMBER[i])
              + " BIGINT NOT NULL, "
              + db.quote(AMOUNT[i])
              + " DOUBLE PRECISION, "
              + db.quote(QUANTITY[i])
              + " BIGINT NOT NULL)");
      List<Object[]> values = new ArrayList<>();
      for (Row r : sc.rows(i)) {
        values.add(
            new Object[] {
              render(r.id(), sc.format(i)),
              r.text(),
              r.number(),
              Double.isNaN(r.amount()) ? null : r.amount(),
              r.quantity()
            });
      }
      db.insert(table, values);
    }
    return t;
  }

  /** Whether {@code db} stores and returns ±∞ in a DOUBLE PRECISION column. */
  private static synchronized boolean storesInfinity(Db db) {
    Boolean known = STORES_INFINITY.get(db.label());
    if (known != null) {
      return known;
    }
    String table = db.quote("om_infinity_" + TABLES.incrementAndGet());
    boolean stores;
    try {
      db.execute("CREATE TABLE " + table + " (" + db.quote("v") + " DOUBLE PRECISION)");
      try {
        db.insert(
            table,
            List.of(
                new Object[] {Double.POSITIVE_INFINITY}, new Object[] {Double.NEGATIVE_INFINITY}));
        Set<Double> back = new HashSet<>();
        try (Connection c = db.dataSource().getConnection();
            Statement s = c.createStatement();
            ResultSet rs = s.executeQuery("SELECT " + db.quote("v") + " FROM " + table)) {
          while (rs.next()) {
            back.add(rs.getDouble(1));
          }
        }
        stores = back.equals(Set.of(Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY));
      } finally {
        db.execute("DROP TABLE " + table);
      }
    } catch (SQLException e) {
      stores = false;
    }
    STORES_INFINITY.put(db.label(), stores);
    return stores;
  }

  // ---------------------------------------------------------------- comparing and showing

  /** Equal, with doubles equal in value and NaN equal to NaN, lists and maps element by element. */
  private static boolean same(Object x, Object y) {
    if (x instanceof Double a && y instanceof Double b) {
      return a.doubleValue() == b.doubleValue() || (a.isNaN() && b.isNaN());
    }
    if (x instanceof List<?> a && y instanceof List<?> b) {
      if (a.size() != b.size()) {
        return false;
      }
      for (int i = 0; i < a.size(); i++) {
        if (!same(a.get(i), b.get(i))) {
          return false;
        }
      }
      return true;
    }
    if (x instanceof Map<?, ?> a && y instanceof Map<?, ?> b) {
      if (!a.keySet().equals(b.keySet())) {
        return false;
      }
      return a.keySet().stream().allMatch(k -> same(a.get(k), b.get(k)));
    }
    return Objects.equals(x, y);
  }

  /** {@code value} readable: strings quoted with invisible characters escaped, maps sorted. */
  static String show(Object value) {
    if (value instanceof String s) {
      return "'" + escape(s) + "'";
    }
    if (value instanceof List<?> l) {
      return l.stream().map(OneMeaningProperties::show).collect(Collectors.joining(", ", "[", "]"));
    }
    if (value instanceof Map<?, ?> m) {
      Map<String, String> sorted = new TreeMap<>();
      m.forEach((k, v) -> sorted.put(show(k), show(v)));
      return sorted.entrySet().stream()
          .map(e -> e.getKey() + "=" + e.getValue())
          .collect(Collectors.joining(", ", "{", "}"));
    }
    if (value instanceof Long l) {
      return num(l);
    }
    if (value instanceof Double d) {
      return num(d);
    }
    return value == null ? "NULL" : String.valueOf(value);
  }

  /** {@code v}, with the powers of two of the data and their neighbours written as such. */
  static String num(long v) {
    if (v == Long.MIN_VALUE) {
      return "Long.MIN_VALUE";
    }
    if (v == Long.MAX_VALUE) {
      return "Long.MAX_VALUE";
    }
    long a = Math.abs(v);
    if (a >= LONG_53 && a <= LONG_53 + 2) {
      return (v < 0 ? "-" : "") + "2^53" + (a > LONG_53 ? "+" + (a - LONG_53) : "");
    }
    return Long.toString(v);
  }

  /** {@code v}, with ±2^53, ±(2^53+2), ±2^60 and ±2^62 written as such. */
  static String num(double v) {
    double a = Math.abs(v);
    String sign = v < 0 ? "-" : "";
    for (int e : new int[] {53, 60, 62}) {
      double p = Math.scalb(1.0, e);
      if (a == p) {
        return sign + "2^" + e;
      }
      if (a == p + 2 && e == 53) {
        return sign + "2^53+2";
      }
    }
    return Double.toString(v);
  }

  private static String range(Bounds b) {
    return "[" + num(b.lower()) + ", " + num(b.upper()) + "]";
  }

  private static String escape(String s) {
    StringBuilder b = new StringBuilder();
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c > ' ' && c < 0x7F) {
        b.append(c);
      } else if (c == ' ') {
        b.append(' ');
      } else {
        b.append(String.format(Locale.ROOT, "\\u%04X", (int) c));
      }
    }
    return b.toString();
  }
}
