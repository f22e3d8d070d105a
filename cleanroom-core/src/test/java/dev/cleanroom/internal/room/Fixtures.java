package dev.cleanroom.internal.room;

import dev.cleanroom.CleanRoom;
import dev.cleanroom.Dataset;
import dev.cleanroom.Policy;
import dev.cleanroom.Schema;
import dev.cleanroom.UserIdFormat;
import dev.cleanroom.query.Aggregate;
import dev.cleanroom.query.Condition;
import dev.cleanroom.query.FinalStage;
import dev.cleanroom.query.ResultRow;
import dev.cleanroom.query.RowStage;
import dev.cleanroom.source.InMemorySource;
import dev.cleanroom.spi.AuditEvent;
import dev.cleanroom.spi.AuditSink;
import dev.cleanroom.spi.DataSource;
import dev.cleanroom.spi.Scan;
import dev.cleanroom.spi.ScanRequest;
import dev.cleanroom.spi.SourceCapabilities;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntFunction;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.RandomDistribution;
import net.jqwik.api.Tuple;

/**
 * Shared generators, datasets and an independent reference evaluator for the privacy properties.
 *
 * <p>The world has two datasets: {@code pub.imps} (user id {@code email}; dimensions {@code
 * country}, {@code tier}, {@code device}; metrics {@code spend}, {@code clicks}; a blocked column
 * {@code secret} and an undeclared column {@code note}, both holding the raw id) and {@code
 * adv.convs} (user id {@code uid}; dimensions {@code channel}, {@code segment}; metric {@code
 * value}). Both user ids are e-mail addresses, written in random case and whitespace variants of
 * the same person's id, so that joining relies on the engine's normalization.
 */
final class Fixtures {
  static final String ANALYST = "analyst";
  static final String IMPS = "pub.imps";
  static final String CONVS = "adv.convs";

  static final Dim COUNTRY = new Dim("pub", "imps", "country", List.of("DE", "FR", "US"));
  static final Dim TIER = new Dim("pub", "imps", "tier", List.of(1L, 2L, 3L));
  static final Dim DEVICE = new Dim("pub", "imps", "device", List.of("ios", "android"));
  static final Dim CHANNEL = new Dim("adv", "convs", "channel", List.of("web", "app", "tv"));
  static final Dim SEGMENT = new Dim("adv", "convs", "segment", List.of(10L, 20L));
  static final List<Dim> IMPS_DIMS = List.of(COUNTRY, TIER, DEVICE);
  static final List<Dim> ALL_DIMS = List.of(COUNTRY, TIER, DEVICE, CHANNEL, SEGMENT);

  private Fixtures() {}

  /** A row of {@code pub.imps} as the source holds it. */
  public record ImpRow(
      String email,
      String country,
      long tier,
      String device,
      double spend,
      long clicks,
      String secret,
      String note) {}

  /** A row of {@code adv.convs} as the source holds it. */
  public record ConvRow(String uid, String channel, long segment, double value) {}

  /**
   * One person's row of {@code pub.imps}, before its id is written; {@code spend2} and {@code
   * clicks2} are the metric values of an alternative world with the same people and dimensions.
   */
  record Imp(
      int idVariant,
      String country,
      long tier,
      String device,
      double spend,
      double spend2,
      long clicks,
      long clicks2) {
    Map<String, Object> dims() {
      return Map.of("country", country, "tier", tier, "device", device);
    }
  }

  /** One person's row of {@code adv.convs}; {@code value2} is the alternative world's metric. */
  record Conv(int idVariant, String channel, long segment, double value, double value2) {
    Map<String, Object> dims() {
      return Map.of("channel", channel, "segment", segment);
    }
  }

  /** One person: the rows in each dataset (possibly none). */
  record Person(List<Imp> imps, List<Conv> convs) {}

  /** A dimension column and the values generated for it. */
  record Dim(String owner, String dataset, String column, List<Object> domain) {
    /** The ways a query may name the column: plain, by dataset, by owner and dataset. */
    List<String> refs() {
      return List.of(column, dataset + "." + column, owner + "." + dataset + "." + column);
    }

    /** Values for conditions: the domain and a few values outside it. */
    List<Object> probes() {
      List<Object> out = new ArrayList<>(domain);
      if (domain.get(0) instanceof String) {
        out.addAll(List.of("", "ZZ", "Ab", "e"));
      } else {
        out.addAll(List.of(0L, -1L, 15L, 99L));
      }
      return out;
    }
  }

  /** A dimension and the name a query uses for it. */
  record DimRef(Dim dim, String ref) {}

  // ---------------------------------------------------------------- generators

  /** Metric values, including NaN, infinities, extremes and negative zero. */
  static Arbitrary<Double> metric() {
    return Arbitraries.frequencyOf(
        // Cents from integers: jqwik's doubles() is slow to generate.
        Tuple.of(5, Arbitraries.integers().between(-100_000, 100_000).map(c -> c / 100.0)),
        Tuple.of(
            2,
            Arbitraries.of(
                Double.NaN,
                Double.POSITIVE_INFINITY,
                Double.NEGATIVE_INFINITY,
                Double.MAX_VALUE,
                -Double.MAX_VALUE,
                1e300,
                -1e300,
                Double.MIN_VALUE,
                -0.0,
                0.0)),
        // Any bit pattern: every finite, infinite, subnormal and NaN double.
        Tuple.of(1, Arbitraries.longs().map(Double::longBitsToDouble)));
  }

  private static Arbitrary<String> stringDim(Dim dim) {
    List<String> domain = new ArrayList<>();
    dim.domain().forEach(v -> domain.add((String) v));
    return Arbitraries.frequencyOf(
        Tuple.of(8, Arbitraries.of(domain)), Tuple.of(1, Arbitraries.strings().ofMaxLength(3)));
  }

  private static Arbitrary<Long> longDim(Dim dim) {
    List<Long> domain = new ArrayList<>();
    dim.domain().forEach(v -> domain.add((Long) v));
    return Arbitraries.frequencyOf(
        Tuple.of(8, Arbitraries.of(domain)), Tuple.of(1, Arbitraries.longs()));
  }

  static Arbitrary<Imp> imp() {
    return Combinators.combine(
            Arbitraries.integers().between(0, 3),
            stringDim(COUNTRY),
            longDim(TIER),
            stringDim(DEVICE),
            metric(),
            metric(),
            Arbitraries.longs(),
            Arbitraries.longs())
        .as(Imp::new);
  }

  static Arbitrary<Conv> conv() {
    return Combinators.combine(
            Arbitraries.integers().between(0, 3),
            stringDim(CHANNEL),
            longDim(SEGMENT),
            metric(),
            metric())
        .as(Conv::new);
  }

  /**
   * Between {@code minPeople} and {@code maxPeople} people, each with between {@code minRows} and
   * {@code maxRows} rows in each dataset.
   */
  static Arbitrary<List<Person>> people(int minPeople, int maxPeople, int minRows, int maxRows) {
    Arbitrary<Person> person =
        Combinators.combine(
                uniformSize(minRows, maxRows).flatMap(n -> imp().list().ofSize(n)),
                uniformSize(minRows, maxRows).flatMap(n -> conv().list().ofSize(n)))
            .as(Person::new);
    // Explicit uniform sizes: jqwik favours small lists, where every group would be suppressed.
    return uniformSize(minPeople, maxPeople).flatMap(n -> person.list().ofSize(n));
  }

  private static Arbitrary<Integer> uniformSize(int min, int max) {
    return Arbitraries.integers().between(min, max).withDistribution(RandomDistribution.uniform());
  }

  static Arbitrary<DimRef> dimRef(List<Dim> dims) {
    return Arbitraries.of(dims).flatMap(d -> Arbitraries.of(d.refs()).map(r -> new DimRef(d, r)));
  }

  /** Group-by lists of {@code min} to {@code max} distinct dimensions. */
  static Arbitrary<List<DimRef>> groupBy(List<Dim> dims, int min, int max) {
    return dimRef(dims).list().ofMinSize(min).ofMaxSize(max).uniqueElements(DimRef::dim);
  }

  /**
   * Random conditions over {@code dims}: comparisons, IN, AND, OR, NOT, nested to {@code depth}.
   */
  static Arbitrary<Condition> conditions(List<Dim> dims, int depth) {
    Arbitrary<Condition> leaf = Arbitraries.of(dims).flatMap(Fixtures::leaf);
    if (depth == 0) {
      return leaf;
    }
    Arbitrary<Condition> sub = Arbitraries.lazy(() -> conditions(dims, depth - 1));
    return Arbitraries.frequencyOf(
        Tuple.of(4, leaf),
        Tuple.of(
            1, sub.list().ofMinSize(2).ofMaxSize(3).map(ops -> (Condition) new Condition.And(ops))),
        Tuple.of(
            1, sub.list().ofMinSize(2).ofMaxSize(3).map(ops -> (Condition) new Condition.Or(ops))),
        Tuple.of(1, sub.map(op -> (Condition) new Condition.Not(op))));
  }

  private static Arbitrary<Condition> leaf(Dim dim) {
    Arbitrary<String> ref = Arbitraries.of(dim.refs());
    Arbitrary<Object> value = Arbitraries.of(dim.probes());
    Arbitrary<Condition> comparison =
        Combinators.combine(ref, Arbitraries.of(Condition.Op.class), value)
            .as((r, op, v) -> (Condition) new Condition.Comparison(r, op, v));
    Arbitrary<Condition> in =
        Combinators.combine(ref, value.list().ofMinSize(1).ofMaxSize(3))
            .as((r, vs) -> (Condition) new Condition.In(r, vs));
    return Arbitraries.oneOf(comparison, in);
  }

  // ---------------------------------------------------------------- ids, sources, datasets

  /** The same e-mail address in one of four spellings that normalize to it. */
  static String spelling(String id, int variant) {
    return switch (variant) {
      case 0 -> id;
      case 1 -> id.toUpperCase(Locale.ROOT);
      case 2 -> "  " + Character.toUpperCase(id.charAt(0)) + id.substring(1) + "\t";
      default -> {
        StringBuilder sb = new StringBuilder(id.length());
        for (int i = 0; i < id.length(); i++) {
          char c = id.charAt(i);
          sb.append(i % 2 == 0 ? Character.toUpperCase(c) : c);
        }
        yield sb.toString();
      }
    };
  }

  /** The rows of {@code pub.imps}; {@code alternative} selects the second metric values. */
  static List<ImpRow> impRows(List<Person> people, IntFunction<String> ids, boolean alternative) {
    List<ImpRow> rows = new ArrayList<>();
    for (int i = 0; i < people.size(); i++) {
      String id = ids.apply(i);
      for (Imp r : people.get(i).imps()) {
        rows.add(
            new ImpRow(
                spelling(id, r.idVariant()),
                r.country(),
                r.tier(),
                r.device(),
                alternative ? r.spend2() : r.spend(),
                alternative ? r.clicks2() : r.clicks(),
                id,
                id.toUpperCase(Locale.ROOT)));
      }
    }
    return rows;
  }

  static List<ConvRow> convRows(List<Person> people, IntFunction<String> ids, boolean alternative) {
    List<ConvRow> rows = new ArrayList<>();
    for (int i = 0; i < people.size(); i++) {
      String id = ids.apply(i);
      for (Conv r : people.get(i).convs()) {
        rows.add(
            new ConvRow(
                spelling(id, r.idVariant()),
                r.channel(),
                r.segment(),
                alternative ? r.value2() : r.value()));
      }
    }
    return rows;
  }

  static InMemorySource impsSource(List<ImpRow> rows) {
    return InMemorySource.ofRecords("imps_source", ImpRow.class, rows);
  }

  static InMemorySource convsSource(List<ConvRow> rows) {
    return InMemorySource.ofRecords("convs_source", ConvRow.class, rows);
  }

  /** The plain ids {@code user<i>@example.com}. */
  static String plainId(int person) {
    return "user" + person + "@example.com";
  }

  /**
   * A policy for {@link #ANALYST} that allows joining on {@code joinColumn}, without difference
   * checks: the properties that use it model the threshold alone, and a difference check would
   * rightly suppress a row they expect (two groups whose people differ by fewer than k); {@code
   * DifferenceCheckProperties} model the checks.
   */
  static Policy policy(String joinColumn, int k, int maxGroups, int maxRows) {
    return Policy.builder()
        .allowAnalysts(ANALYST)
        .allowJoinOn(joinColumn)
        .minDistinctUsers(k)
        .maxGroupsPerUser(maxGroups)
        .maxContributionsPerGroup(maxRows)
        .withoutDifferenceChecks()
        .build();
  }

  static Dataset.Builder impsBuilder(String owner, String name, DataSource source) {
    return Dataset.builder(owner, name)
        .source(source)
        .userId("email", UserIdFormat.EMAIL)
        .dimensions("country", "tier", "device")
        .metric("spend", -10, 100)
        .metric("clicks", 0, 50)
        .blocked("secret");
  }

  static Dataset.Builder convsBuilder(String owner, String name, DataSource source) {
    return Dataset.builder(owner, name)
        .source(source)
        .userId("uid", UserIdFormat.EMAIL)
        .dimensions("channel", "segment")
        .metric("value", 0, 1_000);
  }

  static Dataset imps(DataSource source, Policy policy) {
    return impsBuilder("pub", "imps", source).policy(policy).build();
  }

  static Dataset convs(DataSource source, Policy policy) {
    return convsBuilder("adv", "convs", source).policy(policy).build();
  }

  /** A room with the given datasets and an audit sink that drops events. */
  static CleanRoom room(Dataset... datasets) {
    CleanRoom room = CleanRoom.builder().auditSink(e -> {}).build();
    for (Dataset d : datasets) {
      room.register(d);
    }
    return room;
  }

  // ---------------------------------------------------------------- queries

  static FinalStage query(
      CleanRoom room,
      String analyst,
      List<String> datasets,
      List<Condition> where,
      List<String> groupBy,
      List<Aggregate> aggregates) {
    RowStage rows = room.as(analyst).from(datasets.get(0));
    for (String d : datasets.subList(1, datasets.size())) {
      rows = rows.join(d).onUserId();
    }
    for (Condition c : where) {
      rows = rows.where(c);
    }
    Aggregate[] aggs = aggregates.toArray(new Aggregate[0]);
    return groupBy.isEmpty()
        ? rows.select(aggs)
        : rows.groupBy(groupBy.toArray(new String[0])).select(aggs);
  }

  static List<String> refs(List<DimRef> groupBy) {
    return groupBy.stream().map(DimRef::ref).toList();
  }

  /** The group values of a released row. */
  static List<Object> key(ResultRow row, int groupColumns) {
    return List.copyOf(row.values().subList(0, groupColumns));
  }

  // ---------------------------------------------------------------- reference evaluation

  /**
   * For every group key, the people (by index) who feed it: people with rows in {@code pub.imps}
   * (and in {@code adv.convs} when joined) that have at least one combination of rows satisfying
   * every condition. Computed without the engine, by brute force over each person's rows.
   */
  static Map<List<Object>, Set<Integer>> trueGroups(
      List<Person> people, boolean join, List<Condition> where, List<String> groupBy) {
    Map<List<Object>, Set<Integer>> groups = new HashMap<>();
    for (int i = 0; i < people.size(); i++) {
      Person p = people.get(i);
      if (p.imps().isEmpty() || (join && p.convs().isEmpty())) {
        continue;
      }
      List<Map<String, Object>> rights = new ArrayList<>();
      if (join) {
        p.convs().forEach(c -> rights.add(c.dims()));
      } else {
        rights.add(Map.of());
      }
      for (Imp imp : p.imps()) {
        for (Map<String, Object> right : rights) {
          Map<String, Object> row = new LinkedHashMap<>(imp.dims());
          row.putAll(right);
          if (where.stream().allMatch(c -> eval(c, row))) {
            List<Object> key = new ArrayList<>();
            for (String g : groupBy) {
              key.add(row.get(plain(g)));
            }
            groups.computeIfAbsent(List.copyOf(key), x -> new TreeSet<>()).add(i);
          }
        }
      }
    }
    return groups;
  }

  /** The people (by index) who feed at least one group. */
  static Set<Integer> contributors(Map<List<Object>, Set<Integer>> groups) {
    Set<Integer> out = new TreeSet<>();
    groups.values().forEach(out::addAll);
    return out;
  }

  static String plain(String ref) {
    return ref.substring(ref.lastIndexOf('.') + 1);
  }

  /** Evaluates {@code c} on a row of dimension values, as SQL would on non-null values. */
  static boolean eval(Condition c, Map<String, Object> row) {
    if (c instanceof Condition.Comparison cmp) {
      int order = compare(row.get(plain(cmp.column())), cmp.value());
      return switch (cmp.op()) {
        case EQ -> order == 0;
        case NE -> order != 0;
        case LT -> order < 0;
        case LE -> order <= 0;
        case GT -> order > 0;
        case GE -> order >= 0;
      };
    }
    if (c instanceof Condition.In in) {
      Object actual = row.get(plain(in.column()));
      return in.values().stream().anyMatch(v -> compare(actual, v) == 0);
    }
    if (c instanceof Condition.And and) {
      return and.operands().stream().allMatch(o -> eval(o, row));
    }
    if (c instanceof Condition.Or or) {
      return or.operands().stream().anyMatch(o -> eval(o, row));
    }
    return !eval(((Condition.Not) c).operand(), row);
  }

  private static int compare(Object actual, Object literal) {
    if (actual instanceof String s) {
      return s.compareTo((String) literal);
    }
    return Long.compare((Long) actual, (Long) literal);
  }

  // ---------------------------------------------------------------- test doubles

  /** An audit sink that keeps every event. */
  static final class CollectingSink implements AuditSink {
    final List<AuditEvent> events = new CopyOnWriteArrayList<>();

    @Override
    public void record(AuditEvent event) {
      events.add(event);
    }
  }

  /** A source that counts the scans started on it. */
  static final class CountingSource implements DataSource {
    private final DataSource delegate;
    final AtomicInteger scans = new AtomicInteger();

    CountingSource(DataSource delegate) {
      this.delegate = delegate;
    }

    @Override
    public String name() {
      return delegate.name();
    }

    @Override
    public Schema schema() {
      return delegate.schema();
    }

    @Override
    public SourceCapabilities capabilities() {
      return delegate.capabilities();
    }

    @Override
    public Scan scan(ScanRequest request) {
      scans.incrementAndGet();
      return delegate.scan(request);
    }
  }
}
