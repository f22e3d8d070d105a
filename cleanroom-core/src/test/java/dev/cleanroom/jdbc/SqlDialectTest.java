package dev.cleanroom.jdbc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cleanroom.UserIdFormat;
import dev.cleanroom.pseudonymization.Pseudonymizer;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * SQL text of every dialect. Whether the hash expressions of H2, DuckDB and PostgreSQL compute
 * SHA-256 is checked on the real databases in {@link JdbcSourceContract} (Trino's in the Trino
 * integration module); Spark, Snowflake and BigQuery are checked here against their documented
 * functions.
 */
class SqlDialectTest {
  /**
   * Spark's FLOOR of a double is a BIGINT (saturating beyond 2^63): its floor keeps a double of
   * magnitude 2^52 or more, which is whole, and floors only smaller ones; the real Spark test
   * (engine-spark's SparkPushdownTest) checks sums of units beyond 2^63 there.
   */
  @Test
  void floorOfDouble_staysADouble() {
    assertEquals(
        "CASE WHEN ABS(g0) >= 4503599627370496.0 THEN g0 ELSE CAST(FLOOR(g0) AS DOUBLE) END",
        SqlDialect.SPARK.floorOfDouble("g0"));
    assertEquals(0x1p52, 4503599627370496.0);
    for (SqlDialect d : SqlDialect.values()) {
      if (d != SqlDialect.SPARK) {
        assertEquals("FLOOR(g0)", d.floorOfDouble("g0"), d::name);
      }
    }
  }

  /**
   * The people of each row come back as an array where the driver returns one the engine reads,
   * else (Spark's Hive driver) as one text of comma-separated hashes; a dialect with neither
   * streams such queries. The real Spark test (engine-spark's SparkPushdownTest) runs the text.
   */
  @Test
  void peopleOfARow_comeBackAsAnArrayOrAsOneText() {
    assertEquals(Optional.of("concat_ws(',', collect_list(h))"), SqlDialect.SPARK.hexListAgg("h"));
    assertEquals(Optional.empty(), SqlDialect.SPARK.arrayAgg("h"));
    for (SqlDialect d : SqlDialect.values()) {
      if (d != SqlDialect.SPARK) {
        assertEquals(Optional.empty(), d.hexListAgg("h"), d::name);
      }
    }
    for (SqlDialect d :
        List.of(SqlDialect.DUCKDB, SqlDialect.POSTGRESQL, SqlDialect.TRINO, SqlDialect.H2)) {
      assertTrue(d.arrayAgg("h").isPresent(), d::name);
    }
    for (SqlDialect d : List.of(SqlDialect.ANSI, SqlDialect.SNOWFLAKE, SqlDialect.BIGQUERY)) {
      assertEquals(Optional.empty(), d.arrayAgg("h"), d::name);
    }
  }

  @Test
  void quote_doublesTheQuoteCharacter() {
    for (SqlDialect d :
        new SqlDialect[] {
          SqlDialect.ANSI, SqlDialect.POSTGRESQL, SqlDialect.DUCKDB, SqlDialect.H2, SqlDialect.TRINO
        }) {
      assertEquals("\"orders\"", d.quote("orders"), d.name());
      assertEquals("\"a\"\"b\"\"\"", d.quote("a\"b\""), d.name());
      assertEquals("\"x`y'; --/*\"", d.quote("x`y'; --/*"), d.name());
    }
    assertEquals("`orders`", SqlDialect.SPARK.quote("orders"));
    assertEquals("`a``b```", SqlDialect.SPARK.quote("a`b`"));
    assertEquals("`x\"y'; --/*`", SqlDialect.SPARK.quote("x\"y'; --/*"));
  }

  @Test
  void quote_rejectsEmptyAndControlCharacters() {
    for (SqlDialect d : SqlDialect.values()) {
      assertThrows(IllegalArgumentException.class, () -> d.quote(""));
      assertThrows(IllegalArgumentException.class, () -> d.quote("a\nb"));
      assertThrows(IllegalArgumentException.class, () -> d.quote("a\u0000"));
      assertThrows(IllegalArgumentException.class, () -> d.quote("\u007f"));
      assertThrows(NullPointerException.class, () -> d.quote(null));
    }
  }

  @Test
  void castToText() {
    assertEquals("CAST(\"c\" AS VARCHAR)", SqlDialect.TRINO.castToText("\"c\""));
    assertEquals("CAST(`c` AS STRING)", SqlDialect.SPARK.castToText("`c`"));
    assertEquals("CAST(x AS VARCHAR)", SqlDialect.ANSI.castToText("x"));
    assertEquals("CAST(x AS VARCHAR)", SqlDialect.POSTGRESQL.castToText("x"));
  }

  /** Run against H2, DuckDB and PostgreSQL in JdbcSourceContract and PushdownRegressionTest. */
  @Test
  void nullCounts_oneCountPerColumn_noValue() {
    assertEquals(
        "SELECT COUNT(*) - COUNT(`a`) AS n0, COUNT(*) - COUNT(`b`) AS n1 FROM `t`",
        SqlDialect.SPARK.nullCounts("`t`", List.of("`a`", "`b`")));
    assertThrows(
        IllegalArgumentException.class, () -> SqlDialect.H2.nullCounts("\"t\"", List.of()));
  }

  /** Run against H2, DuckDB and PostgreSQL in PushdownRegressionTest, Trino and Spark SQL in CI. */
  @Test
  void nanAsNull_perDialect() {
    assertEquals(
        Optional.of("NULLIF(x, CAST('NaN' AS DOUBLE PRECISION))"),
        SqlDialect.POSTGRESQL.nanAsNull("x"));
    assertEquals(
        Optional.of("NULLIF(x, CAST('NaN' AS DOUBLE PRECISION))"), SqlDialect.H2.nanAsNull("x"));
    for (SqlDialect d : List.of(SqlDialect.DUCKDB, SqlDialect.SPARK, SqlDialect.SNOWFLAKE)) {
      assertEquals(Optional.of("NULLIF(x, CAST('NaN' AS DOUBLE))"), d.nanAsNull("x"), d.name());
    }
    assertEquals(Optional.of("IF(is_nan(x), NULL, x)"), SqlDialect.TRINO.nanAsNull("x"));
    assertEquals(Optional.of("IF(IS_NAN(x), NULL, x)"), SqlDialect.BIGQUERY.nanAsNull("x"));
    assertEquals(Optional.empty(), SqlDialect.ANSI.nanAsNull("x"));
  }

  @Test
  void sha256Hex_expressions() {
    assertEquals(
        Optional.of("lower(to_hex(sha256(to_utf8(\"c\"))))"), SqlDialect.TRINO.sha256Hex("\"c\""));
    assertEquals(Optional.of("sha2(`c`, 256)"), SqlDialect.SPARK.sha256Hex("`c`"));
    assertEquals(Optional.of("sha256(?)"), SqlDialect.DUCKDB.sha256Hex("?"));
    assertEquals(
        Optional.of("encode(sha256(convert_to(?, 'UTF8')), 'hex')"),
        SqlDialect.POSTGRESQL.sha256Hex("?"));
    assertEquals(Optional.empty(), SqlDialect.ANSI.sha256Hex("x"));
    // The expression is inserted as it is, also when it holds format characters.
    assertEquals(Optional.of("sha2(`100%s %d`, 256)"), SqlDialect.SPARK.sha256Hex("`100%s %d`"));
  }

  @Test
  void javaWhitespace_isExactlyCharacterIsWhitespace_overEveryCodePoint() {
    List<Integer> expected = new ArrayList<>();
    for (int cp = 0; cp <= Character.MAX_CODE_POINT; cp++) {
      if (Character.isWhitespace(cp)) {
        expected.add(cp);
      }
    }
    List<Integer> listed = new ArrayList<>();
    for (int[] range : SqlIds.JAVA_WHITESPACE) {
      for (int cp = range[0]; cp <= range[1]; cp++) {
        listed.add(cp);
      }
    }
    assertEquals(expected, listed);
    assertEquals(25, listed.size());
  }

  @Test
  void whitespaceClass_asWritten() {
    assertEquals(
        "[\\x{9}-\\x{d}\\x{1c}-\\x{20}\\x{1680}\\x{2000}-\\x{2006}\\x{2008}-\\x{200a}\\x{2028}"
            + "\\x{2029}\\x{205f}\\x{3000}]",
        SqlIds.whitespaceClass(SqlDialect.DUCKDB));
    assertEquals(
        "[\\u0009-\\u000d\\u001c-\\u0020\\u1680\\u2000-\\u2006\\u2008-\\u200a\\u2028\\u2029"
            + "\\u205f\\u3000]",
        SqlIds.whitespaceClass(SqlDialect.POSTGRESQL));
  }

  /**
   * The class as java.util.regex reads it (H2's and Spark's engine) matches exactly Java's
   * whitespace, over every code point.
   */
  @Test
  void whitespaceClass_inJavaRegex_matchesExactlyJavasWhitespace() {
    Pattern ws = Pattern.compile(SqlIds.whitespaceClass(SqlDialect.SPARK));
    for (int cp = 0; cp <= Character.MAX_CODE_POINT; cp++) {
      if (cp < Character.MIN_SURROGATE || cp > Character.MAX_SURROGATE) {
        assertEquals(
            Character.isWhitespace(cp),
            ws.matcher(Character.toString(cp)).matches(),
            Integer.toHexString(cp));
      }
    }
  }

  @Test
  void normalizedId_trino() {
    String ws = SqlIds.whitespaceClass(SqlDialect.TRINO);
    String strip =
        "regexp_replace(regexp_replace(\"c\", '\\A" + ws + "+', ''), '" + ws + "+\\z', '')";
    assertEquals(
        Optional.of("NULLIF(" + strip + ", '')"),
        SqlDialect.TRINO.normalizedId("\"c\"", UserIdFormat.RAW));
    assertEquals(
        Optional.of(
            "translate(regexp_extract("
                + strip
                + ", '\\A[^@]+@[^@]+\\z'), 'ABCDEFGHIJKLMNOPQRSTUVWXYZ',"
                + " 'abcdefghijklmnopqrstuvwxyz')"),
        SqlDialect.TRINO.normalizedId("\"c\"", UserIdFormat.EMAIL));
    assertEquals(
        Optional.of(
            "translate(regexp_extract("
                + strip
                + ", '\\A[0-9A-Fa-f]{64}\\z'), 'ABCDEF', 'abcdef')"),
        SqlDialect.TRINO.normalizedId("\"c\"", UserIdFormat.PSEUDONYMIZED));
  }

  @Test
  void normalizedId_spark_usesRawLiterals() {
    String ws = SqlIds.whitespaceClass(SqlDialect.SPARK);
    String strip =
        "regexp_replace(regexp_replace(`c`, r'\\A" + ws + "+', ''), r'" + ws + "+\\z', '')";
    assertEquals(
        Optional.of("NULLIF(" + strip + ", '')"),
        SqlDialect.SPARK.normalizedId("`c`", UserIdFormat.RAW));
    assertEquals(
        Optional.of(
            "translate(NULLIF(regexp_extract("
                + strip
                + ", r'\\A[^@]+@[^@]+\\z', 0), ''), 'ABCDEFGHIJKLMNOPQRSTUVWXYZ',"
                + " 'abcdefghijklmnopqrstuvwxyz')"),
        SqlDialect.SPARK.normalizedId("`c`", UserIdFormat.EMAIL));
    assertEquals(
        Optional.of(
            "translate(NULLIF(regexp_extract("
                + strip
                + ", r'\\A[0-9A-Fa-f]{64}\\z', 0), ''), 'ABCDEF', 'abcdef')"),
        SqlDialect.SPARK.normalizedId("`c`", UserIdFormat.PSEUDONYMIZED));
  }

  /**
   * Spark's and BigQuery's expressions, evaluated with java.util.regex as these databases evaluate
   * regexp_replace (replace all), regexp_extract (first match, else '' in Spark and NULL in
   * BigQuery) and translate, equal Java's normalization: the patterns (Java syntax in Spark, RE2 in
   * BigQuery, which reads {@code \\A}, {@code \\z} and {@code \\x{...}} as Java does) mean there
   * what they mean in H2, where the tests run them. Snowflake's POSIX patterns are read with their
   * anchors as POSIX defines them ({@code ^} the start, {@code $} the true end) and its string
   * constants' {@code \\u} escapes, which Java's patterns read alike.
   */
  @ParameterizedTest
  @EnumSource(
      value = SqlDialect.class,
      names = {"SPARK", "BIGQUERY", "SNOWFLAKE"})
  void normalizedId_patternsUnderJavaRegex_areJavasNormalization(SqlDialect dialect) {
    // Latin-1, Java's whitespace, the look-alikes and every 11th other character of the Basic
    // Multilingual Plane: the whitespace class itself is checked over every code point above.
    Set<Integer> lookalikes = Set.of(0x180E, 0x2007, 0x200B, 0x202F, 0xFEFF);
    List<String> ids = new ArrayList<>();
    for (int cp = 1; cp <= 0xFFFF; cp++) {
      boolean surrogate = cp >= Character.MIN_SURROGATE && cp <= Character.MAX_SURROGATE;
      if (!surrogate
          && (cp < 0x100
              || cp % 11 == 0
              || Character.isWhitespace(cp)
              || lookalikes.contains(cp))) {
        String c = Character.toString(cp);
        ids.add(c + "a" + c);
        ids.add(c + "A" + c + "@B" + c);
        ids.add(c + "0123456789abcdef0123456789ABCDEF0123456789abcdef0123456789ABCDEF" + c);
      }
    }
    ids.addAll(List.of("a \u0085", "", " ", "\uD83D\uDE00@X", "\u212A@X"));
    Pattern literal =
        Pattern.compile(dialect == SqlDialect.SNOWFLAKE ? "'([\\^\\[][^']*)'" : "r'([^']*)'");
    for (UserIdFormat format :
        List.of(UserIdFormat.RAW, UserIdFormat.EMAIL, UserIdFormat.PSEUDONYMIZED)) {
      List<String> patterns = new ArrayList<>();
      Matcher m = literal.matcher(dialect.normalizedId("`c`", format).orElseThrow());
      while (m.find()) {
        String p = m.group(1);
        if (dialect == SqlDialect.SNOWFLAKE) {
          p = p.replace("^", "\\A").replace("$", "\\z").replace("[\\A", "[^");
        }
        patterns.add(p);
      }
      Pattern leading = Pattern.compile(patterns.get(0));
      Pattern trailing = Pattern.compile(patterns.get(1));
      Pattern check = format == UserIdFormat.RAW ? null : Pattern.compile(patterns.get(2));
      for (String id : ids) {
        String s = trailing.matcher(leading.matcher(id).replaceAll("")).replaceAll("");
        String db;
        if (check == null) {
          db = s.isEmpty() ? null : s;
        } else {
          Matcher whole = check.matcher(s);
          String extracted = whole.find() ? whole.group(0) : "";
          db = extracted.isEmpty() ? null : translateUpperToLower(extracted);
        }
        assertEquals(javaNormalized(id, format), db, dialect + " " + format + " " + id);
      }
    }
  }

  @Test
  void snowflake_andBigQuery_sqlText() {
    assertEquals("\"a\"\"b\"", SqlDialect.SNOWFLAKE.quote("a\"b"));
    assertEquals("`orders`", SqlDialect.BIGQUERY.quote("orders"));
    assertEquals("`my-project`", SqlDialect.BIGQUERY.quote("my-project"));
    // BigQuery reads backslash escapes in quoted identifiers: a backtick or backslash is escaped.
    assertEquals("`a\\`b\\\\c`", SqlDialect.BIGQUERY.quote("a`b\\c"));
    assertEquals("CAST(x AS VARCHAR)", SqlDialect.SNOWFLAKE.castToText("x"));
    assertEquals("CAST(x AS STRING)", SqlDialect.BIGQUERY.castToText("x"));
    assertEquals("CAST(x AS DOUBLE)", SqlDialect.SNOWFLAKE.castToDouble("x"));
    assertEquals("CAST(x AS FLOAT64)", SqlDialect.BIGQUERY.castToDouble("x"));
    assertEquals(Optional.of("LOWER(SHA2(\"c\", 256))"), SqlDialect.SNOWFLAKE.sha256Hex("\"c\""));
    assertEquals(Optional.of("TO_HEX(SHA256(`c`))"), SqlDialect.BIGQUERY.sha256Hex("`c`"));
    assertEquals(SqlDialect.SNOWFLAKE, SqlDialect.fromProductName("Snowflake"));
    assertEquals(SqlDialect.BIGQUERY, SqlDialect.fromProductName("Google BigQuery"));
    assertEquals(SqlDialect.BIGQUERY, SqlDialect.fromProductName("BigQuery"));
  }

  @Test
  void normalizedId_bigQuery_usesRawLiteralsAndRe2() {
    String ws = SqlIds.whitespaceClass(SqlDialect.BIGQUERY);
    assertEquals("[\\x{9}-\\x{d}\\x{1c}-\\x{20}", ws.substring(0, ws.indexOf("\\x{1680}")));
    String strip =
        "regexp_replace(regexp_replace(`c`, r'\\A" + ws + "+', ''), r'" + ws + "+\\z', '')";
    assertEquals(
        Optional.of("NULLIF(" + strip + ", '')"),
        SqlDialect.BIGQUERY.normalizedId("`c`", UserIdFormat.RAW));
    assertEquals(
        Optional.of(
            "translate(regexp_extract("
                + strip
                + ", r'\\A[0-9A-Fa-f]{64}\\z'), 'ABCDEF', 'abcdef')"),
        SqlDialect.BIGQUERY.normalizedId("`c`", UserIdFormat.PSEUDONYMIZED));
  }

  @Test
  void normalizedId_snowflake_usesPosixPatternsAndStringEscapes() {
    String ws = SqlIds.whitespaceClass(SqlDialect.SNOWFLAKE);
    // The string constant's escapes (POSIX patterns have none for a code point).
    assertEquals("[\\u0009-\\u000d\\u001c-\\u0020", ws.substring(0, ws.indexOf("\\u1680")));
    assertFalse(ws.replaceAll("\\\\u[0-9a-f]{4}", "").contains("\\"), ws);
    String strip = "regexp_replace(regexp_replace(\"c\", '^" + ws + "+', ''), '" + ws + "+$', '')";
    assertEquals(
        Optional.of("NULLIF(" + strip + ", '')"),
        SqlDialect.SNOWFLAKE.normalizedId("\"c\"", UserIdFormat.RAW));
    assertEquals(
        Optional.of(
            "translate(regexp_substr("
                + strip
                + ", '^[^@]+@[^@]+$'), 'ABCDEFGHIJKLMNOPQRSTUVWXYZ',"
                + " 'abcdefghijklmnopqrstuvwxyz')"),
        SqlDialect.SNOWFLAKE.normalizedId("\"c\"", UserIdFormat.EMAIL));
  }

  private static String javaNormalized(String id, UserIdFormat format) {
    try {
      return Pseudonymizer.normalize(id, format);
    } catch (IllegalArgumentException e) {
      return null;
    }
  }

  /** Spark's translate with A-Z to a-z, which the expressions use for both formats. */
  private static String translateUpperToLower(String s) {
    StringBuilder b = new StringBuilder();
    s.chars().forEach(c -> b.append((char) (c >= 'A' && c <= 'Z' ? c + 32 : c)));
    return b.toString();
  }

  @Test
  void normalizedId_holdsTheInputOnce() {
    for (SqlDialect d : SqlDialect.values()) {
      for (UserIdFormat f : UserIdFormat.values()) {
        d.normalizedId("input_marker", f)
            .ifPresent(
                sql ->
                    assertEquals(
                        1, sql.split("input_marker", -1).length - 1, d + " " + f + ": " + sql));
      }
    }
  }

  @Test
  void normalizedId_emptyForPhone_andForAnsi() {
    for (SqlDialect d : SqlDialect.values()) {
      assertEquals(Optional.empty(), d.normalizedId("c", UserIdFormat.PHONE), d.name());
      assertEquals(d != SqlDialect.ANSI, d.normalizedId("c", UserIdFormat.RAW).isPresent());
    }
  }

  @Test
  void normalizedId_rejectsNullAndBlank() {
    assertThrows(
        NullPointerException.class, () -> SqlDialect.H2.normalizedId(null, UserIdFormat.RAW));
    assertThrows(NullPointerException.class, () -> SqlDialect.H2.normalizedId("c", null));
    assertThrows(
        IllegalArgumentException.class, () -> SqlDialect.H2.normalizedId(" ", UserIdFormat.RAW));
  }

  @Test
  void bindsValuesSafely_allButSpark() {
    for (SqlDialect d : SqlDialect.values()) {
      assertEquals(d != SqlDialect.SPARK, d.bindsValuesSafely(), d.name());
    }
  }

  @Test
  void fromProductName() {
    assertEquals(SqlDialect.POSTGRESQL, SqlDialect.fromProductName("PostgreSQL"));
    assertEquals(SqlDialect.DUCKDB, SqlDialect.fromProductName("DuckDB"));
    assertEquals(SqlDialect.H2, SqlDialect.fromProductName("H2"));
    assertEquals(SqlDialect.TRINO, SqlDialect.fromProductName("Trino"));
    assertEquals(SqlDialect.TRINO, SqlDialect.fromProductName("Presto"));
    assertEquals(SqlDialect.SPARK, SqlDialect.fromProductName("Spark SQL"));
    assertEquals(SqlDialect.SPARK, SqlDialect.fromProductName("Databricks SQL"));
    assertEquals(SqlDialect.ANSI, SqlDialect.fromProductName("Oracle"));
    assertEquals(SqlDialect.ANSI, SqlDialect.fromProductName("H2O"));
    assertThrows(NullPointerException.class, () -> SqlDialect.fromProductName(null));
  }
}
