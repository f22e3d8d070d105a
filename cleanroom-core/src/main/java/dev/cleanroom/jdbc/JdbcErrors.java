package dev.cleanroom.jdbc;

import dev.cleanroom.DataSourceException;
import java.sql.SQLException;

/**
 * Failures of JDBC calls as {@link DataSourceException}s that carry only the SQL state and vendor
 * error code: a driver's message may echo data values or SQL literals, so neither it nor the {@link
 * SQLException} itself is kept.
 */
final class JdbcErrors {
  private JdbcErrors() {}

  /**
   * {@code data source <source>: SQL state <state> (error <code>)}, without a cause; a missing
   * state is reported as {@code unknown}.
   */
  static DataSourceException failure(String source, SQLException e) {
    String state = e.getSQLState() == null ? "unknown" : e.getSQLState();
    return new DataSourceException(
        source, "SQL state " + state + " (error " + e.getErrorCode() + ")", null);
  }

  /** Closes {@code closeable} if it is not null; a failure is added to {@code failure}. */
  static void closeAfterFailure(AutoCloseable closeable, Throwable failure) {
    if (closeable == null) {
      return;
    }
    try {
      closeable.close();
    } catch (Exception e) {
      failure.addSuppressed(sanitized(e));
    }
  }

  /**
   * An exception safe to attach as a suppressed exception: the class name and, for a {@link
   * SQLException}, the SQL state and code of {@code e}, with its stack trace but not its message,
   * which may hold values.
   */
  static SQLException sanitized(Exception e) {
    String state = e instanceof SQLException sql ? sql.getSQLState() : null;
    int code = e instanceof SQLException sql ? sql.getErrorCode() : 0;
    SQLException clean =
        new SQLException(
            "closing failed: "
                + e.getClass().getName()
                + (state == null ? "" : " with SQL state " + state + " (error " + code + ")"),
            state,
            code);
    clean.setStackTrace(e.getStackTrace());
    return clean;
  }
}
