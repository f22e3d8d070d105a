package dev.cleanroom.jdbc;

import java.util.Locale;
import java.util.Objects;
import java.util.Optional;

/**
 * The SQL flavours that {@link JdbcSource} speaks: how identifiers are quoted, how text is cast and
 * hashed. Every identifier is checked and quoted; every value is a bound parameter, never text.
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
  SPARK('`', "STRING", "sha2(%s, 256)");

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
   * character inside it.
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
    return q + identifier.replace(q, q + q) + q;
  }

  /** {@code CAST(expression AS <text type>)}. */
  public String castToText(String expression) {
    return "CAST(" + expression + " AS " + textType + ")";
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
    return ANSI;
  }
}
