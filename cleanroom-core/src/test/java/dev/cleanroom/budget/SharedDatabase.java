package dev.cleanroom.budget;

import static org.junit.jupiter.api.Assertions.fail;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.concurrent.atomic.AtomicInteger;
import javax.sql.DataSource;
import org.h2.jdbcx.JdbcDataSource;
import org.junit.jupiter.api.Assumptions;
import org.postgresql.ds.PGSimpleDataSource;

/**
 * A database for the tests of the shared stores ({@link BudgetStores#jdbc} and {@code
 * AuditTrails.jdbc}): embedded H2 in memory, or a PostgreSQL server named by {@code
 * CLEANROOM_PG_URL}, {@code CLEANROOM_PG_USER} and {@code CLEANROOM_PG_PASSWORD} (by default the
 * one {@code .ci/run} sets up), in a fresh schema of its own that {@link #close()} drops. Without a
 * reachable server the calling test is skipped, unless {@code CI} is {@code true}: then it fails.
 */
public final class SharedDatabase implements AutoCloseable {
  private static final AtomicInteger COUNTER = new AtomicInteger();

  /** The kinds of database. */
  public enum Kind {
    /** Embedded H2, in memory. */
    H2,
    /** The PostgreSQL server of the environment. */
    POSTGRES;

    /** A fresh database of this kind. */
    public SharedDatabase open() throws SQLException {
      return this == H2 ? h2() : postgres();
    }
  }

  private final DataSource dataSource;
  private final String schema;
  private final Runnable dropper;

  private SharedDatabase(DataSource dataSource, String schema, Runnable dropper) {
    this.dataSource = dataSource;
    this.schema = schema;
    this.dropper = dropper;
  }

  /** The data source; on PostgreSQL its current schema is {@link #schema()}. */
  public DataSource dataSource() {
    return dataSource;
  }

  /** The schema of this database's tables ({@code PUBLIC} for H2). */
  public String schema() {
    return schema;
  }

  /** Runs each statement in auto-commit mode. */
  public void execute(String... statements) throws SQLException {
    try (Connection c = dataSource.getConnection();
        Statement s = c.createStatement()) {
      for (String sql : statements) {
        s.execute(sql);
      }
    }
  }

  /** A fresh in-memory H2 database; lock waits of up to a minute. */
  public static SharedDatabase h2() {
    JdbcDataSource ds = new JdbcDataSource();
    ds.setURL(
        "jdbc:h2:mem:shared"
            + COUNTER.incrementAndGet()
            + "-"
            + ProcessHandle.current().pid()
            + ";DB_CLOSE_DELAY=-1;LOCK_TIMEOUT=60000");
    ds.setUser("sa");
    ds.setPassword("");
    SharedDatabase[] self = new SharedDatabase[1];
    self[0] =
        new SharedDatabase(
            ds,
            "PUBLIC",
            () -> {
              try {
                self[0].execute("SHUTDOWN");
              } catch (SQLException e) {
                throw new IllegalStateException(e);
              }
            });
    return self[0];
  }

  /** The PostgreSQL server of the environment with a fresh schema as the current one. */
  public static SharedDatabase postgres() throws SQLException {
    String schema =
        "cleanroom_shared_" + ProcessHandle.current().pid() + "_" + COUNTER.incrementAndGet();
    PGSimpleDataSource admin = postgresDataSource(null);
    try (Connection c = admin.getConnection();
        Statement s = c.createStatement()) {
      s.execute("CREATE SCHEMA " + schema);
    } catch (SQLException e) {
      String message =
          "PostgreSQL at "
              + admin.getURL()
              + " is not reachable (SQL state "
              + e.getSQLState()
              + "); set CLEANROOM_PG_URL, CLEANROOM_PG_USER and CLEANROOM_PG_PASSWORD or run"
              + " .ci/run";
      if ("true".equals(System.getenv("CI"))) {
        fail(message + "; failing instead of skipping because CI=true");
      }
      Assumptions.abort(message + "; skipping the PostgreSQL tests");
    }
    return new SharedDatabase(
        postgresDataSource(schema),
        schema,
        () -> {
          try (Connection c = admin.getConnection();
              Statement s = c.createStatement()) {
            s.execute("DROP SCHEMA " + schema + " CASCADE");
          } catch (SQLException e) {
            throw new IllegalStateException(e);
          }
        });
  }

  /**
   * A data source for the PostgreSQL server of the environment; with a schema, that schema is the
   * current one of every connection.
   */
  public static PGSimpleDataSource postgresDataSource(String schema) {
    PGSimpleDataSource ds = new PGSimpleDataSource();
    ds.setURL(env("CLEANROOM_PG_URL", "jdbc:postgresql://127.0.0.1:5432/cleanroom"));
    ds.setUser(env("CLEANROOM_PG_USER", "cleanroom"));
    ds.setPassword(env("CLEANROOM_PG_PASSWORD", "cleanroom"));
    ds.setConnectTimeout(10);
    ds.setLoginTimeout(10);
    if (schema != null) {
      ds.setCurrentSchema(schema);
    }
    return ds;
  }

  private static String env(String name, String fallback) {
    String v = System.getenv(name);
    return v == null || v.isEmpty() ? fallback : v;
  }

  /** Drops the schema (PostgreSQL) or shuts the database down (H2). */
  @Override
  public void close() {
    dropper.run();
  }
}
