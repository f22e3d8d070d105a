package dev.cleanroom.jdbc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cleanroom.Column;
import dev.cleanroom.DataSourceException;
import java.sql.SQLException;
import java.util.List;
import org.h2.jdbcx.JdbcDataSource;
import org.junit.jupiter.api.Test;

/** {@link JdbcSource} on embedded H2 2.x, which folds unquoted names to upper case. */
class H2SourceTest extends JdbcSourceContract {
  @Override
  TestDatabase open() {
    return TestDatabase.h2();
  }

  @Override
  String typeColumnsDdl() {
    return "c_char CHAR(3), c_varchar VARCHAR(20), c_clob CLOB, c_ignorecase VARCHAR_IGNORECASE(5),"
        + " c_tinyint TINYINT, c_smallint SMALLINT, c_int INTEGER, c_bigint BIGINT,"
        + " c_real REAL, c_double DOUBLE PRECISION, c_float FLOAT, c_decimal DECIMAL(10,2),"
        + " c_numeric NUMERIC(20), c_bool BOOLEAN, c_date DATE, c_ts TIMESTAMP,"
        + " c_bin VARBINARY(4), c_uuid UUID, c_arr INTEGER ARRAY";
  }

  @Override
  List<Column> expectedTypeSchema() {
    return List.of(
        Column.string("C_CHAR"),
        Column.string("C_VARCHAR"),
        Column.string("C_CLOB"),
        Column.string("C_IGNORECASE"),
        Column.int64("C_TINYINT"),
        Column.int64("C_SMALLINT"),
        Column.int64("C_INT"),
        Column.int64("C_BIGINT"),
        Column.float64("C_REAL"),
        Column.float64("C_DOUBLE"),
        Column.float64("C_FLOAT"),
        Column.float64("C_DECIMAL"),
        Column.float64("C_NUMERIC"),
        Column.bool("C_BOOL"),
        Column.date("C_DATE"),
        Column.timestamp("C_TS"));
  }

  @Override
  List<String> expectedLeftOut() {
    return List.of("C_BIN", "C_UUID", "C_ARR");
  }

  @Test
  void clobAndCharValues_readAsText() throws SQLException {
    db.execute(
        "CREATE TABLE lob_t (id BIGINT NOT NULL, c CLOB, ch CHAR(4))",
        "INSERT INTO lob_t VALUES (1, REPEAT('x', 100000), 'ab')");
    List<List<Object>> rows = Scans.rows(source("lob_t"), "C", "CH");
    assertEquals(List.of(List.of("x".repeat(100000), "ab  ")), rows);
  }

  @Test
  void unreachableDatabase_isADataSourceExceptionWithoutTheDriverMessage() {
    JdbcDataSource missing = new JdbcDataSource();
    missing.setURL("jdbc:h2:mem:no-such-db-secret;IFEXISTS=TRUE");
    DataSourceException e =
        assertThrows(
            DataSourceException.class, () -> JdbcSource.builder(missing, "orders").build());
    assertTrue(
        e.getMessage().matches("data source orders: SQL state \\S+ \\(error -?\\d+\\)"),
        e.getMessage());
    assertFalse(describe(e).contains("secret"), describe(e));
  }
}
