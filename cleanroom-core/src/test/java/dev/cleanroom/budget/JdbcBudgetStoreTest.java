package dev.cleanroom.budget;

import static dev.cleanroom.budget.BudgetTesting.assertAmount;
import static dev.cleanroom.budget.BudgetTesting.assertSpent;
import static dev.cleanroom.budget.BudgetTesting.eps;
import static dev.cleanroom.budget.BudgetTesting.epsDelta;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cleanroom.BudgetExhaustedException;
import dev.cleanroom.spi.BudgetStore;
import dev.cleanroom.spi.LedgerCharge;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.concurrent.Callable;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.logging.Logger;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@link BudgetStores#jdbc}: the semantics of the other stores, on H2 and on PostgreSQL (skipped
 * without a server unless {@code CI=true}), shared by several store objects over one table.
 */
class JdbcBudgetStoreTest {
  private static final BigDecimal ZERO = BigDecimal.ZERO;
  private static final BigDecimal TENTH = new BigDecimal("0.1");
  private static final BigDecimal ONE = new BigDecimal("1.0");

  @ParameterizedTest
  @EnumSource(SharedDatabase.Kind.class)
  void tenthsAgainstOne_exactlyTenFit_andAmountsStayExact(SharedDatabase.Kind kind)
      throws Exception {
    try (SharedDatabase db = kind.open();
        BudgetStore store = BudgetStores.jdbc(db.dataSource())) {
      assertSpent(store, "never", "0", "0");
      for (int i = 0; i < 10; i++) {
        store.charge(List.of(eps("x", "0.1", "1.0")));
      }
      assertThrows(
          BudgetExhaustedException.class, () -> store.charge(List.of(eps("x", "0.1", "1"))));
      assertSpent(store, "x", "1.0", "0");
      // Tiny amounts do not drift either: a hundred charges of 1e-12 are exactly 1e-10.
      for (int i = 0; i < 100; i++) {
        store.charge(List.of(eps("tiny", "1e-12", "1")));
      }
      assertSpent(store, "tiny", "1e-10", "0");
      // Scales beyond any NUMERIC type survive, since amounts are kept as exact strings.
      store.charge(List.of(eps("deep", "1e-20000", "1")));
      assertEquals(0, store.spent("deep").epsilon().compareTo(new BigDecimal("1e-20000")));
    }
  }

  @ParameterizedTest
  @EnumSource(SharedDatabase.Kind.class)
  void multiLedgerCharge_isAllOrNothing_andNamesTheFirstShortLedger(SharedDatabase.Kind kind)
      throws Exception {
    try (SharedDatabase db = kind.open();
        BudgetStore store = BudgetStores.jdbc(db.dataSource())) {
      store.charge(List.of(epsDelta("a", "0.5", "1e-6", "1", "1e-5")));
      List<LedgerCharge.Spent> after =
          store.charge(
              List.of(
                  epsDelta("b", "0.25", "0", "1", "0"),
                  epsDelta("a", "0.25", "2e-6", "1", "1e-5")));
      assertEquals("b", after.get(0).ledger());
      assertAmount("0.25", after.get(0).epsilon());
      assertEquals("a", after.get(1).ledger());
      assertAmount("0.75", after.get(1).epsilon());
      assertAmount("3e-6", after.get(1).delta());

      // δ too much on "a": nothing is charged, not even "c" which had room.
      BudgetExhaustedException e =
          assertThrows(
              BudgetExhaustedException.class,
              () ->
                  store.charge(
                      List.of(
                          epsDelta("c", "0.1", "0", "1", "0"),
                          epsDelta("a", "0.1", "8e-6", "1", "1e-5"))));
      assertEquals("a", e.ledger());
      assertAmount("0.25", e.remainingEpsilon());
      assertAmount("7e-6", e.remainingDelta());
      assertSpent(store, "c", "0", "0");
      assertSpent(store, "a", "0.75", "3e-6");

      // The grants ledger that the room keeps for top-ups is an ordinary ledger here too.
      store.charge(List.of(eps("a/granted", "2", "1e9")));
      assertSpent(store, "a/granted", "2", "0");
    }
  }

  @ParameterizedTest
  @EnumSource(SharedDatabase.Kind.class)
  void twoStoresOverOneTable_shareTheirLedgers(SharedDatabase.Kind kind) throws Exception {
    try (SharedDatabase db = kind.open();
        BudgetStore first = BudgetStores.jdbc(db.dataSource(), "budgets");
        BudgetStore second = BudgetStores.jdbc(db.dataSource(), "budgets");
        BudgetStore other = BudgetStores.jdbc(db.dataSource(), "other_budgets")) {
      first.charge(List.of(eps("x", "0.75", "1")));
      assertSpent(second, "x", "0.75", "0");
      assertThrows(
          BudgetExhaustedException.class, () -> second.charge(List.of(eps("x", "0.5", "1"))));
      second.charge(List.of(eps("x", "0.25", "1")));
      assertSpent(first, "x", "1", "0");
      assertSpent(other, "x", "0", "0");
    }
  }

  @ParameterizedTest
  @EnumSource(SharedDatabase.Kind.class)
  void theTableHoldsOneRowPerLedger_withExactDecimalStrings(SharedDatabase.Kind kind)
      throws Exception {
    try (SharedDatabase db = kind.open();
        BudgetStore store = BudgetStores.jdbc(db.dataSource())) {
      store.charge(List.of(epsDelta("x", "0.1", "1e-7", "1", "1")));
      store.charge(List.of(epsDelta("x", "0.2", "0", "1", "1")));
      try (Connection c = db.dataSource().getConnection();
          Statement s = c.createStatement();
          ResultSet rs = s.executeQuery("SELECT ledger, epsilon, delta FROM cleanroom_ledger")) {
        assertTrue(rs.next());
        assertEquals("x", rs.getString(1));
        assertEquals("0.3", rs.getString(2));
        assertEquals("1E-7", rs.getString(3));
        assertFalse(rs.next());
      }
    }
  }

  @ParameterizedTest
  @EnumSource(SharedDatabase.Kind.class)
  void sixtyFourThreadsOnThreeStores_chargingATenth_exactlyTenSucceed(SharedDatabase.Kind kind)
      throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(64);
    try (SharedDatabase db = kind.open();
        BudgetStore a = BudgetStores.jdbc(db.dataSource());
        BudgetStore b = BudgetStores.jdbc(db.dataSource());
        BudgetStore c = BudgetStores.jdbc(db.dataSource())) {
      List<BudgetStore> stores = List.of(a, b, c);
      for (int round = 0; round < 5; round++) {
        String one = "race-" + round;
        String two = "race-b-" + round;
        CyclicBarrier barrier = new CyclicBarrier(64);
        List<Callable<Throwable>> tasks = new ArrayList<>();
        for (int i = 0; i < 64; i++) {
          BudgetStore store = stores.get(i % 3);
          // Two ledgers in either order: a fixed lock order keeps them from deadlocking.
          List<LedgerCharge> charge =
              new ArrayList<>(
                  List.of(
                      new LedgerCharge(one, TENTH, ZERO, ONE, ZERO),
                      new LedgerCharge(two, TENTH, ZERO, ONE, ZERO)));
          Collections.shuffle(charge, new Random(i));
          tasks.add(
              () -> {
                barrier.await(60, TimeUnit.SECONDS);
                try {
                  store.charge(charge);
                  return null;
                } catch (RuntimeException e) {
                  return e;
                }
              });
        }
        int succeeded = 0;
        for (Future<Throwable> f : pool.invokeAll(tasks)) {
          Throwable t = f.get();
          if (t == null) {
            succeeded++;
          } else {
            assertInstanceOf(BudgetExhaustedException.class, t);
          }
        }
        assertEquals(10, succeeded, "round " + round);
        assertSpent(a, one, "1.0", "0");
        assertSpent(b, two, "1.0", "0");
      }
    } finally {
      pool.shutdownNow();
      assertTrue(pool.awaitTermination(10, TimeUnit.SECONDS));
    }
  }

  @ParameterizedTest
  @ValueSource(
      strings = {"", "1abc", "Budget", "a-b", "a.b.c", "x;drop table y", "\"q\"", "a b", "ä"})
  void unsafeTableNames_areRejected(String table) {
    try (SharedDatabase db = SharedDatabase.h2()) {
      IllegalArgumentException e =
          assertThrows(
              IllegalArgumentException.class, () -> BudgetStores.jdbc(db.dataSource(), table));
      assertTrue(e.getMessage().startsWith("table must be"), e.getMessage());
    }
  }

  @ParameterizedTest
  @EnumSource(SharedDatabase.Kind.class)
  void bind_keepsTheFirstValue_forEveryStoreOverTheTable_evenWhenRacing(SharedDatabase.Kind kind)
      throws Exception {
    try (SharedDatabase db = kind.open();
        BudgetStore one = BudgetStores.jdbc(db.dataSource());
        BudgetStore two = BudgetStores.jdbc(db.dataSource())) {
      BudgetTesting.assertBindContract(one);
      assertEquals("pub.first", two.bind("a", "pub.other"));
      // Sixteen stores race to bind one key, each its own value: all get the same one.
      ExecutorService pool = Executors.newFixedThreadPool(16);
      try {
        CyclicBarrier start = new CyclicBarrier(16);
        List<Future<String>> bound = new ArrayList<>();
        for (int i = 0; i < 16; i++) {
          String value = "pub.racer" + i;
          bound.add(
              pool.submit(
                  () -> {
                    try (BudgetStore store = BudgetStores.jdbc(db.dataSource())) {
                      start.await(30, TimeUnit.SECONDS);
                      return store.bind("raced", value);
                    }
                  }));
        }
        String winner = bound.get(0).get(60, TimeUnit.SECONDS);
        assertTrue(winner.startsWith("pub.racer"), winner);
        for (Future<String> f : bound) {
          assertEquals(winner, f.get(60, TimeUnit.SECONDS));
        }
      } finally {
        pool.shutdownNow();
      }
      one.close();
      assertThrows(IllegalStateException.class, () -> one.bind("a", "v"));
    }
  }

  @Test
  void tooLongTableNames_areRejected_schemaQualifiedNamesAccepted() throws Exception {
    try (SharedDatabase db = SharedDatabase.h2()) {
      assertThrows(
          IllegalArgumentException.class, () -> BudgetStores.jdbc(db.dataSource(), "t".repeat(64)));
      // The bindings' table adds "_bindings" to the name: 54 characters leave room for it.
      assertThrows(
          IllegalArgumentException.class, () -> BudgetStores.jdbc(db.dataSource(), "t".repeat(55)));
      db.execute("CREATE SCHEMA budgets");
      try (BudgetStore store =
          BudgetStores.jdbc(db.dataSource(), "budgets.ledger_" + "t".repeat(47))) {
        store.charge(List.of(eps("x", "0.5", "1")));
        assertSpent(store, "x", "0.5", "0");
      }
    }
  }

  @Test
  void closedStore_rejectsCalls_andCallerMistakesAreCaught() {
    try (SharedDatabase db = SharedDatabase.h2()) {
      BudgetStore store = BudgetStores.jdbc(db.dataSource());
      assertThrows(IllegalArgumentException.class, () -> store.charge(List.of()));
      assertThrows(
          IllegalArgumentException.class,
          () -> store.charge(List.of(eps("x", "0.1", "1"), eps("x", "0.1", "1"))));
      assertThrows(NullPointerException.class, () -> store.spent(null));
      assertThrows(NullPointerException.class, () -> BudgetStores.jdbc(null));
      assertFalse(store.toString().isEmpty());
      store.close();
      store.close();
      assertThrows(IllegalStateException.class, () -> store.spent("x"));
      assertThrows(IllegalStateException.class, () -> store.charge(List.of(eps("x", "0.1", "1"))));
    }
  }

  @Test
  void databaseFailures_carryTheSqlStateOnly_neverTheDriversMessage() {
    String secret = "ledger-name-secret-4711";
    DataSource failing =
        new ThrowingDataSource(new SQLException("duplicate key value " + secret, "08006", 17));
    UncheckedIOException e =
        assertThrows(UncheckedIOException.class, () -> BudgetStores.jdbc(failing));
    assertTrue(e.getMessage().contains("SQL state 08006"), e.getMessage());
    for (Throwable t = e; t != null; t = t.getCause()) {
      assertFalse(String.valueOf(t.getMessage()).contains(secret), t.toString());
    }
  }

  @Test
  void failingCharge_throwsUnchecked_chargesNothing_andTheStoreStaysUsable() throws Exception {
    try (SharedDatabase db = SharedDatabase.h2();
        BudgetStore store = BudgetStores.jdbc(db.dataSource())) {
      store.charge(List.of(eps("x", "0.5", "1")));
      // A corrupt amount in one row fails the whole charge; the other ledger is not charged.
      db.execute("UPDATE cleanroom_ledger SET epsilon = 'not a number' WHERE ledger = 'x'");
      UncheckedIOException e =
          assertThrows(
              UncheckedIOException.class,
              () -> store.charge(List.of(eps("y", "0.5", "1"), eps("x", "0.1", "1"))));
      assertFalse(e.getMessage().contains("not a number"), e.getMessage());
      assertSpent(store, "y", "0", "0");
      db.execute("UPDATE cleanroom_ledger SET epsilon = '0.5' WHERE ledger = 'x'");
      store.charge(List.of(eps("y", "0.5", "1"), eps("x", "0.1", "1")));
      assertSpent(store, "x", "0.6", "0");
    }
  }

  /** A data source whose every connection attempt throws the given exception. */
  private static final class ThrowingDataSource implements DataSource {
    private final SQLException failure;

    ThrowingDataSource(SQLException failure) {
      this.failure = failure;
    }

    @Override
    public Connection getConnection() throws SQLException {
      throw failure;
    }

    @Override
    public Connection getConnection(String user, String password) throws SQLException {
      throw failure;
    }

    @Override
    public PrintWriter getLogWriter() {
      return null;
    }

    @Override
    public void setLogWriter(PrintWriter out) {}

    @Override
    public void setLoginTimeout(int seconds) {}

    @Override
    public int getLoginTimeout() {
      return 0;
    }

    @Override
    public Logger getParentLogger() {
      return Logger.getGlobal();
    }

    @Override
    public <T> T unwrap(Class<T> iface) throws SQLException {
      throw new SQLException("not a wrapper");
    }

    @Override
    public boolean isWrapperFor(Class<?> iface) {
      return false;
    }
  }
}
