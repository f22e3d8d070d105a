package dev.cleanroom.internal.execution;

import static org.junit.jupiter.api.Assertions.fail;

import dev.cleanroom.Schema;
import dev.cleanroom.jdbc.JdbcSource;
import dev.cleanroom.jdbc.SimpleDataSource;
import dev.cleanroom.jdbc.SqlDialect;
import dev.cleanroom.spi.DataSource;
import dev.cleanroom.spi.Scan;
import dev.cleanroom.spi.ScanRequest;
import java.io.IOException;
import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.atomic.AtomicInteger;
import net.jqwik.api.lifecycle.LifecycleContext;
import net.jqwik.api.lifecycle.SkipExecutionHook;
import org.h2.jdbcx.JdbcDataSource;
import org.postgresql.ds.PGSimpleDataSource;

/**
 * Real databases for the pushdown tests (embedded H2 in memory, embedded DuckDB in a temporary
 * file, and the PostgreSQL server named by {@code CLEANROOM_PG_URL}, {@code CLEANROOM_PG_USER},
 * {@code CLEANROOM_PG_PASSWORD}, in a schema of its own), a wrapper that hides a {@link JdbcSource}
 * so that the engine streams it, and a JDBC data source that counts connections and fetched rows.
 * Adapted from the helpers of {@code dev.cleanroom.jdbc}'s tests.
 */
public final class PushdownDatabases {
  private static final AtomicInteger COUNTER = new AtomicInteger();

  private PushdownDatabases() {}

  /** A database the tests create tables in. */
  public abstract static class Db implements AutoCloseable {
    /** A short name for messages. */
    public abstract String label();

    /** Where connections come from. */
    public abstract javax.sql.DataSource dataSource();

    /** The dialect that {@link JdbcSource} detects. */
    public abstract SqlDialect dialect();

    /** Drops what the tests created. */
    @Override
    public abstract void close() throws SQLException, IOException;

    /** {@code identifier} quoted for this database. */
    public final String quote(String identifier) {
      return dialect().quote(identifier);
    }

    /** Runs each statement. */
    public final void execute(String... statements) throws SQLException {
      try (Connection c = dataSource().getConnection();
          Statement s = c.createStatement()) {
        for (String sql : statements) {
          s.execute(sql);
        }
      }
    }

    /** Inserts rows into {@code tableSql} with bound values; a null value is NULL. */
    public final void insert(String tableSql, List<Object[]> rows) throws SQLException {
      if (rows.isEmpty()) {
        return;
      }
      int n = rows.get(0).length;
      String sql =
          "INSERT INTO "
              + tableSql
              + " VALUES ("
              + String.join(", ", Collections.nCopies(n, "?"))
              + ")";
      try (Connection c = dataSource().getConnection();
          PreparedStatement ps = c.prepareStatement(sql)) {
        for (Object[] row : rows) {
          for (int i = 0; i < n; i++) {
            if (row[i] == null) {
              ps.setObject(i + 1, null);
            } else {
              ps.setObject(i + 1, row[i]);
            }
          }
          ps.addBatch();
        }
        ps.executeBatch();
      }
    }

    @Override
    public String toString() {
      return label();
    }
  }

  /** A fresh in-memory H2 database. */
  public static Db h2() {
    JdbcDataSource ds = new JdbcDataSource();
    ds.setURL("jdbc:h2:mem:pushdown" + COUNTER.incrementAndGet() + ";DB_CLOSE_DELAY=-1");
    ds.setUser("sa");
    ds.setPassword("h2-secret-password");
    return new Db() {
      @Override
      public String label() {
        return "H2";
      }

      @Override
      public javax.sql.DataSource dataSource() {
        return ds;
      }

      @Override
      public SqlDialect dialect() {
        return SqlDialect.H2;
      }

      @Override
      public void close() throws SQLException {
        execute("SHUTDOWN");
      }
    };
  }

  /** A fresh DuckDB database in a temporary file; every connection opens the same file. */
  public static Db duckdb() throws IOException {
    Path dir = Files.createTempDirectory("cleanroom-pushdown-duckdb");
    String url = "jdbc:duckdb:" + dir.resolve("test.duckdb");
    // DuckDB closes a database file with its last connection; one kept open spares reopening it.
    Connection keeper;
    try {
      keeper = DriverManager.getConnection(url);
    } catch (SQLException e) {
      throw new IOException("cannot open DuckDB (SQL state " + e.getSQLState() + ")", e);
    }
    javax.sql.DataSource ds = JdbcSource.dataSource(url);
    return new Db() {
      @Override
      public String label() {
        return "DuckDB";
      }

      @Override
      public javax.sql.DataSource dataSource() {
        return ds;
      }

      @Override
      public SqlDialect dialect() {
        return SqlDialect.DUCKDB;
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
   * Why the PostgreSQL server of the environment cannot be used, or empty when it can: the message
   * names the URL, the SQL state and the environment variables to set.
   */
  public static Optional<String> postgresUnreachable() {
    PGSimpleDataSource admin = postgresDataSource();
    try (Connection c = admin.getConnection()) {
      if (c.isValid(5)) {
        return Optional.empty();
      }
      return Optional.of("PostgreSQL at " + pgUrl() + " gave a connection that is not valid");
    } catch (SQLException e) {
      return Optional.of(
          "PostgreSQL at "
              + pgUrl()
              + " is not reachable (SQL state "
              + e.getSQLState()
              + "); set CLEANROOM_PG_URL, CLEANROOM_PG_USER and CLEANROOM_PG_PASSWORD or run"
              + " .ci/run");
    }
  }

  /** Whether the environment is CI, where PostgreSQL tests must run instead of being skipped. */
  public static boolean ci() {
    return "true".equals(System.getenv("CI"));
  }

  /**
   * The PostgreSQL server of the environment with a new schema as the current one.
   *
   * @throws SQLException if it cannot be reached
   */
  public static Db postgres() throws SQLException {
    String schema =
        "cleanroom_pushdown_" + ProcessHandle.current().pid() + "_" + COUNTER.incrementAndGet();
    PGSimpleDataSource admin = postgresDataSource();
    try (Connection c = admin.getConnection();
        Statement s = c.createStatement()) {
      s.execute("CREATE SCHEMA " + schema);
    }
    PGSimpleDataSource ds = postgresDataSource();
    ds.setCurrentSchema(schema);
    return new Db() {
      @Override
      public String label() {
        return "PostgreSQL";
      }

      @Override
      public javax.sql.DataSource dataSource() {
        return ds;
      }

      @Override
      public SqlDialect dialect() {
        return SqlDialect.POSTGRESQL;
      }

      @Override
      public void close() throws SQLException {
        execute("DROP SCHEMA " + schema + " CASCADE");
      }
    };
  }

  private static PGSimpleDataSource postgresDataSource() {
    PGSimpleDataSource ds = new PGSimpleDataSource();
    ds.setURL(pgUrl());
    ds.setUser(env("CLEANROOM_PG_USER", "cleanroom"));
    ds.setPassword(env("CLEANROOM_PG_PASSWORD", "cleanroom"));
    ds.setConnectTimeout(5);
    ds.setLoginTimeout(5);
    return ds;
  }

  private static String pgUrl() {
    return env("CLEANROOM_PG_URL", "jdbc:postgresql://127.0.0.1:5432/cleanroom");
  }

  private static String env(String name, String fallback) {
    String v = System.getenv(name);
    return v == null || v.isEmpty() ? fallback : v;
  }

  /**
   * The databases of one property class: H2 and DuckDB opened with it, PostgreSQL on first use
   * (required when {@code CI=true}), all closed with it.
   */
  public static final class Opened implements AutoCloseable {
    private final Db h2;
    private final Db duckdb;
    private Db postgres;

    private Opened(Db h2, Db duckdb) {
      this.h2 = h2;
      this.duckdb = duckdb;
    }

    /** Opens H2 and DuckDB. */
    public static Opened open() throws IOException {
      return new Opened(PushdownDatabases.h2(), PushdownDatabases.duckdb());
    }

    public Db h2() {
      return h2;
    }

    public Db duckdb() {
      return duckdb;
    }

    /** PostgreSQL, opened on first use. */
    public synchronized Db postgres() {
      if (postgres == null) {
        postgres = PushdownDatabases.postgresOrFail();
      }
      return postgres;
    }

    @Override
    public synchronized void close() throws Exception {
      h2.close();
      duckdb.close();
      if (postgres != null) {
        postgres.close();
      }
    }
  }

  /**
   * Opens the PostgreSQL database; reached only when {@link PostgresReachable} did not skip, so a
   * failure here (under {@code CI=true}) fails the test instead of skipping it.
   */
  public static Db postgresOrFail() {
    try {
      return postgres();
    } catch (SQLException e) {
      fail(
          postgresUnreachable().orElse("PostgreSQL failed")
              + " (SQL state "
              + e.getSQLState()
              + "); failing instead of skipping because CI=true");
      throw new AssertionError(e);
    }
  }

  /** Skips a PostgreSQL property when no server is reachable, unless {@code CI=true}. */
  public static final class PostgresReachable implements SkipExecutionHook {
    @Override
    public SkipResult shouldBeSkipped(LifecycleContext context) {
      Optional<String> why = postgresUnreachable();
      if (why.isPresent() && !ci()) {
        return SkipResult.skip(why.get() + "; skipping the PostgreSQL property");
      }
      return SkipResult.doNotSkip();
    }
  }

  /**
   * Hides a source behind the plain SPI (name, schema, scan; no version), so that the engine
   * streams its rows into the in-memory engine instead of pushing the query down or taking the
   * columnar path.
   */
  public static DataSource streamed(DataSource s) {
    return streamed(s, -1);
  }

  /**
   * {@code s} without a version, so that queries over it stream, claiming {@code estimate} rows
   * from {@link DataSource#estimatedRows()} (none if negative).
   */
  public static DataSource streamed(DataSource s, long estimate) {
    return new DataSource() {
      @Override
      public String name() {
        return s.name();
      }

      @Override
      public Schema schema() {
        return s.schema();
      }

      @Override
      public OptionalLong estimatedRows() {
        return estimate < 0 ? OptionalLong.empty() : OptionalLong.of(estimate);
      }

      @Override
      public Scan scan(ScanRequest request) {
        return s.scan(request);
      }
    };
  }

  /**
   * Hands out the real connections of another data source, wrapped to count the open ones and, per
   * prepared statement's SQL, the rows its result sets returned ({@code next()} calls that returned
   * true). Nothing is simulated.
   */
  public static final class Tracking extends SimpleDataSource {
    private final javax.sql.DataSource delegate;
    private final AtomicInteger open = new AtomicInteger();
    private final AtomicInteger opened = new AtomicInteger();
    private final Map<String, Integer> rowsBySql = new LinkedHashMap<>();
    private final List<String> prepared = new ArrayList<>();

    public Tracking(javax.sql.DataSource delegate) {
      this.delegate = delegate;
    }

    /** The connections handed out and not closed yet. */
    public int openConnections() {
      return open.get();
    }

    /** The connections handed out so far. */
    public int openedConnections() {
      return opened.get();
    }

    /** The SQL of every prepared statement, in order. */
    public synchronized List<String> prepared() {
      return List.copyOf(prepared);
    }

    /** Per prepared SQL text, the rows fetched from its result sets so far. */
    public synchronized Map<String, Integer> rowsBySql() {
      return new LinkedHashMap<>(rowsBySql);
    }

    @Override
    public Connection getConnection() throws SQLException {
      Connection real = delegate.getConnection();
      opened.incrementAndGet();
      open.incrementAndGet();
      return proxy(Connection.class, new ConnectionHandler(real));
    }

    private static <T> T proxy(Class<T> type, InvocationHandler handler) {
      return type.cast(
          Proxy.newProxyInstance(type.getClassLoader(), new Class<?>[] {type}, handler));
    }

    private final class ConnectionHandler implements InvocationHandler {
      private final Connection real;
      private boolean closed;

      ConnectionHandler(Connection real) {
        this.real = real;
      }

      @Override
      public Object invoke(Object proxy, Method method, Object[] args) throws Throwable {
        if (method.getName().equals("close") && !closed) {
          closed = true;
          open.decrementAndGet();
        }
        Object result = call(real, method, args);
        if (result instanceof PreparedStatement ps && method.getName().equals("prepareStatement")) {
          String sql = (String) args[0];
          synchronized (Tracking.this) {
            prepared.add(sql);
            rowsBySql.putIfAbsent(sql, 0);
          }
          return proxy(PreparedStatement.class, new StatementHandler(ps, sql));
        }
        return result;
      }
    }

    private final class StatementHandler implements InvocationHandler {
      private final PreparedStatement real;
      private final String sql;

      StatementHandler(PreparedStatement real, String sql) {
        this.real = real;
        this.sql = sql;
      }

      @Override
      public Object invoke(Object proxy, Method method, Object[] args) throws Throwable {
        Object result = call(real, method, args);
        if (result instanceof ResultSet rs) {
          return proxy(ResultSet.class, new ResultSetHandler(rs, sql));
        }
        return result;
      }
    }

    private final class ResultSetHandler implements InvocationHandler {
      private final ResultSet real;
      private final String sql;

      ResultSetHandler(ResultSet real, String sql) {
        this.real = real;
        this.sql = sql;
      }

      @Override
      public Object invoke(Object proxy, Method method, Object[] args) throws Throwable {
        Object result = call(real, method, args);
        if (method.getName().equals("next") && Boolean.TRUE.equals(result)) {
          synchronized (Tracking.this) {
            rowsBySql.merge(sql, 1, Integer::sum);
          }
        }
        return result;
      }
    }

    private static Object call(Object target, Method method, Object[] args) throws Throwable {
      try {
        return method.invoke(target, args);
      } catch (InvocationTargetException e) {
        throw e.getCause();
      }
    }
  }
}
