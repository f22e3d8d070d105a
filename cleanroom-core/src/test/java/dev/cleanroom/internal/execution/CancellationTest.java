package dev.cleanroom.internal.execution;

import static dev.cleanroom.query.Dsl.count;
import static dev.cleanroom.query.Dsl.countDistinctUsers;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cleanroom.CleanRoom;
import dev.cleanroom.Column;
import dev.cleanroom.Dataset;
import dev.cleanroom.Policy;
import dev.cleanroom.PrivacyBudget;
import dev.cleanroom.QueryCancelledException;
import dev.cleanroom.Schema;
import dev.cleanroom.SecretKey;
import dev.cleanroom.UserIdFormat;
import dev.cleanroom.budget.BudgetStores;
import dev.cleanroom.query.ExecutionPath;
import dev.cleanroom.query.FinalStage;
import dev.cleanroom.query.Progress;
import dev.cleanroom.query.QueryControl;
import dev.cleanroom.query.Result;
import dev.cleanroom.source.InMemorySource;
import dev.cleanroom.spi.AuditEvent;
import dev.cleanroom.spi.BudgetStore;
import dev.cleanroom.spi.ScanRequest;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Cancellation and timeouts on the streamed and the columnar path: a run stops within one batch of
 * rows after its control is cancelled (the source counts the rows it hands out after the cancel),
 * throws {@link QueryCancelledException}, keeps the budget it was charged, is audited as failed
 * with the reason "cancelled" or "timed out", and leaves no stored answer behind.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS) // a guard against a run that never stops
class CancellationTest {
  private static final String ANALYST = "analyst";
  private static final String LEDGER = "pub.visits/" + ANALYST + "/lifetime";
  private static final Schema SCHEMA =
      Schema.of(Column.string("user_id"), Column.string("country"), Column.float64("spend"));

  /** The columnar path reads batches of this many rows; the streamed path its request's size. */
  private static final int COLUMNAR_BATCH = 1 << 16;

  private final BudgetStore store = BudgetStores.inMemory();
  private final List<AuditEvent> audit = new CopyOnWriteArrayList<>();
  private final CleanRoom room =
      CleanRoom.builder()
          .secretKey(
              SecretKey.of("cancel-test-key-0123456789abcd".getBytes(StandardCharsets.UTF_8)))
          .budgetStore(store)
          .auditSink(audit::add)
          .build();

  /** {@code rows} people, one row each, in three countries. */
  private static InMemorySource people(int rows) {
    InMemorySource.Builder b = InMemorySource.builder("visits", SCHEMA);
    String[] countries = {"DE", "FR", "US"};
    for (int i = 0; i < rows; i++) {
      b.addRow("u" + i, countries[i % 3], (double) (i % 11));
    }
    return b.build();
  }

  private void register(TripwireSource source) {
    room.register(
        Dataset.builder("pub", "visits")
            .source(source)
            .userId("user_id", UserIdFormat.RAW)
            .dimension("country")
            .metric("spend", 0, 10)
            .policy(
                Policy.builder()
                    .allowAnalysts(ANALYST)
                    .minDistinctUsers(2)
                    .withoutDifferenceChecks()
                    .differentialPrivacy(PrivacyBudget.epsilon(10), 1.0)
                    .build())
            .build());
  }

  /** A differentially private count per country, of public groups. */
  private FinalStage query() {
    return room.as(ANALYST)
        .from("pub.visits")
        .groupBy("country")
        .select(count(), countDistinctUsers())
        .epsilon(0.5)
        .publicGroupValues("DE", "FR", "US");
  }

  private BigDecimal spent() {
    return store.spent(LEDGER).epsilon();
  }

  private AuditEvent last() {
    return audit.get(audit.size() - 1);
  }

  private static void assertAmount(String expected, BigDecimal actual) {
    assertEquals(0, new BigDecimal(expected).compareTo(actual), actual.toPlainString());
  }

  private void assertPath(ExecutionPath.Kind kind) {
    assertEquals(kind, query().explain().path().orElseThrow().kind());
  }

  /** Asserts a cancelled (not timed out) run: audited failed with its charge, nothing stored. */
  private void assertCancelledWithChargeStanding(QueryCancelledException e, QueryControl control) {
    assertFalse(e.timedOut());
    assertEquals("query cancelled", e.getMessage());
    assertAmount("0.5", spent());
    AuditEvent event = last();
    assertEquals(AuditEvent.Outcome.FAILED, event.outcome());
    assertEquals("cancelled", event.reason());
    assertEquals(1, event.charges().size(), "the charge stands and is audited");
    assertEquals(Progress.Phase.FAILED, control.progress().phase());
  }

  @Test
  void streamed_cancelInsideTheScan_stopsWithinOneBatch() {
    QueryControl control = QueryControl.create();
    TripwireSource source = new TripwireSource(people(40_000), false, 10_000, control::cancel);
    register(source);
    assertPath(ExecutionPath.Kind.STREAMED);

    QueryCancelledException e =
        assertThrows(QueryCancelledException.class, () -> query().control(control).run());

    assertTrue(
        source.handedOutAfterTrip() <= ScanRequest.DEFAULT_BATCH_SIZE,
        source.handedOutAfterTrip() + " rows handed out after the cancel");
    assertTrue(source.handedOut() < 40_000);
    assertCancelledWithChargeStanding(e, control);
  }

  @Test
  void streamed_cancelFromAnotherThread_stopsWithinOneBatch() throws Exception {
    QueryControl control = QueryControl.create();
    CountDownLatch reached = new CountDownLatch(1);
    CountDownLatch cancelled = new CountDownLatch(1);
    TripwireSource source =
        new TripwireSource(
            people(40_000),
            false,
            10_000,
            () -> {
              // The scan pauses until the analyst's thread has cancelled, then goes on.
              reached.countDown();
              await(cancelled);
            });
    register(source);
    CompletableFuture<Result> run =
        CompletableFuture.supplyAsync(() -> query().control(control).run());

    await(reached);
    control.cancel();
    cancelled.countDown();

    ExecutionException wrapped = assertThrows(ExecutionException.class, run::get);
    QueryCancelledException e = assertInstanceOf(QueryCancelledException.class, wrapped.getCause());
    assertTrue(
        source.handedOutAfterTrip() <= ScanRequest.DEFAULT_BATCH_SIZE,
        source.handedOutAfterTrip() + " rows handed out after the cancel");
    assertCancelledWithChargeStanding(e, control);
  }

  @Test
  void columnar_cancelWhileIndexingIds_stopsWithinOneBatch() {
    // The first scan of a resident source reads its ids (200,000 rows): the trip comes there.
    cancelColumnarAt(70_000);
  }

  @Test
  void columnar_cancelWhileScanningRows_stopsWithinOneBatch() {
    // 200,000 ids first, then the data scan: the trip comes 70,000 rows into the data scan.
    TripwireSource source = cancelColumnarAt(270_000);
    assertTrue(source.handedOut() < 400_000);
  }

  /**
   * Runs a columnar query over 200,000 resident rows whose source cancels the query after handing
   * out {@code tripAt} rows; asserts it stopped within one batch with its charge standing.
   */
  private TripwireSource cancelColumnarAt(int tripAt) {
    QueryControl control = QueryControl.create();
    TripwireSource source = new TripwireSource(people(200_000), true, tripAt, control::cancel);
    register(source);
    assertPath(ExecutionPath.Kind.COLUMNAR);

    QueryCancelledException e =
        assertThrows(QueryCancelledException.class, () -> query().control(control).run());

    assertTrue(
        source.handedOutAfterTrip() <= COLUMNAR_BATCH,
        source.handedOutAfterTrip() + " rows handed out after the cancel");
    assertCancelledWithChargeStanding(e, control);
    return source;
  }

  @Test
  void cancelledRun_storesNoAnswer_soTheSameQueryRunsAndIsChargedAgain() {
    QueryControl control = QueryControl.create();
    TripwireSource source = new TripwireSource(people(20_000), false, 5_000, control::cancel);
    register(source);
    assertThrows(QueryCancelledException.class, () -> query().control(control).run());
    assertAmount("0.5", spent());

    // The same query (same fingerprint: options are not part of it) runs afresh...
    Result second = query().run();
    assertFalse(second.privacy().repeated());
    assertAmount("1.0", spent());
    assertEquals(AuditEvent.Outcome.ACCEPTED, last().outcome());
    // ... and its answer, not the cancelled run, is the stored one.
    Result third = query().timeout(Duration.ofMinutes(5)).run();
    assertTrue(third.privacy().repeated());
    assertEquals(second.rows(), third.rows());
    assertAmount("1.0", spent());
  }

  @Test
  void cancelledBeforeTheRun_chargesNothingAndScansNothing() {
    TripwireSource source = new TripwireSource(people(1_000), false, 1, () -> {});
    register(source);
    QueryControl control = QueryControl.create();
    control.cancel();

    QueryCancelledException e =
        assertThrows(QueryCancelledException.class, () -> query().control(control).run());

    assertFalse(e.timedOut());
    assertEquals(0, source.handedOut());
    assertAmount("0", spent());
    assertEquals(AuditEvent.Outcome.FAILED, last().outcome());
    assertEquals("cancelled", last().reason());
    assertEquals(List.of(), last().charges());
  }

  @Test
  void timeout_stopsAScan_auditedAsTimedOut_chargeStanding() {
    // The scan stalls for two seconds at its first batch; the timeout is far shorter.
    TripwireSource source =
        new TripwireSource(people(40_000), false, 1, () -> sleep(Duration.ofSeconds(2)));
    register(source);
    QueryControl control = QueryControl.create();

    QueryCancelledException e =
        assertThrows(
            QueryCancelledException.class,
            () -> query().timeout(Duration.ofMillis(200)).control(control).run());

    assertTrue(e.timedOut());
    assertEquals(java.util.Optional.of(Duration.ofMillis(200)), e.timeout());
    assertEquals(AuditEvent.Outcome.FAILED, last().outcome());
    assertEquals("timed out", last().reason());
    assertFalse(control.isCancelled(), "a timeout is not a cancellation of the control");
    if (source.tripped()) {
      // The usual case: charged, then stopped in the scan.
      assertTrue(source.handedOutAfterTrip() <= ScanRequest.DEFAULT_BATCH_SIZE);
      assertAmount("0.5", spent());
      assertEquals(1, last().charges().size());
    } else {
      // A machine so slow that the timeout expired before the charge: nothing charged.
      assertAmount("0", spent());
      assertEquals(List.of(), last().charges());
    }
  }

  @Test
  void timeout_thatDoesNotExpire_changesNothing() {
    TripwireSource source = new TripwireSource(people(5_000), false, Long.MAX_VALUE, () -> {});
    register(source);
    Result r = query().timeout(Duration.ofMinutes(10)).run();
    assertEquals(3, r.rows().size());
    assertEquals(AuditEvent.Outcome.ACCEPTED, last().outcome());
  }

  private static void await(CountDownLatch latch) {
    try {
      if (!latch.await(60, TimeUnit.SECONDS)) {
        throw new AssertionError("timed out waiting for the other thread");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }

  private static void sleep(Duration d) {
    try {
      Thread.sleep(d.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
