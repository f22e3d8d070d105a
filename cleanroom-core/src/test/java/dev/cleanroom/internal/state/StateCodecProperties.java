package dev.cleanroom.internal.state;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cleanroom.AggregateFunction;
import dev.cleanroom.Bounds;
import dev.cleanroom.ColumnType;
import dev.cleanroom.Param;
import dev.cleanroom.PrivacyBudget;
import dev.cleanroom.QueryTemplate;
import dev.cleanroom.query.Aggregate;
import dev.cleanroom.query.CellNoise;
import dev.cleanroom.query.Condition;
import dev.cleanroom.query.Derived;
import dev.cleanroom.query.LedgerStatus;
import dev.cleanroom.query.NoiseKind;
import dev.cleanroom.query.Placeholder;
import dev.cleanroom.query.Privacy;
import dev.cleanroom.query.PrivacyReport;
import dev.cleanroom.query.QueryOptions;
import dev.cleanroom.query.QuerySpec;
import dev.cleanroom.query.Result;
import dev.cleanroom.query.ResultColumn;
import dev.cleanroom.query.ResultRow;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Function;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;

/**
 * Random query templates and results survive {@link StateCodec} exactly, as one line of printable
 * ASCII; damaged encodings (cut, bit-flipped, overwritten, with characters replaced, inserted or
 * removed) either decode to some value or are refused with an {@link IllegalArgumentException},
 * never another exception.
 */
class StateCodecProperties {

  // ---- round trips ----

  @Property
  void template_roundTrip_isExact(@ForAll("templates") QueryTemplate t) {
    String s = StateCodec.encode(t);
    assertOneAsciiLine(
        s,
        t.query().options().equals(QueryOptions.NONE)
            ? StateCodec.TEMPLATE_PREFIX
            : StateCodec.TEMPLATE_OPTIONS_PREFIX);
    QueryTemplate back = StateCodec.decodeTemplate(s);
    assertEquals(t.query().options(), back.query().options());
    assertEquals(t, back);
    assertEquals(t.contentHash(), back.contentHash());
    assertEquals(s, StateCodec.encode(back));
  }

  @Property
  void result_roundTrip_isExact(@ForAll("results") Result r) {
    String s = StateCodec.encode(r);
    assertOneAsciiLine(s, StateCodec.RESULT_PREFIX);
    Result back = StateCodec.decodeResult(s);
    assertEquals(r, back);
    assertEquals(s, StateCodec.encode(back));
    // Exact down to the bits of every double and the scale of every decimal.
    for (int i = 0; i < r.rows().size(); i++) {
      List<Object> want = r.rows().get(i).values();
      List<Object> got = back.rows().get(i).values();
      for (int j = 0; j < want.size(); j++) {
        assertEquals(want.get(j).getClass(), got.get(j).getClass());
        if (want.get(j) instanceof Double d) {
          assertEquals(
              Double.doubleToRawLongBits(d), Double.doubleToRawLongBits((Double) got.get(j)));
        }
      }
    }
  }

  // ---- damage ----

  @Property(tries = 500)
  void damagedTemplate_decodesOrIsRefusedWithIllegalArgument(
      @ForAll("templates") QueryTemplate t, @ForAll("damages") Function<String, String> damage) {
    String s = damage.apply(StateCodec.encode(t));
    QueryTemplate back;
    try {
      back = StateCodec.decodeTemplate(s);
    } catch (IllegalArgumentException e) {
      assertTrue(e.getMessage().startsWith("not an encoded query template"), e.getMessage());
      return;
    }
    // What decodes is canonical: it encodes to the very same text.
    assertEquals(s, StateCodec.encode(back));
  }

  @Property(tries = 500)
  void damagedResult_decodesOrIsRefusedWithIllegalArgument(
      @ForAll("results") Result r, @ForAll("damages") Function<String, String> damage) {
    String s = damage.apply(StateCodec.encode(r));
    Result back;
    try {
      back = StateCodec.decodeResult(s);
    } catch (IllegalArgumentException e) {
      assertTrue(e.getMessage().startsWith("not an encoded result"), e.getMessage());
      return;
    }
    assertEquals(back, StateCodec.decodeResult(StateCodec.encode(back)));
  }

  @Property
  void randomText_decodesOrIsRefusedWithIllegalArgument(@ForAll("garbage") String s) {
    for (String prefix :
        List.of(
            "",
            StateCodec.TEMPLATE_PREFIX,
            StateCodec.TEMPLATE_OPTIONS_PREFIX,
            StateCodec.RESULT_PREFIX)) {
      try {
        StateCodec.decodeTemplate(prefix + s);
      } catch (IllegalArgumentException expected) {
        // refused
      }
      try {
        StateCodec.decodeResult(prefix + s);
      } catch (IllegalArgumentException expected) {
        // refused
      }
    }
  }

  private static void assertOneAsciiLine(String s, String prefix) {
    assertTrue(s.startsWith(prefix));
    assertTrue(s.chars().allMatch(c -> c > 0x20 && c < 0x7F), "printable ASCII without spaces");
  }

  // ---- damage generators ----

  @Provide
  Arbitrary<Function<String, String>> damages() {
    Arbitrary<Integer> at = Arbitraries.integers().between(0, Integer.MAX_VALUE);
    Arbitrary<Character> alphabet =
        Arbitraries.chars()
            .range('A', 'Z')
            .range('a', 'z')
            .range('0', '9')
            .with('-', '_', '=', ':', ' ', '\n', '+', '/', 'é');
    Arbitrary<Function<String, String>> cut =
        at.map(i -> s -> s.substring(0, i % (s.length() + 1)));
    Arbitrary<Function<String, String>> replace =
        Combinators.combine(at, alphabet)
            .as((i, c) -> s -> edit(s, i % s.length(), 1, String.valueOf(c)));
    Arbitrary<Function<String, String>> insert =
        Combinators.combine(at, alphabet)
            .as((i, c) -> s -> edit(s, i % (s.length() + 1), 0, String.valueOf(c)));
    Arbitrary<Function<String, String>> remove = at.map(i -> s -> edit(s, i % s.length(), 1, ""));
    Arbitrary<Function<String, String>> flip =
        Combinators.combine(at, Arbitraries.integers().between(1, 3))
            .as((i, n) -> s -> binary(s, b -> flipBits(b, i, n)));
    Arbitrary<Function<String, String>> overwrite =
        Combinators.combine(at, Arbitraries.integers(), Arbitraries.of(1, 2, 4))
            .as((i, v, w) -> s -> binary(s, b -> overwrite(b, i, v, w)));
    Arbitrary<Function<String, String>> cutBinary =
        at.map(i -> s -> binary(s, b -> java.util.Arrays.copyOf(b, i % (b.length + 1))));
    Arbitrary<Function<String, String>> appendBinary =
        Arbitraries.bytes()
            .list()
            .ofMinSize(1)
            .ofMaxSize(6)
            .map(extra -> s -> binary(s, b -> append(b, extra)));
    return Arbitraries.frequencyOf(
        Tuple.of(2, cut),
        Tuple.of(1, replace),
        Tuple.of(1, insert),
        Tuple.of(1, remove),
        Tuple.of(4, flip),
        Tuple.of(3, overwrite),
        Tuple.of(2, cutBinary),
        Tuple.of(1, appendBinary));
  }

  @Provide
  Arbitrary<String> garbage() {
    return Arbitraries.frequencyOf(
        Tuple.of(
            3,
            Arbitraries.strings()
                .withCharRange('A', 'Z')
                .withCharRange('a', 'z')
                .withCharRange('0', '9')
                .withChars('-', '_')
                .ofMaxLength(60)),
        Tuple.of(1, Arbitraries.strings().all().ofMaxLength(20)));
  }

  private static String edit(String s, int at, int length, String with) {
    return s.substring(0, at) + with + s.substring(at + length);
  }

  /** Applies {@code f} to the binary form under the prefix and Base64 of {@code s}. */
  private static String binary(String s, Function<byte[], byte[]> f) {
    int colon = s.indexOf(':') + 1;
    byte[] b = Base64.getUrlDecoder().decode(s.substring(colon));
    return s.substring(0, colon)
        + Base64.getUrlEncoder().withoutPadding().encodeToString(f.apply(b));
  }

  private static byte[] flipBits(byte[] b, int seed, int n) {
    byte[] c = b.clone();
    long bits = (long) c.length * 8;
    for (int k = 0; k < n && bits > 0; k++) {
      long bit = Math.floorMod((long) seed * (2 * k + 1) + 7L * k, bits);
      c[(int) (bit / 8)] ^= (byte) (1 << (bit % 8));
    }
    return c;
  }

  private static byte[] overwrite(byte[] b, int at, int value, int width) {
    byte[] c = b.clone();
    if (c.length < width) {
      return c;
    }
    int start = at % (c.length - width + 1);
    for (int k = 0; k < width; k++) {
      c[start + k] = (byte) (value >>> (8 * (width - 1 - k)));
    }
    return c;
  }

  private static byte[] append(byte[] b, List<Byte> extra) {
    byte[] c = java.util.Arrays.copyOf(b, b.length + extra.size());
    for (int k = 0; k < extra.size(); k++) {
      c[b.length + k] = extra.get(k);
    }
    return c;
  }

  // ---- template generators ----

  private static final List<String> PARAMETERS = List.of("p0", "p1", "p2", "campaign");

  @Provide
  Arbitrary<QueryTemplate> templates() {
    return Combinators.combine(
            names(),
            text(),
            text().list().ofMinSize(1).ofMaxSize(3).uniqueElements(),
            conditions(3).list().ofMaxSize(4),
            Arbitraries.integers().between(0, 3),
            aggregates())
        .flatAs(
            (id, analyst, datasets, where, groups, aggregates) ->
                Combinators.combine(
                        text().list().ofSize(groups),
                        privacies(groups),
                        params(where),
                        Arbitraries.integers().between(0, 1),
                        options(aggregates, groups))
                    .as(
                        (prefixes, privacy, params, author, options) -> {
                          List<String> groupBy = new ArrayList<>();
                          for (int i = 0; i < groups; i++) {
                            // The part after the last dot is the output column's name.
                            groupBy.add(prefixes.get(i) + ".g" + i);
                          }
                          QuerySpec q =
                              new QuerySpec(
                                  author == 0 ? analyst : id,
                                  datasets,
                                  where,
                                  groupBy,
                                  aggregates,
                                  privacy,
                                  options.apply(groupBy));
                          return new QueryTemplate(id, q, params);
                        }));
  }

  /**
   * Query options that the query accepts, as a function of its grouped dimensions: none half of the
   * time, otherwise ratios of its counts and sums, a lift of a ratio over a grouped dimension,
   * bounds for metrics it reads and the consistent flag.
   */
  private static Arbitrary<Function<List<String>, QueryOptions>> options(
      List<Aggregate> aggregates, int groups) {
    List<String> parts = new ArrayList<>();
    Set<String> taken = new TreeSet<>();
    Set<String> metrics = new TreeSet<>();
    for (Aggregate a : aggregates) {
      taken.add(a.alias());
      switch (a.function()) {
        case COUNT, COUNT_DISTINCT_USERS, SUM -> parts.add(a.alias());
        default -> {}
      }
      if (!a.column().isEmpty()) {
        metrics.add(a.column());
      }
    }
    List<String> metricList = List.copyOf(metrics);
    Arbitrary<Double> finite = doubles().filter(Double::isFinite);
    Arbitrary<Function<List<String>, QueryOptions>> some =
        Combinators.combine(
                Arbitraries.integers().between(0, parts.isEmpty() ? 0 : 2),
                Arbitraries.integers().between(0, Math.max(0, parts.size() - 1)).list().ofSize(4),
                Arbitraries.of(true, false),
                Arbitraries.integers().between(0, Math.max(0, groups - 1)),
                literals().list().ofSize(2).filter(l -> !l.get(0).equals(l.get(1))),
                Arbitraries.of(true, false).list().ofSize(metricList.size()),
                finite.list().ofSize(2 * metricList.size()),
                Arbitraries.of(true, false))
            .as(
                (ratios, picks, lift, dimension, values, bounded, ends, consistent) ->
                    groupBy -> {
                      List<Derived> derived = new ArrayList<>();
                      for (int i = 0; i < ratios; i++) {
                        derived.add(
                            new Derived.Ratio(
                                alias(taken, "r" + i),
                                parts.get(picks.get(2 * i)),
                                parts.get(picks.get(2 * i + 1))));
                      }
                      if (lift && ratios > 0 && groups > 0) {
                        derived.add(
                            new Derived.Lift(
                                alias(taken, "lift"),
                                derived.get(0).alias(),
                                groupBy.get(dimension),
                                values.get(0),
                                values.get(1)));
                      }
                      QueryOptions o =
                          QueryOptions.NONE.withDerived(derived).withConsistent(consistent);
                      for (int i = 0; i < metricList.size(); i++) {
                        if (bounded.get(i)) {
                          double a = ends.get(2 * i);
                          double b = ends.get(2 * i + 1);
                          o =
                              o.withBounds(
                                  metricList.get(i), Bounds.of(Math.min(a, b), Math.max(a, b)));
                        }
                      }
                      return o;
                    });
    Function<List<String>, QueryOptions> none = groupBy -> QueryOptions.NONE;
    return Arbitraries.frequencyOf(Tuple.of(1, Arbitraries.just(none)), Tuple.of(1, some));
  }

  /** {@code base}, lengthened with underscores until no aggregate has it as its alias. */
  private static String alias(Set<String> taken, String base) {
    String a = base;
    while (taken.contains(a)) {
      a += "_";
    }
    return a;
  }

  /** A valid name: a letter or underscore, then letters, digits or underscores (128 at most). */
  static Arbitrary<String> names() {
    Arbitrary<String> first =
        Arbitraries.strings()
            .withCharRange('a', 'z')
            .withCharRange('A', 'Z')
            .withChars('_')
            .ofLength(1);
    Arbitrary<String> rest =
        Arbitraries.strings()
            .withCharRange('a', 'z')
            .withCharRange('A', 'Z')
            .withCharRange('0', '9')
            .withChars('_')
            .ofMaxLength(8);
    Arbitrary<String> longest =
        Arbitraries.randomValue(
            r -> {
              String chars = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_";
              StringBuilder sb = new StringBuilder("_");
              for (int i = 1; i < 128; i++) {
                sb.append(chars.charAt(r.nextInt(chars.length())));
              }
              return sb.toString();
            });
    return Arbitraries.frequencyOf(
        Tuple.of(19, Combinators.combine(first, rest).as(String::concat)), Tuple.of(1, longest));
  }

  private static Arbitrary<List<Aggregate>> aggregates() {
    Arbitrary<Aggregate> one =
        Combinators.combine(
                Arbitraries.of(AggregateFunction.class),
                text().filter(s -> !s.isBlank()),
                names().filter(a -> !a.matches("g[0-9]+")),
                // A quantile's fraction: any double strictly between 0 and 1 round-trips exactly.
                Arbitraries.oneOf(
                    Arbitraries.of(
                        0.5, 0.25, 0.75, 0.1, 1.0 / 3, Math.nextUp(0.0), Math.nextDown(1.0)),
                    Arbitraries.doubles().between(0.0, false, 1.0, false)))
            .as(
                (f, metric, alias, p) ->
                    new Aggregate(
                        f,
                        f.needsMetric() ? metric : "",
                        alias,
                        f == AggregateFunction.QUANTILE ? p : 0));
    return one.list().ofMinSize(1).ofMaxSize(4).uniqueElements(Aggregate::alias);
  }

  private static Arbitrary<Condition> conditions(int depth) {
    Arbitrary<String> column = text().filter(s -> !s.isBlank());
    Arbitrary<Condition> comparison =
        Combinators.combine(column, Arbitraries.of(Condition.Op.class), operands())
            .as(Condition.Comparison::new);
    Arbitrary<Condition> in =
        Combinators.combine(column, operands().list().ofMinSize(1).ofMaxSize(4))
            .as(Condition.In::new);
    if (depth == 0) {
      return Arbitraries.oneOf(comparison, in);
    }
    Arbitrary<List<Condition>> operands = conditions(depth - 1).list().ofMinSize(2).ofMaxSize(3);
    return Arbitraries.frequencyOf(
        Tuple.of(3, comparison),
        Tuple.of(3, in),
        Tuple.of(1, operands.map(Condition.And::new)),
        Tuple.of(1, operands.map(Condition.Or::new)),
        Tuple.of(1, conditions(depth - 1).map(Condition.Not::new)));
  }

  /** A condition operand: a literal or a placeholder. */
  private static Arbitrary<Object> operands() {
    return Arbitraries.frequencyOf(
        Tuple.of(3, literals()), Tuple.of(1, Arbitraries.of(PARAMETERS).map(Placeholder::new)));
  }

  /** A condition literal or public group value: text, a whole number or a finite double. */
  private static Arbitrary<Object> literals() {
    return Arbitraries.oneOf(
        text().map(s -> (Object) s),
        Arbitraries.longs().map(l -> (Object) l),
        doubles().filter(Double::isFinite).map(d -> (Object) d));
  }

  /** A declaration for every parameter the conditions use, in random order. */
  private static Arbitrary<List<Param>> params(List<Condition> where) {
    Set<String> used = new TreeSet<>();
    for (Condition c : where) {
      used.addAll(c.placeholders());
    }
    if (used.isEmpty()) {
      return Arbitraries.just(List.of());
    }
    List<Arbitrary<Param>> each = new ArrayList<>();
    for (String name : used) {
      Arbitrary<Param> longParam =
          Arbitraries.longs()
              .list()
              .ofSize(2)
              .map(
                  b ->
                      Param.longParam(
                          name, Math.min(b.get(0), b.get(1)), Math.max(b.get(0), b.get(1))));
      Arbitrary<Param> textParam =
          text().set().ofMinSize(1).ofMaxSize(4).map(s -> Param.textParam(name, s));
      each.add(Arbitraries.oneOf(longParam, textParam));
    }
    return Combinators.combine(each).as(List::copyOf).flatMap(Arbitraries::shuffle);
  }

  private static Arbitrary<Privacy> privacies(int groups) {
    Arbitrary<PrivacyBudget> budgets =
        Arbitraries.oneOf(
            positiveDecimals().map(PrivacyBudget.PureDp::new),
            Combinators.combine(positiveDecimals(), deltas()).as(PrivacyBudget.ApproxDp::new));
    Arbitrary<Optional<List<List<Object>>>> publicGroups =
        Arbitraries.oneOf(
            Arbitraries.just(Optional.empty()),
            literals().list().ofSize(groups).list().ofMaxSize(4).map(Optional::of));
    Arbitrary<Privacy> dp =
        Combinators.combine(budgets, Arbitraries.of(NoiseKind.class), publicGroups)
            .as(
                (b, noise, pg) ->
                    new Privacy.Differential(
                        b, b.delta().signum() == 0 ? NoiseKind.LAPLACE : noise, pg));
    return Arbitraries.frequencyOf(
        Tuple.of(1, Arbitraries.just(Privacy.THRESHOLD_ONLY)), Tuple.of(3, dp));
  }

  /** A positive decimal with any scale, including negative ones and trailing zeros. */
  private static Arbitrary<BigDecimal> positiveDecimals() {
    return Combinators.combine(
            Arbitraries.bigIntegers().between(BigInteger.ONE, BigInteger.TEN.pow(40)),
            Arbitraries.integers().between(-20, 60))
        .as(BigDecimal::new);
  }

  /** A decimal in [0, 1), with trailing zeros sometimes. */
  private static Arbitrary<BigDecimal> deltas() {
    return Arbitraries.integers()
        .between(0, 40)
        .flatMap(
            scale ->
                Arbitraries.bigIntegers()
                    .between(BigInteger.ZERO, BigInteger.TEN.pow(scale).subtract(BigInteger.ONE))
                    .map(u -> new BigDecimal(u, scale)));
  }

  // ---- result generators ----

  @Provide
  Arbitrary<Result> results() {
    Arbitrary<ResultColumn> column =
        Combinators.combine(text(), Arbitraries.of(ColumnType.class), Arbitraries.of(true, false))
            .as(ResultColumn::new);
    return Combinators.combine(text(), column.list().ofMaxSize(5), reports())
        .flatAs(
            (id, columns, report) ->
                row(columns)
                    .list()
                    .ofMaxSize(6)
                    .map(rows -> new Result(id, columns, rows, report)));
  }

  private static Arbitrary<ResultRow> row(List<ResultColumn> columns) {
    Arbitrary<Tuple.Tuple2<Object, Optional<CellNoise>>> cell =
        Combinators.combine(
                cells(),
                Arbitraries.oneOf(
                    Arbitraries.just(Optional.<CellNoise>empty()), noises().map(Optional::of)))
            .as(Tuple::of);
    return cell.list()
        .ofSize(columns.size())
        .map(
            cs ->
                new ResultRow(
                    columns,
                    cs.stream().map(Tuple.Tuple2::get1).toList(),
                    cs.stream().map(Tuple.Tuple2::get2).toList()));
  }

  /** A value of every type a result cell may hold. */
  private static Arbitrary<Object> cells() {
    return Arbitraries.frequencyOf(
        Tuple.of(3, text().map(s -> (Object) s)),
        Tuple.of(3, Arbitraries.longs().map(l -> (Object) l)),
        Tuple.of(3, doubles().map(d -> (Object) d)),
        Tuple.of(
            2,
            Combinators.combine(
                    Arbitraries.bigIntegers()
                        .between(BigInteger.TEN.pow(30).negate(), BigInteger.TEN.pow(30)),
                    Arbitraries.integers().between(-40, 40))
                .as((u, s) -> (Object) new BigDecimal(u, s))),
        Tuple.of(1, Arbitraries.of(true, false).map(b -> (Object) b)),
        Tuple.of(1, Arbitraries.integers().map(i -> (Object) i)),
        Tuple.of(1, Arbitraries.shorts().map(h -> (Object) h)),
        Tuple.of(1, Arbitraries.bytes().map(b -> (Object) b)),
        Tuple.of(1, Arbitraries.floats().withSpecialValue(Float.NaN).map(f -> (Object) f)),
        Tuple.of(
            1,
            Arbitraries.bigIntegers()
                .between(BigInteger.TEN.pow(25).negate(), BigInteger.TEN.pow(25))
                .map(i -> (Object) i)));
  }

  private static Arbitrary<CellNoise> noises() {
    Arbitrary<Double> notNaN = doubles().filter(d -> !Double.isNaN(d));
    return Combinators.combine(text(), notNaN, notNaN, notNaN)
        .as(
            (m, scale, a, b) ->
                // Keeps -0.0, a valid scale.
                new CellNoise(
                    m, scale == 0 ? scale : Math.abs(scale), Math.min(a, b), Math.max(a, b)));
  }

  private static Arbitrary<PrivacyReport> reports() {
    Arbitrary<BigDecimal> decimals =
        Combinators.combine(
                Arbitraries.bigIntegers()
                    .between(BigInteger.TEN.pow(30).negate(), BigInteger.TEN.pow(30)),
                Arbitraries.integers().between(-40, 40))
            .as(BigDecimal::new);
    Arbitrary<LedgerStatus> ledger =
        Combinators.combine(text(), text(), decimals, decimals, decimals, decimals)
            .as(LedgerStatus::new);
    Arbitrary<PrivacyReport> report =
        Combinators.combine(
                Arbitraries.of(true, false),
                decimals,
                decimals,
                text().list().ofMaxSize(4),
                ledger.list().ofMaxSize(3),
                Arbitraries.of(true, false))
            .as(PrivacyReport::new);
    return Arbitraries.frequencyOf(
        Tuple.of(1, Arbitraries.just(PrivacyReport.THRESHOLD_ONLY)), Tuple.of(3, report));
  }

  // ---- values ----

  private static final List<String> SPECIAL =
      List.of(
          "\n",
          "\r\n",
          "\r",
          "\u2028",
          "\u2029",
          "\u0085",
          "\0",
          "\t",
          " ",
          ":",
          "=",
          "t1:",
          "\uD83D\uDE00",
          "\uD800",
          "\uDFFF",
          "\uFFFF",
          "\uFEFF",
          "\u00e9",
          "\u07FF",
          "\u0800");

  /**
   * Text rich in line breaks, separators, control characters, unpaired surrogates and emoji. Mixed
   * text is drawn without shrinking, which keeps generation fast.
   */
  static Arbitrary<String> text() {
    Arbitrary<String> plain =
        Arbitraries.strings().alpha().numeric().withChars('_', '.').ofMaxLength(8);
    Arbitrary<String> mixed =
        Arbitraries.randomValue(
            r -> {
              StringBuilder sb = new StringBuilder();
              int parts = r.nextInt(6);
              for (int i = 0; i < parts; i++) {
                switch (r.nextInt(4)) {
                  case 0 -> sb.append(SPECIAL.get(r.nextInt(SPECIAL.size())));
                  case 1 -> sb.append((char) r.nextInt(Character.MAX_VALUE + 1));
                  case 2 -> sb.appendCodePoint(r.nextInt(Character.MAX_CODE_POINT + 1));
                  default -> sb.append((char) ('a' + r.nextInt(26)));
                }
              }
              return sb.toString();
            });
    return Arbitraries.frequencyOf(Tuple.of(1, plain), Tuple.of(2, mixed));
  }

  /** Doubles with ±0, ±∞, NaN (also with odd payloads), subnormals and random bit patterns. */
  static Arbitrary<Double> doubles() {
    return Arbitraries.frequencyOf(
        Tuple.of(3, Arbitraries.doubles().withStandardSpecialValues()),
        Tuple.of(2, Arbitraries.randomValue(r -> Double.longBitsToDouble(r.nextLong()))),
        Tuple.of(
            1,
            Arbitraries.of(
                Double.NaN,
                Double.POSITIVE_INFINITY,
                Double.NEGATIVE_INFINITY,
                -0.0,
                0.0,
                Double.MIN_VALUE,
                Double.MAX_VALUE,
                -Double.MIN_NORMAL)));
  }
}
