package dev.cleanroom.jdbc;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicInteger;
import javax.sql.DataSource;
import org.h2.jdbcx.JdbcDataSource;
import org.junit.jupiter.api.Assumptions;
import org.postgresql.ds.PGSimpleDataSource;

/**
 * A real database for the JDBC tests: embedded H2 (in memory), embedded DuckDB (a temporary file)
 * or a PostgreSQL server named by {@code CLEANROOM_PG_URL}, {@code CLEANROOM_PG_USER} and {@code
 * CLEANROOM_PG_PASSWORD} (by default the one {@code .ci/run} sets up), in a schema of its own.
 */
abstract class TestDatabase implements AutoCloseable {
  private static final AtomicInteger COUNTER = new AtomicInteger();

  /** The data source of the database. */
  abstract DataSource dataSource();

  /** The dialect {@link JdbcSource} should detect. */
  abstract SqlDialect dialect();

  /** The schema unqualified tables are created in, as the database reports it. */
  abstract String schema();

  /** An unquoted identifier as the database stores it. */
  abstract String fold(String unquoted);

  /** Drops what the tests created. */
  @Override
  public abstract void close() throws SQLException, IOException;

  /** Runs each statement. */
  final void execute(String... statements) throws SQLException {
    try (Connection c = dataSource().getConnection();
        Statement s = c.createStatement()) {
      for (String sql : statements) {
        s.execute(sql);
      }
    }
  }

  /** Inserts rows into {@code table} (SQL text) with bound values; a null value is NULL. */
  final void insert(String table, List<Object[]> rows) throws SQLException {
    if (rows.isEmpty()) {
      return;
    }
    int n = rows.get(0).length;
    String sql =
        "INSERT INTO "
            + table
            + " VALUES ("
            + String.join(", ", java.util.Collections.nCopies(n, "?"))
            + ")";
    try (Connection c = dataSource().getConnection();
        PreparedStatement ps = c.prepareStatement(sql)) {
      for (Object[] row : rows) {
        for (int i = 0; i < n; i++) {
          ps.setObject(i + 1, row[i]);
        }
        ps.addBatch();
      }
      ps.executeBatch();
    }
  }

  /** A fresh in-memory H2 database. */
  static TestDatabase h2() {
    JdbcDataSource ds = new JdbcDataSource();
    ds.setURL("jdbc:h2:mem:cleanroom" + COUNTER.incrementAndGet() + ";DB_CLOSE_DELAY=-1");
    ds.setUser("sa");
    ds.setPassword("h2-secret-password");
    return new TestDatabase() {
      @Override
      DataSource dataSource() {
        return ds;
      }

      @Override
      SqlDialect dialect() {
        return SqlDialect.H2;
      }

      @Override
      String schema() {
        return "PUBLIC";
      }

      @Override
      String fold(String unquoted) {
        return unquoted.toUpperCase(Locale.ROOT);
      }

      @Override
      public void close() throws SQLException {
        execute("SHUTDOWN");
      }
    };
  }

  /** A fresh DuckDB database in a temporary file; every connection opens the same file. */
  static TestDatabase duckdb() throws IOException {
    Path dir = Files.createTempDirectory("cleanroom-duckdb");
    String url = "jdbc:duckdb:" + dir.resolve("test.duckdb");
    // DuckDB closes a database file with its last connection; one kept open spares reopening it.
    Connection keeper;
    try {
      keeper = DriverManager.getConnection(url);
    } catch (SQLException e) {
      throw new IOException("cannot open DuckDB (SQL state " + e.getSQLState() + ")", e);
    }
    DataSource ds = JdbcSource.dataSource(url);
    return new TestDatabase() {
      @Override
      DataSource dataSource() {
        return ds;
      }

      @Override
      SqlDialect dialect() {
        return SqlDialect.DUCKDB;
      }

      @Override
      String schema() {
        return "main";
      }

      @Override
      String fold(String unquoted) {
        return unquoted;
      }

      @Override
      public void close() throws SQLException, IOException {
        keeper.close();
        try (var files = Files.list(dir)) {
          for (Path f : files.toList()) {
            Files.delete(f);
          }
        }
        Files.delete(dir);
      }
    };
  }

  /**
   * The PostgreSQL server of the environment, with a new schema as the current one. When it cannot
   * be reached the calling tests are skipped, unless {@code CI} is {@code true}: then they fail,
   * since CI must run them.
   */
  static TestDatabase postgres() throws SQLException {
    String url = env("CLEANROOM_PG_URL", "jdbc:postgresql://127.0.0.1:5432/cleanroom");
    String schema =
        "cleanroom_test_" + ProcessHandle.current().pid() + "_" + COUNTER.incrementAndGet();
    PGSimpleDataSource admin = new PGSimpleDataSource();
    admin.setURL(url);
    admin.setUser(env("CLEANROOM_PG_USER", "cleanroom"));
    admin.setPassword(env("CLEANROOM_PG_PASSWORD", "cleanroom"));
    admin.setConnectTimeout(5);
    admin.setLoginTimeout(5);
    try (Connection c = admin.getConnection();
        Statement s = c.createStatement()) {
      s.execute("CREATE SCHEMA " + schema);
    } catch (SQLException e) {
      String message =
          "PostgreSQL at "
              + url
              + " is not reachable (SQL state "
              + e.getSQLState()
              + "); set CLEANROOM_PG_URL, CLEANROOM_PG_USER and CLEANROOM_PG_PASSWORD or run"
              + " .ci/run";
      if ("true".equals(System.getenv("CI"))) {
        fail(message + "; failing instead of skipping because CI=true");
      }
      Assumptions.abort(message + "; skipping the PostgreSQL tests");
    }
    PGSimpleDataSource ds = new PGSimpleDataSource();
    ds.setURL(url);
    ds.setUser(admin.getUser());
    ds.setPassword(admin.getPassword());
    ds.setCurrentSchema(schema);
    return new TestDatabase() {
      @Override
      DataSource dataSource() {
        return ds;
      }

      @Override
      SqlDialect dialect() {
        return SqlDialect.POSTGRESQL;
      }

      @Override
      String schema() {
        return schema;
      }

      @Override
      String fold(String unquoted) {
        return unquoted.toLowerCase(Locale.ROOT);
      }

      @Override
      public void close() throws SQLException {
        execute("DROP SCHEMA " + schema + " CASCADE");
      }
    };
  }

  private static String env(String name, String fallback) {
    String v = System.getenv(name);
    return v == null || v.isEmpty() ? fallback : v;
  }
}
