package dev.cleanroom.jdbc;

import dev.cleanroom.ColumnType;
import dev.cleanroom.UserIdFormat;
import dev.cleanroom.internal.value.TypedValues;
import dev.cleanroom.pseudonymization.Pseudonymizer;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;

/**
 * The SQL flavours that {@link JdbcSource} speaks: how identifiers are quoted, how text is cast and
 * hashed, how values are bound. Every identifier is checked and quoted; every value is bound so
 * that the driver cannot turn it into SQL ({@link #prepare}).
 */
public enum SqlDialect {
  /** Standard SQL: double-quoted identifiers; no hash function, so no pushed-down bounding. */
  ANSI('"', "VARCHAR", null),
  /** PostgreSQL 11 or later. */
  POSTGRESQL('"', "VARCHAR", "encode(sha256(convert_to(%s, 'UTF8')), 'hex')"),
  /** DuckDB. */
  DUCKDB('"', "VARCHAR", "sha256(%s)"),
  /** H2 2.x. */
  H2('"', "VARCHAR", "LOWER(RAWTOHEX(HASH('SHA-256', CAST(%s AS VARBINARY))))"),
  /** Trino (and Presto). */
  TRINO('"', "VARCHAR", "lower(to_hex(sha256(to_utf8(%s))))"),
  /** Spark SQL 3.x (and Databricks SQL). */
  SPARK('`', "STRING", "sha2(%s, 256)"),
  /**
   * Snowflake: {@code SHA2(x, 256)} (lower-case hexadecimal of the UTF-8 bytes), POSIX regular
   * expressions (code points written with its string constants' backslash-u escapes). Written from
   * its documentation; its SQL text is tested, not run against Snowflake.
   */
  SNOWFLAKE('"', "VARCHAR", "LOWER(SHA2(%s, 256))"),
  /**
   * Google BigQuery (GoogleSQL): backtick-quoted identifiers (a table as {@code
   * project.dataset.table}), {@code TO_HEX(SHA256(x))}, RE2 regular expressions in raw string
   * literals. Written from its documentation; its SQL text is tested, not run against BigQuery.
   */
  BIGQUERY('`', "STRING", "TO_HEX(SHA256(%s))");

  private final char quote;
  private final String textType;
  private final String sha256;

  SqlDialect(char quote, String textType, String sha256) {
    this.quote = quote;
    this.textType = textType;
    this.sha256 = sha256;
  }

  /**
   * Quotes an identifier (table, schema or column name) for this dialect, doubling any quote
   * character inside it ({@link #BIGQUERY}, whose quoted identifiers read backslash escapes as its
   * string literals do, escapes a backtick or backslash inside it with a backslash instead).
   *
   * @throws IllegalArgumentException if the identifier is empty or holds a NUL or control character
   */
  public String quote(String identifier) {
    Objects.requireNonNull(identifier, "identifier");
    if (identifier.isEmpty()) {
      throw new IllegalArgumentException("an identifier must not be empty");
    }
    for (int i = 0; i < identifier.length(); i++) {
      if (Character.isISOControl(identifier.charAt(i))) {
        throw new IllegalArgumentException("an identifier must not hold control characters");
      }
    }
    String q = String.valueOf(quote);
    if (this == BIGQUERY) {
      return q + identifier.replace("\\", "\\\\").replace(q, "\\" + q) + q;
    }
    return q + identifier.replace(q, q + q) + q;
  }

  /** {@code CAST(expression AS <text type>)}. */
  public String castToText(String expression) {
    return "CAST(" + expression + " AS " + textType + ")";
  }

  /**
   * {@code CAST(expression AS <double type>)}: a metric as the engine reads it, a double-precision
   * number (so that a whole-number or decimal column is clamped and divided in double precision in
   * SQL too).
   */
  public String castToDouble(String expression) {
    String type =
        switch (this) {
          case POSTGRESQL, H2, ANSI -> "DOUBLE PRECISION";
          case BIGQUERY -> "FLOAT64";
          default -> "DOUBLE";
        };
    return "CAST(" + expression + " AS " + type + ")";
  }

  /**
   * A statement that counts the NULLs of each of {@code quotedColumns} over the whole of {@code
   * tableSql}: one row, one count per column, in order. A NULL whole number, date, timestamp or
   * boolean is malformed data, which fails every query that reads its column whatever the query's
   * filter; a scan or statement that filters rows runs this first (see {@link
   * dev.cleanroom.spi.SqlTable#mayHoldNull}).
   *
   * @param tableSql the table, as for a {@code FROM} clause
   * @param quotedColumns the columns, quoted, at least one
   * @return the statement, without parameters
   * @throws IllegalArgumentException if no column is given
   */
  public String nullCounts(String tableSql, List<String> quotedColumns) {
    return malformedCounts(tableSql, quotedColumns, List.of());
  }

  /**
   * {@link #nullCounts}, and after the counts of NULLs one more count per column of {@code
   * timeTypes}' DATE or TIMESTAMP entries (in order, one type per column, or none): its values
   * outside the years 1 to 9999, and in H2, which holds nanoseconds, its timestamps finer than
   * microseconds. Such values are malformed data too, which a scan rejects row by row; counted over
   * the whole table, they fail every query that reads the column, whatever its filter. Where the
   * dialect has no {@link #heldAsLong} for the type, its values are not counted.
   *
   * @param tableSql the table, as for a {@code FROM} clause
   * @param quotedColumns the columns, quoted, at least one
   * @param timeTypes the columns' types (empty: count NULLs only)
   * @return the statement, without parameters: one row, the NULL counts of the columns in order,
   *     then each column's {@link #timeChecks} in order
   * @throws IllegalArgumentException if no column is given
   */
  public String malformedCounts(
      String tableSql, List<String> quotedColumns, List<ColumnType> timeTypes) {
    if (quotedColumns.isEmpty()) {
      throw new IllegalArgumentException("no column to count NULLs of");
    }
    StringBuilder sql = new StringBuilder("SELECT ");
    for (int i = 0; i < quotedColumns.size(); i++) {
      sql.append(i == 0 ? "" : ", ")
          .append("COUNT(*) - COUNT(")
          .append(quotedColumns.get(i))
          .append(") AS n")
          .append(i);
    }
    for (int i = 0; i < timeTypes.size(); i++) {
      for (TimeCheck check : timeChecks(quotedColumns.get(i), timeTypes.get(i))) {
        sql.append(", SUM(CASE WHEN ").append(check.condition()).append(" THEN 1 ELSE 0 END)");
      }
    }
    return sql.append(" FROM ").append(tableSql).toString();
  }

  /**
   * One count of malformed time values in {@link #malformedCounts}.
   *
   * @param condition the SQL condition that a value is malformed
   * @param reason why, as a row-by-row read says ({@link TypedValues#OUT_OF_TIME_RANGE}, {@link
   *     TypedValues#FINER_THAN_MICROSECONDS})
   */
  public record TimeCheck(String condition, String reason) {}

  /**
   * The counts of malformed values that {@link #malformedCounts} adds for a column of {@code type},
   * in order: none for other types, or where the dialect has no {@link #heldAsLong}.
   *
   * @param column the column, quoted
   * @param type its type
   * @return the checks
   */
  public List<TimeCheck> timeChecks(String column, ColumnType type) {
    if (type != ColumnType.DATE && type != ColumnType.TIMESTAMP) {
      return List.of();
    }
    Optional<String> held = heldAsLong(column, type);
    if (held.isEmpty()) {
      return List.of();
    }
    long first = type == ColumnType.DATE ? TypedValues.FIRST_DAY : TypedValues.FIRST_MICROS;
    long last = type == ColumnType.DATE ? TypedValues.LAST_DAY : TypedValues.END_MICROS - 1;
    String h = held.get();
    TimeCheck range =
        new TimeCheck(
            "(" + h + " < " + first + " OR " + h + " > " + last + ")",
            TypedValues.OUT_OF_TIME_RANGE);
    if (this == H2 && type == ColumnType.TIMESTAMP) {
      // H2 holds nanoseconds, which the microseconds of heldAsLong drop.
      return List.of(
          range,
          new TimeCheck(
              "MOD(EXTRACT(NANOSECOND FROM " + column + "), 1000) <> 0",
              TypedValues.FINER_THAN_MICROSECONDS));
    }
    return List.of(range);
  }

  /**
   * A double-precision {@code expression} with NaN made NULL: the engine reads NaN as a missing
   * value, as it reads NULL (dropped by sums and means, satisfying only "not equal"), while SQL
   * databases order NaN above every number (so {@code LEAST}, {@code GREATEST} and {@code >} would
   * take it for one). PostgreSQL, DuckDB, H2, Spark SQL and Snowflake hold NaN equal to itself
   * ({@code NULLIF}); Trino and BigQuery test it with their function. Empty for {@link #ANSI}: a
   * database may not know NaN at all, so a query that reads a DOUBLE column does not push down.
   *
   * @param expression a double-precision expression
   * @return the expression with NaN made NULL, or empty
   */
  public Optional<String> nanAsNull(String expression) {
    return switch (this) {
      case ANSI -> Optional.empty();
      case TRINO -> Optional.of("IF(is_nan(" + expression + "), NULL, " + expression + ")");
      case BIGQUERY -> Optional.of("IF(IS_NAN(" + expression + "), NULL, " + expression + ")");
      default -> Optional.of("NULLIF(" + expression + ", " + castToDouble("'NaN'") + ")");
    };
  }

  /**
   * A DATE, TIMESTAMP (without time zone, read in UTC) or BOOLEAN expression as the whole number
   * the engine holds for it, exactly, as a BIGINT: days since 1970-01-01, microseconds since
   * 1970-01-01T00:00:00, 1 for true and 0 for false; NULL stays NULL. So a statement compares,
   * groups and buckets these values as numbers, against values bound as numbers, never as text.
   * Empty for a dialect whose computation is not tested against its database here (Trino, Spark
   * SQL, Snowflake, BigQuery, ANSI): a query on such a column then does not push down.
   *
   * @param expression the column's expression
   * @param type DATE, TIMESTAMP or BOOLEAN
   * @return the BIGINT expression, or empty
   * @throws IllegalArgumentException if {@code type} is another type
   */
  public Optional<String> heldAsLong(String expression, ColumnType type) {
    if (type != ColumnType.DATE && type != ColumnType.TIMESTAMP && type != ColumnType.BOOLEAN) {
      throw new IllegalArgumentException("not a DATE, TIMESTAMP or BOOLEAN type: " + type);
    }
    String x = "(" + expression + ")";
    if (type == ColumnType.BOOLEAN) {
      return switch (this) {
        case POSTGRESQL, DUCKDB, H2 ->
            Optional.of("CAST(CASE WHEN " + x + " THEN 1 WHEN NOT " + x + " THEN 0 END AS BIGINT)");
        default -> Optional.empty();
      };
    }
    String days = "CAST(CAST(" + x + " AS DATE) - DATE '1970-01-01' AS BIGINT)";
    return switch (this) {
      case H2 ->
          Optional.of(
              type == ColumnType.DATE
                  ? "DATEDIFF(DAY, DATE '1970-01-01', " + x + ")"
                  : "DATEDIFF(MICROSECOND, TIMESTAMP '1970-01-01 00:00:00', " + x + ")");
      case POSTGRESQL, DUCKDB ->
          Optional.of(
              type == ColumnType.DATE
                  ? days
                  // Whole days, then the time of day in microseconds: exact in every version,
                  // even where EXTRACT returns a double (below 2^37 here).
                  : "("
                      + days
                      + " * 86400000000 + CAST(ROUND(EXTRACT(EPOCH FROM CAST("
                      + x
                      + " AS TIME)) * 1000000) AS BIGINT))");
      default -> Optional.empty();
    };
  }

  /**
   * A time bucket of a DATE or TIMESTAMP (without time zone, read in UTC) expression, as the BIGINT
   * days since 1970-01-01 of the bucket's first day, exactly as the engine computes it ({@code
   * dev.cleanroom.internal.value.TimeBuckets}): with D the day's number ({@link #heldAsLong} of the
   * value as a DATE), a day is D, an ISO week D − ((D + 3) mod 7) with a non-negative mod
   * (1970-01-01 was a Thursday), a month D − (day of month − 1). Only whole numbers computed from
   * the column: nothing is bound, and no value becomes text. Empty where {@link #heldAsLong} is.
   *
   * @param expression the column's expression
   * @param type DATE or TIMESTAMP, the column's type
   * @param bucket the bucket
   * @return the BIGINT expression, or empty
   * @throws IllegalArgumentException if {@code type} is another type
   */
  public Optional<String> timeBucket(
      String expression, ColumnType type, dev.cleanroom.query.TimeBucket bucket) {
    if (type != ColumnType.DATE && type != ColumnType.TIMESTAMP) {
      throw new IllegalArgumentException("not a DATE or TIMESTAMP type: " + type);
    }
    String date = type == ColumnType.DATE ? expression : "CAST((" + expression + ") AS DATE)";
    Optional<String> days = heldAsLong(date, ColumnType.DATE);
    if (days.isEmpty()) {
      return days;
    }
    String d = "(" + days.get() + ")";
    return Optional.of(
        switch (bucket) {
          case DAY -> d;
          case WEEK -> "(" + d + " - MOD(MOD(" + d + " + 3, 7) + 7, 7))";
          case MONTH ->
              "(" + d + " - (CAST(EXTRACT(DAY FROM CAST((" + date + ") AS DATE)) AS BIGINT) - 1))";
        });
  }

  /**
   * The dialect's exact integer type of at least 127 bits: {@code HUGEINT} for {@link #DUCKDB},
   * {@code BIGNUMERIC} for {@link #BIGQUERY}, {@code DECIMAL(38,0)} for the others. A
   * threshold-mode sum is added in it, in whole units of its fine quantum.
   */
  public String wideIntegerType() {
    return switch (this) {
      case DUCKDB -> "HUGEINT";
      case BIGQUERY -> "BIGNUMERIC";
      default -> "DECIMAL(38,0)";
    };
  }

  /**
   * ⌊x⌋ of the DOUBLE column or alias {@code name} (a name, which may appear more than once), as a
   * DOUBLE, exact for every finite double. {@link #SPARK}'s {@code FLOOR} of a double is a BIGINT,
   * which saturates beyond 2^63 (a sum's fine units reach 2^82): there a double of magnitude at
   * least 2^52, which is a whole number already, is kept as it is, and a smaller one is floored
   * through a BIGINT, which holds it exactly. The other dialects' {@code FLOOR} of a double is a
   * double.
   *
   * @param name a column or alias of DOUBLE type
   * @return the expression
   */
  public String floorOfDouble(String name) {
    Objects.requireNonNull(name, "name");
    return this == SPARK
        ? "CASE WHEN ABS("
            + name
            + ") >= 4503599627370496.0 THEN "
            + name
            + " ELSE CAST(FLOOR("
            + name
            + ") AS DOUBLE) END"
        : "FLOOR(" + name + ")";
  }

  /**
   * {@code SUM} of a {@code BIGINT} expression, exact whatever the number of rows: where the
   * database's own {@code SUM(BIGINT)} could overflow, wrap around or turn to a double (Spark,
   * Trino, H2, and the dialects not tested), the values are cast to {@link #wideIntegerType()}
   * first; DuckDB's sum is a {@code HUGEINT} and PostgreSQL's a {@code NUMERIC} already.
   */
  public String exactIntegerSum(String bigintExpression) {
    return switch (this) {
      case DUCKDB, POSTGRESQL -> "SUM(" + bigintExpression + ")";
      default -> "SUM(CAST(" + bigintExpression + " AS " + wideIntegerType() + "))";
    };
  }

  /**
   * An expression for the lower-case hexadecimal SHA-256 of the UTF-8 bytes of a text expression,
   * if this dialect has one.
   */
  public Optional<String> sha256Hex(String textExpression) {
    return sha256 == null
        ? Optional.empty()
        : Optional.of(String.format(Locale.ROOT, sha256, textExpression));
  }

  /**
   * A BIGINT expression for 16 hexadecimal digits (the text of {@code hexExpression}) read as one
   * 64-bit two's-complement number, as {@link Long#parseUnsignedLong(String, int)} reads them in
   * base 16, if this dialect has one that the tests of this project run: the people hashes of a
   * pushed-down query cross the wire as numbers rather than text. DuckDB reads them through an
   * unsigned 64-bit integer and maps it into the signed range in 128-bit arithmetic; PostgreSQL
   * through a 64-bit bit string. Empty elsewhere (the hashes then come back as text).
   *
   * @param hexExpression an expression that gives exactly 16 hexadecimal digits
   * @return the expression, or empty if this dialect has none
   */
  public Optional<String> hexToBigint(String hexExpression) {
    Objects.requireNonNull(hexExpression, "hexExpression");
    return switch (this) {
      case DUCKDB ->
          Optional.of(
              "CAST((CAST(CAST(('0x' || "
                  + hexExpression
                  + ") AS UBIGINT) AS HUGEINT) + 9223372036854775808) % 18446744073709551616"
                  + " - 9223372036854775808 AS BIGINT)");
      case POSTGRESQL ->
          Optional.of("CAST(CAST(('x' || " + hexExpression + ") AS BIT(64)) AS BIGINT)");
      default -> Optional.empty();
    };
  }

  /**
   * An aggregate that collects the values of {@code expression} in a group into one array, which
   * the driver returns as a {@link java.sql.Array}, if this dialect has one that the engine reads:
   * the people of each row for the difference checks of a pushed-down query. Spark's Hive driver
   * returns arrays as text of its own making, so {@link #SPARK} has none: its people come back as
   * one text that the statement writes itself ({@link #hexListAgg}). {@link #ANSI} has none; nor
   * have {@link #SNOWFLAKE} and {@link #BIGQUERY}, whose drivers' array results no test of this
   * project has read (such queries stream there, and {@code explain()} says why).
   */
  public Optional<String> arrayAgg(String expression) {
    String f =
        switch (this) {
          case DUCKDB -> "list(%s)";
          case POSTGRESQL, TRINO -> "array_agg(%s)";
          case H2 -> "ARRAY_AGG(%s)";
          case SPARK, SNOWFLAKE, BIGQUERY, ANSI -> null;
        };
    return f == null ? Optional.empty() : Optional.of(String.format(Locale.ROOT, f, expression));
  }

  /**
   * An aggregate that joins the values of {@code hexExpression} in a group (16 hexadecimal digits
   * each, never NULL) into one text, separated by commas, for a dialect whose driver returns no
   * array that the engine reads: the people of each row for the difference checks, where {@link
   * #arrayAgg} has none. {@link #SPARK} only ({@code concat_ws} over {@code collect_list}); empty
   * elsewhere.
   *
   * @param hexExpression an expression that gives exactly 16 hexadecimal digits
   * @return the aggregate, or empty if this dialect has none
   */
  public Optional<String> hexListAgg(String hexExpression) {
    Objects.requireNonNull(hexExpression, "hexExpression");
    return this == SPARK
        ? Optional.of("concat_ws(',', collect_list(" + hexExpression + "))")
        : Optional.empty();
  }

  /**
   * An expression for the normalized form of a user id: for every non-NULL text {@code x} that
   * {@code textExpression} evaluates to, it evaluates to exactly {@link
   * Pseudonymizer#normalize(String, UserIdFormat) Pseudonymizer.normalize(x, format)}, and to NULL
   * where that method throws {@link IllegalArgumentException} (a blank or malformed id) or where
   * {@code x} is NULL. A query run in the database thus counts the same people as one run in Java:
   * the database's {@code TRIM} and {@code LOWER} strip other whitespace than {@link
   * String#strip()} and lower-case non-ASCII letters in their own ways, and do not check the
   * format.
   *
   * <p>The expression is built from regular expressions and {@code translate} (see {@link
   * Pseudonymizer} for the rules); it holds constant text of ours, never a data value. {@code
   * textExpression} appears in it exactly once, so it may be any text expression, a parameter
   * marker included. In {@link #POSTGRESQL} and {@link #DUCKDB} the result has the binary collation
   * {@code "C"}, so that equal results are equal text even when the column's collation ignores
   * case. Not every database holds every Java string (PostgreSQL text holds no NUL character;
   * databases that store UTF-8 hold no unpaired surrogate); for every text a database does hold,
   * the result is exact, supplementary characters included.
   *
   * <p>Empty for {@link UserIdFormat#PHONE} (its normalization is beyond SQL) and for {@link #ANSI}
   * (standard SQL has no regular expressions). {@link #SPARK} needs Spark 3.2 or later (raw string
   * literals); the tests of the {@code engine-spark} module run it on Spark SQL 3.5, and those of
   * the {@code engine-trino} module run {@link #TRINO} on a distributed Trino 435. {@link
   * #SNOWFLAKE} and {@link #BIGQUERY} are written from their documentation and only their SQL text
   * is tested.
   *
   * @param textExpression a SQL expression of a text type, such as a quoted column
   * @param format the format of the ids
   * @return the expression, or empty if this dialect cannot compute the normalization exactly
   * @throws NullPointerException if {@code textExpression} or {@code format} is null
   * @throws IllegalArgumentException if {@code textExpression} is blank
   */
  public Optional<String> normalizedId(String textExpression, UserIdFormat format) {
    Objects.requireNonNull(textExpression, "textExpression");
    Objects.requireNonNull(format, "format");
    if (textExpression.isBlank()) {
      throw new IllegalArgumentException("textExpression must not be blank");
    }
    return SqlIds.normalizedId(this, textExpression, format);
  }

  /**
   * {@link #normalizedId} for a column (or any text expression without side effects that may be
   * evaluated several times, never a parameter marker), with a fast path: where the dialect tests
   * the first and last characters cheaply (H2, DuckDB, PostgreSQL), text that begins and ends with
   * a character that is not whitespace skips the regular expressions of the strip, which leave it
   * as it is. The result is the same as {@link #normalizedId}'s for every text; a query that reads
   * every row of a table normalizes most of them without a regular expression.
   *
   * @param column a SQL expression of a text type that may appear several times, such as a quoted
   *     column
   * @param format the format of the ids
   * @return the expression, or empty if this dialect cannot compute the normalization exactly
   * @throws NullPointerException if {@code column} or {@code format} is null
   * @throws IllegalArgumentException if {@code column} is blank
   */
  public Optional<String> normalizedColumnId(String column, UserIdFormat format) {
    Objects.requireNonNull(column, "column");
    Objects.requireNonNull(format, "format");
    if (column.isBlank()) {
      throw new IllegalArgumentException("column must not be blank");
    }
    return SqlIds.normalizedColumnId(this, column, format);
  }

  /**
   * Whether a value bound to a {@code ?} parameter reaches the database as a value, never as SQL
   * text. False for {@link #SPARK}: the Hive JDBC driver, with which Spark's Thrift server is
   * reached, substitutes parameters into the statement text on the client, escaping quotes with a
   * backslash but not backslashes themselves, so a text value that ends in a backslash escapes its
   * own closing quote and the rest of the statement is read differently. Statements of such a
   * dialect are run through {@link #prepare}, which never hands the driver a parameter. True for
   * the others: their drivers send bound values apart from the statement, or, as Trino's does, send
   * the statement once ({@code PREPARE}, in a request header) and the values as literals of a
   * separate {@code EXECUTE ... USING} whose quotes the driver doubles (Trino's string literals
   * have no backslash escapes), so a value is only ever read as a value. Snowflake's driver sends
   * bindings apart from the statement text; BigQuery's drivers send query parameters.
   *
   * @return whether the driver keeps bound values apart from the statement
   */
  public boolean bindsValuesSafely() {
    return this != SPARK;
  }

  /**
   * Prepares {@code sql} (a statement of the engine's, with {@code ?} markers) on {@code
   * connection}, forward-only and read-only, so that every value set on it reaches the database as
   * that value and never as SQL. Where the driver {@linkplain #bindsValuesSafely() keeps values
   * apart}, this is the driver's own prepared statement. For {@link #SPARK}, the returned statement
   * never hands the driver a parameter: each value is written into the statement as a literal made
   * only of characters that cannot end it (text as the hexadecimal digits of its UTF-8 bytes,
   * decoded in SQL by {@code decode(unhex('…'), 'UTF-8')}; numbers as casts of their digits), and
   * {@code executeQuery()} runs the result as a plain statement. That statement supports setting
   * text, whole numbers, doubles and NULLs, {@code executeQuery()}, the fetch size, the query
   * timeout, {@code cancel()} and {@code close()}.
   *
   * @param connection an open connection to a database of this dialect
   * @param sql the statement
   * @return the prepared statement; the caller closes it
   * @throws SQLException if the driver cannot prepare the statement
   */
  public PreparedStatement prepare(Connection connection, String sql) throws SQLException {
    Objects.requireNonNull(connection, "connection");
    Objects.requireNonNull(sql, "sql");
    if (bindsValuesSafely()) {
      return connection.prepareStatement(
          sql, ResultSet.TYPE_FORWARD_ONLY, ResultSet.CONCUR_READ_ONLY);
    }
    return InlinedStatement.prepare(connection, sql);
  }

  /**
   * The dialect of a database product, as JDBC's {@code DatabaseMetaData.getDatabaseProductName()}
   * names it; {@link #ANSI} for products it does not know.
   */
  public static SqlDialect fromProductName(String productName) {
    String p = Objects.requireNonNull(productName, "productName").toLowerCase(Locale.ROOT);
    if (p.contains("postgres")) {
      return POSTGRESQL;
    }
    if (p.contains("duckdb")) {
      return DUCKDB;
    }
    if (p.equals("h2") || p.startsWith("h2 ")) {
      return H2;
    }
    if (p.contains("trino") || p.contains("presto")) {
      return TRINO;
    }
    if (p.contains("spark") || p.contains("databricks")) {
      return SPARK;
    }
    if (p.contains("snowflake")) {
      return SNOWFLAKE;
    }
    if (p.contains("bigquery")) {
      return BIGQUERY;
    }
    return ANSI;
  }
}
