package dev.cleanroom.jdbc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cleanroom.Column;
import dev.cleanroom.DataSourceException;
import dev.cleanroom.spi.ColumnBatch;
import dev.cleanroom.spi.Scan;
import dev.cleanroom.spi.ScanRequest;
import java.sql.SQLException;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * {@link JdbcSource} on a PostgreSQL server (see {@link TestDatabase#postgres()}: skipped when none
 * is reachable, failing instead when {@code CI=true}), which folds unquoted names to lower case and
 * streams rows with a cursor only inside a transaction.
 */
class PostgresSourceTest extends JdbcSourceContract {
  @Override
  TestDatabase open() throws SQLException {
    return TestDatabase.postgres();
  }

  @Override
  String typeColumnsDdl() {
    return "c_char CHAR(3), c_varchar VARCHAR(20), c_text TEXT, c_smallint SMALLINT,"
        + " c_int INTEGER, c_bigint BIGINT, c_serial SERIAL, c_real REAL,"
        + " c_double DOUBLE PRECISION, c_numeric NUMERIC(10,2), c_numeric_any NUMERIC,"
        + " c_bool BOOLEAN, c_date DATE, c_ts TIMESTAMP, c_bytea BYTEA, c_uuid UUID,"
        + " c_arr INTEGER[], c_json JSONB";
  }

  @Override
  List<Column> expectedTypeSchema() {
    return List.of(
        Column.string("c_char"),
        Column.string("c_varchar"),
        Column.string("c_text"),
        Column.int64("c_smallint"),
        Column.int64("c_int"),
        Column.int64("c_bigint"),
        Column.int64("c_serial"),
        Column.float64("c_real"),
        Column.float64("c_double"),
        Column.float64("c_numeric"),
        Column.float64("c_numeric_any"),
        Column.bool("c_bool"),
        Column.date("c_date"),
        Column.timestamp("c_ts"));
  }

  @Override
  List<String> expectedLeftOut() {
    return List.of("c_bytea", "c_uuid", "c_arr", "c_json");
  }

  /**
   * A view that fails at row 3000 shows whether rows are fetched in steps of the fetch size: with
   * 100 the first 2900 rows arrive before the failure; with 10,000 the query fails at once. (A
   * DOUBLE column: a nullable whole-number column would have its NULLs counted over the whole view
   * before the scan, which would fail there.)
   */
  @Test
  void fetchSize_streamsRowsWithACursor() throws SQLException {
    db.execute(
        "CREATE VIEW lazy_v AS SELECT i AS id, CAST(1 AS DOUBLE PRECISION) / (i - 3000) AS x"
            + " FROM generate_series(1, 5000) AS g(i)");
    TrackingDataSource tracking = new TrackingDataSource(db.dataSource());
    JdbcSource small = JdbcSource.builder(tracking, "lazy_v").fetchSize(100).build();
    assertEquals(100, small.fetchSize());
    ScanRequest request = new ScanRequest(List.of("id", "x"), Set.of(), List.of(), 50);
    int rows = 0;
    DataSourceException failure = null;
    try (Scan scan = small.scan(request)) {
      try {
        for (Optional<ColumnBatch> b = scan.next(); b.isPresent(); b = scan.next()) {
          rows += b.get().rowCount();
        }
      } catch (DataSourceException e) {
        failure = e;
      }
    }
    assertNotNull(failure, "the division by zero at row 3000 should fail the scan");
    assertEquals("data source lazy_v: SQL state 22012 (error 0)", failure.getMessage());
    assertEquals(2900, rows);
    assertEquals(List.of(100), tracking.fetchSizes());
    assertEquals(0, tracking.openConnections());

    JdbcSource large = JdbcSource.builder(tracking, "lazy_v").build();
    DataSourceException e = assertThrows(DataSourceException.class, () -> large.scan(request));
    assertEquals("data source lazy_v: SQL state 22012 (error 0)", e.getMessage());
    assertEquals(List.of(100, JdbcSource.DEFAULT_FETCH_SIZE), tracking.fetchSizes());
    assertEquals(0, tracking.openConnections());
    // The connections were handed back in auto-commit mode, as they came.
    assertEquals(List.of(true, true, true, true), tracking.autoCommitAtClose());
  }

  @Test
  void autoCommit_isRestored_afterAnEarlyClose() throws SQLException {
    createNumbers("ac_t", 300, -1);
    TrackingDataSource tracking = new TrackingDataSource(db.dataSource());
    JdbcSource s = JdbcSource.builder(tracking, "ac_t").fetchSize(10).build();
    try (Scan scan = s.scan(new ScanRequest(List.of("id"), Set.of(), List.of(), 25))) {
      assertEquals(25, scan.next().orElseThrow().rowCount());
    }
    assertEquals(List.of(true, true), tracking.autoCommitAtClose());
    assertEquals(0, tracking.openConnections());
    assertTrue(tracking.fetchSizes().contains(10));
  }
}
