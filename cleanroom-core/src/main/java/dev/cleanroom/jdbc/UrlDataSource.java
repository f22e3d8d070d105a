package dev.cleanroom.jdbc;

import java.io.PrintWriter;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.SQLFeatureNotSupportedException;
import java.util.Objects;
import java.util.Properties;
import java.util.logging.Logger;

/**
 * A {@link javax.sql.DataSource} that opens a new connection per call through {@link
 * DriverManager}, from a JDBC URL and optional credentials: see {@link JdbcSource#dataSource}. No
 * pool; {@link #toString()} shows neither the URL (which may hold a password) nor the password.
 */
final class UrlDataSource implements javax.sql.DataSource {
  private final String url;
  private final Properties credentials;
  private volatile int loginTimeout;

  UrlDataSource(String url, Properties credentials) {
    this.url = Objects.requireNonNull(url, "url");
    this.credentials = credentials;
  }

  @Override
  public Connection getConnection() throws SQLException {
    return DriverManager.getConnection(url, credentials);
  }

  @Override
  public Connection getConnection(String user, String password) throws SQLException {
    Properties p = new Properties();
    p.setProperty("user", Objects.requireNonNull(user, "user"));
    p.setProperty("password", Objects.requireNonNull(password, "password"));
    return DriverManager.getConnection(url, p);
  }

  @Override
  public PrintWriter getLogWriter() {
    return null;
  }

  @Override
  public void setLogWriter(PrintWriter out) {}

  @Override
  public void setLoginTimeout(int seconds) {
    loginTimeout = seconds;
  }

  @Override
  public int getLoginTimeout() {
    return loginTimeout;
  }

  @Override
  public Logger getParentLogger() throws SQLFeatureNotSupportedException {
    throw new SQLFeatureNotSupportedException("no parent logger");
  }

  @Override
  public <T> T unwrap(Class<T> iface) throws SQLException {
    if (iface.isInstance(this)) {
      return iface.cast(this);
    }
    throw new SQLException("not a wrapper of " + iface.getSimpleName());
  }

  @Override
  public boolean isWrapperFor(Class<?> iface) {
    return iface.isInstance(this);
  }

  /** Shows neither the URL nor the credentials. */
  @Override
  public String toString() {
    return "UrlDataSource[not shown]";
  }
}
