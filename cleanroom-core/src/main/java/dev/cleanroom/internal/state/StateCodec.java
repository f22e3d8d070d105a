package dev.cleanroom.internal.state;

import dev.cleanroom.AggregateFunction;
import dev.cleanroom.Bounds;
import dev.cleanroom.ColumnType;
import dev.cleanroom.Param;
import dev.cleanroom.PrivacyBudget;
import dev.cleanroom.QueryTemplate;
import dev.cleanroom.query.Aggregate;
import dev.cleanroom.query.CellNoise;
import dev.cleanroom.query.ColumnOffset;
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
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;

/**
 * A lossless text form of the room's state values, so that they can be written to a durable store
 * and read back after a restart: {@link QueryTemplate}s and {@link Result}s.
 *
 * <p>An encoding is one line of printable ASCII that fits in a line-oriented journal: a versioned
 * prefix ({@value #TEMPLATE_PREFIX} for a template without {@link QueryOptions}, {@value
 * #TEMPLATE_OPTIONS_PREFIX} for one with them, {@value #RESULT_PREFIX} for a result), then the
 * URL-safe Base64 alphabet without padding ({@code A-Z a-z 0-9 - _}) over a binary encoding. The
 * binary encoding is big-endian ({@link DataOutputStream}): every list is a count then its
 * elements; every text is a byte count then each UTF-16 code unit as the one to three bytes of its
 * UTF-8 form (so that even unpaired surrogates survive); every enum constant is its name as text;
 * every {@code double} is its raw IEEE 754 bits (so {@code -0.0}, infinities and NaN payloads
 * survive); every {@link BigDecimal} is its scale and the two's-complement bytes of its unscaled
 * value (so the scale survives: {@code 1.0} and {@code 1.00} stay apart); and every value of
 * varying type (a condition literal, a public group value, a result cell) starts with a one-byte
 * type tag.
 *
 * <p>The round trip is exact: {@code decodeTemplate(encode(t)).equals(t)} with the same {@link
 * QueryTemplate#contentHash()}, and {@code decodeResult(encode(r)).equals(r)}, down to the bits of
 * every {@code double} and the scale of every decimal. Decoding refuses non-canonical forms
 * (padding, unused Base64 bits, overlong text bytes, redundant integer bytes, flags other than 0
 * and 1, allowed values out of order), so that a template's text is determined by its value.
 *
 * <p>Decoding checks everything: a malformed, truncated, padded, non-canonical or trailing-data
 * input, or one whose parts the API's constructors refuse, is rejected with an {@link
 * IllegalArgumentException} whose message names what is wrong but repeats nothing of the input (no
 * names, no values, no bytes) and has no cause, so that it may be logged. Decoding a non-null
 * string never fails with another exception, and allocates no more than the input's length
 * suggests.
 *
 * <p>Stateless and thread-safe.
 */
public final class StateCodec {
  /**
   * The prefix of an encoded {@link QueryTemplate} whose query has no options ({@link
   * QueryOptions#NONE}): format version 1, the only one written before options existed, and still
   * the one written for such templates, so their text does not change.
   */
  public static final String TEMPLATE_PREFIX = "t1:";

  /**
   * The prefix of an encoded {@link QueryTemplate} whose query has options (derived columns,
   * narrowed bounds, consistent values): format version 2, version 1 followed by the options.
   */
  public static final String TEMPLATE_OPTIONS_PREFIX = "t2:";

  /** The prefix of an encoded {@link Result}: format version 1. */
  public static final String RESULT_PREFIX = "r1:";

  /**
   * The deepest nesting of conditions ({@code AND}, {@code OR}, {@code NOT}) that is encoded and
   * decoded; deeper input is refused rather than risking a stack overflow.
   */
  public static final int MAX_CONDITION_DEPTH = 256;

  // Type tags of literal values and result cells.
  private static final int TAG_STRING = 'S';
  private static final int TAG_LONG = 'L';
  private static final int TAG_DOUBLE = 'D';
  private static final int TAG_PLACEHOLDER = 'P';
  private static final int TAG_BIG_DECIMAL = 'M';
  private static final int TAG_BIG_INTEGER = 'N';
  private static final int TAG_BOOLEAN = 'B';
  private static final int TAG_INTEGER = 'I';
  private static final int TAG_SHORT = 'H';
  private static final int TAG_BYTE = 'Y';
  private static final int TAG_FLOAT = 'F';
  private static final int TAG_DATE = 'E';
  private static final int TAG_INSTANT = 'U';
  private static final int TAG_COLUMN_OFFSET = 'K';

  // Kinds of conditions.
  private static final int COND_COMPARISON = 'C';
  private static final int COND_IN = 'I';
  private static final int COND_AND = 'A';
  private static final int COND_OR = 'O';
  private static final int COND_NOT = 'N';

  // Privacy settings and budgets.
  private static final int PRIVACY_THRESHOLD = 'T';
  private static final int PRIVACY_DIFFERENTIAL = 'D';
  private static final int BUDGET_PURE = 'P';
  private static final int BUDGET_APPROX = 'A';

  // The start of a result row.
  private static final int ROW = 'R';

  // Parameter declarations.
  private static final int PARAM_LONG = 'L';
  private static final int PARAM_TEXT = 'T';

  // Derived columns.
  private static final int DERIVED_RATIO = 'R';
  private static final int DERIVED_LIFT = 'F';

  private static final Base64.Encoder BASE64 = Base64.getUrlEncoder().withoutPadding();

  private StateCodec() {}

  // ---- templates ----

  /**
   * The text form of a query template: its id, its whole query (analyst, datasets, conditions with
   * their literals and parameters, grouping, aggregates, privacy settings with budget, noise and
   * public groups), its parameter declarations, in their order, and the query's options (derived
   * columns in their order, narrowed bounds, consistent values) if it has any. A noise target is
   * not among them: {@link dev.cleanroom.query.FinalStage#spec()} resolves it to the ε it calls
   * for, which the privacy settings hold.
   *
   * @param t the template
   * @return one line of printable ASCII starting with {@value #TEMPLATE_PREFIX}, or with {@value
   *     #TEMPLATE_OPTIONS_PREFIX} if the query has options
   * @throws NullPointerException if {@code t} is null
   * @throws IllegalArgumentException if its conditions nest deeper than {@link
   *     #MAX_CONDITION_DEPTH}
   */
  public static String encode(QueryTemplate t) {
    Objects.requireNonNull(t, "t");
    if (t.query().options().equals(QueryOptions.NONE)) {
      return TEMPLATE_PREFIX + BASE64.encodeToString(write(out -> writeTemplate(out, t)));
    }
    return TEMPLATE_OPTIONS_PREFIX
        + BASE64.encodeToString(
            write(
                out -> {
                  writeTemplate(out, t);
                  out.options(t.query().options());
                }));
  }

  /**
   * The query template that {@link #encode(QueryTemplate)} turned into {@code s}.
   *
   * <p>Both versions are read: {@value #TEMPLATE_PREFIX} (no options) and {@value
   * #TEMPLATE_OPTIONS_PREFIX} (with options, which must not be none).
   *
   * @param s an encoded template
   * @return a template equal to the encoded one, with the same content hash
   * @throws NullPointerException if {@code s} is null
   * @throws IllegalArgumentException if {@code s} is not an encoded template (wrong prefix,
   *     malformed, truncated or followed by more data, options where the version has none or no
   *     options where it needs some) or describes a template that the API refuses; the message
   *     holds nothing of {@code s}
   */
  public static QueryTemplate decodeTemplate(String s) {
    Objects.requireNonNull(s, "s");
    if (s.startsWith(TEMPLATE_OPTIONS_PREFIX)) {
      return read(
          s,
          TEMPLATE_OPTIONS_PREFIX,
          "query template",
          r -> {
            QueryTemplate t = readTemplate(r);
            QueryOptions options = r.options();
            if (options.equals(QueryOptions.NONE)) {
              // A template without options has one encoding: version 1.
              throw r.malformed("version 2 without options");
            }
            return new QueryTemplate(t.id(), t.query().withOptions(options), t.params());
          });
    }
    return read(s, TEMPLATE_PREFIX, "query template", StateCodec::readTemplate);
  }

  private static void writeTemplate(Writer w, QueryTemplate t) throws IOException {
    w.text(t.id());
    QuerySpec q = t.query();
    w.text(q.analyst());
    w.texts(q.datasets());
    w.count(q.where().size());
    for (Condition c : q.where()) {
      w.condition(c, 1);
    }
    w.texts(q.groupBy());
    w.count(q.aggregates().size());
    for (Aggregate a : q.aggregates()) {
      w.text(a.function().name());
      w.text(a.column());
      w.text(a.alias());
      if (a.function() == AggregateFunction.QUANTILE) {
        // Only a quantile has a fraction: earlier states decode unchanged.
        w.text(Double.toString(a.fraction()));
      }
    }
    w.privacy(q.privacy());
    w.count(t.params().size());
    for (Param p : t.params()) {
      w.param(p);
    }
  }

  /**
   * A quantile's fraction, read from its text as written by {@link Double#toString(double)} and
   * only in that form: another spelling of a number (more digits, a changed digit that rounds to
   * another double) would decode to a state that encodes differently.
   */
  private static double fraction(Reader r, String text) {
    double f;
    try {
      f = Double.parseDouble(text);
    } catch (NumberFormatException e) {
      throw r.malformed("a quantile's fraction is not a number");
    }
    if (!Double.toString(f).equals(text)) {
      throw r.malformed("a non-canonical quantile fraction");
    }
    return f;
  }

  private static QueryTemplate readTemplate(Reader r) {
    String id = r.text();
    String analyst = r.text();
    List<String> datasets = r.texts();
    int n = r.count();
    List<Condition> where = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      where.add(r.condition(1));
    }
    List<String> groupBy = r.texts();
    n = r.count();
    List<Aggregate> aggregates = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      AggregateFunction f = r.enumConstant(AggregateFunction.class);
      String column = r.text();
      String alias = r.text();
      double fraction = f == AggregateFunction.QUANTILE ? fraction(r, r.text()) : 0;
      aggregates.add(new Aggregate(f, column, alias, fraction));
    }
    Privacy privacy = r.privacy();
    n = r.count();
    List<Param> params = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      params.add(r.param());
    }
    QuerySpec query = new QuerySpec(analyst, datasets, where, groupBy, aggregates, privacy);
    return new QueryTemplate(id, query, params);
  }

  // ---- results ----

  /**
   * The text form of a result: its query id, columns, rows (every value and every cell's noise) and
   * privacy report (ε and δ spent, the split, every ledger, whether it was repeated).
   *
   * <p>A cell may hold a {@link String}, {@link Long}, {@link Double}, {@link BigDecimal}, {@link
   * Boolean}, {@link Integer}, {@link Short}, {@link Byte}, {@link Float} or {@link BigInteger};
   * the engine releases only the first three.
   *
   * @param r the result
   * @return one line of printable ASCII starting with {@value #RESULT_PREFIX}
   * @throws NullPointerException if {@code r} is null
   * @throws IllegalArgumentException if a cell holds a value of another type (the message names the
   *     type, not the value)
   */
  public static String encode(Result r) {
    Objects.requireNonNull(r, "r");
    return RESULT_PREFIX + BASE64.encodeToString(write(out -> writeResult(out, r)));
  }

  /**
   * The result that {@link #encode(Result)} turned into {@code s}.
   *
   * @param s an encoded result
   * @return a result equal to the encoded one
   * @throws NullPointerException if {@code s} is null
   * @throws IllegalArgumentException if {@code s} is not an encoded result (wrong prefix,
   *     malformed, truncated or followed by more data) or describes a result that the API refuses;
   *     the message holds nothing of {@code s}
   */
  public static Result decodeResult(String s) {
    Objects.requireNonNull(s, "s");
    return read(s, RESULT_PREFIX, "result", StateCodec::readResult);
  }

  private static void writeResult(Writer w, Result r) throws IOException {
    w.text(r.queryId());
    w.count(r.columns().size());
    for (ResultColumn c : r.columns()) {
      w.text(c.name());
      w.text(c.type().name());
      w.bool(c.aggregate());
    }
    // Every row has the result's columns (the constructor checks it), so only values and noise,
    // after a marker byte that keeps even a row without columns from being empty.
    w.count(r.rows().size());
    for (ResultRow row : r.rows()) {
      w.marker(ROW);
      for (int i = 0; i < r.columns().size(); i++) {
        w.value(row.values().get(i), false);
        Optional<CellNoise> noise = row.noise().get(i);
        w.bool(noise.isPresent());
        if (noise.isPresent()) {
          CellNoise n = noise.get();
          w.text(n.mechanism());
          w.dbl(n.scale());
          w.dbl(n.lower());
          w.dbl(n.upper());
        }
      }
    }
    PrivacyReport p = r.privacy();
    w.bool(p.differentiallyPrivate());
    w.decimal(p.epsilon());
    w.decimal(p.delta());
    w.texts(p.split());
    w.count(p.ledgers().size());
    for (LedgerStatus l : p.ledgers()) {
      w.text(l.ledger());
      w.text(l.dataset());
      w.decimal(l.epsilonCharged());
      w.decimal(l.deltaCharged());
      w.decimal(l.epsilonRemaining());
      w.decimal(l.deltaRemaining());
    }
    w.bool(p.repeated());
  }

  private static Result readResult(Reader r) {
    String queryId = r.text();
    int n = r.count();
    List<ResultColumn> columns = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      String name = r.text();
      ColumnType type = r.enumConstant(ColumnType.class);
      columns.add(new ResultColumn(name, type, r.bool()));
    }
    columns = List.copyOf(columns);
    int rowCount = r.count(1 + 2 * columns.size());
    List<ResultRow> rows = new ArrayList<>();
    for (int k = 0; k < rowCount; k++) {
      if (r.u8() != ROW) {
        throw r.malformed("a row does not start with its marker");
      }
      List<Object> values = new ArrayList<>();
      List<Optional<CellNoise>> noise = new ArrayList<>();
      for (int i = 0; i < columns.size(); i++) {
        values.add(r.value(false));
        if (r.bool()) {
          String mechanism = r.text();
          double scale = r.dbl();
          double lower = r.dbl();
          double upper = r.dbl();
          noise.add(Optional.of(new CellNoise(mechanism, scale, lower, upper)));
        } else {
          noise.add(Optional.empty());
        }
      }
      rows.add(new ResultRow(columns, values, noise));
    }
    boolean dp = r.bool();
    BigDecimal epsilon = r.decimal();
    BigDecimal delta = r.decimal();
    List<String> split = r.texts();
    n = r.count();
    List<LedgerStatus> ledgers = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      ledgers.add(
          new LedgerStatus(r.text(), r.text(), r.decimal(), r.decimal(), r.decimal(), r.decimal()));
    }
    boolean repeated = r.bool();
    PrivacyReport report = new PrivacyReport(dp, epsilon, delta, split, ledgers, repeated);
    if (report.equals(PrivacyReport.THRESHOLD_ONLY)) {
      report = PrivacyReport.THRESHOLD_ONLY;
    }
    return new Result(queryId, columns, rows, report);
  }

  // ---- framing ----

  /** Writes the binary form of a value. */
  private interface Body {
    void write(Writer w) throws IOException;
  }

  /** Reads the binary form of a value. */
  private interface Parser<T> {
    T read(Reader r);
  }

  private static byte[] write(Body body) {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (DataOutputStream out = new DataOutputStream(bytes)) {
      body.write(new Writer(out));
    } catch (IOException e) {
      // A ByteArrayOutputStream does not fail.
      throw new UncheckedIOException(e);
    }
    return bytes.toByteArray();
  }

  private static <T> T read(String s, String prefix, String what, Parser<T> parser) {
    if (!s.startsWith(prefix)) {
      throw new IllegalArgumentException(
          "not an encoded " + what + ": it must start with " + prefix);
    }
    String body = s.substring(prefix.length());
    for (int i = 0; i < body.length(); i++) {
      char c = body.charAt(i);
      boolean ok =
          (c >= 'A' && c <= 'Z')
              || (c >= 'a' && c <= 'z')
              || (c >= '0' && c <= '9')
              || c == '-'
              || c == '_';
      if (!ok) {
        throw new IllegalArgumentException(
            "not an encoded " + what + ": a character outside the URL-safe Base64 alphabet");
      }
    }
    if (body.length() % 4 == 1) {
      throw new IllegalArgumentException("not an encoded " + what + ": truncated Base64");
    }
    byte[] bytes;
    try {
      bytes = Base64.getUrlDecoder().decode(body);
    } catch (IllegalArgumentException e) {
      // The decoder's message may quote the input; it is not passed on.
      throw new IllegalArgumentException("not an encoded " + what + ": malformed Base64");
    }
    // Unused low bits of the last character must be zero: one encoding per value.
    if (!BASE64.encodeToString(bytes).equals(body)) {
      throw new IllegalArgumentException("not an encoded " + what + ": non-canonical Base64");
    }
    Reader reader = new Reader(bytes, what);
    T value;
    try {
      value = parser.read(reader);
    } catch (Malformed e) {
      throw e;
    } catch (RuntimeException e) {
      // The API's constructors refused a part; their messages quote values, so only the kind of
      // failure is passed on.
      throw new IllegalArgumentException(
          "not an encoded "
              + what
              + ": it describes an invalid "
              + what
              + " (refused with "
              + e.getClass().getSimpleName()
              + ")");
    }
    if (reader.remaining() != 0) {
      throw new IllegalArgumentException("not an encoded " + what + ": data after its end");
    }
    return value;
  }

  /** A decoding failure found by the {@link Reader}; its message holds nothing of the input. */
  private static final class Malformed extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;

    Malformed(String what, String reason) {
      super("not an encoded " + what + ": " + reason);
    }
  }

  // ---- binary writer ----

  /** Writes tagged, length-prefixed binary values. */
  private static final class Writer {
    private final DataOutputStream out;

    Writer(DataOutputStream out) {
      this.out = out;
    }

    void marker(int tag) throws IOException {
      out.writeByte(tag);
    }

    void count(int n) throws IOException {
      out.writeInt(n);
    }

    void bool(boolean b) throws IOException {
      out.writeByte(b ? 1 : 0);
    }

    void dbl(double d) throws IOException {
      out.writeLong(Double.doubleToRawLongBits(d));
    }

    /** Byte count, then each UTF-16 code unit as its one to three UTF-8 bytes. */
    void text(String s) throws IOException {
      int length = 0;
      for (int i = 0; i < s.length(); i++) {
        char c = s.charAt(i);
        length += c < 0x80 ? 1 : c < 0x800 ? 2 : 3;
      }
      out.writeInt(length);
      for (int i = 0; i < s.length(); i++) {
        char c = s.charAt(i);
        if (c < 0x80) {
          out.writeByte(c);
        } else if (c < 0x800) {
          out.writeByte(0xC0 | (c >> 6));
          out.writeByte(0x80 | (c & 0x3F));
        } else {
          out.writeByte(0xE0 | (c >> 12));
          out.writeByte(0x80 | ((c >> 6) & 0x3F));
          out.writeByte(0x80 | (c & 0x3F));
        }
      }
    }

    void texts(List<String> list) throws IOException {
      count(list.size());
      for (String s : list) {
        text(s);
      }
    }

    void decimal(BigDecimal d) throws IOException {
      out.writeInt(d.scale());
      integer(d.unscaledValue());
    }

    void integer(BigInteger i) throws IOException {
      byte[] b = i.toByteArray();
      out.writeInt(b.length);
      out.write(b);
    }

    /**
     * A value with its type tag: a condition literal or placeholder ({@code literal}), otherwise a
     * result cell.
     */
    void value(Object v, boolean literal) throws IOException {
      if (v instanceof String s) {
        out.writeByte(TAG_STRING);
        text(s);
      } else if (v instanceof Long l) {
        out.writeByte(TAG_LONG);
        out.writeLong(l);
      } else if (v instanceof Double d) {
        out.writeByte(TAG_DOUBLE);
        dbl(d);
      } else if (v instanceof java.time.LocalDate d) {
        out.writeByte(TAG_DATE);
        out.writeLong(d.toEpochDay());
      } else if (v instanceof java.time.Instant t) {
        out.writeByte(TAG_INSTANT);
        out.writeLong(t.getEpochSecond());
        out.writeInt(t.getNano());
      } else if (literal && v instanceof Boolean b) {
        out.writeByte(TAG_BOOLEAN);
        bool(b);
      } else if (literal && v instanceof Placeholder p) {
        out.writeByte(TAG_PLACEHOLDER);
        text(p.name());
      } else if (literal && v instanceof ColumnOffset o) {
        out.writeByte(TAG_COLUMN_OFFSET);
        text(o.column());
        out.writeLong(o.offset().getSeconds());
        out.writeInt(o.offset().getNano());
      } else if (!literal && v instanceof BigDecimal d) {
        out.writeByte(TAG_BIG_DECIMAL);
        decimal(d);
      } else if (!literal && v instanceof BigInteger i) {
        out.writeByte(TAG_BIG_INTEGER);
        integer(i);
      } else if (!literal && v instanceof Boolean b) {
        out.writeByte(TAG_BOOLEAN);
        bool(b);
      } else if (!literal && v instanceof Integer i) {
        out.writeByte(TAG_INTEGER);
        out.writeInt(i);
      } else if (!literal && v instanceof Short h) {
        out.writeByte(TAG_SHORT);
        out.writeShort(h);
      } else if (!literal && v instanceof Byte b) {
        out.writeByte(TAG_BYTE);
        out.writeByte(b);
      } else if (!literal && v instanceof Float f) {
        out.writeByte(TAG_FLOAT);
        out.writeInt(Float.floatToRawIntBits(f));
      } else {
        throw new IllegalArgumentException(
            (literal ? "a condition value" : "a result cell")
                + " of type "
                + v.getClass().getName()
                + " cannot be encoded");
      }
    }

    void condition(Condition c, int depth) throws IOException {
      if (depth > MAX_CONDITION_DEPTH) {
        throw new IllegalArgumentException(
            "conditions nest deeper than " + MAX_CONDITION_DEPTH + " levels");
      }
      if (c instanceof Condition.Comparison cmp) {
        out.writeByte(COND_COMPARISON);
        text(cmp.column());
        text(cmp.op().name());
        value(cmp.value(), true);
      } else if (c instanceof Condition.In in) {
        out.writeByte(COND_IN);
        text(in.column());
        count(in.values().size());
        for (Object v : in.values()) {
          value(v, true);
        }
      } else if (c instanceof Condition.And and) {
        out.writeByte(COND_AND);
        operands(and.operands(), depth);
      } else if (c instanceof Condition.Or or) {
        out.writeByte(COND_OR);
        operands(or.operands(), depth);
      } else {
        out.writeByte(COND_NOT);
        condition(((Condition.Not) c).operand(), depth + 1);
      }
    }

    private void operands(List<Condition> operands, int depth) throws IOException {
      count(operands.size());
      for (Condition o : operands) {
        condition(o, depth + 1);
      }
    }

    void privacy(Privacy privacy) throws IOException {
      if (!(privacy instanceof Privacy.Differential dp)) {
        out.writeByte(PRIVACY_THRESHOLD);
        return;
      }
      out.writeByte(PRIVACY_DIFFERENTIAL);
      // A query's budget is pure ε or (ε, δ); Privacy.Differential refuses zCDP.
      if (dp.budget() instanceof PrivacyBudget.ApproxDp approx) {
        out.writeByte(BUDGET_APPROX);
        decimal(approx.epsilon());
        decimal(approx.delta());
      } else {
        out.writeByte(BUDGET_PURE);
        decimal(((PrivacyBudget.PureDp) dp.budget()).epsilon());
      }
      text(dp.noise().name());
      bool(dp.publicGroups().isPresent());
      if (dp.publicGroups().isPresent()) {
        count(dp.publicGroups().get().size());
        for (List<Object> key : dp.publicGroups().get()) {
          count(key.size());
          for (Object v : key) {
            value(v, true);
          }
        }
      }
    }

    /** Derived columns in their order, bounds in the order of their metrics, the flag. */
    void options(QueryOptions o) throws IOException {
      count(o.derived().size());
      for (Derived d : o.derived()) {
        if (d instanceof Derived.Ratio r) {
          out.writeByte(DERIVED_RATIO);
          text(r.alias());
          text(r.numerator());
          text(r.denominator());
        } else {
          Derived.Lift l = (Derived.Lift) d;
          out.writeByte(DERIVED_LIFT);
          text(l.alias());
          text(l.ratio());
          text(l.dimension());
          value(l.group(), true);
          value(l.baseline(), true);
        }
      }
      count(o.bounds().size());
      for (Map.Entry<String, Bounds> b : o.bounds().entrySet()) {
        text(b.getKey());
        dbl(b.getValue().lower());
        dbl(b.getValue().upper());
      }
      bool(o.consistent());
    }

    void param(Param p) throws IOException {
      if (p instanceof Param.LongParam l) {
        out.writeByte(PARAM_LONG);
        text(l.name());
        out.writeLong(l.min());
        out.writeLong(l.max());
      } else {
        Param.TextParam t = (Param.TextParam) p;
        out.writeByte(PARAM_TEXT);
        text(t.name());
        texts(List.copyOf(t.allowed()));
      }
    }
  }

  // ---- binary reader ----

  /**
   * Reads what {@link Writer} wrote, checking every length against the bytes left (so a corrupt
   * count cannot make it allocate much) and accepting only the canonical form of each value.
   */
  private static final class Reader {
    private final byte[] in;
    private final String what;
    private int pos;

    Reader(byte[] in, String what) {
      this.in = in;
      this.what = what;
    }

    int remaining() {
      return in.length - pos;
    }

    Malformed malformed(String reason) {
      return new Malformed(what, reason);
    }

    private void need(int n) {
      if (n > remaining()) {
        throw malformed("truncated");
      }
    }

    int u8() {
      need(1);
      return in[pos++] & 0xFF;
    }

    int i32() {
      need(4);
      int v = 0;
      for (int i = 0; i < 4; i++) {
        v = (v << 8) | (in[pos++] & 0xFF);
      }
      return v;
    }

    long i64() {
      need(8);
      long v = 0;
      for (int i = 0; i < 8; i++) {
        v = (v << 8) | (in[pos++] & 0xFF);
      }
      return v;
    }

    /** A count of elements that take at least {@code minBytes} each; checked against the input. */
    int count(int minBytes) {
      int n = i32();
      if (n < 0 || (long) n * minBytes > remaining()) {
        throw malformed("a count is negative or larger than the data");
      }
      return n;
    }

    int count() {
      return count(1);
    }

    boolean bool() {
      int b = u8();
      if (b > 1) {
        throw malformed("a flag is neither 0 nor 1");
      }
      return b == 1;
    }

    double dbl() {
      return Double.longBitsToDouble(i64());
    }

    String text() {
      int length = i32();
      if (length < 0) {
        throw malformed("a text length is negative");
      }
      need(length);
      int end = pos + length;
      StringBuilder sb = new StringBuilder(length);
      while (pos < end) {
        int b = in[pos++] & 0xFF;
        if (b < 0x80) {
          sb.append((char) b);
        } else if (b >= 0xC0 && b < 0xE0) {
          int c = ((b & 0x1F) << 6) | continuation(end);
          if (c < 0x80) {
            throw malformed("an overlong text encoding");
          }
          sb.append((char) c);
        } else if (b >= 0xE0 && b < 0xF0) {
          int c1 = continuation(end);
          int c = ((b & 0x0F) << 12) | (c1 << 6) | continuation(end);
          if (c < 0x800) {
            throw malformed("an overlong text encoding");
          }
          sb.append((char) c);
        } else {
          throw malformed("an invalid text byte");
        }
      }
      return sb.toString();
    }

    private int continuation(int end) {
      if (pos >= end) {
        throw malformed("a text ends inside a character");
      }
      int b = in[pos++] & 0xFF;
      if ((b & 0xC0) != 0x80) {
        throw malformed("an invalid text byte");
      }
      return b & 0x3F;
    }

    List<String> texts() {
      int n = count(4);
      List<String> out = new ArrayList<>();
      for (int i = 0; i < n; i++) {
        out.add(text());
      }
      return out;
    }

    <E extends Enum<E>> E enumConstant(Class<E> type) {
      String name = text();
      for (E e : type.getEnumConstants()) {
        if (e.name().equals(name)) {
          return e;
        }
      }
      throw malformed("an unknown " + type.getSimpleName());
    }

    BigInteger integer() {
      int length = i32();
      if (length < 1) {
        throw malformed("an integer length is not positive");
      }
      need(length);
      byte[] b = new byte[length];
      System.arraycopy(in, pos, b, 0, length);
      pos += length;
      BigInteger i = new BigInteger(b);
      if (i.bitLength() / 8 + 1 != length) {
        throw malformed("a non-canonical integer");
      }
      return i;
    }

    BigDecimal decimal() {
      int scale = i32();
      return new BigDecimal(integer(), scale);
    }

    Object value(boolean literal) {
      int tag = u8();
      switch (tag) {
        case TAG_STRING:
          return text();
        case TAG_LONG:
          return i64();
        case TAG_DOUBLE:
          return dbl();
        case TAG_BOOLEAN:
          return bool();
        case TAG_DATE:
          try {
            return java.time.LocalDate.ofEpochDay(i64());
          } catch (java.time.DateTimeException e) {
            throw malformed("a date out of range");
          }
        case TAG_INSTANT:
          try {
            long seconds = i64();
            return java.time.Instant.ofEpochSecond(seconds, i32());
          } catch (java.time.DateTimeException | ArithmeticException e) {
            throw malformed("an instant out of range");
          }
        default:
          break;
      }
      if (literal) {
        if (tag == TAG_PLACEHOLDER) {
          return new Placeholder(text());
        }
        if (tag == TAG_COLUMN_OFFSET) {
          String column = text();
          long seconds = i64();
          int nanos = i32();
          try {
            return new ColumnOffset(column, java.time.Duration.ofSeconds(seconds, nanos));
          } catch (IllegalArgumentException | ArithmeticException e) {
            throw malformed("a column offset out of range");
          }
        }
        throw malformed("an unknown type tag");
      }
      switch (tag) {
        case TAG_BIG_DECIMAL:
          return decimal();
        case TAG_BIG_INTEGER:
          return integer();
        case TAG_INTEGER:
          return i32();
        case TAG_SHORT:
          need(2);
          return (short) ((u8() << 8) | u8());
        case TAG_BYTE:
          return (byte) u8();
        case TAG_FLOAT:
          return Float.intBitsToFloat(i32());
        default:
          throw malformed("an unknown type tag");
      }
    }

    Condition condition(int depth) {
      if (depth > MAX_CONDITION_DEPTH) {
        throw malformed("conditions nest deeper than " + MAX_CONDITION_DEPTH + " levels");
      }
      int kind = u8();
      switch (kind) {
        case COND_COMPARISON:
          {
            String column = text();
            Condition.Op op = enumConstant(Condition.Op.class);
            return new Condition.Comparison(column, op, value(true));
          }
        case COND_IN:
          {
            String column = text();
            int n = count(5);
            List<Object> values = new ArrayList<>();
            for (int i = 0; i < n; i++) {
              values.add(value(true));
            }
            return new Condition.In(column, values);
          }
        case COND_AND:
          return new Condition.And(operands(depth));
        case COND_OR:
          return new Condition.Or(operands(depth));
        case COND_NOT:
          return new Condition.Not(condition(depth + 1));
        default:
          throw malformed("an unknown kind of condition");
      }
    }

    private List<Condition> operands(int depth) {
      int n = count();
      List<Condition> out = new ArrayList<>();
      for (int i = 0; i < n; i++) {
        out.add(condition(depth + 1));
      }
      return out;
    }

    Privacy privacy() {
      int kind = u8();
      if (kind == PRIVACY_THRESHOLD) {
        return Privacy.THRESHOLD_ONLY;
      }
      if (kind != PRIVACY_DIFFERENTIAL) {
        throw malformed("an unknown kind of privacy");
      }
      int budgetKind = u8();
      PrivacyBudget budget;
      if (budgetKind == BUDGET_PURE) {
        budget = new PrivacyBudget.PureDp(decimal());
      } else if (budgetKind == BUDGET_APPROX) {
        BigDecimal epsilon = decimal();
        budget = new PrivacyBudget.ApproxDp(epsilon, decimal());
      } else {
        throw malformed("an unknown kind of budget");
      }
      NoiseKind noise = enumConstant(NoiseKind.class);
      Optional<List<List<Object>>> publicGroups = Optional.empty();
      if (bool()) {
        int n = count(4);
        List<List<Object>> groups = new ArrayList<>();
        for (int i = 0; i < n; i++) {
          int size = count(5);
          List<Object> key = new ArrayList<>();
          for (int j = 0; j < size; j++) {
            key.add(value(true));
          }
          groups.add(key);
        }
        publicGroups = Optional.of(groups);
      }
      return new Privacy.Differential(budget, noise, publicGroups);
    }

    QueryOptions options() {
      int n = count();
      List<Derived> derived = new ArrayList<>();
      for (int i = 0; i < n; i++) {
        int kind = u8();
        if (kind == DERIVED_RATIO) {
          String alias = text();
          String numerator = text();
          derived.add(new Derived.Ratio(alias, numerator, text()));
        } else if (kind == DERIVED_LIFT) {
          String alias = text();
          String ratio = text();
          String dimension = text();
          Object group = value(true);
          Object baseline = value(true);
          if (group instanceof Placeholder || baseline instanceof Placeholder) {
            throw malformed("a lift compares a parameter");
          }
          derived.add(new Derived.Lift(alias, ratio, dimension, group, baseline));
        } else {
          throw malformed("an unknown kind of derived column");
        }
      }
      n = count(20);
      Map<String, Bounds> bounds = new TreeMap<>();
      String previous = null;
      for (int i = 0; i < n; i++) {
        String metric = text();
        if (previous != null && previous.compareTo(metric) >= 0) {
          throw malformed("bounds out of order");
        }
        previous = metric;
        double lower = dbl();
        bounds.put(metric, new Bounds(lower, dbl()));
      }
      return new QueryOptions(derived, bounds, bool());
    }

    Param param() {
      int kind = u8();
      if (kind == PARAM_LONG) {
        String name = text();
        long min = i64();
        return new Param.LongParam(name, min, i64());
      }
      if (kind == PARAM_TEXT) {
        String name = text();
        List<String> allowed = texts();
        Set<String> set = new LinkedHashSet<>(allowed);
        if (set.size() != allowed.size()) {
          throw malformed("an allowed value is listed twice");
        }
        Param.TextParam p = new Param.TextParam(name, set);
        if (!List.copyOf(p.allowed()).equals(allowed)) {
          throw malformed("allowed values out of order");
        }
        return p;
      }
      throw malformed("an unknown kind of parameter");
    }
  }
}
