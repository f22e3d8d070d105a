package dev.cleanroom.audit;

import dev.cleanroom.internal.sqlstore.SqlStore;
import dev.cleanroom.spi.AuditEvent;
import dev.cleanroom.spi.AuditRecord;
import dev.cleanroom.spi.AuditTrail;
import java.io.UncheckedIOException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import javax.sql.DataSource;

/**
 * An audit trail in two database tables that several processes may share: one row per record
 * ({@code idx}, and the {@link AuditFormat#payload} as bytes) and one head row (the number of
 * records and the last hash). Made by {@link AuditTrails#jdbc(DataSource, String)}; see there for
 * the guarantees.
 *
 * <p>Appending is one transaction: {@code SELECT ... FOR UPDATE} on the head row, link the event
 * after it, insert the record, update the head, commit. The head row's lock makes appends of every
 * process one sequence, so the chain's order is the database's order.
 */
final class AuditTrailJdbc implements AuditTrail {
  /** The suffix of the head table's name. */
  static final String HEAD_SUFFIX = "_head";

  private final DataSource dataSource;
  private final String table;
  private final String what;
  private final String headSql;
  private final String lockHeadSql;
  private final String insertSql;
  private final String updateHeadSql;
  private final String selectSql;

  private final Object lock = new Object();

  // Guarded by lock: the longest head this trail has written or read.
  private Head known;

  private volatile boolean closed;

  private AuditTrailJdbc(DataSource dataSource, String table) {
    this.dataSource = dataSource;
    this.table = table;
    this.what = "audit trail " + table;
    String head = table + HEAD_SUFFIX;
    this.headSql = "SELECT records, hash FROM " + head + " WHERE id = 1";
    this.lockHeadSql = headSql + " FOR UPDATE";
    this.insertSql = "INSERT INTO " + table + " (idx, payload) VALUES (?, ?)";
    this.updateHeadSql = "UPDATE " + head + " SET records = ?, hash = ? WHERE id = 1";
    this.selectSql = "SELECT payload FROM " + table + " ORDER BY idx";
    this.known = new Head(0, AuditRecord.GENESIS);
  }

  /**
   * Creates the tables if absent, verifies the chain they hold and returns a trail over them.
   *
   * @throws IllegalArgumentException if {@code table} is not a safe name
   * @throws IllegalStateException if the stored chain is broken
   * @throws UncheckedIOException if the database cannot be reached or a table not created
   */
  static AuditTrailJdbc open(DataSource dataSource, String table) {
    Objects.requireNonNull(dataSource, "dataSource");
    SqlStore.checkTable(table, HEAD_SUFFIX.length());
    AuditTrailJdbc trail = new AuditTrailJdbc(dataSource, table);
    try (Connection c = SqlStore.connect(dataSource)) {
      String bytes = SqlStore.isPostgres(c) ? "BYTEA" : "VARBINARY";
      SqlStore.create(
          c,
          "CREATE TABLE IF NOT EXISTS "
              + table
              + " (idx BIGINT PRIMARY KEY, payload "
              + bytes
              + " NOT NULL)");
      SqlStore.create(
          c,
          "CREATE TABLE IF NOT EXISTS "
              + table
              + HEAD_SUFFIX
              + " (id INT PRIMARY KEY, records BIGINT NOT NULL, hash VARCHAR(64) NOT NULL)");
      List<AuditRecord> records = trail.read(c);
      Verification chain = AuditChain.verify(records, Optional.empty());
      refuseBroken(table, chain);
      Head fromRecords = AuditChain.headOf(records);
      try (PreparedStatement insert =
          c.prepareStatement(
              "INSERT INTO "
                  + table
                  + HEAD_SUFFIX
                  + " (id, records, hash) SELECT 1, ?, ? FROM (VALUES (1)) AS one(x)"
                  + " WHERE NOT EXISTS (SELECT 1 FROM "
                  + table
                  + HEAD_SUFFIX
                  + " WHERE id = 1)")) {
        insert.setLong(1, fromRecords.records());
        insert.setString(2, fromRecords.hash());
        insert.executeUpdate();
      } catch (SQLException e) {
        if (!SqlStore.duplicateKey(e)) {
          throw e;
        }
        // Another process created the head row at the same instant.
      }
      Head head = trail.readHead(c);
      refuseBroken(table, AuditChain.verify(trail.read(c), Optional.of(head)));
      trail.known = head;
    } catch (SQLException e) {
      throw SqlStore.failure("audit trail " + table, e);
    }
    return trail;
  }

  private static void refuseBroken(String table, Verification v) {
    if (!v.ok()) {
      Failure f = v.failure().orElseThrow();
      throw new IllegalStateException(
          "audit trail "
              + table
              + " has a broken chain at record "
              + f.index()
              + " ("
              + f.problem()
              + ": "
              + f.detail()
              + "); refusing to open it (restore it from a backup)");
    }
  }

  @Override
  public void record(AuditEvent event) {
    Objects.requireNonNull(event, "event");
    checkOpen();
    SqlStore.retrying(
        dataSource,
        what,
        c -> {
          Head written = append(c, event);
          remember(written);
          return null;
        });
  }

  private Head append(Connection c, AuditEvent event) throws SQLException {
    c.setAutoCommit(false);
    try {
      Head head;
      try (PreparedStatement lockHead = c.prepareStatement(lockHeadSql)) {
        head = head(lockHead);
      }
      AuditRecord r = AuditFormat.link(head.records(), event, head.hash());
      try (PreparedStatement insert = c.prepareStatement(insertSql)) {
        insert.setLong(1, r.index());
        insert.setBytes(2, AuditFormat.payload(r));
        insert.executeUpdate();
      }
      Head next = new Head(r.index() + 1, r.hash());
      try (PreparedStatement update = c.prepareStatement(updateHeadSql)) {
        update.setLong(1, next.records());
        update.setString(2, next.hash());
        if (update.executeUpdate() != 1) {
          throw new SQLException("the head row of the audit trail is missing", "02000");
        }
      }
      c.commit();
      return next;
    } catch (Throwable t) {
      SqlStore.rollback(c, t);
      throw t;
    } finally {
      SqlStore.restoreAutoCommit(c);
    }
  }

  private Head readHead(Connection c) throws SQLException {
    try (PreparedStatement select = c.prepareStatement(headSql)) {
      return head(select);
    }
  }

  private static Head head(PreparedStatement select) throws SQLException {
    try (ResultSet rs = select.executeQuery()) {
      if (!rs.next()) {
        throw new SQLException("the head row of the audit trail is missing", "02000");
      }
      long records = rs.getLong(1);
      String hash = rs.getString(2);
      try {
        return new Head(records, hash == null ? "" : hash);
      } catch (IllegalArgumentException e) {
        throw new SQLException("the head row of the audit trail is malformed", "22000");
      }
    }
  }

  /**
   * Every record, ordered by {@code idx}; reading stops before the first row whose payload cannot
   * be decoded, so verification reports the gap.
   */
  private List<AuditRecord> read(Connection c) throws SQLException {
    List<AuditRecord> out = new ArrayList<>();
    try (Statement s = c.createStatement();
        ResultSet rs = s.executeQuery(selectSql)) {
      while (rs.next()) {
        byte[] payload = rs.getBytes(1);
        try {
          out.add(AuditFormat.decode(payload == null ? new byte[0] : payload));
        } catch (IllegalArgumentException e) {
          break;
        }
      }
    }
    return out;
  }

  private void remember(Head head) {
    synchronized (lock) {
      if (head.records() > known.records()) {
        known = head;
      }
    }
  }

  private Head known() {
    synchronized (lock) {
      return known;
    }
  }

  @Override
  public List<AuditRecord> records() {
    checkOpen();
    try (Connection c = SqlStore.connect(dataSource)) {
      return List.copyOf(read(c));
    } catch (SQLException e) {
      throw SqlStore.failure(what, e);
    }
  }

  /** The shared head as the database holds it now (every process's records included). */
  @Override
  public Head head() {
    checkOpen();
    try (Connection c = SqlStore.connect(dataSource)) {
      Head head = readHead(c);
      remember(head);
      return head;
    } catch (SQLException e) {
      throw SqlStore.failure(what, e);
    }
  }

  /**
   * Reads the head row, then the records (so that records appended in between only lengthen the
   * list), and checks the chain against the head row and against the longest head this trail has
   * seen.
   */
  @Override
  public Verification verify() {
    checkOpen();
    Head before = known();
    Head head;
    List<AuditRecord> records;
    try (Connection c = SqlStore.connect(dataSource)) {
      head = readHead(c);
      records = read(c);
    } catch (SQLException e) {
      throw SqlStore.failure(what, e);
    }
    Verification v = AuditChain.verify(records, Optional.of(before));
    if (v.ok()) {
      v = AuditChain.verify(records, Optional.of(head));
    }
    if (v.ok()) {
      remember(head);
    }
    return v;
  }

  @Override
  public Verification verify(Head anchor) {
    Objects.requireNonNull(anchor, "anchor");
    return AuditChain.verify(records(), Optional.of(anchor));
  }

  @Override
  public List<Charged> epsilonCharged(String owner) {
    Objects.requireNonNull(owner, "owner");
    return AuditChain.charged(records(), owner);
  }

  /** Marks the trail closed; idempotent. The data source is the caller's and stays open. */
  @Override
  public void close() {
    closed = true;
  }

  private void checkOpen() {
    if (closed) {
      throw new IllegalStateException("audit trail is closed");
    }
  }

  @Override
  public String toString() {
    return "AuditTrails.jdbc(" + table + ")";
  }
}
