package dev.cleanroom.jdbc;

import dev.cleanroom.CleanRoomInternalError;
import dev.cleanroom.UserIdFormat;
import dev.cleanroom.pseudonymization.Pseudonymizer;
import java.util.Locale;
import java.util.Optional;

/**
 * The SQL behind {@link SqlDialect#normalizedId}: {@link Pseudonymizer#normalize} written with each
 * dialect's regular expressions and {@code translate}, from constant text only.
 *
 * <p>Every expression has the same three steps. <b>Strip:</b> two anchored regular-expression
 * replacements remove leading and trailing characters of {@link #JAVA_WHITESPACE}, the set of
 * {@link Character#isWhitespace(int)} that {@link String#strip()} removes (databases' {@code TRIM}
 * removes other sets). The end anchor is the true end of the text ({@code \z}, or {@code $} in
 * PostgreSQL): in Java regular expressions (H2, Spark) {@code $} also matches before a final line
 * terminator such as U+0085, which Java does not strip. <b>Check:</b> the stripped text must match
 * the whole of the format's pattern (for EMAIL one {@code @} with characters on both sides, for
 * PSEUDONYMIZED 64 ASCII hexadecimal digits), else the result is NULL; a blank RAW id becomes NULL
 * too. <b>Lower-case:</b> {@code translate} maps {@code A}-{@code Z} to {@code a}-{@code z} and
 * nothing else, as Java does.
 *
 * <p>The input expression appears once. In PostgreSQL and DuckDB it is first given the binary
 * collation ({@code COLLATE "C"}): a column's case-insensitive collation would otherwise travel
 * with the result and make two normalized ids that differ in case compare equal, and PostgreSQL's
 * regular expressions refuse nondeterministic collations.
 */
final class SqlIds {
  /**
   * The code points of {@link Character#isWhitespace(int)} as ranges {first, last}: what {@link
   * String#strip()} removes. All lie in the Basic Multilingual Plane.
   */
  static final int[][] JAVA_WHITESPACE = {
    {0x09, 0x0D},
    {0x1C, 0x20},
    {0x1680, 0x1680},
    {0x2000, 0x2006},
    {0x2008, 0x200A},
    {0x2028, 0x2029},
    {0x205F, 0x205F},
    {0x3000, 0x3000}
  };

  private static final String UPPER = "ABCDEFGHIJKLMNOPQRSTUVWXYZ";
  private static final String LOWER = "abcdefghijklmnopqrstuvwxyz";

  /** One {@code @} with at least one character before and after it. */
  static final String EMAIL_PATTERN = "[^@]+@[^@]+";

  /** 64 ASCII hexadecimal digits. */
  static final String PSEUDONYM_PATTERN = "[0-9A-Fa-f]{64}";

  private SqlIds() {}

  /** See {@link SqlDialect#normalizedId}. */
  static Optional<String> normalizedId(
      SqlDialect dialect, String textExpression, UserIdFormat format) {
    if (dialect == SqlDialect.ANSI || format == UserIdFormat.PHONE) {
      return Optional.empty();
    }
    return Optional.of(
        unicodeOnly(dialect, checked(dialect, strip(dialect, textExpression), format)));
  }

  /**
   * {@code normalized}, or NULL where it holds a lone UTF-16 surrogate, which is of no format
   * ({@link dev.cleanroom.pseudonymization.Pseudonymizer#normalize}): in H2, whose text is Java's
   * and may hold one (the normalized id holds one exactly where the id does). The other tested
   * databases hold UTF-8 text, where it cannot be. The expression reads {@code normalized} once.
   */
  private static String unicodeOnly(SqlDialect dialect, String normalized) {
    if (dialect != SqlDialect.H2) {
      return normalized;
    }
    return wholeMatchOrNull(
        dialect,
        normalized,
        "[^" + codePoint(dialect, 0xD800) + "-" + codePoint(dialect, 0xDFFF) + "]*");
  }

  /**
   * See {@link SqlDialect#normalizedColumnId}: {@link #normalizedId}, with the regular expressions
   * of the strip skipped for text whose first and last characters are not whitespace, where the
   * dialect can test that cheaply ({@link #needsNoStrip}).
   */
  static Optional<String> normalizedColumnId(
      SqlDialect dialect, String column, UserIdFormat format) {
    Optional<String> clean = needsNoStrip(dialect, column);
    if (clean.isEmpty()) {
      return normalizedId(dialect, column, format);
    }
    if (dialect == SqlDialect.ANSI || format == UserIdFormat.PHONE) {
      return Optional.empty();
    }
    String input = input(dialect, column);
    // Clean text is not blank: for RAW ids NULLIF is needed in the other branch only; the other
    // formats check the chosen branch.
    boolean raw = format == UserIdFormat.RAW;
    String chosen =
        "CASE WHEN "
            + clean.get()
            + " THEN "
            + input
            + " ELSE "
            + (raw ? checked(dialect, strip(dialect, column), format) : strip(dialect, column))
            + " END";
    return Optional.of(unicodeOnly(dialect, raw ? chosen : checked(dialect, chosen, format)));
  }

  /**
   * A condition that holds only for text that {@link String#strip()} leaves as it is and that is
   * not empty: its first character is in [U+0021, U+167F] and its last in [U+0021, U+007E], ranges
   * that hold no character of {@link #JAVA_WHITESPACE}. False or NULL for other text (which then
   * takes the regular expressions), NULL for NULL. Written for the dialects whose functions for the
   * first and last character the tests of this project run on the real database (H2, DuckDB,
   * PostgreSQL, Trino, Spark: every character of the Basic Multilingual Plane at either end); empty
   * for the others.
   *
   * <p>H2 tests UTF-16 code units, and a surrogate is outside both ranges. PostgreSQL's {@code
   * ascii} gives the code point of the first character in a UTF-8 database, and {@code right(x, 1)}
   * is the last character. DuckDB compares the text in the binary collation (UTF-8 bytes sort as
   * code points), which its column statistics often decide without reading a row; the last
   * character is the first of {@code reverse(x)}: if {@code reverse} reverses grapheme clusters, a
   * cluster that begins with an ASCII character other than a control ends with it or with combining
   * marks, none of them whitespace.
   */
  private static Optional<String> needsNoStrip(SqlDialect dialect, String x) {
    return switch (dialect) {
      case H2 ->
          Optional.of(
              "ASCII("
                  + x
                  + ") BETWEEN 33 AND 5759 AND ASCII(RIGHT("
                  + x
                  + ", 1)) BETWEEN 33 AND 126");
      case POSTGRESQL ->
          Optional.of(
              "ascii("
                  + x
                  + ") BETWEEN 33 AND 5759 AND ascii(right("
                  + x
                  + ", 1)) BETWEEN 33 AND 126");
      case DUCKDB -> {
        String c = input(dialect, x);
        yield Optional.of(
            c
                + " >= '!' AND "
                + c
                + " < chr(5760) AND ascii(reverse("
                + x
                + ")) BETWEEN 33 AND 126");
      }
      // Both compare text by its UTF-8 bytes, which is code point order, and count substr's
      // negative start from the end in code points.
      case TRINO ->
          Optional.of(
              x
                  + " >= '!' AND "
                  + x
                  + " < chr(5760) AND substr("
                  + x
                  + ", -1) BETWEEN '!' AND '~'");
      // Spark's chr() takes its argument modulo 256: U+1680 is written as its UTF-8 bytes.
      case SPARK ->
          Optional.of(
              x
                  + " >= '!' AND "
                  + x
                  + " < decode(unhex('E19A80'), 'UTF-8') AND substring("
                  + x
                  + ", -1) BETWEEN '!' AND '~'");
      default -> Optional.empty();
    };
  }

  /** The format's check and lower-casing of {@code stripped}, the stripped text. */
  private static String checked(SqlDialect dialect, String stripped, UserIdFormat format) {
    return switch (format) {
      case RAW -> "NULLIF(" + stripped + ", '')";
      case EMAIL -> translate(wholeMatchOrNull(dialect, stripped, EMAIL_PATTERN), UPPER, LOWER);
      case PSEUDONYMIZED ->
          translate(
              wholeMatchOrNull(dialect, stripped, PSEUDONYM_PATTERN),
              UPPER.substring(0, 6),
              LOWER.substring(0, 6));
      case PHONE -> throw new CleanRoomInternalError("phone numbers are not normalized in SQL");
    };
  }

  /** The whitespace character class in the dialect's regular-expression syntax. */
  static String whitespaceClass(SqlDialect dialect) {
    StringBuilder b = new StringBuilder("[");
    for (int[] range : JAVA_WHITESPACE) {
      b.append(codePoint(dialect, range[0]));
      if (range[1] != range[0]) {
        b.append(range[1] == range[0] + 1 ? "" : "-").append(codePoint(dialect, range[1]));
      }
    }
    return b.append(']').toString();
  }

  /**
   * A code point as a regular-expression escape: a backslash, {@code u} and four hexadecimal digits
   * for PostgreSQL's advanced regular expressions; {@code \x{H}} for RE2 (DuckDB; Trino with RE2J),
   * Joni in Java syntax (Trino's default) and {@code java.util.regex} (H2, Spark).
   */
  private static String codePoint(SqlDialect dialect, int cp) {
    return switch (dialect) {
      // PostgreSQL: an escape of its advanced regular expressions. Snowflake: POSIX regular
      // expressions have no escape for a code point, so its string constant's own escape puts
      // the character itself into the pattern.
      case POSTGRESQL, SNOWFLAKE -> "\\u" + String.format(Locale.ROOT, "%04x", cp);
      default -> "\\x{" + Integer.toHexString(cp) + "}";
    };
  }

  /** POSIX anchors (PostgreSQL, Snowflake: {@code $} is the true end without multi-line mode). */
  private static boolean posixAnchors(SqlDialect dialect) {
    return dialect == SqlDialect.POSTGRESQL || dialect == SqlDialect.SNOWFLAKE;
  }

  private static String start(SqlDialect dialect) {
    return posixAnchors(dialect) ? "^" : "\\A";
  }

  private static String end(SqlDialect dialect) {
    return posixAnchors(dialect) ? "$" : "\\z";
  }

  /** {@code x} in the binary collation where the dialect needs it (see the class comment). */
  private static String input(SqlDialect dialect, String x) {
    return dialect == SqlDialect.POSTGRESQL || dialect == SqlDialect.DUCKDB
        ? "(" + x + ") COLLATE \"C\""
        : x;
  }

  private static String strip(SqlDialect dialect, String x) {
    String input = input(dialect, x);
    String ws = whitespaceClass(dialect);
    String leading = literal(dialect, start(dialect) + ws + "+");
    String trailing = literal(dialect, ws + "+" + end(dialect));
    return "regexp_replace(regexp_replace("
        + input
        + ", "
        + leading
        + ", ''), "
        + trailing
        + ", '')";
  }

  /** {@code s} if the whole of it matches {@code pattern}, else NULL (and NULL for NULL). */
  private static String wholeMatchOrNull(SqlDialect dialect, String s, String pattern) {
    String p = literal(dialect, start(dialect) + pattern + end(dialect));
    // PostgreSQL's substring(... from ...), H2's and Snowflake's regexp_substr and Trino's and
    // BigQuery's regexp_extract give NULL when nothing matches; DuckDB's and Spark's regexp_extract
    // give '', which a whole match of these patterns never is.
    return switch (dialect) {
      case POSTGRESQL -> "substring(" + s + " from " + p + ")";
      case H2 -> "regexp_substr(" + s + ", " + p + ")";
      case TRINO -> "regexp_extract(" + s + ", " + p + ")";
      case DUCKDB -> "NULLIF(regexp_extract(" + s + ", " + p + "), '')";
      case SPARK -> "NULLIF(regexp_extract(" + s + ", " + p + ", 0), '')";
      case SNOWFLAKE -> "regexp_substr(" + s + ", " + p + ")";
      case BIGQUERY -> "regexp_extract(" + s + ", " + p + ")";
      case ANSI -> throw new CleanRoomInternalError("ANSI SQL has no regular expressions");
    };
  }

  private static String translate(String s, String from, String to) {
    return "translate(" + s + ", '" + from + "', '" + to + "')";
  }

  /**
   * A string literal holding {@code text} (constant text of ours, never a value) in a form whose
   * meaning no setting changes: PostgreSQL reads backslashes in {@code '...'} as escapes when
   * {@code standard_conforming_strings} is off, so a pattern with backslashes is written as {@code
   * E'...'} with doubled backslashes; Spark reads them as escapes unless {@code
   * spark.sql.parser.escapedStringLiterals} is set, so it gets a raw literal {@code r'...'} (Spark
   * 3.2 or later). BigQuery reads backslash escapes in {@code '...'} and gets a raw literal {@code
   * r'...'}. Snowflake reads them too, and its patterns hold no backslash but the {@code \\u}
   * escapes of {@link #codePoint}, which its string constant turns into the characters themselves
   * (its POSIX patterns have no escape of their own for them). H2, DuckDB and Trino never read
   * backslashes in {@code '...'}.
   */
  private static String literal(SqlDialect dialect, String text) {
    if (text.indexOf('\'') >= 0) {
      throw new CleanRoomInternalError("a pattern holds a quote");
    }
    if (dialect == SqlDialect.POSTGRESQL && text.indexOf('\\') >= 0) {
      return "E'" + text.replace("\\", "\\\\") + "'";
    }
    if (dialect == SqlDialect.SNOWFLAKE
        && text.replaceAll("\\\\u[0-9a-f]{4}", "").indexOf('\\') >= 0) {
      throw new CleanRoomInternalError("a Snowflake pattern holds a backslash escape");
    }
    return (dialect == SqlDialect.SPARK || dialect == SqlDialect.BIGQUERY ? "r'" : "'")
        + text
        + "'";
  }
}
