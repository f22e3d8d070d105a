package dev.cleanroom.budget;

import dev.cleanroom.internal.sqlstore.SqlStore;
import dev.cleanroom.spi.BudgetStore;
import dev.cleanroom.spi.LedgerCharge;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.List;
import java.util.Objects;
import java.util.TreeSet;
import javax.sql.DataSource;

/**
 * A {@link BudgetStore} in a database table that several processes may share. Made by {@link
 * BudgetStores#jdbc(DataSource, String)}; see there for the guarantees.
 *
 * <p>One row per ledger holds its spent ε and δ as the exact {@link BigDecimal#toString()} forms. A
 * charge makes sure every row exists (committed at once, as zeros), then in one transaction locks
 * the rows with {@code SELECT ... FOR UPDATE} in sorted name order (so two charges never wait for
 * each other in a cycle), checks and adds in Java with {@link BudgetLedgers}, writes the totals and
 * commits. Serialization failures and deadlocks (which a database may still report, e.g. under a
 * stricter isolation level) run the transaction again, at most {@value #ATTEMPTS} times.
 */
final class JdbcBudgetStore implements BudgetStore {
  /** How often a charge runs its transaction before a serialization failure is final. */
  static final int ATTEMPTS = SqlStore.ATTEMPTS;

  private static final String ZERO = BigDecimal.ZERO.toString();

  private final DataSource dataSource;
  private final String table;
  private final String what;
  private final String insertSql;
  private final String lockSql;
  private final String selectSql;
  private final String updateSql;
  private final String bindSql;
  private final String boundSql;
  private final boolean postgres;
  private volatile boolean closed;

  /** The suffix of the table of {@link #bind}'s bindings, after the ledgers' table's name. */
  static final String BINDINGS_SUFFIX = "_bindings";

  private JdbcBudgetStore(DataSource dataSource, String table, boolean postgres) {
    this.dataSource = dataSource;
    this.table = table;
    this.what = "budget store " + table;
    this.postgres = postgres;
    String bindings = table + BINDINGS_SUFFIX;
    this.bindSql = insertIfAbsent(postgres, bindings, "name", "bound");
    this.boundSql = "SELECT bound FROM " + bindings + " WHERE name = ?";
    this.insertSql = insertIfAbsent(postgres, table, "ledger", "epsilon", "delta");
    this.selectSql = "SELECT epsilon, delta FROM " + table + " WHERE ledger = ?";
    this.lockSql = selectSql + " FOR UPDATE";
    this.updateSql = "UPDATE " + table + " SET epsilon = ?, delta = ? WHERE ledger = ?";
  }

  /**
   * An insert of one row into {@code table} unless a row with its {@code key} exists: its
   * parameters are the columns' values in order and, except on PostgreSQL, the key once more.
   */
  private static String insertIfAbsent(
      boolean postgres, String table, String key, String... others) {
    String columns = key + ", " + String.join(", ", others);
    String marks = "?" + ", ?".repeat(others.length);
    return postgres
        ? "INSERT INTO "
            + table
            + " ("
            + columns
            + ") VALUES ("
            + marks
            + ") ON CONFLICT ("
            + key
            + ") DO NOTHING"
        : "INSERT INTO "
            + table
            + " ("
            + columns
            + ") SELECT "
            + marks
            + " FROM (VALUES (1)) AS one(x) WHERE NOT EXISTS (SELECT 1 FROM "
            + table
            + " WHERE "
            + key
            + " = ?)";
  }

  /**
   * Creates the table if absent and returns a store over it.
   *
   * @throws IllegalArgumentException if {@code table} is not a safe name
   * @throws UncheckedIOException if the database cannot be reached or the table not created
   */
  static JdbcBudgetStore open(DataSource dataSource, String table) {
    Objects.requireNonNull(dataSource, "dataSource");
    SqlStore.checkTable(table, BINDINGS_SUFFIX.length());
    try (Connection c = SqlStore.connect(dataSource)) {
      SqlStore.create(
          c,
          "CREATE TABLE IF NOT EXISTS "
              + table
              + " (ledger VARCHAR PRIMARY KEY, epsilon VARCHAR NOT NULL, delta VARCHAR NOT NULL)");
      SqlStore.create(
          c,
          "CREATE TABLE IF NOT EXISTS "
              + table
              + BINDINGS_SUFFIX
              + " (name VARCHAR PRIMARY KEY, bound VARCHAR NOT NULL)");
      return new JdbcBudgetStore(dataSource, table, SqlStore.isPostgres(c));
    } catch (SQLException e) {
      throw SqlStore.failure("budget store " + table, e);
    }
  }

  @Override
  public List<LedgerCharge.Spent> charge(List<LedgerCharge> charges) {
    checkOpen();
    List<LedgerCharge> copy = BudgetLedgers.validate(charges);
    TreeSet<String> order = new TreeSet<>();
    for (LedgerCharge c : copy) {
      order.add(c.ledger());
    }
    return SqlStore.retrying(
        dataSource,
        what,
        c -> {
          return charge(c, copy, order);
        });
  }

  private List<LedgerCharge.Spent> charge(
      Connection c, List<LedgerCharge> charges, TreeSet<String> order) throws SQLException {
    c.setAutoCommit(true);
    insertMissing(c, order);
    c.setAutoCommit(false);
    try {
      BudgetLedgers ledgers = new BudgetLedgers();
      try (PreparedStatement lock = c.prepareStatement(lockSql)) {
        for (String ledger : order) {
          lock.setString(1, ledger);
          try (ResultSet rs = lock.executeQuery()) {
            if (!rs.next()) {
              throw new SQLException("a ledger row was deleted during a charge", "02000");
            }
            ledgers.add(ledger, amount(rs.getString(1)), amount(rs.getString(2)));
          }
        }
      }
      ledgers.check(charges);
      List<LedgerCharge.Spent> after = ledgers.apply(charges);
      try (PreparedStatement update = c.prepareStatement(updateSql)) {
        for (LedgerCharge.Spent s : after) {
          update.setString(1, s.epsilon().toString());
          update.setString(2, s.delta().toString());
          update.setString(3, s.ledger());
          update.addBatch();
        }
        update.executeBatch();
      }
      c.commit();
      return after;
    } catch (Throwable t) {
      SqlStore.rollback(c, t);
      throw t;
    } finally {
      SqlStore.restoreAutoCommit(c);
    }
  }

  /** Inserts a zero row for every ledger that has none, each committed at once. */
  private void insertMissing(Connection c, TreeSet<String> order) throws SQLException {
    try (PreparedStatement insert = c.prepareStatement(insertSql)) {
      for (String ledger : order) {
        insert.setString(1, ledger);
        insert.setString(2, ZERO);
        insert.setString(3, ZERO);
        if (!postgres) {
          insert.setString(4, ledger);
        }
        try {
          insert.executeUpdate();
        } catch (SQLException e) {
          if (!SqlStore.duplicateKey(e)) {
            throw e;
          }
          // Another charge inserted the same row at the same instant: it exists now.
        }
      }
    }
  }

  private static BigDecimal amount(String s) throws SQLException {
    if (s == null) {
      throw new SQLException("a ledger row holds a NULL amount", "22004");
    }
    try {
      return new BigDecimal(s);
    } catch (NumberFormatException e) {
      throw new SQLException("a ledger row holds a malformed amount", "22018");
    }
  }

  @Override
  public LedgerCharge.Spent spent(String ledger) {
    Objects.requireNonNull(ledger, "ledger");
    checkOpen();
    try (Connection c = SqlStore.connect(dataSource);
        PreparedStatement select = c.prepareStatement(selectSql)) {
      select.setString(1, ledger);
      try (ResultSet rs = select.executeQuery()) {
        if (!rs.next()) {
          return new LedgerCharge.Spent(ledger, BigDecimal.ZERO, BigDecimal.ZERO);
        }
        return new LedgerCharge.Spent(ledger, amount(rs.getString(1)), amount(rs.getString(2)));
      }
    } catch (SQLException e) {
      throw SqlStore.failure(what, e);
    }
  }

  /**
   * Inserts the binding unless its key has one (committed at once), then reads the key's binding:
   * of racing processes, the first insert wins and every one reads its value.
   */
  @Override
  public String bind(String key, String value) {
    BudgetLedgers.checkBinding("key", key);
    BudgetLedgers.checkBinding("value", value);
    checkOpen();
    return SqlStore.retrying(
        dataSource,
        what,
        c -> {
          c.setAutoCommit(true);
          try (PreparedStatement insert = c.prepareStatement(bindSql)) {
            insert.setString(1, key);
            insert.setString(2, value);
            if (!postgres) {
              insert.setString(3, key);
            }
            insert.executeUpdate();
          } catch (SQLException e) {
            if (!SqlStore.duplicateKey(e)) {
              throw e;
            }
            // Another process bound the same key at the same instant: its binding exists now.
          }
          try (PreparedStatement select = c.prepareStatement(boundSql)) {
            select.setString(1, key);
            try (ResultSet rs = select.executeQuery()) {
              String bound = rs.next() ? rs.getString(1) : null;
              if (bound == null) {
                throw new SQLException("a binding row is missing or NULL", "02000");
              }
              return bound;
            }
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
      throw new IllegalStateException("budget store is closed");
    }
  }

  @Override
  public String toString() {
    return "BudgetStores.jdbc(" + table + ")";
  }
}
