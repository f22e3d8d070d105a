package dev.cleanroom.internal.state;

import static dev.cleanroom.query.Dsl.col;
import static dev.cleanroom.query.Dsl.count;
import static dev.cleanroom.query.Dsl.countDistinctUsers;
import static dev.cleanroom.query.Dsl.lift;
import static dev.cleanroom.query.Dsl.param;
import static dev.cleanroom.query.Dsl.ratio;
import static dev.cleanroom.query.Dsl.sum;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.common.testing.NullPointerTester;
import dev.cleanroom.Bounds;
import dev.cleanroom.ColumnType;
import dev.cleanroom.Param;
import dev.cleanroom.PrivacyBudget;
import dev.cleanroom.QueryTemplate;
import dev.cleanroom.query.CellNoise;
import dev.cleanroom.query.Condition;
import dev.cleanroom.query.LedgerStatus;
import dev.cleanroom.query.NoiseKind;
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
import java.math.BigDecimal;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/** Examples of {@link StateCodec}: exact round trips, the pinned format, and refusals. */
class StateCodecTest {

  /** A template with every kind of condition, a parameter of each kind, DP and public groups. */
  private static QueryTemplate reachTemplate() {
    Condition where =
        col("campaign")
            .eq(param("campaign"))
            .and(col("country").in("DE", "FR"))
            .and(col("age").between(18L, 65L).or(col("score").lt(-0.0)).not())
            .and(col("device").ne(param("device")));
    QuerySpec spec =
        new QuerySpec(
            "advertiser",
            List.of("publisher.impressions", "advertiser.conversions"),
            List.of(where, col("region").ge("N\u00e4he\n\u2028")),
            List.of("country", "impressions.day"),
            List.of(countDistinctUsers(), count().as("rows"), sum("revenue")),
            new Privacy.Differential(
                PrivacyBudget.epsilonDelta(0.5, 1e-9),
                NoiseKind.GAUSSIAN,
                Optional.of(List.of(List.of("DE", 1L), List.of("FR", 2.5)))));
    return QueryTemplate.of(
        "reach_by_country",
        spec,
        Param.textParam("device", Set.of("phone", "tablet")),
        Param.longParam("campaign", 0, 99));
  }

  private static Result noisyResult() {
    List<ResultColumn> columns =
        List.of(
            new ResultColumn("country", ColumnType.STRING, false),
            new ResultColumn("people", ColumnType.LONG, true),
            new ResultColumn("revenue", ColumnType.DOUBLE, true));
    CellNoise noise = new CellNoise("discrete Laplace", 2.0, 95.5, 104.5);
    List<ResultRow> rows =
        List.of(
            new ResultRow(
                columns,
                List.of("DE", 100L, -0.0),
                List.of(Optional.empty(), Optional.of(noise), Optional.empty())),
            new ResultRow(
                columns,
                List.of("line\nbreak\r\n\u2028\u0000\uD800 \uD83D\uDE00", 7L, Double.NaN),
                List.of(
                    Optional.empty(),
                    Optional.of(
                        new CellNoise(
                            "discrete Gaussian (sum and count)",
                            Double.POSITIVE_INFINITY,
                            Double.NEGATIVE_INFINITY,
                            Double.POSITIVE_INFINITY)),
                    Optional.empty())));
    PrivacyReport report =
        new PrivacyReport(
            true,
            new BigDecimal("0.50"),
            new BigDecimal("1E-9"),
            List.of("people: \u03b5=0.25", "revenue: \u03b5=0.25"),
            List.of(
                new LedgerStatus(
                    "publisher.impressions/advertiser/2024",
                    "publisher.impressions",
                    new BigDecimal("0.5"),
                    BigDecimal.ZERO,
                    new BigDecimal("9.50"),
                    new BigDecimal("0.000")),
                new LedgerStatus(
                    "x",
                    "y",
                    BigDecimal.ONE.negate(),
                    new BigDecimal("1E+3"),
                    new BigDecimal("123456789012345678901234567890.123456789"),
                    BigDecimal.TEN)),
            false);
    return new Result("q-7f3a", columns, rows, report);
  }

  @Test
  void template_fromTheBuilder_roundTripsWithItsContentHash() {
    QueryTemplate t = reachTemplate();
    String s = StateCodec.encode(t);
    assertTrue(s.startsWith("t1:"));
    assertTrue(s.matches("t1:[A-Za-z0-9_-]+"), "one line of URL-safe Base64 without padding");
    QueryTemplate back = StateCodec.decodeTemplate(s);
    assertEquals(t, back);
    assertEquals(t.contentHash(), back.contentHash());
    assertEquals(t.params(), back.params(), "declaration order is kept");
  }

  @Test
  void template_withTimeBucketsAndATimeConditionAcrossDatasets_roundTrips() {
    Condition window =
        col("conversions.ts")
            .within(col("impressions.ts"), java.time.Duration.ofDays(7).plusNanos(3000))
            .and(
                col("conversions.day")
                    .gt(col("impressions.day").minus(java.time.Duration.ofDays(2))))
            .and(
                col(dev.cleanroom.query.Dsl.week("impressions.day"))
                    .ge(java.time.LocalDate.of(1969, 12, 29)));
    QueryTemplate t =
        QueryTemplate.of(
            "attribution",
            new QuerySpec(
                "advertiser",
                List.of("publisher.impressions", "advertiser.conversions"),
                List.of(window),
                List.of("month(impressions.day)", "day(conversions.ts)"),
                List.of(countDistinctUsers())));
    String s = StateCodec.encode(t);
    QueryTemplate back = StateCodec.decodeTemplate(s);
    assertEquals(t, back);
    assertEquals(t.contentHash(), back.contentHash());
    assertEquals(
        List.of(
            "conversions.ts",
            "impressions.ts",
            "conversions.ts",
            "impressions.ts",
            "conversions.day",
            "impressions.day",
            "week(impressions.day)"),
        back.query().where().get(0).columns());
  }

  @Test
  void template_thresholdMode_roundTrips() {
    QueryTemplate t =
        QueryTemplate.of(
            "plain",
            new QuerySpec(
                "analyst", List.of("a.b"), List.of(), List.of(), List.of(countDistinctUsers())));
    assertEquals(t, StateCodec.decodeTemplate(StateCodec.encode(t)));
  }

  @Test
  void template_aQuantileFractionSpelledOtherwise_isRefused() {
    // A damaged digit that still reads as a number: 0.9993999999999999 is the double 0.9994,
    // which encodes as "0.9994". Found by StateCodecProperties.
    QueryTemplate t =
        QueryTemplate.of(
            "q",
            new QuerySpec(
                "a",
                List.of("o.d"),
                List.of(),
                List.of(),
                List.of(dev.cleanroom.query.Dsl.quantile("m", 0.9999999999999999))));
    String s = StateCodec.encode(t);
    assertEquals(t, StateCodec.decodeTemplate(s));
    for (String other : List.of("0.9993999999999999", "0.99999999999999990", "1.0e-1")) {
      String damaged = withText(s, "0.9999999999999999", other);
      IllegalArgumentException e =
          assertThrows(IllegalArgumentException.class, () -> StateCodec.decodeTemplate(damaged));
      assertTrue(e.getMessage().startsWith("not an encoded query template"), e.getMessage());
      assertFalse(e.getMessage().contains(other), "the message does not quote the input");
    }
  }

  /** {@code s} with the text {@code from} in its binary form replaced by {@code to}. */
  private static String withText(String s, String from, String to) {
    int colon = s.indexOf(':') + 1;
    byte[] b = Base64.getUrlDecoder().decode(s.substring(colon));
    String latin = new String(b, java.nio.charset.StandardCharsets.ISO_8859_1);
    int at = latin.indexOf(from);
    assertTrue(at > 0);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.write(b, 0, at - 4);
    byte[] text = to.getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    // The text's length prefix: four bytes, high first.
    out.write(java.nio.ByteBuffer.allocate(4).putInt(text.length).array(), 0, 4);
    out.write(text, 0, text.length);
    int rest = at + from.length();
    out.write(b, rest, b.length - rest);
    return s.substring(0, colon)
        + Base64.getUrlEncoder().withoutPadding().encodeToString(out.toByteArray());
  }

  /** A small template whose encoding is pinned. */
  private static QueryTemplate t1() {
    return QueryTemplate.of(
        "t",
        new QuerySpec(
            "a",
            List.of("o.d"),
            List.of(col("c").eq(param("p"))),
            List.of(),
            List.of(count()),
            new Privacy.Differential(
                PrivacyBudget.epsilon(1.5), NoiseKind.LAPLACE, Optional.empty())),
        Param.longParam("p", -1, 1));
  }

  @Test
  void template_encoding_isPinned() {
    // The durable format must not change by accident: a change here needs a new version prefix.
    QueryTemplate t = t1();
    String pinned =
        "t1:AAAAAXQAAAABYQAAAAEAAAADby5kAAAAAUMAAAABYwAAAAJFUVAAAAABcAAAAAAAAAABAAAABUNPVU5UAAAAAAAAAAVj"
            + "b3VudERQAAAAAQAAAAEPAAAAB0xBUExBQ0UAAAAAAUwAAAABcP__________AAAAAAAAAAE";
    assertEquals(pinned, StateCodec.encode(t));
    assertEquals(t, StateCodec.decodeTemplate(pinned));
  }

  @Test
  void result_withSpecialValues_roundTripsExactly() {
    Result r = noisyResult();
    String s = StateCodec.encode(r);
    assertTrue(s.matches("r1:[A-Za-z0-9_-]+"));
    Result back = StateCodec.decodeResult(s);
    assertEquals(r, back);
    assertEquals(
        Double.doubleToRawLongBits(-0.0),
        Double.doubleToRawLongBits((Double) back.rows().get(0).get(2)));
    assertEquals(new BigDecimal("0.000"), back.privacy().ledgers().get(0).deltaRemaining());
    assertEquals(3, back.privacy().ledgers().get(0).deltaRemaining().scale());
  }

  @Test
  void result_thresholdMode_roundTrips() {
    List<ResultColumn> columns = List.of(new ResultColumn("n", ColumnType.LONG, true));
    Result r = new Result("q", columns, List.of(new ResultRow(columns, List.of(Long.MIN_VALUE))));
    Result back = StateCodec.decodeResult(StateCodec.encode(r));
    assertEquals(r, back);
    assertSame(PrivacyReport.THRESHOLD_ONLY, back.privacy());
  }

  @Test
  void result_cellsOfOtherTypes_roundTripWithTheirTypeAndScale() {
    List<Object> values =
        List.of(
            new BigDecimal("1.0"),
            new BigDecimal("1.00"),
            new BigDecimal("-7E+12"),
            true,
            false,
            42,
            (short) -3,
            (byte) 0x80,
            Float.NEGATIVE_INFINITY,
            new java.math.BigInteger("-123456789012345678901234567890"),
            "");
    List<ResultColumn> columns =
        values.stream().map(v -> new ResultColumn("c", ColumnType.STRING, false)).toList();
    Result r = new Result("q", columns, List.of(new ResultRow(columns, values)));
    Result back = StateCodec.decodeResult(StateCodec.encode(r));
    assertEquals(r, back);
    List<Object> got = back.rows().get(0).values();
    for (int i = 0; i < values.size(); i++) {
      assertEquals(values.get(i).getClass(), got.get(i).getClass());
    }
    assertNotEquals(got.get(0), got.get(1), "1.0 and 1.00 stay apart");
  }

  @Test
  void result_withAnUnsupportedCell_isRefusedNamingTheTypeOnly() {
    List<ResultColumn> columns = List.of(new ResultColumn("c", ColumnType.STRING, false));
    Result r = new Result("q", columns, List.of(new ResultRow(columns, List.of('\u00a7'))));
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> StateCodec.encode(r));
    assertTrue(e.getMessage().contains("java.lang.Character"), e.getMessage());
    assertFalse(e.getMessage().contains("\u00a7"), e.getMessage());
  }

  /** The reach template with every kind of option: ratios, a lift, bounds, consistent values. */
  private static QueryTemplate reachTemplateWithOptions() {
    QueryTemplate t = reachTemplate();
    QueryOptions options =
        QueryOptions.NONE
            .withDerived(
                List.of(
                    ratio("per_person", "sum_revenue", "distinct_users"),
                    ratio("rows_per_person", "rows", "distinct_users"),
                    lift("lift", "per_person", "country", "DE", "FR"),
                    lift("lift_day", "rows_per_person", "impressions.day", 2L, 1L)))
            .withBounds("revenue", Bounds.of(-0.0, 2.5))
            .withConsistent(true);
    return new QueryTemplate(t.id(), t.query().withOptions(options), t.params());
  }

  @Test
  void template_withOptions_roundTripsAsVersion2_withItsContentHash() {
    QueryTemplate t = reachTemplateWithOptions();
    String s = StateCodec.encode(t);
    assertTrue(s.matches("t2:[A-Za-z0-9_-]+"), s);
    QueryTemplate back = StateCodec.decodeTemplate(s);
    assertEquals(t, back);
    assertEquals(t.query().options(), back.query().options());
    assertEquals(t.contentHash(), back.contentHash());
    assertNotEquals(reachTemplate().contentHash(), back.contentHash());
    // The sign of a zero bound survives (the record tells -0.0 from 0.0).
    assertEquals(
        Double.doubleToRawLongBits(-0.0),
        Double.doubleToRawLongBits(back.query().options().bounds().get("revenue").lower()));
  }

  @Test
  void template_withoutOptions_keepsVersion1_andVersion2WithoutOptionsIsRefused() {
    QueryTemplate plain = reachTemplate();
    String s = StateCodec.encode(plain);
    assertTrue(s.startsWith("t1:"), s);
    // The same bytes followed by "no derived column, no bounds, not consistent": one value, one
    // encoding, so version 2 with no options is not accepted.
    byte[] bytes = Base64.getUrlDecoder().decode(s.substring(3));
    byte[] none = Arrays.copyOf(bytes, bytes.length + 9);
    String noOptions = "t2:" + Base64.getUrlEncoder().withoutPadding().encodeToString(none);
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> StateCodec.decodeTemplate(noOptions));
    assertTrue(e.getMessage().startsWith("not an encoded query template"), e.getMessage());
    // And a version-1 text cannot carry options.
    String withOptions = StateCodec.encode(reachTemplateWithOptions());
    assertThrows(
        IllegalArgumentException.class,
        () -> StateCodec.decodeTemplate("t1:" + withOptions.substring(3)));
  }

  @Test
  void template_withOptionsTheQueryRefuses_isRefusedWithoutQuotingThem() {
    // A ratio over an aggregate the query lacks: written by hand, refused on reading.
    QueryTemplate t = reachTemplateWithOptions();
    String s = StateCodec.encode(t);
    byte[] bytes = Base64.getUrlDecoder().decode(s.substring(3));
    String needle = "rows_per_person";
    byte[] from = needle.getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    byte[] to = "rows_per_secret".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    int at = indexOf(bytes, from);
    assertTrue(at > 0);
    System.arraycopy(to, 0, bytes, at, to.length);
    String damaged = "t2:" + Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> StateCodec.decodeTemplate(damaged));
    assertFalse(e.getMessage().contains("secret"), e.getMessage());
    assertEquals(null, e.getCause());
  }

  private static int indexOf(byte[] haystack, byte[] needle) {
    outer:
    for (int i = 0; i + needle.length <= haystack.length; i++) {
      for (int j = 0; j < needle.length; j++) {
        if (haystack[i + j] != needle[j]) {
          continue outer;
        }
      }
      return i;
    }
    return -1;
  }

  @Test
  void decode_ofTheOtherKind_isRefused() {
    String template = StateCodec.encode(reachTemplate());
    String result = StateCodec.encode(noisyResult());
    assertThrows(IllegalArgumentException.class, () -> StateCodec.decodeTemplate(result));
    assertThrows(IllegalArgumentException.class, () -> StateCodec.decodeResult(template));
    assertThrows(
        IllegalArgumentException.class,
        () -> StateCodec.decodeResult("r1:" + result.substring(3) + "\n"));
    assertThrows(
        IllegalArgumentException.class,
        () -> StateCodec.decodeTemplate("t2:" + template.substring(3)));
    assertThrows(
        IllegalArgumentException.class,
        () -> StateCodec.decodeTemplate("t3:" + template.substring(3)));
    assertThrows(IllegalArgumentException.class, () -> StateCodec.decodeTemplate(""));
    assertThrows(IllegalArgumentException.class, () -> StateCodec.decodeResult("r1:"));
  }

  @Test
  void decode_withPaddingOrNonCanonicalBase64_isRefused() {
    String s = StateCodec.encode(reachTemplate());
    assertThrows(IllegalArgumentException.class, () -> StateCodec.decodeTemplate(s + "="));
    assertThrows(IllegalArgumentException.class, () -> StateCodec.decodeTemplate(s + "=="));
    // Standard Base64 (with '+', '/' and padding) is not the URL-safe form.
    byte[] bytes = Base64.getUrlDecoder().decode(s.substring(3));
    byte[] tricky = Arrays.copyOf(bytes, bytes.length + 2);
    tricky[bytes.length] = (byte) 0xFB;
    tricky[bytes.length + 1] = (byte) 0xFF;
    String standard = "t1:" + Base64.getEncoder().encodeToString(tricky);
    assertTrue(standard.contains("+") || standard.contains("/") || standard.contains("="));
    assertThrows(IllegalArgumentException.class, () -> StateCodec.decodeTemplate(standard));
    // The same bytes, but with an unused low bit of the last character set.
    String canonical = StateCodec.encode(t1());
    assertNotEquals(0, (canonical.length() - 3) % 4, "the last character has unused bits");
    String alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    char last = canonical.charAt(canonical.length() - 1);
    String altered =
        canonical.substring(0, canonical.length() - 1)
            + alphabet.charAt(alphabet.indexOf(last) ^ 1);
    assertArrayEquals(
        Base64.getUrlDecoder().decode(canonical.substring(3)),
        Base64.getUrlDecoder().decode(altered.substring(3)),
        "a lenient decoder reads the same bytes");
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> StateCodec.decodeTemplate(altered));
    assertTrue(e.getMessage().contains("non-canonical"), e.getMessage());
  }

  @Test
  void decode_withTrailingData_isRefused() {
    String s = StateCodec.encode(noisyResult());
    String longer = binary(s, b -> Arrays.copyOf(b, b.length + 1));
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> StateCodec.decodeResult(longer));
    assertTrue(e.getMessage().contains("after its end"), e.getMessage());
  }

  /**
   * Every cut and every single-bit flip of an encoding that holds secrets is refused without a word
   * of them, or decodes; no other exception escapes. Covers the API's own refusals too, whose
   * messages quote values.
   */
  @Test
  void damage_neverQuotesTheInput() {
    QueryTemplate t =
        QueryTemplate.of(
            "secret_template",
            new QuerySpec(
                "secret_party",
                List.of("secret_owner.secret_data"),
                List.of(
                    col("secret_column").eq("SecretLiteral"),
                    new Condition.In("secret_other", List.of(param("secret_param")))),
                List.of("secret_group"),
                List.of(sum("secret_metric").as("secret_alias")),
                new Privacy.Differential(
                    PrivacyBudget.epsilonDelta(0.25, 0.125),
                    NoiseKind.LAPLACE,
                    Optional.of(List.of(List.of("SecretGroupValue"))))),
            Param.textParam("secret_param", Set.of("SecretAllowed")));
    assertDamageIsQuiet(StateCodec.encode(t), StateCodec::decodeTemplate);
    List<ResultColumn> columns = List.of(new ResultColumn("secret_col", ColumnType.DOUBLE, true));
    Result r =
        new Result(
            "secret_query",
            columns,
            List.of(
                new ResultRow(
                    columns,
                    List.of("SecretCell"),
                    List.of(Optional.of(new CellNoise("secret_mech", 1.0, -1.0, 1.0))))),
            new PrivacyReport(
                true,
                BigDecimal.ONE,
                BigDecimal.ZERO,
                List.of("secret_split"),
                List.of(
                    new LedgerStatus(
                        "secret_ledger",
                        "secret_ds",
                        BigDecimal.ONE,
                        BigDecimal.ZERO,
                        BigDecimal.ONE,
                        BigDecimal.ZERO)),
                false));
    assertDamageIsQuiet(StateCodec.encode(r), StateCodec::decodeResult);
  }

  private static void assertDamageIsQuiet(String s, Function<String, ?> decode) {
    byte[] bytes = Base64.getUrlDecoder().decode(s.substring(3));
    int refused = 0;
    for (int cut = 0; cut < bytes.length; cut++) {
      int n = cut;
      refused += quiet(binary(s, b -> Arrays.copyOf(b, n)), decode);
    }
    for (int bit = 0; bit < bytes.length * 8; bit++) {
      int i = bit;
      refused +=
          quiet(
              binary(
                  s,
                  b -> {
                    byte[] c = b.clone();
                    c[i / 8] ^= (byte) (1 << (i % 8));
                    return c;
                  }),
              decode);
    }
    for (int cut = 0; cut < s.length(); cut++) {
      refused += quiet(s.substring(0, cut), decode);
    }
    assertTrue(refused > bytes.length, "most damage is refused");
  }

  /** 1 if refused with a message free of the secrets, 0 if decoded. */
  private static int quiet(String damaged, Function<String, ?> decode) {
    try {
      assertNotNull(decode.apply(damaged));
      return 0;
    } catch (IllegalArgumentException e) {
      assertFalse(
          e.getMessage().toLowerCase(Locale.ROOT).contains("secret"),
          () -> "a refusal quotes the input: " + e.getMessage());
      assertEquals(null, e.getCause(), "no cause that might quote the input");
      return 1;
    }
  }

  @Test
  void conditions_nestedToTheLimit_roundTrip_andDeeperAreRefused() {
    Condition c = col("x").eq(1L);
    for (int i = 1; i < StateCodec.MAX_CONDITION_DEPTH; i++) {
      c = c.not();
    }
    QueryTemplate deepest = template(c);
    assertEquals(deepest, StateCodec.decodeTemplate(StateCodec.encode(deepest)));
    QueryTemplate tooDeep = template(c.not());
    assertThrows(IllegalArgumentException.class, () -> StateCodec.encode(tooDeep));
  }

  @Test
  void decode_ofAHugelyNestedCondition_isRefusedWithoutStackOverflow() throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (DataOutputStream out = new DataOutputStream(bytes)) {
      for (String s : List.of("t", "a")) {
        out.writeInt(s.length());
        out.writeBytes(s);
      }
      out.writeInt(1); // datasets
      out.writeInt(3);
      out.writeBytes("o.d");
      out.writeInt(1); // conditions
      for (int i = 0; i < 200_000; i++) {
        out.writeByte('N');
      }
    }
    String s = "t1:" + Base64.getUrlEncoder().withoutPadding().encodeToString(bytes.toByteArray());
    assertThrows(IllegalArgumentException.class, () -> StateCodec.decodeTemplate(s));
  }

  @Test
  void decode_ofAHugeCount_isRefusedWithoutAllocating() throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (DataOutputStream out = new DataOutputStream(bytes)) {
      out.writeInt(1);
      out.writeBytes("q");
      out.writeInt(Integer.MAX_VALUE); // columns
    }
    String s = "r1:" + Base64.getUrlEncoder().withoutPadding().encodeToString(bytes.toByteArray());
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> StateCodec.decodeResult(s));
    assertTrue(e.getMessage().startsWith("not an encoded result"), e.getMessage());
  }

  @Test
  void publicStaticMethods_rejectNull() {
    new NullPointerTester().testAllPublicStaticMethods(StateCodec.class);
  }

  private static QueryTemplate template(Condition c) {
    return QueryTemplate.of(
        "deep", new QuerySpec("a", List.of("o.d"), List.of(c), List.of(), List.of(count())));
  }

  /** Applies {@code f} to the binary form under the prefix and Base64 of {@code s}. */
  private static String binary(String s, Function<byte[], byte[]> f) {
    byte[] b = Base64.getUrlDecoder().decode(s.substring(3));
    return s.substring(0, 3) + Base64.getUrlEncoder().withoutPadding().encodeToString(f.apply(b));
  }
}
