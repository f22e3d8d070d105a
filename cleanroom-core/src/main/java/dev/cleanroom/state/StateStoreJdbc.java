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
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.function.Supplier;
import javax.sql.DataSource;

/**
 * A {@link StateStore} in two database tables that rooms in several processes share: one row per
 * record ({@code idx}, kind, body) and one head row (the number of records). Made by {@link
 * StateStores#jdbc(DataSource, String)}; see there for the guarantees.
 *
 * <p>An append locks the head row ({@code SELECT ... FOR UPDATE}), inserts its record at the next
 * index and updates the head in one transaction, so the records of every process form one sequence
 * without gaps, in the order of their commits. {@link #exclusive} holds the head row's lock on one
 * connection while its body runs; appends of that body (on its thread) join that transaction and
 * commit with it.
 */
final class StateStoreJdbc implements StateStore {
  /** The suffix of the head table's name. */
  static final String HEAD_SUFFIX = "_head";

  /** How often a transaction runs before a serialization failure is final. */
  private static final int ATTEMPTS = 20;

  private final DataSource dataSource;
  private final String what;
  private final String lockHeadSql;
  private final String insertSql;
  private final String updateHeadSql;
  private final String selectFromSql;

  /** The {@link #exclusive} body that runs on the current thread, if any. */
  private final ThreadLocal<Held> held = new ThreadLocal<>();

  private final Object lock = new Object();

  // Guarded by lock: the records before this index were returned or appended by this object.
  private long seen;

  // Guarded by lock: the indexes at or after seen of records this object appended.
  private final Set<Long> own = new HashSet<>();

  private volatile boolean closed;

  private StateStoreJdbc(DataSource dataSource, String table) {
    this.dataSource = dataSource;
    this.what = "state store " + table;
    String head = table + HEAD_SUFFIX;
    this.lockHeadSql = "SELECT records FROM " + head + " WHERE id = 1 FOR UPDATE";
    this.insertSql = "INSERT INTO " + table + " (idx, kind, body) VALUES (?, ?, ?)";
    this.updateHeadSql = "UPDATE " + head + " SET records = ? WHERE id = 1";
    this.selectFromSql = "SELECT idx, kind, body FROM " + table + " WHERE idx >= ? ORDER BY idx";
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
              + " (idx BIGINT PRIMARY KEY, kind VARCHAR(32) NOT NULL, body "
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
    Held h = held.get();
    if (h != null) {
      try {
        h.appended.add(own(insert(h.connection, record)));
      } catch (SQLException e) {
        throw SqlStore.failure(what, e);
      }
      return;
    }
    for (int attempt = 1; ; attempt++) {
      try (Connection c = SqlStore.connect(dataSource)) {
        c.setAutoCommit(false);
        long idx = -1;
        try {
          idx = own(insert(c, record));
          c.commit();
          return;
        } catch (Throwable t) {
          disown(List.of(idx));
          SqlStore.rollback(c, t);
          throw t;
        } finally {
          SqlStore.restoreAutoCommit(c);
        }
      } catch (SQLException e) {
        if (attempt >= ATTEMPTS || !SqlStore.retryable(e)) {
          throw SqlStore.failure(what, e);
        }
      }
    }
  }

  /** Locks the head row, inserts {@code record} at the next index and moves the head: its index. */
  private long insert(Connection c, StateRecord record) throws SQLException {
    long idx = lockHead(c);
    try (PreparedStatement insert = c.prepareStatement(insertSql)) {
      insert.setLong(1, idx);
      insert.setString(2, record.kind());
      insert.setString(3, record.body());
      insert.executeUpdate();
    }
    try (PreparedStatement update = c.prepareStatement(updateHeadSql)) {
      update.setLong(1, idx + 1);
      if (update.executeUpdate() != 1) {
        throw new SQLException("the head row of the state store is missing", "02000");
      }
    }
    return idx;
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

  /**
   * Marks the record at {@code idx} as this object's, before its transaction commits, so that no
   * read returns it as appended elsewhere: {@code idx}.
   */
  private long own(long idx) {
    synchronized (lock) {
      if (idx >= seen) {
        own.add(idx);
      }
    }
    return idx;
  }

  /**
   * Forgets the marks of records whose transaction did not commit: their indexes are free again.
   */
  private void disown(List<Long> indexes) {
    synchronized (lock) {
      own.removeAll(indexes);
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
   * The records from index {@code from}, all of them or only those appended elsewhere; moves {@link
   * #seen} past them.
   */
  private List<StateRecord> read(long from, boolean all) {
    Held h = held.get();
    try {
      if (h != null) {
        return read(h.connection, from, all);
      }
      try (Connection fresh = SqlStore.connect(dataSource)) {
        return read(fresh, from, all);
      }
    } catch (SQLException e) {
      throw SqlStore.failure(what, e);
    }
  }

  private List<StateRecord> read(Connection c, long from, boolean all) throws SQLException {
    List<StateRecord> out = new ArrayList<>();
    long next = from;
    List<Long> indexes = new ArrayList<>();
    try (PreparedStatement select = c.prepareStatement(selectFromSql)) {
      select.setLong(1, from);
      try (ResultSet rs = select.executeQuery()) {
        while (rs.next()) {
          long idx = rs.getLong(1);
          String kind = rs.getString(2);
          String body = rs.getString(3);
          if (kind == null || body == null) {
            throw new SQLException("a state record row holds a NULL", "22004");
          }
          try {
            out.add(new StateRecord(kind, body));
          } catch (IllegalArgumentException e) {
            throw new SQLException("a state record row is malformed", "22000");
          }
          indexes.add(idx);
          next = idx + 1;
        }
      }
    }
    synchronized (lock) {
      List<StateRecord> kept = new ArrayList<>(out.size());
      for (int i = 0; i < out.size(); i++) {
        if (all || !own.contains(indexes.get(i))) {
          kept.add(out.get(i));
        }
      }
      if (next > seen) {
        seen = next;
        own.removeIf(i -> i < seen);
      }
      return List.copyOf(kept);
    }
  }

  @Override
  public <T> T exclusive(Supplier<T> body) {
    Objects.requireNonNull(body, "body");
    checkOpen();
    if (held.get() != null) {
      return body.get();
    }
    for (int attempt = 1; ; attempt++) {
      try (Connection c = SqlStore.connect(dataSource)) {
        c.setAutoCommit(false);
        try {
          lockHead(c);
        } catch (SQLException e) {
          SqlStore.rollback(c, e);
          SqlStore.restoreAutoCommit(c);
          throw e;
        }
        // From here on nothing runs twice: the body changes the engine's memory.
        Held h = new Held(c);
        held.set(h);
        try {
          T result = body.get();
          c.commit();
          return result;
        } catch (Throwable t) {
          disown(h.appended);
          SqlStore.rollback(c, t);
          if (t instanceof SQLException e) {
            throw SqlStore.failure(what, e);
          }
          throw t;
        } finally {
          held.remove();
          SqlStore.restoreAutoCommit(c);
        }
      } catch (SQLException e) {
        if (attempt >= ATTEMPTS || !SqlStore.retryable(e)) {
          throw SqlStore.failure(what, e);
        }
      }
    }
  }

  /** The connection of an {@link #exclusive} body and the indexes its appends took. */
  private static final class Held {
    final Connection connection;
    final List<Long> appended = new ArrayList<>();

    Held(Connection connection) {
      this.connection = connection;
    }
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
