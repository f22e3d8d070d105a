package dev.cleanroom.jdbc;

import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import javax.sql.DataSource;

/**
 * A data source that hands out the real connections of another one, wrapped to count how many are
 * open and to record what a scan does with them: the fetch size set on its statements and the
 * auto-commit mode each connection had when it was closed. Nothing is simulated; every call reaches
 * the real driver.
 */
final class TrackingDataSource extends SimpleDataSource {
  private final DataSource delegate;
  private final AtomicInteger opened = new AtomicInteger();
  private final AtomicInteger open = new AtomicInteger();
  private final List<Integer> fetchSizes = new ArrayList<>();
  private final List<Boolean> autoCommitAtClose = new ArrayList<>();

  TrackingDataSource(DataSource delegate) {
    this.delegate = delegate;
  }

  /** The number of connections handed out and not closed yet. */
  int openConnections() {
    return open.get();
  }

  /** The number of connections handed out so far. */
  int openedConnections() {
    return opened.get();
  }

  /** The fetch sizes set on prepared statements, in order. */
  synchronized List<Integer> fetchSizes() {
    return List.copyOf(fetchSizes);
  }

  /** The auto-commit mode of each closed connection when it was closed, in order. */
  synchronized List<Boolean> autoCommitAtClose() {
    return List.copyOf(autoCommitAtClose);
  }

  @Override
  public Connection getConnection() throws SQLException {
    Connection real = delegate.getConnection();
    opened.incrementAndGet();
    open.incrementAndGet();
    return (Connection)
        Proxy.newProxyInstance(
            Connection.class.getClassLoader(),
            new Class<?>[] {Connection.class},
            new ConnectionHandler(real));
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
        synchronized (TrackingDataSource.this) {
          autoCommitAtClose.add(real.getAutoCommit());
        }
        closed = true;
        open.decrementAndGet();
      }
      Object result = call(real, method, args);
      if (result instanceof PreparedStatement ps) {
        return Proxy.newProxyInstance(
            PreparedStatement.class.getClassLoader(),
            new Class<?>[] {PreparedStatement.class},
            new StatementHandler(ps));
      }
      return result;
    }
  }

  private final class StatementHandler implements InvocationHandler {
    private final PreparedStatement real;

    StatementHandler(PreparedStatement real) {
      this.real = real;
    }

    @Override
    public Object invoke(Object proxy, Method method, Object[] args) throws Throwable {
      if (method.getName().equals("setFetchSize")) {
        synchronized (TrackingDataSource.this) {
          fetchSizes.add((Integer) args[0]);
        }
      }
      return call(real, method, args);
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
