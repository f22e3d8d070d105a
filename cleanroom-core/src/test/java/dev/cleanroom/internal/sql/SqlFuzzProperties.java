package dev.cleanroom.internal.sql;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cleanroom.InvalidQueryException;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/**
 * Fuzzed SQL text: random strings, random sequences of SQL tokens, and valid queries with random
 * edits. The compiler returns a description or throws {@link InvalidQueryException} with a line and
 * column, never another exception, and its messages never hold the marker string literal.
 */
class SqlFuzzProperties {
  private static final String MARKER = "zqxsecret";

  private static final List<String> SEEDS =
      List.of(
          "SELECT campaign, COUNT(DISTINCT USER_ID) AS converters, SUM(value) AS revenue FROM"
              + " publisher.impressions JOIN advertiser.conversions USING (USER_ID) WHERE country"
              + " = '"
              + MARKER
              + "' AND hour BETWEEN 8 AND 20 GROUP BY campaign",
          "WITH differential_privacy AS (SELECT 0.5 AS epsilon, 1e-6 AS delta, 'GAUSSIAN' AS"
              + " noise), public_groups (campaign) AS (VALUES ('c1'), ('"
              + MARKER
              + "')) SELECT campaign, AVG(spend) FROM publisher.impressions WHERE NOT (a IN (1,"
              + " 2) OR b <> -3.5) AND c = :campaign GROUP BY campaign",
          "SELECT USER_ID FROM publisher.impressions WHERE \"select\".x >= '"
              + MARKER
              + "' OR y < 2");

  private static final List<String> TOKENS =
      List.of(
          "SELECT",
          "FROM",
          "WHERE",
          "GROUP",
          "BY",
          "JOIN",
          "USING",
          "(",
          ")",
          ",",
          "AND",
          "OR",
          "NOT",
          "IN",
          "BETWEEN",
          "=",
          "<>",
          "<",
          ">=",
          "COUNT",
          "SUM",
          "AVG",
          "DISTINCT",
          "USER_ID",
          "*",
          "a",
          "b.c",
          "p.d",
          "'" + MARKER + "'",
          "1",
          "-2",
          "3.5e10",
          ":p",
          "?",
          "WITH",
          "AS",
          "VALUES",
          "differential_privacy",
          "public_groups",
          "epsilon",
          "\"q\"",
          "ORDER",
          "LIMIT",
          "HAVING",
          "UNION",
          "OVER",
          ";",
          "NULL",
          "IS",
          "LIKE",
          "CASE",
          "WHEN",
          "THEN",
          "END",
          "/*",
          "*/",
          "--",
          "\n",
          "'",
          "\"",
          "[",
          "]",
          "`");

  @Property(tries = 300)
  void randomText_compilesOrIsInvalid(@ForAll("text") String sql) {
    check(sql);
  }

  @Property(tries = 600)
  void randomTokens_compileOrAreInvalid(@ForAll("tokens") String sql) {
    check(sql);
  }

  @Property(tries = 600)
  void mutatedQueries_compileOrAreInvalid(@ForAll("mutations") String sql) {
    check(sql);
  }

  private static void check(String sql) {
    try {
      assertNotNull(SqlCompiler.compileQuery("analyst", sql));
    } catch (InvalidQueryException e) {
      checkMessage(e);
    }
    try {
      assertNotNull(SqlCompiler.compileCohort("analyst", sql));
    } catch (InvalidQueryException e) {
      checkMessage(e);
    }
  }

  private static void checkMessage(InvalidQueryException e) {
    assertTrue(e.getMessage().matches("(?s).*line \\d+, column \\d+.*"), e.getMessage());
    assertFalse(e.getMessage().contains(MARKER), e.getMessage());
  }

  @Provide
  Arbitrary<String> text() {
    return Arbitraries.strings().ofMaxLength(80);
  }

  @Provide
  Arbitrary<String> tokens() {
    return Arbitraries.of(TOKENS).list().ofMaxSize(30).map(t -> String.join(" ", t));
  }

  @Provide
  Arbitrary<String> mutations() {
    Arbitrary<String> edit =
        Arbitraries.oneOf(Arbitraries.of(TOKENS), Arbitraries.strings().ofMaxLength(3));
    return Combinators.combine(
            Arbitraries.of(SEEDS),
            Arbitraries.doubles().between(0, 1),
            Arbitraries.doubles().between(0, 1),
            edit,
            Arbitraries.integers().between(1, 4))
        .as(
            (seed, from, length, insert, times) -> {
              String s = seed;
              for (int i = 0; i < times; i++) {
                int a = (int) (from * s.length());
                int b = Math.min(s.length(), a + (int) (length * 12));
                s = s.substring(0, a) + (i % 2 == 0 ? insert : "") + s.substring(b);
              }
              return s;
            });
  }
}
