package dev.cleanroom.jdbc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * SQL text of every dialect. Whether the hash expressions of H2, DuckDB and PostgreSQL compute
 * SHA-256 is checked on the real databases in {@link JdbcSourceContract}; Trino and Spark are
 * checked here against their documented functions.
 */
class SqlDialectTest {
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
