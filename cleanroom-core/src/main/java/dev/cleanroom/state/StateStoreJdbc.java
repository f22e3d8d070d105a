package dev.cleanroom.state;

import dev.cleanroom.internal.sqlstore.SqlStore;
import dev.cleanroom.spi.StateRecord;
import dev.cleanroom.spi.StateStore;
import java.io.UncheckedIOException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.UUID;
import java.util.function.Supplier;
import javax.sql.DataSource;

/**
 * A {@link StateStore} in two database tables that rooms in several processes share: one row per
 * record ({@code idx}, the appending store object's random origin, kind, body) and one head row
 * (the number of records). Made by {@link StateStores#jdbc(DataSource, String)}; see there for the
 * guarantees.
 *
 * <p>An append locks the head row ({@code SELECT ... FOR UPDATE}), inserts its record at the next
 * index and moves the head in one transaction, so the records of every process form one sequence
 * without gaps, in the order of their commits. {@link #exclusive} holds the head row's lock on one
 * connection while its body runs; appends of that body (on its thread) join that transaction and
 * commit with it. {@link #appendedElsewhere()} reads the rows after the last one this object has
 * seen whose origin is not its own.
 */
final class StateStoreJdbc implements StateStore {
  /** The suffix of the head table's name. */
  static final String HEAD_SUFFIX = "_head";

  private final DataSource dataSource;
  private final String what;
  private final String lockHeadSql;
  private final String insertSql;
  private final String updateHeadSql;
  private final String selectFromSql;

  /** Marks the rows this object appends. */
  private final String origin = UUID.randomUUID().toString();

  /** The connection of the {@link #exclusive} body that runs on the current thread, if any. */
  private final ThreadLocal<Connection> held = new ThreadLocal<>();

  private final Object lock = new Object();

  // Guarded by lock: the records before this index were returned by a read or are this object's.
  private long seen;

  private volatile boolean closed;

  private StateStoreJdbc(DataSource dataSource, String table) {
    this.dataSource = dataSource;
    this.what = "state store " + table;
    String head = table + HEAD_SUFFIX;
    this.lockHeadSql = "SELECT records FROM " + head + " WHERE id = 1 FOR UPDATE";
    this.insertSql = "INSERT INTO " + table + " (idx, origin, kind, body) VALUES (?, ?, ?, ?)";
    this.updateHeadSql = "UPDATE " + head + " SET records = ? WHERE id = 1";
    this.selectFromSql =
        "SELECT idx, origin, kind, body FROM " + table + " WHERE idx >= ? ORDER BY idx";
  }

  /**
   * Creates the tables if absent and returns a store over them.
   *
   * @throws IllegalArgumentException if {@code table} is not a safe name
   * @throws UncheckedIOException if the database cannot be reached or a table not created
   */
  static StateStoreJdbc open(DataSource dataSource, String table) {
    Objects.requireNonNull(dataSource, "dataSource");
    SqlStore.checkTable(table, HEAD_SUFFIX.length());
    try (Connection c = SqlStore.connect(dataSource)) {
      String text = SqlStore.isPostgres(c) ? "TEXT" : "CLOB";
      SqlStore.create(
          c,
          "CREATE TABLE IF NOT EXISTS "
              + table
              + " (idx BIGINT PRIMARY KEY, origin VARCHAR(36) NOT NULL, kind VARCHAR(32) NOT NULL,"
              + " body "
              + text
              + " NOT NULL)");
      SqlStore.create(
          c,
          "CREATE TABLE IF NOT EXISTS "
              + table
              + HEAD_SUFFIX
              + " (id INT PRIMARY KEY, records BIGINT NOT NULL)");
      try (PreparedStatement insert =
          c.prepareStatement(
              "INSERT INTO "
                  + table
                  + HEAD_SUFFIX
                  + " (id, records) SELECT 1, (SELECT COUNT(*) FROM "
                  + table
                  + ") FROM (VALUES (1)) AS one(x) WHERE NOT EXISTS (SELECT 1 FROM "
                  + table
                  + HEAD_SUFFIX
                  + " WHERE id = 1)")) {
        insert.executeUpdate();
      } catch (SQLException e) {
        if (!SqlStore.duplicateKey(e)) {
          throw e;
        }
        // Another process created the head row at the same instant.
      }
    } catch (SQLException e) {
      throw SqlStore.failure("state store " + table, e);
    }
    return new StateStoreJdbc(dataSource, table);
  }

  @Override
  public void append(StateRecord record) {
    Objects.requireNonNull(record, "record");
    checkOpen();
    Connection inBody = held.get();
    if (inBody != null) {
      try {
        insert(inBody, record);
      } catch (SQLException e) {
        throw SqlStore.failure(what, e);
      }
      return;
    }
    SqlStore.retrying(
        dataSource,
        what,
        c -> {
          c.setAutoCommit(false);
          try {
            insert(c, record);
            c.commit();
            return null;
          } catch (Throwable t) {
            SqlStore.rollback(c, t);
            throw t;
          } finally {
            SqlStore.restoreAutoCommit(c);
          }
        });
  }

  /** Locks the head row, inserts {@code record} at the next index and moves the head. */
  private void insert(Connection c, StateRecord record) throws SQLException {
    long idx = lockHead(c);
    try (PreparedStatement insert = c.prepareStatement(insertSql)) {
      insert.setLong(1, idx);
      insert.setString(2, origin);
      insert.setString(3, record.kind());
      insert.setString(4, record.body());
      insert.executeUpdate();
    }
    try (PreparedStatement update = c.prepareStatement(updateHeadSql)) {
      update.setLong(1, idx + 1);
      if (update.executeUpdate() != 1) {
        throw new SQLException("the head row of the state store is missing", "02000");
      }
    }
  }

  /** Locks the head row until the transaction ends: the number of records. */
  private long lockHead(Connection c) throws SQLException {
    try (PreparedStatement select = c.prepareStatement(lockHeadSql);
        ResultSet rs = select.executeQuery()) {
      if (!rs.next()) {
        throw new SQLException("the head row of the state store is missing", "02000");
      }
      return rs.getLong(1);
    }
  }

  @Override
  public List<StateRecord> records() {
    checkOpen();
    return read(0, true);
  }

  @Override
  public List<StateRecord> appendedElsewhere() {
    checkOpen();
    long from;
    synchronized (lock) {
      from = seen;
    }
    return read(from, false);
  }

  /**
   * The records from index {@code from}: all of them, or only those of other origins; moves {@link
   * #seen} past them.
   */
  private List<StateRecord> read(long from, boolean all) {
    Connection inBody = held.get();
    try {
      if (inBody != null) {
        return read(inBody, from, all);
      }
      try (Connection c = SqlStore.connect(dataSource)) {
        return read(c, from, all);
      }
    } catch (SQLException e) {
      throw SqlStore.failure(what, e);
    }
  }

  private List<StateRecord> read(Connection c, long from, boolean all) throws SQLException {
    List<StateRecord> out = new ArrayList<>();
    long next = from;
    try (PreparedStatement select = c.prepareStatement(selectFromSql)) {
      select.setLong(1, from);
      try (ResultSet rs = select.executeQuery()) {
        while (rs.next()) {
          next = rs.getLong(1) + 1;
          String by = rs.getString(2);
          String kind = rs.getString(3);
          String body = rs.getString(4);
          if (by == null || kind == null || body == null) {
            throw new SQLException("a state record row holds a NULL", "22004");
          }
          if (all || !by.equals(origin)) {
            try {
              out.add(new StateRecord(kind, body));
            } catch (IllegalArgumentException e) {
              throw new SQLException("a state record row is malformed", "22000");
            }
          }
        }
      }
    }
    synchronized (lock) {
      seen = Math.max(seen, next);
    }
    return List.copyOf(out);
  }

  @Override
  public <T> T exclusive(Supplier<T> body) {
    Objects.requireNonNull(body, "body");
    checkOpen();
    if (held.get() != null) {
      return body.get();
    }
    return SqlStore.retrying(
        dataSource,
        what,
        c -> {
          c.setAutoCommit(false);
          try {
            lockHead(c);
          } catch (SQLException e) {
            SqlStore.rollback(c, e);
            SqlStore.restoreAutoCommit(c);
            throw e;
          }
          // From here on nothing runs twice: the body changes the engine's memory.
          long seenBefore;
          synchronized (lock) {
            seenBefore = seen;
          }
          held.set(c);
          try {
            T result = body.get();
            c.commit();
            return result;
          } catch (Throwable t) {
            SqlStore.rollback(c, t);
            // A read in the body may have passed this body's own rows, whose indexes are free
            // again:
            // read from before them next time (applying a record twice does no harm).
            synchronized (lock) {
              seen = Math.min(seen, seenBefore);
            }
            if (t instanceof SQLException e) {
              throw SqlStore.failure(what, e);
            }
            throw t;
          } finally {
            held.remove();
            SqlStore.restoreAutoCommit(c);
          }
        });
  }

  /** Marks the store closed; idempotent. The data source is the caller's and stays open. */
  @Override
  public void close() {
    closed = true;
  }

  private void checkOpen() {
    if (closed) {
      throw new IllegalStateException("the state store is closed");
    }
  }

  @Override
  public String toString() {
    return "StateStores.jdbc(...)";
  }
}
