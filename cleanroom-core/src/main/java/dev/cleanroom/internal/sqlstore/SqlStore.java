package dev.cleanroom.internal.sqlstore;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Locale;
import java.util.Objects;
import java.util.regex.Pattern;
import javax.sql.DataSource;

/**
 * What the stores kept in a database share: the check of their table names, the detection of
 * PostgreSQL, creating a table if it is absent, which failures are worth a retry, and the wrapping
 * of failures without the driver's message (which may echo ledger names or other values).
 */
public final class SqlStore {
  /** PostgreSQL's limit on identifiers, the tightest of the databases these stores target. */
  private static final int MAX_IDENTIFIER = 63;

  private static final Pattern NAME = Pattern.compile("[a-z_][a-z0-9_]*");

  private SqlStore() {}

  /**
   * Checks a table name: one or two (schema and table) lower-case unquoted identifiers of letters
   * {@code a-z}, digits and underscores, not starting with a digit, each at most 63 characters and
   * the table part at most {@code 63 - reserve}, so that a suffix of {@code reserve} characters
   * still fits.
   *
   * @param table the table name
   * @param reserve the length of a suffix the store appends for a second table
   * @return {@code table}
   * @throws NullPointerException if {@code table} is null
   * @throws IllegalArgumentException if {@code table} is not such a name
   */
  public static String checkTable(String table, int reserve) {
    Objects.requireNonNull(table, "table");
    String[] parts = table.split("\\.", -1);
    boolean ok = parts.length <= 2;
    for (int i = 0; ok && i < parts.length; i++) {
      int max = i == parts.length - 1 ? MAX_IDENTIFIER - reserve : MAX_IDENTIFIER;
      ok = NAME.matcher(parts[i]).matches() && parts[i].length() <= max;
    }
    if (!ok) {
      throw new IllegalArgumentException(
          "table must be [schema.]name of lower-case letters, digits and underscores, not starting"
              + " with a digit, the name at most "
              + (MAX_IDENTIFIER - reserve)
              + " characters; provided value: "
              + table);
    }
    return table;
  }

  /**
   * Whether {@code c} is a connection to PostgreSQL.
   *
   * @throws SQLException if the metadata cannot be read
   */
  public static boolean isPostgres(Connection c) throws SQLException {
    return c.getMetaData().getDatabaseProductName().toLowerCase(Locale.ROOT).contains("postgresql");
  }

  /**
   * Runs {@code ddl} ({@code CREATE TABLE IF NOT EXISTS ...}) in auto-commit mode. PostgreSQL may
   * fail such a statement when another process creates the same table at the same instant; then the
   * statement is run once more, when the table exists.
   *
   * @throws SQLException if the statement fails twice
   */
  public static void create(Connection c, String ddl) throws SQLException {
    c.setAutoCommit(true);
    try (Statement s = c.createStatement()) {
      try {
        s.execute(ddl);
      } catch (SQLException first) {
        s.execute(ddl);
      }
    }
  }

  /**
   * Whether a transaction that failed with {@code e} may succeed when run again: a serialization
   * failure (SQL state {@code 40001}) or a detected deadlock ({@code 40P01}; H2 reports {@code
   * 40001} for both).
   */
  public static boolean retryable(SQLException e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof SQLException s) {
        String state = s.getSQLState();
        if ("40001".equals(state) || "40P01".equals(state)) {
          return true;
        }
      }
    }
    return false;
  }

  /**
   * Whether {@code e} is a unique-key violation (SQL state {@code 23505}), as when two processes
   * insert the same new row at the same instant.
   */
  public static boolean duplicateKey(SQLException e) {
    return "23505".equals(e.getSQLState());
  }

  /**
   * A failure of {@code what} (e.g. {@code "budget store cleanroom_ledger"}) that carries only the
   * SQL state and vendor code: the cause keeps the stack trace of {@code e} but not its message.
   */
  public static UncheckedIOException failure(String what, SQLException e) {
    String state = e.getSQLState() == null ? "unknown" : e.getSQLState();
    String message = what + ": SQL state " + state + " (error " + e.getErrorCode() + ")";
    return new UncheckedIOException(message, new IOException(message, sanitized(e)));
  }

  /** A copy of {@code e} with its SQL state, code and stack trace but without its message. */
  public static SQLException sanitized(SQLException e) {
    SQLException clean =
        new SQLException(
            e.getClass().getName()
                + (e.getSQLState() == null ? "" : " with SQL state " + e.getSQLState()),
            e.getSQLState(),
            e.getErrorCode());
    clean.setStackTrace(e.getStackTrace());
    return clean;
  }

  /** Rolls back {@code c}; a failure is added, sanitized, to {@code failure}. */
  public static void rollback(Connection c, Throwable failure) {
    try {
      c.rollback();
    } catch (SQLException e) {
      failure.addSuppressed(sanitized(e));
    }
  }

  /** How often {@link #retrying} runs its work before a serialization failure is final. */
  public static final int ATTEMPTS = 20;

  /** A unit of work on one connection. */
  @FunctionalInterface
  public interface Work<T> {
    /**
     * Runs on {@code c}.
     *
     * @throws SQLException if the database fails
     */
    T run(Connection c) throws SQLException;
  }

  /**
   * Runs {@code work} on a new connection from {@code ds}. A serialization failure or deadlock
   * ({@link #retryable}) runs it again on another connection, at most {@value #ATTEMPTS} times; any
   * other {@link SQLException} throws {@link #failure}{@code (what, e)}. Work that must not run
   * twice after some point turns its later failures into unchecked exceptions.
   *
   * @return what {@code work} returned
   */
  public static <T> T retrying(DataSource ds, String what, Work<T> work) {
    for (int attempt = 1; ; attempt++) {
      try (Connection c = connect(ds)) {
        return work.run(c);
      } catch (SQLException e) {
        if (attempt >= ATTEMPTS || !retryable(e)) {
          throw failure(what, e);
        }
      }
    }
  }

  /**
   * Puts {@code c} back in auto-commit mode after a transaction; a failure is ignored, since the
   * connection is closed next (a pool resets it anyway).
   */
  public static void restoreAutoCommit(Connection c) {
    try {
      c.setAutoCommit(true);
    } catch (SQLException e) {
      // The connection is closed next.
    }
  }

  /**
   * Opens a connection from {@code ds}.
   *
   * @throws SQLException if the data source fails or returns null
   */
  public static Connection connect(DataSource ds) throws SQLException {
    Connection c = ds.getConnection();
    if (c == null) {
      throw new SQLException("the data source returned no connection", "08001");
    }
    return c;
  }
}
