package dev.cleanroom.internal.sql;

import static dev.cleanroom.query.Dsl.avg;
import static dev.cleanroom.query.Dsl.col;
import static dev.cleanroom.query.Dsl.count;
import static dev.cleanroom.query.Dsl.countDistinctUsers;
import static dev.cleanroom.query.Dsl.param;
import static dev.cleanroom.query.Dsl.sum;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cleanroom.InvalidQueryException;
import dev.cleanroom.PrivacyBudget;
import dev.cleanroom.query.Aggregate;
import dev.cleanroom.query.CohortSpec;
import dev.cleanroom.query.Condition;
import dev.cleanroom.query.Dsl;
import dev.cleanroom.query.NoiseKind;
import dev.cleanroom.query.Privacy;
import dev.cleanroom.query.QuerySpec;
import java.math.BigDecimal;
import java.util.List;
import java.util.Optional;
import net.sf.jsqlparser.parser.CCJSqlParserConstants;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Each construct of the SQL subset, and the errors for what lies outside it. */
class SqlCompilerTest {
  private static final String A = "advertiser";
  private static final List<String> IMP = List.of("publisher.impressions");

  private static QuerySpec compile(String sql) {
    return SqlCompiler.compileQuery(A, sql);
  }

  private static QuerySpec spec(List<Condition> where, List<String> groupBy, Aggregate... aggs) {
    return new QuerySpec(A, IMP, where, groupBy, List.of(aggs));
  }

  @Test
  void issueExample_compilesToTheBuilderSpec() {
    QuerySpec sql =
        compile(
            """
            SELECT campaign_id, COUNT(DISTINCT USER_ID) AS converters,
                   SUM(purchase_value) AS revenue
            FROM publisher.impressions
            JOIN advertiser.conversions USING (USER_ID)
            WHERE country = 'DE' AND hour BETWEEN 8 AND 20
            GROUP BY campaign_id""");
    QuerySpec builder =
        new QuerySpec(
            A,
            List.of("publisher.impressions", "advertiser.conversions"),
            List.of(col("country").eq("DE"), col("hour").between(8, 20)),
            List.of("campaign_id"),
            List.of(countDistinctUsers().as("converters"), sum("purchase_value").as("revenue")));
    assertEquals(builder, sql);
  }

  @Test
  void dateAndTimestampLiterals_compileToLocalDateAndInstant_andWriteBack() {
    QuerySpec sql =
        compile(
            "SELECT COUNT(DISTINCT USER_ID) FROM publisher.impressions WHERE day >= DATE"
                + " '2026-01-31' AND ts < TIMESTAMP '2026-02-01 12:00:00.5' AND day IN (DATE"
                + " '0001-01-01', DATE '9999-12-31')");
    QuerySpec builder =
        spec(
            List.of(
                col("day").ge(java.time.LocalDate.of(2026, 1, 31)),
                col("ts").lt(java.time.Instant.parse("2026-02-01T12:00:00.500Z")),
                new Condition.In(
                    "day",
                    List.of(
                        java.time.LocalDate.of(1, 1, 1), java.time.LocalDate.of(9999, 12, 31)))),
            List.of(),
            countDistinctUsers());
    assertEquals(builder, sql);
    assertEquals(builder, compile(builder.toSql()), builder.toSql());
  }

  @Test
  void badDateAndTimestampLiterals_areRefusedWithoutTheirText() {
    for (String bad :
        List.of(
            "DATE '2026-02-30'",
            "DATE '10000-01-01'",
            "DATE 'x1y'",
            "TIMESTAMP '2026-02-01 12:00:00.0000001'",
            "TIMESTAMP '2026-13-01 00:00:00'")) {
      InvalidQueryException e =
          assertThrows(
              InvalidQueryException.class,
              () -> compile("SELECT COUNT(*) FROM publisher.impressions WHERE day = " + bad));
      String inner = bad.substring(bad.indexOf('\'') + 1, bad.length() - 1);
      assertFalse(e.getMessage().contains(inner), e.getMessage());
    }
  }

  @Test
  void aBucket_isWrittenAndReadAsAFunction() {
    QuerySpec s =
        spec(
            List.of(col("month(i.day)").ge(java.time.LocalDate.of(2026, 1, 1))),
            List.of("week(impressions.day)"),
            countDistinctUsers());
    assertEquals(
        "SELECT week(impressions.day), COUNT(DISTINCT USER_ID)\nFROM publisher.impressions\n"
            + "WHERE month(i.day) >= DATE '2026-01-01'\nGROUP BY week(impressions.day)",
        s.toSql());
    assertEquals(s, compile(s.toSql()), s.toSql());
    // The quoted name of earlier releases still reads as the bucket.
    assertEquals(
        s,
        compile(
            "SELECT \"week(impressions.day)\", COUNT(DISTINCT USER_ID) FROM"
                + " publisher.impressions WHERE MONTH(i.day) >= DATE '2026-01-01'"
                + " GROUP BY \"week(impressions.day)\""));
  }

  @Test
  void comparisonsOfTwoColumns_withIntervals_compileToColumnOffsets() {
    QuerySpec expected =
        spec(
            List.of(
                col("c.day").within(col("i.day"), java.time.Duration.ofDays(7)),
                col("c.ts").gt(col("i.ts").minus(java.time.Duration.ofHours(36))),
                col("c.ts").ge(col("i.ts").plus(java.time.Duration.ofNanos(1000))),
                col("c.flag").eq(true)),
            List.of("week(c.day)"),
            countDistinctUsers());
    QuerySpec got =
        compile(
            "SELECT week(c.day), COUNT(DISTINCT USER_ID) FROM publisher.impressions"
                + " WHERE c.day BETWEEN i.day AND i.day + INTERVAL '7' DAY"
                + " AND i.ts - INTERVAL '36' HOUR < c.ts"
                + " AND c.ts >= i.ts + INTERVAL 1 MICROSECOND AND c.flag = TRUE"
                + " GROUP BY week(c.day)");
    assertEquals(expected, got);
    assertEquals(expected, compile(expected.toSql()), expected.toSql());
    assertTrue(
        expected.toSql().contains("c.ts > i.ts - INTERVAL '129600000000' MICROSECOND"),
        expected.toSql());
  }

  /** The README's example of time in SQL text ("Time, dates and booleans"). */
  @Test
  void readmeTimeExample_compilesToTheBuilderSpec() {
    QuerySpec got =
        SqlCompiler.compileQuery(
            A,
            """
            SELECT week(conversions.day), COUNT(DISTINCT USER_ID) AS converters
            FROM publisher.impressions JOIN advertiser.conversions USING (USER_ID)
            WHERE conversions.day BETWEEN impressions.day AND impressions.day + INTERVAL '7' DAY
              AND conversions.ts > impressions.ts - INTERVAL '36' HOUR AND conversions.first_order = TRUE
            GROUP BY week(conversions.day)
            """);
    QuerySpec expected =
        new QuerySpec(
            A,
            List.of("publisher.impressions", "advertiser.conversions"),
            List.of(
                col("conversions.day").within(col("impressions.day"), java.time.Duration.ofDays(7)),
                col("conversions.ts")
                    .gt(col("impressions.ts").minus(java.time.Duration.ofHours(36))),
                col("conversions.first_order").eq(true)),
            List.of("week(conversions.day)"),
            List.of(countDistinctUsers().as("converters")));
    assertEquals(expected, got);
  }

  @Test
  void aggregates_defaultAliasesAsTheBuilder() {
    assertEquals(
        spec(List.of(), List.of(), count(), countDistinctUsers(), sum("spend"), avg("i.spend")),
        compile(
            "select count(*), Count(Distinct user_id), SUM(spend), avg(i.spend)"
                + " from publisher.impressions"));
  }

  @Test
  void varPopAndStddevPop_areVarianceAndStddev() {
    assertEquals(
        spec(List.of(), List.of(), Dsl.variance("spend"), Dsl.stddev("i.spend").as("sd")),
        compile("select VAR_POP(spend), stddev_pop(i.spend) AS sd from publisher.impressions"));
  }

  @Test
  void percentileDisc_isAQuantile() {
    assertEquals(
        spec(
            List.of(),
            List.of(),
            Dsl.quantile("spend", 0.5),
            Dsl.quantile("i.spend", 0.25).as("q1"),
            Dsl.quantile("spend", 1e-3)),
        compile(
            "select PERCENTILE_DISC(0.5) WITHIN GROUP (ORDER BY spend), percentile_disc(0.25)"
                + " within group (order by i.spend ASC) AS q1, PERCENTILE_DISC(1.0E-3) WITHIN"
                + " GROUP (ORDER BY spend) from publisher.impressions"));
  }

  @Test
  void percentileDisc_otherShapes_areRefused() {
    for (String select :
        List.of(
            "PERCENTILE_DISC(0.5) WITHIN GROUP (ORDER BY spend DESC)",
            "PERCENTILE_DISC(1.5) WITHIN GROUP (ORDER BY spend)",
            "PERCENTILE_DISC(1) WITHIN GROUP (ORDER BY spend)",
            "PERCENTILE_DISC(0.5) WITHIN GROUP (ORDER BY spend, other)",
            "PERCENTILE_CONT(0.5) WITHIN GROUP (ORDER BY spend)")) {
      assertThrows(
          InvalidQueryException.class,
          () -> compile("select " + select + " from publisher.impressions"),
          select);
    }
  }

  @Test
  void comparisons_everyOperator_andFlippedOperands() {
    assertEquals(
        spec(
            List.of(
                col("a").eq("x"),
                col("b").ne(1),
                col("c").ne(-2),
                col("d").lt(1.5),
                col("e").le(-0.25),
                col("f").gt(3),
                col("g").ge(4),
                col("h").lt(5),
                col("i").ge(6)),
            List.of(),
            count()),
        compile(
            "SELECT COUNT(*) FROM publisher.impressions WHERE a = 'x' AND b <> 1 AND c != -2"
                + " AND d < 1.5 AND e <= -0.25 AND f > 3 AND g >= 4 AND 5 > h AND 6 <= i"));
  }

  @Test
  void in_notIn_between_notBetween() {
    assertEquals(
        spec(
            List.of(
                col("a").in("x", "y"),
                col("b").in(1, 2).not(),
                col("c").between("a", "m"),
                col("d").between(1.5, 2.5).not()),
            List.of(),
            count()),
        compile(
            "SELECT COUNT(*) FROM publisher.impressions WHERE a IN ('x', 'y') AND b NOT IN (1, 2)"
                + " AND c BETWEEN 'a' AND 'm' AND d NOT BETWEEN 1.5 AND 2.5"));
  }

  @Test
  void andOrNot_parenthesesKeepTheNesting() {
    Condition a = col("a").eq(1);
    Condition b = col("b").eq(2);
    Condition c = col("c").eq(3);
    assertEquals(
        spec(
            List.of(new Condition.Or(List.of(a, new Condition.And(List.of(b, c))))),
            List.of(),
            count()),
        compile("SELECT COUNT(*) FROM publisher.impressions WHERE a = 1 OR b = 2 AND c = 3"));
    assertEquals(
        spec(List.of(new Condition.And(List.of(a, b)), c), List.of(), count()),
        compile("SELECT COUNT(*) FROM publisher.impressions WHERE (a = 1 AND b = 2) AND c = 3"));
    assertEquals(
        spec(List.of(a.or(b).not(), c), List.of(), count()),
        compile(
            "SELECT COUNT(*) FROM publisher.impressions WHERE NOT (a = 1 OR b = 2) AND (c = 3)"));
  }

  @Test
  void notWithoutParenthesesBeforeAnd_isRefused() {
    InvalidQueryException e =
        assertThrows(
            InvalidQueryException.class,
            () ->
                compile("SELECT COUNT(*) FROM publisher.impressions WHERE NOT a IN (1) AND b = 2"));
    assertTrue(e.getMessage().contains("NOT (...)"), e.getMessage());
    assertTrue(e.getMessage().contains("line 1, column 50"), e.getMessage());
  }

  @Test
  void quotedNames_qualifiedNames_andStringsWithQuotes() {
    assertEquals(
        new QuerySpec(
            A,
            List.of("select.from"),
            List.of(col("from.order.x\"y").eq("it's"), col("c").eq("back\\slash")),
            List.of("impressions.group"),
            List.of(count().as("order"))),
        compile(
            "SELECT impressions.\"group\", COUNT(*) AS \"order\" FROM \"select\".\"from\""
                + " WHERE \"from\".\"order\".\"x\"\"y\" = 'it''s' AND c = 'back\\slash'"
                + " GROUP BY impressions.\"group\""));
  }

  @Test
  void parameters_becomePlaceholders() {
    assertEquals(
        spec(
            List.of(
                col("campaign").eq(param("campaign")),
                new Condition.In("day", List.of(param("d1"), 3L))),
            List.of(),
            count()),
        compile(
            "SELECT COUNT(*) FROM publisher.impressions"
                + " WHERE campaign = :campaign AND day IN (:d1, 3)"));
  }

  @Test
  void differentialPrivacy_andPublicGroups_inWith() {
    QuerySpec sql =
        compile(
            """
            WITH differential_privacy AS (SELECT 0.50 AS epsilon, 1E-6 AS delta,
                                                 'gaussian' AS noise),
                 public_groups (campaign, day) AS (VALUES ('c1', 1), ('c2', -2))
            SELECT campaign, day, COUNT(*) FROM publisher.impressions GROUP BY campaign, day""");
    Privacy dp =
        new Privacy.Differential(
            new PrivacyBudget.ApproxDp(new BigDecimal("0.50"), new BigDecimal("1E-6")),
            NoiseKind.GAUSSIAN,
            Optional.of(List.of(List.of("c1", 1L), List.of("c2", -2L))));
    assertEquals(spec(List.of(), List.of("campaign", "day"), count()).withPrivacy(dp), sql);
    assertEquals(sql, compile(sql.toSql()));
  }

  @Test
  void pureEpsilon_isPureDp_andSingleColumnValuesNeedNoParentheses() {
    QuerySpec sql =
        compile(
            "WITH differential_privacy AS (SELECT 1 AS epsilon),"
                + " public_groups AS (VALUES 'c1', 'c2')"
                + " SELECT campaign, COUNT(*) FROM publisher.impressions GROUP BY campaign");
    assertEquals(
        new Privacy.Differential(
            new PrivacyBudget.PureDp(BigDecimal.ONE),
            NoiseKind.LAPLACE,
            Optional.of(List.of(List.of("c1"), List.of("c2")))),
        sql.privacy());
  }

  @Test
  void cohort_compilesDatasetsAndConditions() {
    CohortSpec c =
        SqlCompiler.compileCohort(
            A,
            "SELECT USER_ID FROM publisher.impressions JOIN advertiser.conversions USING"
                + " (user_id) WHERE campaign = 'c7'");
    assertEquals(
        new CohortSpec(
            A,
            List.of("publisher.impressions", "advertiser.conversions"),
            List.of(col("campaign").eq("c7")),
            A),
        c);
    assertThrows(
        InvalidQueryException.class,
        () -> SqlCompiler.compileCohort(A, "SELECT COUNT(*) FROM publisher.impressions"));
    assertThrows(
        InvalidQueryException.class, () -> compile("SELECT USER_ID FROM publisher.impressions"));
  }

  @Test
  void toSql_placeholderWithoutSqlForm_isRefused() {
    QuerySpec s = spec(List.of(col("a").eq(param("where"))), List.of(), count());
    assertThrows(IllegalArgumentException.class, s::toSql);
  }

  /** Unsupported constructs: the message names the construct and where it starts. */
  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "SELECT COUNT(*) FROM publisher.impressions ORDER BY 1|ORDER BY|1, column 44",
        "SELECT COUNT(*) FROM publisher.impressions LIMIT 5|LIMIT|1, column 44",
        "SELECT c, COUNT(*) FROM publisher.impressions GROUP BY c HAVING COUNT(*) > 9|HAVING|1,"
            + " column 58",
        "SELECT * FROM publisher.impressions|SELECT *|1, column 8",
        "SELECT DISTINCT c FROM publisher.impressions|SELECT DISTINCT|1, column 8",
        "SELECT COUNT(*) FROM publisher.impressions UNION SELECT COUNT(*) FROM a.b|UNION|1, column"
            + " 1",
        "SELECT MAX(spend) FROM publisher.impressions|function MAX|1, column 8",
        "SELECT COUNT(*) OVER () FROM publisher.impressions|window function|1, column 8",
        "SELECT spend + 1 FROM publisher.impressions|arithmetic|1, column 8",
        "SELECT COUNT(*) FROM (SELECT 1) |subquery in FROM|1, column 22",
        "SELECT COUNT(*) FROM publisher.impressions i|dataset alias|1, column 22",
        "SELECT COUNT(*) FROM publisher.impressions LEFT JOIN a.b USING (USER_ID)|outer join|1,"
            + " column 54",
        "SELECT COUNT(*) FROM publisher.impressions JOIN a.b ON x = y|JOIN ... ON|1, column 56",
        "SELECT COUNT(*) FROM publisher.impressions JOIN a.b USING (email)|on the user id|1,"
            + " column 49",
        "SELECT COUNT(*) FROM publisher.impressions, a.b|comma join|1, column 45",
        "SELECT COUNT(*) FROM publisher.impressions WHERE a IN (SELECT 1)|subquery|1, column 55",
        "SELECT COUNT(*) FROM publisher.impressions WHERE a LIKE 'x%'|LIKE|1, column 50",
        "SELECT COUNT(*) FROM publisher.impressions WHERE a IS NULL|IS NULL|1, column 50",
        "SELECT COUNT(*) FROM publisher.impressions WHERE a = b * 2|arithmetic|1, column 54",
        "SELECT AVG(spend)'x1' FROM publisher.impressions|an alias starts with a letter|1,"
            + " column 8",
        "SELECT COUNT(*) FROM publisher.impressions WHERE a = b + 7|added to a column|1, column"
            + " 58",
        "SELECT COUNT(*) FROM publisher.impressions WHERE a = b + INTERVAL '1' YEAR|another"
            + " unit|1, column 58",
        "SELECT COUNT(*) FROM publisher.impressions WHERE a IN (b)|a column|1, column 56",
        "SELECT COUNT(*) FROM publisher.impressions WHERE a = ?|positional parameter|1, column 54",
        "SELECT COUNT(*) FROM publisher.impressions WHERE a = NULL|NULL|1, column 54",
        "SELECT COUNT(x) FROM publisher.impressions|this COUNT|1, column 8",
        "SELECT c, COUNT(*) FROM publisher.impressions|not the next GROUP BY column|1, column 8",
        "SELECT COUNT(*) FROM publisher.impressions GROUP BY c|not in the SELECT list|1, column"
            + " 44",
        "WITH t AS (SELECT 1) SELECT COUNT(*) FROM publisher.impressions|WITH item|1, column 6",
        "INSERT INTO a.b VALUES (1)|statement other than SELECT|1, column 1",
        "SELECT COUNT(*) FROM publisher.impressions; SELECT 1|second statement|1, column 45",
        "SELECT COUNT(*) FROM impressions|owner is missing|1, column 22",
        "SELECT COUNT(*) FROM publisher.impressions WHERE|SQL syntax error|1, column 44",
        "SELECT COUNT(*) FROM publisher.impressions WHERE a = 99999999999999999999|64-bit|1,"
            + " column 54",
      })
  void unsupported_namesTheConstructAndPosition(String sql, String construct, String where) {
    InvalidQueryException e = assertThrows(InvalidQueryException.class, () -> compile(sql));
    assertTrue(e.getMessage().contains(construct), e.getMessage());
    assertTrue(e.getMessage().contains("line " + where), e.getMessage());
  }

  @Test
  void positions_countLinesAndColumns() {
    InvalidQueryException e =
        assertThrows(
            InvalidQueryException.class,
            () -> compile("SELECT COUNT(*) FROM publisher.impressions\nWHERE\n  lower(a) = 'x'"));
    assertTrue(e.getMessage().contains("function lower"), e.getMessage());
    assertTrue(e.getMessage().contains("line 3, column 3"), e.getMessage());
  }

  @Test
  void errors_neverQuoteLiterals() {
    for (String sql :
        List.of(
            "SELECT COUNT(*) FROM publisher.impressions WHERE a = 'SECRETVALUE' 'SECRETVALUE'",
            "SELECT COUNT(*) FROM publisher.impressions WHERE a LIKE 'SECRETVALUE'",
            "SELECT COUNT(*) FROM publisher.impressions WHERE a = 'SECRETVALUE",
            "SELECT COUNT(*) FROM publisher.impressions WHERE 'SECRETVALUE' = 'SECRETVALUE'",
            "SELECT COUNT(*) FROM publisher.impressions WHERE a = N'SECRETVALUE'",
            "SELECT COUNT(*) FROM publisher.impressions WHERE a = 'SECRETVALUE' || 'x'")) {
      InvalidQueryException e = assertThrows(InvalidQueryException.class, () -> compile(sql));
      assertFalse(e.getMessage().contains("SECRETVALUE"), e.getMessage());
      assertTrue(e.getMessage().contains("line 1, column "), e.getMessage());
    }
  }

  @Test
  void deepNesting_isRefusedBeforeParsing() {
    String sql =
        "SELECT COUNT(*) FROM publisher.impressions WHERE "
            + "(".repeat(5000)
            + "a = 1"
            + ")".repeat(5000);
    InvalidQueryException e = assertThrows(InvalidQueryException.class, () -> compile(sql));
    assertTrue(e.getMessage().contains("nested deeper"), e.getMessage());
  }

  /**
   * Nesting that no parenthesis shows (conditions chained by AND after an IN, nested CASEs)
   * exhausts the recursive parser's stack: a refusal, never an {@link Error} out of the room.
   */
  @Test
  void nestingThatExhaustsTheParsersStack_isRefused_notThrownAsAnError() {
    StringBuilder in = new StringBuilder("SELECT COUNT(*) FROM publisher.impressions WHERE ");
    in.append("a IN (1) AND ".repeat(20_000)).append("b = 1");
    String cases =
        "SELECT COUNT(*) FROM publisher.impressions WHERE a = "
            + "CASE WHEN b = 1 THEN ".repeat(5_000)
            + "1"
            + " ELSE 0 END".repeat(5_000);
    for (String sql : List.of(in.toString(), cases)) {
      InvalidQueryException e = assertThrows(InvalidQueryException.class, () -> compile(sql));
      assertTrue(e.getMessage().contains("nested too deeply"), e.getMessage());
      assertThrows(InvalidQueryException.class, () -> SqlCompiler.compileCohort("publisher", sql));
    }
  }

  /** What the compiler does not take is refused, never read as if it were not there. */
  @Test
  void aDatabaseLink_orOptionsOfATimeBucket_areRefused_notDropped() {
    for (String sql :
        List.of(
            "SELECT COUNT(*) FROM publisher.impressions@otherdb",
            "SELECT COUNT(*) FROM publisher.impressions WHERE week(day).anything = DATE '2024-01-01'",
            "SELECT week(day ORDER BY country LIMIT 1), COUNT(*) FROM publisher.impressions"
                + " GROUP BY week(day ORDER BY country LIMIT 1)",
            "SELECT {fn week(day)}, COUNT(*) FROM publisher.impressions GROUP BY {fn week(day)}",
            "SELECT x.week(day), COUNT(*) FROM publisher.impressions GROUP BY x.week(day)")) {
      assertThrows(InvalidQueryException.class, () -> compile(sql), sql);
    }
    // One row of two values for a one-column public_groups is not two groups.
    InvalidQueryException row =
        assertThrows(
            InvalidQueryException.class,
            () ->
                compile(
                    "WITH differential_privacy AS (SELECT 1 AS epsilon),"
                        + " public_groups (campaign) AS (VALUES ('c1', 'c2'))"
                        + " SELECT campaign, COUNT(*) FROM publisher.impressions GROUP BY"
                        + " campaign"));
    assertTrue(row.getMessage().contains("one column"), row.getMessage());
    assertEquals(
        Optional.of(List.of(List.of("c1"), List.of("c2"))),
        ((Privacy.Differential)
                compile(
                        "WITH differential_privacy AS (SELECT 1 AS epsilon),"
                            + " public_groups (campaign) AS (VALUES ('c1'), ('c2'))"
                            + " SELECT campaign, COUNT(*) FROM publisher.impressions GROUP BY"
                            + " campaign")
                    .privacy())
            .publicGroups());
    // The plain bucket still compiles.
    assertEquals(
        List.of("week(day)"),
        compile("SELECT week(day), COUNT(*) FROM publisher.impressions GROUP BY week(day)")
            .groupBy());
  }

  /** An interval's literal stays out of its refusal, as every literal of the text does. */
  @Test
  void aRefusedInterval_isNotQuoted() {
    InvalidQueryException e =
        assertThrows(
            InvalidQueryException.class,
            () ->
                compile(
                    "SELECT COUNT(*) FROM publisher.impressions WHERE day <= day + INTERVAL"
                        + " '99999999' DAY"));
    assertFalse(e.getMessage().contains("99999999"), e.getMessage());
    assertFalse(e.getMessage().contains("PT"), e.getMessage());
  }

  @Test
  void longAndChain_compiles() {
    StringBuilder sb = new StringBuilder("SELECT COUNT(*) FROM publisher.impressions WHERE a = 0");
    for (int i = 1; i < 3000; i++) {
      sb.append(" AND a = ").append(i);
    }
    assertEquals(3000, compile(sb.toString()).where().size());
  }

  @Test
  void quotedKeywordList_coversTheParsersKeywords() {
    // Every keyword of the parser either reads back as a plain name or is quoted by toSql().
    List<String> failing = new java.util.ArrayList<>();
    for (String image : CCJSqlParserConstants.tokenImage) {
      String w = image.replace("\"", "");
      if (!w.matches("[A-Za-z_][A-Za-z0-9_]*")) {
        continue;
      }
      QuerySpec s =
          new QuerySpec(
              A,
              List.of(w + "." + w),
              List.of(col(w + "." + w).eq(1), col(w).in("x")),
              List.of(w),
              List.of(sum(w + "." + w).as(w.equals("x") ? "y" : "x" + w), count().as("n_" + w)));
      try {
        if (!s.equals(compile(s.toSql()))) {
          failing.add(w);
        }
      } catch (InvalidQueryException e) {
        failing.add(w);
      }
    }
    assertEquals(List.of(), failing);
  }
}
