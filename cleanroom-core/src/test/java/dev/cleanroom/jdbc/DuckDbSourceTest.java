package dev.cleanroom.jdbc;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.cleanroom.Column;
import java.io.IOException;
import java.sql.SQLException;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * {@link JdbcSource} on embedded DuckDB (a temporary file), which keeps unquoted names as written
 * and matches them ignoring case.
 */
class DuckDbSourceTest extends JdbcSourceContract {
  @Override
  TestDatabase open() throws IOException {
    return TestDatabase.duckdb();
  }

  @Override
  boolean charIsFixedLength() {
    return false;
  }

  @Override
  String typeColumnsDdl() {
    return "c_varchar VARCHAR, c_text TEXT, c_char CHAR(3), c_tinyint TINYINT,"
        + " c_smallint SMALLINT, c_int INTEGER, c_bigint BIGINT, c_uint UINTEGER, c_real REAL,"
        + " c_double DOUBLE, c_decimal DECIMAL(10,2), c_ubigint UBIGINT, c_hugeint HUGEINT,"
        + " c_bool BOOLEAN, c_date DATE, c_ts TIMESTAMP, c_blob BLOB, c_uuid UUID,"
        + " c_list INTEGER[], c_struct STRUCT(a INTEGER)";
  }

  @Override
  List<Column> expectedTypeSchema() {
    return List.of(
        Column.string("c_varchar"),
        Column.string("c_text"),
        Column.string("c_char"),
        Column.int64("c_tinyint"),
        Column.int64("c_smallint"),
        Column.int64("c_int"),
        Column.int64("c_bigint"),
        Column.int64("c_uint"),
        Column.float64("c_real"),
        Column.float64("c_double"),
        Column.float64("c_decimal"),
        Column.bool("c_bool"),
        Column.date("c_date"),
        Column.timestamp("c_ts"));
  }

  @Override
  List<String> expectedLeftOut() {
    return List.of("c_ubigint", "c_hugeint", "c_blob", "c_uuid", "c_list", "c_struct");
  }

  @Test
  void mixedCaseTable_isFoundIgnoringCase() throws SQLException {
    db.execute("CREATE TABLE Mixed_Orders (Amount BIGINT)", "INSERT INTO mixed_orders VALUES (3)");
    JdbcSource s = source("MIXED_orders");
    assertEquals("\"main\".\"Mixed_Orders\"", s.tableSql());
    assertEquals(List.of(List.of(3L)), Scans.rows(s, "Amount"));
  }

  /**
   * A table of another catalog than the connection's (an attached database) is named with its
   * catalog, so that every statement reaches it; one in the connection's own catalog is not.
   */
  @Test
  void tableInAnotherCatalog_isNamedWithItsCatalog() throws SQLException {
    db.execute(
        "ATTACH ':memory:' AS side",
        "CREATE TABLE side.main.far_orders (amount BIGINT)",
        "INSERT INTO side.main.far_orders VALUES (4)");
    try {
      JdbcSource s = JdbcSource.builder(db.dataSource(), "far_orders").catalog("side").build();
      assertEquals("\"side\".\"main\".\"far_orders\"", s.tableSql());
      assertEquals(List.of(List.of(4L)), Scans.rows(s, "amount"));
      s.check();
      // Found without naming the catalog too: the only table of that name.
      assertEquals(
          "\"side\".\"main\".\"far_orders\"",
          JdbcSource.builder(db.dataSource(), "far_orders").build().tableSql());
    } finally {
      db.execute("DETACH side");
    }
  }
}
