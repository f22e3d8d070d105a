package dev.cleanroom.internal.room;

import static dev.cleanroom.internal.room.Fixtures.ANALYST;
import static dev.cleanroom.internal.room.Fixtures.CONVS;
import static dev.cleanroom.internal.room.Fixtures.IMPS;
import static dev.cleanroom.query.Dsl.avg;
import static dev.cleanroom.query.Dsl.col;
import static dev.cleanroom.query.Dsl.count;
import static dev.cleanroom.query.Dsl.countDistinctUsers;
import static dev.cleanroom.query.Dsl.sum;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.cleanroom.CleanRoom;
import dev.cleanroom.Dataset;
import dev.cleanroom.InvalidQueryException;
import dev.cleanroom.PolicyRule;
import dev.cleanroom.PolicyViolationException;
import dev.cleanroom.QueryFailedException;
import dev.cleanroom.Schema;
import dev.cleanroom.SecretKey;
import dev.cleanroom.UserIdFormat;
import dev.cleanroom.audit.AuditSinks;
import dev.cleanroom.internal.room.Fixtures.CollectingSink;
import dev.cleanroom.internal.room.Fixtures.DimRef;
import dev.cleanroom.internal.room.Fixtures.ImpRow;
import dev.cleanroom.internal.room.Fixtures.Person;
import dev.cleanroom.pseudonymization.Pseudonymizer;
import dev.cleanroom.query.Aggregate;
import dev.cleanroom.query.Condition;
import dev.cleanroom.query.Explanation;
import dev.cleanroom.query.FinalStage;
import dev.cleanroom.query.Result;
import dev.cleanroom.query.ResultRow;
import dev.cleanroom.spi.AuditEvent;
import dev.cleanroom.spi.DataSource;
import dev.cleanroom.spi.Scan;
import dev.cleanroom.spi.ScanRequest;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.HexFormat;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.function.Supplier;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.statistics.Statistics;
import net.jqwik.api.statistics.StatisticsReport;

/**
 * No raw user id, no case variant of one, and no pseudonym (nor its first 16 hex digits) leaves a
 * room: not in results, explanations, exceptions (with their whole cause chain), audit events, or
 * any log line, whatever the query and however it ends (accepted, refused, malformed, or failed in
 * a source whose own exception carries raw ids).
 */
class NoLeakProperties {
  private static final int MAX_PEOPLE = 30;

  /** How a probe query ends. */
  enum Expect {
    ACCEPTED,
    REFUSED,
    INVALID,
    FAILED
  }

  /** The kinds of probe queries, each with the outcome it must have. */
  enum Kind {
    ACCEPTED(Expect.ACCEPTED, null),
    ID_AS_DIMENSION_LITERAL(Expect.ACCEPTED, null),
    JOINED(Expect.ACCEPTED, null),
    GROUP_BY_USER_ID(Expect.REFUSED, PolicyRule.USER_ID_NOT_EXPOSED),
    FILTER_ON_USER_ID(Expect.REFUSED, PolicyRule.USER_ID_NOT_EXPOSED),
    AGGREGATE_USER_ID(Expect.REFUSED, PolicyRule.USER_ID_NOT_EXPOSED),
    BLOCKED_COLUMN(Expect.REFUSED, PolicyRule.COLUMN_NOT_BLOCKED),
    UNDECLARED_COLUMN(Expect.REFUSED, PolicyRule.COLUMN_NOT_BLOCKED),
    ANALYST_NOT_ALLOWED(Expect.REFUSED, PolicyRule.ANALYST_ALLOWED),
    UNKNOWN_COLUMN(Expect.INVALID, null),
    UNKNOWN_DATASET(Expect.INVALID, null),
    TYPE_MISMATCH(Expect.INVALID, null),
    FAILING_SOURCE(Expect.FAILED, null),
    // A malformed id belongs to no person: its row is dropped and the query answers (a failure
    // would tell whether the rows behind a filter hold one); the id must not leave either way.
    INVALID_EMAIL(Expect.ACCEPTED, null);

    final Expect expect;
    final PolicyRule rule;

    Kind(Expect expect, PolicyRule rule) {
      this.expect = expect;
      this.rule = rule;
    }
  }

  /** Where the failing source throws. */
  enum Failure {
    ON_SCAN,
    ON_NEXT,
    ON_CLOSE
  }

  /**
   * One probe query.
   *
   * @param kind what it probes
   * @param person whose raw id it uses as a literal (modulo the number of people)
   * @param variant which form of the probe
   * @param groupBy dimensions to group by, where the kind groups
   */
  record Probe(Kind kind, int person, int variant, List<DimRef> groupBy) {}

  /** The people's raw ids and their secrets, for one try. */
  record Secrets(List<String> rawIds, List<String> pseudonyms, String keyHex, String keyBase64) {
    /** The lower-cased strings that must never appear: the check is case-insensitive. */
    List<String> forbidden() {
      List<String> out = new ArrayList<>();
      for (String id : rawIds) {
        // The marker (local part) alone: covers the id and every case or whitespace variant.
        out.add(id.substring(0, id.indexOf('@')).toLowerCase(Locale.ROOT));
      }
      for (String p : pseudonyms) {
        out.add(p.toLowerCase(Locale.ROOT));
        out.add(p.substring(0, 16).toLowerCase(Locale.ROOT));
      }
      out.add(keyHex.toLowerCase(Locale.ROOT));
      out.add(keyBase64.toLowerCase(Locale.ROOT));
      return out;
    }
  }

  @Provide
  Arbitrary<List<Person>> people() {
    return Fixtures.people(1, MAX_PEOPLE, 0, 3);
  }

  /** Distinctive local parts: {@code leak} and ten random letters or digits. */
  @Provide
  Arbitrary<List<String>> markers() {
    return Arbitraries.strings()
        .withCharRange('a', 'z')
        .withCharRange('A', 'Z')
        .withCharRange('0', '9')
        .ofLength(10)
        .map(s -> "leak" + s.toLowerCase(Locale.ROOT))
        .list()
        .ofSize(MAX_PEOPLE)
        .uniqueElements();
  }

  @Provide
  Arbitrary<byte[]> keys() {
    return Arbitraries.bytes().array(byte[].class).ofMinSize(16).ofMaxSize(64);
  }

  @Provide
  Arbitrary<List<Probe>> probes() {
    List<Arbitrary<Probe>> one = new ArrayList<>();
    for (Kind kind : Kind.values()) {
      one.add(
          Combinators.combine(
                  Arbitraries.integers().between(0, MAX_PEOPLE - 1),
                  Arbitraries.integers().between(0, 3),
                  Fixtures.groupBy(
                      kind == Kind.JOINED ? Fixtures.ALL_DIMS : Fixtures.IMPS_DIMS, 0, 2))
              .as((person, variant, groupBy) -> new Probe(kind, person, variant, groupBy)));
    }
    // Every kind once per try, in a random order.
    return Combinators.combine(one).as(List::copyOf).map(NoLeakProperties::shuffled);
  }

  private static List<Probe> shuffled(List<Probe> probes) {
    List<Probe> out = new ArrayList<>(probes);
    Collections.shuffle(out, new Random(probes.hashCode()));
    return out;
  }

  @Property(tries = 60)
  @StatisticsReport(StatisticsReport.StatisticsReportMode.OFF)
  void noRawIdOrPseudonym_leavesTheRoom(
      @ForAll("people") List<Person> people,
      @ForAll("markers") List<String> markers,
      @ForAll("keys") byte[] keyBytes,
      @ForAll("probes") List<Probe> probes,
      @ForAll Failure failure,
      @ForAll @IntRange(min = 0, max = 2) int invalidVariant,
      @ForAll @IntRange(min = 2, max = 5) int k,
      @ForAll @IntRange(min = 1, max = 3) int maxGroups) {
    SecretKey key = SecretKey.of(keyBytes);
    Pseudonymizer pseudonymizer = Pseudonymizer.of(key);
    List<String> rawIds = new ArrayList<>();
    List<String> pseudonyms = new ArrayList<>();
    for (int i = 0; i < people.size(); i++) {
      String id = markers.get(i) + "@example.com";
      rawIds.add(id);
      pseudonyms.add(pseudonymizer.pseudonymize(id, UserIdFormat.EMAIL));
    }
    Secrets secrets =
        new Secrets(
            rawIds,
            pseudonyms,
            HexFormat.of().formatHex(keyBytes),
            Base64.getEncoder().encodeToString(keyBytes));
    List<String> forbidden = secrets.forbidden();

    List<ImpRow> impRows = Fixtures.impRows(people, rawIds::get, false);
    FailingSource failing =
        new FailingSource(Fixtures.impsSource(impRows), failure, rawIds.get(0), pseudonyms.get(0));
    // The failing source's own exception does carry secrets, so passing it on would be caught.
    assertFalse(leaks(text(failing.failure()), forbidden).isEmpty());
    List<ImpRow> withInvalid = new ArrayList<>(impRows);
    String invalid = invalidEmail(rawIds.get(rawIds.size() - 1), invalidVariant);
    withInvalid.add(new ImpRow(invalid, "DE", 1L, "ios", 1.0, 1L, invalid, invalid));
    List<Dataset> datasets =
        List.of(
            Fixtures.imps(Fixtures.impsSource(impRows), Fixtures.policy("email", k, maxGroups, 2)),
            Fixtures.convs(
                Fixtures.convsSource(Fixtures.convRows(people, rawIds::get, false)),
                Fixtures.policy("uid", k, maxGroups, 2)),
            Fixtures.impsBuilder("bad", "failing", failing)
                .policy(Fixtures.policy("email", k, maxGroups, 2))
                .build(),
            Fixtures.impsBuilder("bad", "emails", Fixtures.impsSource(withInvalid))
                .policy(Fixtures.policy("email", k, maxGroups, 2))
                .build());

    CapturedLogs.clear();
    CollectingSink sink = new CollectingSink();
    CleanRoom collecting = CleanRoom.builder().secretKey(key).auditSink(sink).build();
    CleanRoom logging = CleanRoom.builder().secretKey(key).build();
    datasets.forEach(collecting::register);
    datasets.forEach(logging::register);

    List<String> texts = new ArrayList<>();
    int releasedRows = 0;
    for (Probe probe : probes) {
      String literal = rawIds.get(probe.person() % rawIds.size());
      for (CleanRoom room : List.of(collecting, logging)) {
        FinalStage query = probe(room, probe, literal);
        RunOutcome outcome = run(probe, query::run);
        texts.addAll(outcome.texts());
        releasedRows += outcome.rows();
        texts.addAll(explain(probe, query::explain));
      }
      Statistics.label("kind").collect(probe.kind());
    }
    assertEquals(probes.size(), sink.events.size(), "one audit event per run");
    for (int i = 0; i < probes.size(); i++) {
      AuditEvent event = sink.events.get(i);
      assertEquals(outcome(probes.get(i).kind().expect), event.outcome(), event::toString);
      texts.add(event.toString());
      texts.add(event.reason());
    }
    List<String> auditLines = CapturedLogs.linesOf(AuditSinks.LOGGER_NAME);
    assertEquals(probes.size(), auditLines.size(), "one audit line per run of the logging room");
    List<String> lines = CapturedLogs.lines();
    texts.addAll(lines);

    for (String text : texts) {
      List<String> found = leaks(text, forbidden);
      if (!found.isEmpty()) {
        fail("leaked " + found + " in: " + text);
      }
    }
    // Coverage: results with rows (group values and aggregates) must be checked too.
    Statistics.label("released rows").collect(releasedRows > 0);
    Statistics.label("released rows").coverage(c -> c.check(true).count(n -> n >= 10));
  }

  private static AuditEvent.Outcome outcome(Expect expect) {
    return switch (expect) {
      case ACCEPTED -> AuditEvent.Outcome.ACCEPTED;
      case REFUSED -> AuditEvent.Outcome.REFUSED;
      case INVALID -> AuditEvent.Outcome.INVALID;
      case FAILED -> AuditEvent.Outcome.FAILED;
    };
  }

  /** An e-mail address that the pseudonymizer rejects, built from a raw id. */
  private static String invalidEmail(String rawId, int variant) {
    String local = rawId.substring(0, rawId.indexOf('@'));
    return switch (variant) {
      case 0 -> local;
      case 1 -> local + "@";
      default -> local + "@example@com";
    };
  }

  // ---------------------------------------------------------------- probes

  private static FinalStage probe(CleanRoom room, Probe p, String rawId) {
    List<String> groupBy = Fixtures.refs(p.groupBy());
    List<Aggregate> stats = List.of(countDistinctUsers(), count(), sum("spend"), avg("clicks"));
    List<String> imps = List.of(IMPS);
    int v = p.variant();
    return switch (p.kind()) {
      case ACCEPTED -> Fixtures.query(room, ANALYST, imps, List.of(), groupBy, stats);
      case ID_AS_DIMENSION_LITERAL -> {
        Condition c =
            switch (v) {
              case 0 -> col("country").eq(rawId);
              case 1 -> col("country").in(rawId, "DE");
              case 2 -> col("device").ne(rawId);
              default -> col("pub.imps.country").eq(rawId).not();
            };
        yield Fixtures.query(room, ANALYST, imps, List.of(c), groupBy, stats);
      }
      case JOINED ->
          Fixtures.query(
              room,
              ANALYST,
              v % 2 == 0 ? List.of(IMPS, CONVS) : List.of(CONVS, IMPS),
              List.of(),
              groupBy,
              List.of(countDistinctUsers(), count(), sum("value"), avg("spend")));
      case GROUP_BY_USER_ID -> {
        List<String> g = new ArrayList<>(groupBy);
        g.add(List.of("email", "imps.email", "pub.imps.email", "uid").get(v));
        List<String> ds = v == 3 ? List.of(IMPS, CONVS) : imps;
        yield Fixtures.query(room, ANALYST, ds, List.of(), g, stats);
      }
      case FILTER_ON_USER_ID -> {
        Condition c =
            switch (v) {
              case 0 -> col("email").eq(rawId);
              case 1 -> col("email").in(rawId, rawId.toUpperCase(Locale.ROOT));
              case 2 -> col("country").eq("DE").or(col("imps.email").ge(rawId));
              default -> col("email").eq(rawId).not();
            };
        yield Fixtures.query(room, ANALYST, imps, List.of(c), groupBy, stats);
      }
      case AGGREGATE_USER_ID -> {
        Aggregate a = v % 2 == 0 ? sum("email") : avg("pub.imps.email");
        yield Fixtures.query(room, ANALYST, imps, List.of(), groupBy, List.of(count(), a));
      }
      case BLOCKED_COLUMN, UNDECLARED_COLUMN -> {
        String column = p.kind() == Kind.BLOCKED_COLUMN ? "secret" : "note";
        yield switch (v) {
          case 0 -> Fixtures.query(room, ANALYST, imps, List.of(), List.of(column), stats);
          case 1 ->
              Fixtures.query(room, ANALYST, imps, List.of(col(column).eq(rawId)), groupBy, stats);
          case 2 ->
              Fixtures.query(
                  room, ANALYST, imps, List.of(), groupBy, List.of(count(), sum(column)));
          default ->
              Fixtures.query(
                  room,
                  ANALYST,
                  imps,
                  List.of(col("imps." + column).in(rawId, "x")),
                  List.of("pub.imps." + column),
                  stats);
        };
      }
      case ANALYST_NOT_ALLOWED -> {
        List<Condition> where = v % 2 == 0 ? List.of() : List.of(col("country").eq(rawId));
        yield Fixtures.query(room, v < 2 ? "intruder" : "adv", imps, where, groupBy, stats);
      }
      case UNKNOWN_COLUMN ->
          switch (v) {
            case 0 -> Fixtures.query(room, ANALYST, imps, List.of(), List.of("nosuch"), stats);
            case 1 ->
                Fixtures.query(
                    room, ANALYST, imps, List.of(col("missing").eq(rawId)), groupBy, stats);
            case 2 ->
                Fixtures.query(
                    room, ANALYST, imps, List.of(), groupBy, List.of(count(), sum("absent")));
            default ->
                Fixtures.query(
                    room, ANALYST, imps, List.of(col("convs.channel").eq(rawId)), groupBy, stats);
          };
      case UNKNOWN_DATASET ->
          Fixtures.query(
              room,
              ANALYST,
              v % 2 == 0 ? List.of("pub.nothere") : List.of(IMPS, "adv.nothere"),
              List.of(),
              List.of(),
              stats);
      case TYPE_MISMATCH -> {
        Condition c =
            switch (v) {
              case 0 -> col("tier").eq(rawId);
              case 1 -> col("tier").in(rawId, "1");
              case 2 -> col("country").eq(5L);
              default -> col("tier").ge(rawId).or(col("country").eq("DE"));
            };
        yield Fixtures.query(room, ANALYST, imps, List.of(c), groupBy, stats);
      }
      case FAILING_SOURCE ->
          Fixtures.query(
              room,
              ANALYST,
              v % 2 == 0 ? List.of("bad.failing") : List.of(IMPS, "bad.failing"),
              List.of(),
              List.of(),
              List.of(countDistinctUsers(), count(), sum("failing.spend")));
      case INVALID_EMAIL ->
          Fixtures.query(
              room,
              ANALYST,
              List.of("bad.emails"),
              List.of(),
              v % 2 == 0 ? List.of() : List.of("country"),
              List.of(countDistinctUsers(), sum("spend")));
    };
  }

  /** The texts a run produced and the number of rows it released. */
  private record RunOutcome(List<String> texts, int rows) {}

  /** Runs the probe, checks its outcome, and returns every text it produced. */
  private static RunOutcome run(Probe p, Supplier<Result> run) {
    List<String> texts = new ArrayList<>();
    Result result;
    try {
      result = run.get();
    } catch (RuntimeException e) {
      texts.add(text(e));
      switch (p.kind().expect) {
        case REFUSED -> {
          PolicyViolationException pve = assertInstanceOf(PolicyViolationException.class, e);
          assertEquals(p.kind().rule, pve.rule(), pve::getMessage);
          texts.add(pve.dataset() + " " + pve.owner());
        }
        case INVALID -> assertInstanceOf(InvalidQueryException.class, e);
        case FAILED -> {
          QueryFailedException qfe = assertInstanceOf(QueryFailedException.class, e);
          texts.add(qfe.incidentId());
        }
        case ACCEPTED -> fail(p + " must be accepted", e);
      }
      return new RunOutcome(texts, 0);
    }
    assertEquals(Expect.ACCEPTED, p.kind().expect, () -> p + " must not be accepted");
    texts.add(result.toString());
    texts.add(result.toTable());
    texts.add(result.queryId());
    result.columns().forEach(c -> texts.add(c.toString()));
    for (ResultRow row : result.rows()) {
      texts.add(row.toString());
      row.values().forEach(value -> texts.add(String.valueOf(value)));
    }
    return new RunOutcome(texts, result.size());
  }

  /** Explains the probe, checks that explain agrees with run, and returns every text. */
  private static List<String> explain(Probe p, Supplier<Explanation> explain) {
    List<String> texts = new ArrayList<>();
    Explanation e;
    try {
      e = explain.get();
    } catch (RuntimeException ex) {
      texts.add(text(ex));
      assertEquals(Expect.INVALID, p.kind().expect, () -> p + " must be explained: " + ex);
      assertInstanceOf(InvalidQueryException.class, ex);
      return texts;
    }
    assertTrue(p.kind().expect != Expect.INVALID, () -> p + " must not be explained");
    assertEquals(p.kind().expect != Expect.REFUSED, e.allowed(), e::toString);
    texts.add(e.toString());
    texts.addAll(e.plan());
    e.checks().forEach(c -> texts.add(c.toString()));
    texts.add(e.spec().toString());
    return texts;
  }

  /** Every message of {@code t}, its causes and suppressed exceptions, with class names. */
  static String text(Throwable t) {
    StringBuilder sb = new StringBuilder();
    appendText(sb, t, Collections.newSetFromMap(new IdentityHashMap<>()));
    return sb.toString();
  }

  private static void appendText(StringBuilder sb, Throwable t, Set<Throwable> seen) {
    if (t == null || !seen.add(t)) {
      return;
    }
    sb.append(t).append(" | ").append(t.getMessage()).append(" | ");
    sb.append(t.getLocalizedMessage()).append('\n');
    for (Throwable s : t.getSuppressed()) {
      appendText(sb, s, seen);
    }
    appendText(sb, t.getCause(), seen);
  }

  /** The forbidden strings found in {@code text}, ignoring case. */
  static List<String> leaks(String text, List<String> forbidden) {
    String lower = text.toLowerCase(Locale.ROOT);
    List<String> found = new ArrayList<>();
    for (String f : forbidden) {
      if (lower.contains(f)) {
        found.add(f);
      }
    }
    return found;
  }

  // ---------------------------------------------------------------- failing source

  /** A source that throws, at a chosen point, an exception whose messages carry raw ids. */
  static final class FailingSource implements DataSource {
    private final DataSource delegate;
    private final Failure where;
    private final String rawId;
    private final String pseudonym;

    FailingSource(DataSource delegate, Failure where, String rawId, String pseudonym) {
      this.delegate = delegate;
      this.where = where;
      this.rawId = rawId;
      this.pseudonym = pseudonym;
    }

    RuntimeException failure() {
      RuntimeException e =
          new IllegalStateException(
              "cannot read the row of " + rawId + " (" + pseudonym + ")",
              new IllegalArgumentException("bad value " + rawId.toUpperCase(Locale.ROOT)));
      e.addSuppressed(new RuntimeException("pseudonym prefix " + pseudonym.substring(0, 16)));
      return e;
    }

    @Override
    public String name() {
      return "failing_source";
    }

    @Override
    public Schema schema() {
      return delegate.schema();
    }

    @Override
    public Scan scan(ScanRequest request) {
      if (where == Failure.ON_SCAN) {
        throw failure();
      }
      Scan inner = delegate.scan(request);
      return new Scan() {
        @Override
        public Optional<dev.cleanroom.spi.ColumnBatch> next() {
          if (where == Failure.ON_NEXT) {
            throw failure();
          }
          return inner.next();
        }

        @Override
        public void close() {
          inner.close();
          if (where == Failure.ON_CLOSE) {
            throw failure();
          }
        }
      };
    }
  }
}
