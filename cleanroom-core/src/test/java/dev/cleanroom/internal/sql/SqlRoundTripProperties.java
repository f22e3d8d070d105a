package dev.cleanroom.internal.sql;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.cleanroom.PrivacyBudget;
import dev.cleanroom.query.Aggregate;
import dev.cleanroom.query.CohortSpec;
import dev.cleanroom.query.ColumnOffset;
import dev.cleanroom.query.Condition;
import dev.cleanroom.query.Dsl;
import dev.cleanroom.query.NoiseKind;
import dev.cleanroom.query.Placeholder;
import dev.cleanroom.query.Privacy;
import dev.cleanroom.query.QuerySpec;
import dev.cleanroom.query.TimeBucket;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/**
 * Random builder queries written by {@code toSql()} compile back to equal descriptions: names that
 * are keywords or need quoting, every condition kind nested, every literal kind (quotes, line
 * breaks, extreme and negative numbers, -0.0), template parameters, every aggregate with and
 * without an alias, and every privacy setting the builder can express.
 */
class SqlRoundTripProperties {
  private static final String ANALYST = "analyst";

  /** Plain names, keywords of SQL and of the parser, and mixed case. */
  private static final List<String> WORDS =
      List.of(
          "campaign",
          "country",
          "Spend",
          "value",
          "user",
          "date",
          "count",
          "select",
          "from",
          "order",
          "group",
          "where",
          "limit",
          "join",
          "using",
          "in",
          "not",
          "and",
          "or",
          "table",
          "epsilon",
          "delta",
          "noise",
          "public_groups",
          "differential_privacy",
          "sum",
          "avg",
          "distinct",
          "_x1",
          "a");

  @Property(tries = 400)
  void builderQuery_toSql_compilesToTheSameSpec(@ForAll("queries") QuerySpec spec) {
    String sql = spec.toSql();
    assertEquals(spec, SqlCompiler.compileQuery(ANALYST, sql), sql);
  }

  @Property(tries = 200)
  void cohort_toSql_compilesToTheSameSpec(@ForAll("cohorts") CohortSpec spec) {
    String sql = spec.toSql();
    assertEquals(spec, SqlCompiler.compileCohort(ANALYST, sql), sql);
  }

  @Provide
  Arbitrary<CohortSpec> cohorts() {
    return Combinators.combine(datasets(), conditions().list().ofMaxSize(3))
        .as((d, w) -> new CohortSpec(ANALYST, d, w, ANALYST));
  }

  @Provide
  Arbitrary<QuerySpec> queries() {
    Arbitrary<List<String>> groupBy = dimensions().list().ofMaxSize(3).uniqueElements();
    return Combinators.combine(
            datasets(),
            conditions().list().ofMaxSize(3),
            groupBy,
            aggregates().list().ofMinSize(1).ofMaxSize(4),
            Arbitraries.integers().between(0, 1_000_000))
        .as(SqlRoundTripProperties::spec)
        .filter(s -> s != null)
        .flatMap(s -> privacy(s.groupBy().size()).map(p -> p.map(s::withPrivacy).orElse(s)));
  }

  /** A spec, or null where the builder itself would refuse (two outputs of one name). */
  private static QuerySpec spec(
      List<String> datasets,
      List<Condition> where,
      List<String> groupBy,
      List<Aggregate> aggregates,
      int salt) {
    List<Aggregate> named = new ArrayList<>();
    Set<String> outputs = new LinkedHashSet<>();
    for (String g : groupBy) {
      outputs.add(TimeBucket.outputName(g));
    }
    for (int i = 0; i < aggregates.size(); i++) {
      Aggregate a = aggregates.get(i);
      if (!outputs.add(a.alias())) {
        a = a.as("out_" + i + "_" + salt);
        if (!outputs.add(a.alias())) {
          return null;
        }
      }
      named.add(a);
    }
    try {
      return new QuerySpec(ANALYST, datasets, where, groupBy, named);
    } catch (IllegalArgumentException e) {
      return null;
    }
  }

  private static Arbitrary<String> word() {
    return Arbitraries.oneOf(
        Arbitraries.of(WORDS),
        Arbitraries.of(WORDS).map(w -> w.toUpperCase(java.util.Locale.ROOT)),
        Arbitraries.strings().withCharRange('a', 'z').ofMinLength(1).ofMaxLength(6));
  }

  /** One part of a column name: a word, or any printable text that needs quoting. */
  private static Arbitrary<String> part() {
    Arbitrary<String> odd =
        Arbitraries.strings()
            .withChars("ab_ \"'`[]-é😀\t\\;:*()")
            .ofMinLength(1)
            .ofMaxLength(6)
            .filter(s -> !s.isBlank());
    return Arbitraries.frequencyOf(
        net.jqwik.api.Tuple.of(4, word()), net.jqwik.api.Tuple.of(1, odd));
  }

  private static Arbitrary<String> columns() {
    return part().list().ofMinSize(1).ofMaxSize(3).map(p -> String.join(".", p));
  }

  /** A column, or a day, week or month of one. */
  private static Arbitrary<String> dimensions() {
    return Arbitraries.frequencyOf(
        net.jqwik.api.Tuple.of(3, columns()),
        net.jqwik.api.Tuple.of(
            1,
            Combinators.combine(Arbitraries.of(TimeBucket.class), columns())
                .as((b, c) -> TimeBucket.parse(c).isPresent() ? c : b.of(c))));
  }

  /** Another column plus an offset of whole days or of microseconds, either sign. */
  private static Arbitrary<ColumnOffset> offsets() {
    Arbitrary<Duration> offset =
        Arbitraries.oneOf(
            Arbitraries.longs().between(-3_660_000, 3_660_000).map(Duration::ofDays),
            Arbitraries.longs()
                .between(-86_400_000_000L * 3, 86_400_000_000L * 3)
                .map(us -> Duration.ofNanos(us * 1000)),
            Arbitraries.just(Duration.ZERO));
    return Combinators.combine(columns().filter(c -> TimeBucket.parse(c).isEmpty()), offset)
        .as(ColumnOffset::new);
  }

  private static Arbitrary<List<String>> datasets() {
    Arbitrary<String> ident =
        Arbitraries.oneOf(
            Arbitraries.of(WORDS),
            Arbitraries.strings().withCharRange('a', 'z').ofMinLength(1).ofMaxLength(5));
    return Combinators.combine(ident, ident)
        .as((o, n) -> o + "." + n)
        .list()
        .ofMinSize(1)
        .ofMaxSize(3)
        .uniqueElements();
  }

  private static Arbitrary<Object> values() {
    return Arbitraries.oneOf(
        Arbitraries.strings().ofMaxLength(8).filter(s -> !s.contains("\\'")).map(s -> (Object) s),
        Arbitraries.strings()
            .withChars("'\"\\\n\r\t -x")
            .ofMaxLength(6)
            .filter(s -> !s.contains("\\'"))
            .map(s -> (Object) s),
        Arbitraries.longs().map(l -> (Object) l),
        Arbitraries.of(Long.MIN_VALUE, Long.MAX_VALUE, 0L, -1L).map(l -> (Object) l),
        Arbitraries.doubles().map(d -> (Object) d),
        Arbitraries.of(
                -0.0, 0.0, Double.MIN_VALUE, -Double.MAX_VALUE, 1e300, 1e-300, 0.1, -2.5, 1.0)
            .map(d -> (Object) d),
        Arbitraries.of("campaign", "country", "x", "p_1", "Select_not")
            .map(n -> (Object) new Placeholder(n)),
        Arbitraries.of(true, false).map(b -> (Object) b),
        Arbitraries.of(java.time.LocalDate.of(1, 1, 1), java.time.LocalDate.of(2024, 2, 29))
            .map(d -> (Object) d));
  }

  private static Arbitrary<Condition> leaves() {
    Arbitrary<Condition> cmp =
        Combinators.combine(dimensions(), Arbitraries.of(Condition.Op.class), values())
            .as(Condition.Comparison::new);
    Arbitrary<Condition> columns =
        Combinators.combine(dimensions(), Arbitraries.of(Condition.Op.class), offsets())
            .as(Condition.Comparison::new);
    Arbitrary<Condition> within =
        Combinators.combine(columns(), offsets(), Arbitraries.integers().between(0, 30))
            .as(
                (c, start, days) ->
                    Dsl.col(c).within(Dsl.col(start.column()), Duration.ofDays(days)));
    Arbitrary<Condition> in =
        Combinators.combine(dimensions(), values().list().ofMinSize(1).ofMaxSize(4))
            .as(Condition.In::new);
    Arbitrary<Condition> between =
        Combinators.combine(columns(), Arbitraries.longs(), Arbitraries.longs())
            .as((c, a, b) -> Dsl.col(c).between(a, b));
    return Arbitraries.oneOf(cmp, columns, within, in, between);
  }

  private static Arbitrary<Condition> conditions() {
    // Four levels of AND, OR and NOT stay within the compiler's limit of nested parentheses.
    return Arbitraries.recursive(
        SqlRoundTripProperties::leaves,
        inner ->
            Arbitraries.oneOf(
                inner,
                inner.list().ofMinSize(2).ofMaxSize(3).map(Condition.And::new),
                inner.list().ofMinSize(2).ofMaxSize(3).map(Condition.Or::new),
                inner.map(Condition.Not::new)),
        0,
        4);
  }

  private static Arbitrary<Aggregate> aggregates() {
    Arbitrary<Aggregate> base =
        Arbitraries.oneOf(
            Arbitraries.just(Dsl.count()),
            Arbitraries.just(Dsl.countDistinctUsers()),
            Arbitraries.of(WORDS).map(Dsl::sum),
            Arbitraries.of(WORDS).map(Dsl::variance),
            Arbitraries.of(WORDS).map(Dsl::stddev),
            Arbitraries.of(WORDS).map(Dsl::median),
            Combinators.combine(
                    Arbitraries.of(WORDS),
                    Arbitraries.of(0.5, 0.25, 0.75, 0.1, 0.99, 1e-3, 1.0 / 3, 0.123456789))
                .as(Dsl::quantile),
            columns()
                .filter(c -> c.substring(c.lastIndexOf('.') + 1).matches("[A-Za-z0-9_]+"))
                .map(Dsl::avg));
    Arbitrary<String> alias =
        Arbitraries.oneOf(
            Arbitraries.of(WORDS),
            Arbitraries.strings().withCharRange('a', 'z').ofMinLength(1).ofMaxLength(8));
    return Combinators.combine(base, alias, Arbitraries.of(true, false))
        .as((a, name, rename) -> rename ? a.as(name) : a);
  }

  private static Arbitrary<BigDecimal> decimals() {
    return Arbitraries.oneOf(
        Arbitraries.longs()
            .between(1, 1L << 52)
            .map(l -> PrivacyBudget.epsilon(l * 0x1p-45).epsilon()),
        Combinators.combine(
                Arbitraries.longs().between(1, Long.MAX_VALUE),
                Arbitraries.integers().between(-20, 40))
            .as((u, s) -> new BigDecimal(BigInteger.valueOf(u), s)));
  }

  private static Arbitrary<Optional<Privacy>> privacy(int groups) {
    Arbitrary<BigDecimal> delta =
        Arbitraries.oneOf(
            Arbitraries.just(BigDecimal.ZERO),
            Arbitraries.longs()
                .between(0, (1L << 52) - 1)
                .map(l -> PrivacyBudget.epsilonDelta(1, l * 0x1p-52).delta()),
            Arbitraries.integers().between(1, 30).map(s -> new BigDecimal(BigInteger.ONE, s)));
    Arbitrary<PrivacyBudget> budget =
        Arbitraries.oneOf(
            decimals().map(PrivacyBudget.PureDp::new),
            Combinators.combine(decimals(), delta).as(PrivacyBudget.ApproxDp::new));
    Arbitrary<Optional<List<List<Object>>>> publicGroups =
        groups == 0
            ? Arbitraries.just(Optional.empty())
            : Arbitraries.oneOf(
                Arbitraries.just(Optional.empty()),
                values()
                    .filter(v -> !(v instanceof Placeholder))
                    .list()
                    .ofSize(groups)
                    .list()
                    .ofMinSize(1)
                    .ofMaxSize(3)
                    .map(Optional::of));
    Arbitrary<Optional<Privacy>> dp =
        Combinators.combine(budget, Arbitraries.of(NoiseKind.class), publicGroups)
            .as(
                (b, n, g) -> {
                  NoiseKind noise = b.delta().signum() > 0 ? n : NoiseKind.LAPLACE;
                  return Optional.<Privacy>of(new Privacy.Differential(b, noise, g));
                });
    return Arbitraries.oneOf(Arbitraries.just(Optional.empty()), dp);
  }
}
