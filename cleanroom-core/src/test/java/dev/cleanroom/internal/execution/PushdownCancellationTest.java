package dev.cleanroom.internal.execution;

import static dev.cleanroom.query.Dsl.countDistinctUsers;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cleanroom.CleanRoom;
import dev.cleanroom.Dataset;
import dev.cleanroom.Policy;
import dev.cleanroom.PrivacyBudget;
import dev.cleanroom.QueryCancelledException;
import dev.cleanroom.SecretKey;
import dev.cleanroom.UserIdFormat;
import dev.cleanroom.budget.BudgetStores;
import dev.cleanroom.jdbc.JdbcSource;
import dev.cleanroom.query.ExecutionPath;
import dev.cleanroom.query.FinalStage;
import dev.cleanroom.query.Progress;
import dev.cleanroom.query.QueryControl;
import dev.cleanroom.query.Result;
import dev.cleanroom.spi.AuditEvent;
import dev.cleanroom.spi.BudgetStore;
import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Cancellation and timeouts of a query pushed down to a database (embedded H2 and DuckDB): the
 * statement over a view of two billion generated rows would run for a very long time; cancelling
 * the control, or the timeout, cancels it in the database ({@link java.sql.Statement#cancel()}),
 * and the run fails with {@link QueryCancelledException}, its charge standing.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS) // a guard against a statement that is never stopped
class PushdownCancellationTest {
  private static final String ANALYST = "analyst";
  private static final String LEDGER = "pub.huge/" + ANALYST + "/lifetime";

  private PushdownDatabases.Db db;
  private final BudgetStore store = BudgetStores.inMemory();
  private final List<AuditEvent> audit = new CopyOnWriteArrayList<>();
  private final CountDownLatch executing = new CountDownLatch(1);
  private final AtomicInteger cancels = new AtomicInteger();
  private CleanRoom room;

  /**
   * Opens {@code database} with the view {@code HUGE} and a room with a dataset over it. Its
   * campaign is text: a whole number, which a view may hold NULL in, would be counted for NULLs
   * over the two billion rows before the statement (Pushdown.nullChecks).
   */
  private void open(String database) throws Exception {
    if (database.equals("H2")) {
      db = PushdownDatabases.h2();
      db.execute(
          "CREATE VIEW HUGE AS SELECT CAST('u' || X || '@x.com' AS VARCHAR(100)) AS EMAIL,"
              + " CAST(MOD(X, 10) AS VARCHAR(2)) AS CAMPAIGN FROM SYSTEM_RANGE(1, 2000000000)");
    } else {
      db = PushdownDatabases.duckdb();
      db.execute(
          "CREATE VIEW HUGE AS SELECT CAST('u' || i || '@x.com' AS VARCHAR) AS EMAIL,"
              + " CAST(i % 10 AS VARCHAR) AS CAMPAIGN FROM range(2000000000) t(i)");
    }
    JdbcSource huge = JdbcSource.builder(watched(db.dataSource()), "HUGE").build();
    room =
        CleanRoom.builder()
            .secretKey(
                SecretKey.of("pushdown-cancel-key-0123456789".getBytes(StandardCharsets.UTF_8)))
            .budgetStore(store)
            .auditSink(audit::add)
            .build();
    room.register(
        Dataset.builder("pub", "huge")
            .source(huge)
            .userId("EMAIL", UserIdFormat.EMAIL)
            .dimension("CAMPAIGN")
            .policy(
                Policy.builder()
                    .allowAnalysts(ANALYST)
                    .minDistinctUsers(2)
                    .withoutDifferenceChecks()
                    .differentialPrivacy(PrivacyBudget.epsilon(10), 1.0)
                    .build())
            .build());
  }

  @AfterEach
  void dropDatabase() throws Exception {
    if (db != null) {
      db.close();
    }
  }

  private FinalStage query() {
    return room.as(ANALYST)
        .from("pub.huge")
        .groupBy("CAMPAIGN")
        .select(countDistinctUsers())
        .epsilon(0.5)
        .publicGroupValues("0", "1", "2");
  }

  private AuditEvent last() {
    return audit.get(audit.size() - 1);
  }

  @ParameterizedTest
  @ValueSource(strings = {"H2", "DuckDB"})
  void cancel_cancelsTheRunningStatement(String database) throws Exception {
    open(database);
    assertEquals(ExecutionPath.Kind.PUSHED_DOWN, query().explain().path().orElseThrow().kind());
    QueryControl control = QueryControl.create();
    CompletableFuture<Result> run =
        CompletableFuture.supplyAsync(() -> query().control(control).run());

    assertTrue(executing.await(60, TimeUnit.SECONDS), "the statement never started");
    control.cancel();

    ExecutionException wrapped = assertThrows(ExecutionException.class, run::get);
    QueryCancelledException e = assertInstanceOf(QueryCancelledException.class, wrapped.getCause());
    assertFalse(e.timedOut());
    assertTrue(cancels.get() >= 1, "the statement was cancelled in the database");
    assertEquals(0, new BigDecimal("0.5").compareTo(store.spent(LEDGER).epsilon()));
    assertEquals(AuditEvent.Outcome.FAILED, last().outcome());
    assertEquals("cancelled", last().reason());
    assertEquals(1, last().charges().size());
    assertEquals(Progress.Phase.FAILED, control.progress().phase());
  }

  @ParameterizedTest
  @ValueSource(strings = {"H2", "DuckDB"})
  void timeout_cancelsTheRunningStatement(String database) throws Exception {
    open(database);
    QueryCancelledException e =
        assertThrows(
            QueryCancelledException.class, () -> query().timeout(Duration.ofMillis(300)).run());

    assertTrue(e.timedOut());
    assertEquals(AuditEvent.Outcome.FAILED, last().outcome());
    assertEquals("timed out", last().reason());
    if (executing.getCount() == 0) {
      // The usual case: the timeout came while the statement ran, and cancelled it.
      assertTrue(cancels.get() >= 1, "the statement was cancelled in the database");
    }
  }

  /**
   * {@code ds}, whose prepared statements count down {@link #executing} when they start a query and
   * count their {@code cancel()} calls.
   */
  private javax.sql.DataSource watched(javax.sql.DataSource ds) {
    return proxy(
        javax.sql.DataSource.class,
        ds,
        (m, args, result) ->
            m.getName().equals("getConnection")
                ? proxy(Connection.class, result, this::statements)
                : result);
  }

  private Object statements(Method m, Object[] args, Object result) {
    if (!m.getName().equals("prepareStatement")) {
      return result;
    }
    PreparedStatement ps = (PreparedStatement) result;
    boolean pushedDown = ((String) args[0]).startsWith("WITH");
    return Proxy.newProxyInstance(
        PreparedStatement.class.getClassLoader(),
        new Class<?>[] {PreparedStatement.class},
        (p, method, a) -> {
          if (method.getName().equals("executeQuery") && pushedDown) {
            executing.countDown();
          }
          if (method.getName().equals("cancel")) {
            cancels.incrementAndGet();
          }
          return invoke(ps, method, a);
        });
  }

  /** What a proxy does with each result of its delegate. */
  private interface Wrap {
    Object apply(Method m, Object[] args, Object result);
  }

  private static <T> T proxy(Class<T> type, Object delegate, Wrap wrap) {
    InvocationHandler h = (p, m, args) -> wrap.apply(m, args, invoke(delegate, m, args));
    return type.cast(Proxy.newProxyInstance(type.getClassLoader(), new Class<?>[] {type}, h));
  }

  private static Object invoke(Object target, Method m, Object[] args) throws Throwable {
    try {
      return m.invoke(target, args);
    } catch (InvocationTargetException e) {
      throw e.getCause();
    }
  }
}
