package dev.cleanroom.internal.room;

import static dev.cleanroom.query.Dsl.col;
import static dev.cleanroom.query.Dsl.count;
import static dev.cleanroom.query.Dsl.countDistinctUsers;
import static dev.cleanroom.query.Dsl.param;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cleanroom.CleanRoom;
import dev.cleanroom.Column;
import dev.cleanroom.Dataset;
import dev.cleanroom.Param;
import dev.cleanroom.Policy;
import dev.cleanroom.PolicyViolationException;
import dev.cleanroom.PrivacyBudget;
import dev.cleanroom.QueryCancelledException;
import dev.cleanroom.QueryTemplate;
import dev.cleanroom.Schema;
import dev.cleanroom.SecretKey;
import dev.cleanroom.internal.execution.Interrupts;
import dev.cleanroom.query.FinalStage;
import dev.cleanroom.query.Progress;
import dev.cleanroom.query.QueryControl;
import dev.cleanroom.query.Result;
import dev.cleanroom.source.InMemorySource;
import dev.cleanroom.spi.AuditEvent;
import dev.cleanroom.spi.DataSource;
import dev.cleanroom.spi.Scan;
import dev.cleanroom.spi.ScanRequest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;

/**
 * What a {@link QueryControl} shows of a run through the room: its phases in order, ending in DONE
 * or FAILED, and its rows read, never decreasing; a listener that throws breaks nothing; a control
 * serves one run; templates and cohorts take controls too.
 */
class QueryControlTest {
  private static final String ANALYST = "analyst";
  private static final int ROWS = 30_000;
  private static final Schema SCHEMA =
      Schema.of(Column.string("user_id"), Column.string("country"), Column.float64("spend"));

  private final RecordingAuditSink audit = new RecordingAuditSink();
  private final Room room =
      (Room)
          CleanRoom.builder()
              .secretKey(SecretKey.of("control-test-key-0123456789ab".getBytes(UTF_8)))
              .auditSink(audit)
              .build();

  private static InMemorySource people() {
    InMemorySource.Builder b = InMemorySource.builder("visits", SCHEMA);
    String[] countries = {"DE", "FR", "US"};
    for (int i = 0; i < ROWS; i++) {
      b.addRow("u" + i, countries[i % 3], (double) (i % 11));
    }
    return b.build();
  }

  /** {@code source} behind the plain SPI only: the engine streams it. */
  private static DataSource streamed(DataSource source) {
    return new DataSource() {
      @Override
      public String name() {
        return source.name();
      }

      @Override
      public Schema schema() {
        return source.schema();
      }

      @Override
      public Scan scan(ScanRequest request) {
        return source.scan(request);
      }
    };
  }

  private void register(DataSource source, UnaryOperator<Policy.Builder> policy) {
    room.register(
        Dataset.builder("pub", "visits")
            .source(source)
            .userId("user_id")
            .dimension("country")
            .metric("spend", 0, 10)
            .policy(
                policy
                    .apply(
                        Policy.builder()
                            .allowAnalysts(ANALYST)
                            .minDistinctUsers(2)
                            .withoutDifferenceChecks())
                    .build())
            .build());
  }

  private FinalStage query() {
    return room.as(ANALYST).from("pub.visits").groupBy("country").select(count());
  }

  /** A control whose listener keeps every snapshot. */
  private static QueryControl recording(List<Progress> into) {
    return QueryControl.create(into::add);
  }

  private static List<Progress.Phase> phases(List<Progress> seen) {
    List<Progress.Phase> out = new ArrayList<>();
    for (Progress p : seen) {
      if (out.isEmpty() || out.get(out.size() - 1) != p.phase()) {
        out.add(p.phase());
      }
    }
    return out;
  }

  private static void assertRowsNeverDecrease(List<Progress> seen) {
    for (int i = 1; i < seen.size(); i++) {
      assertTrue(seen.get(i).rowsRead() >= seen.get(i - 1).rowsRead(), "rows went back: " + seen);
    }
  }

  @Test
  void streamedRun_showsEveryPhaseInOrder_andEveryRowRead() {
    register(streamed(people()), b -> b);
    List<Progress> seen = new CopyOnWriteArrayList<>();
    QueryControl control = recording(seen);

    Result r = query().control(control).run();

    assertEquals(3, r.rows().size());
    assertEquals(
        List.of(
            Progress.Phase.PLANNING,
            Progress.Phase.SCANNING,
            Progress.Phase.RELEASING,
            Progress.Phase.DONE),
        phases(seen));
    assertRowsNeverDecrease(seen);
    assertEquals(ROWS, control.progress().rowsRead());
    assertEquals(control.progress(), seen.get(seen.size() - 1));
    // Rows are reported per batch, not per row.
    assertTrue(seen.size() <= 4 + ROWS / ScanRequest.DEFAULT_BATCH_SIZE + 1, seen.toString());
  }

  @Test
  void columnarRun_showsPhasesInOrder_andRowsNeverDecrease() {
    register(people(), b -> b);
    List<Progress> seen = new CopyOnWriteArrayList<>();
    QueryControl control = recording(seen);

    query().control(control).run();

    assertEquals(Progress.Phase.DONE, control.progress().phase());
    assertEquals(
        List.of(
            Progress.Phase.PLANNING,
            Progress.Phase.SCANNING,
            Progress.Phase.RELEASING,
            Progress.Phase.DONE),
        phases(seen));
    assertRowsNeverDecrease(seen);
    // The first query of a resident source reads its ids, then its rows.
    assertTrue(control.progress().rowsRead() >= ROWS, control.progress().toString());
  }

  @Test
  void throwingListener_doesNotBreakTheQuery_andIsLoggedWithoutItsMessage() {
    register(streamed(people()), b -> b);
    Result expected = query().run();
    CapturedLogs.clear();
    QueryControl control =
        QueryControl.create(
            p -> {
              throw new IllegalStateException("listener saw u42 in DE");
            });

    Result r = query().control(control).run();

    assertEquals(expected.rows(), r.rows());
    assertEquals(Progress.Phase.DONE, control.progress().phase());
    assertEquals(ROWS, control.progress().rowsRead());
    List<String> lines = CapturedLogs.linesOf(Interrupts.class.getName());
    assertFalse(lines.isEmpty(), "the failing listener was not logged");
    for (String line : CapturedLogs.lines()) {
      assertFalse(line.contains("u42"), "the listener's message reached the log: " + line);
    }
    assertTrue(lines.get(0).contains(IllegalStateException.class.getName()), lines.get(0));
  }

  @Test
  void aControl_servesOneRun() {
    register(streamed(people()), b -> b);
    QueryControl control = QueryControl.create();
    query().control(control).run();

    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> query().control(control).run());
    assertTrue(e.getMessage().contains("create one per run"), e.getMessage());
    assertEquals(Progress.Phase.DONE, control.progress().phase(), "the first run's progress stays");
  }

  @Test
  void refusedRun_endsFailed_withoutReadingRows() {
    register(streamed(people()), b -> b);
    QueryControl control = QueryControl.create();

    assertThrows(
        PolicyViolationException.class,
        () -> room.as("stranger").from("pub.visits").select(count()).control(control).run());

    assertEquals(new Progress(Progress.Phase.FAILED, 0), control.progress());
  }

  @Test
  void repeatedQuery_isPlannedThenDone_readingNothing() {
    register(people(), b -> b.differentialPrivacy(PrivacyBudget.epsilon(10), 1.0));
    FinalStage dp = query().epsilon(0.5).publicGroupValues("DE", "FR", "US");
    dp.run();
    List<Progress> seen = new CopyOnWriteArrayList<>();
    QueryControl control = recording(seen);

    Result again = dp.control(control).run();

    assertTrue(again.privacy().repeated());
    assertEquals(List.of(Progress.Phase.PLANNING, Progress.Phase.DONE), phases(seen));
    assertEquals(0, control.progress().rowsRead());
  }

  @Test
  void template_takesAControl() {
    register(streamed(people()), b -> b);
    QueryTemplate t =
        QueryTemplate.of(
            "by_country",
            room.as(ANALYST)
                .from("pub.visits")
                .where(col("country").eq(param("country")))
                .groupBy("country")
                .select(countDistinctUsers())
                .spec(),
            Param.textParam("country", Set.of("DE", "FR")));
    room.registerTemplate(t);
    room.approveTemplate("pub", t.id(), t.contentHash());
    QueryControl control = QueryControl.create();

    room.as(ANALYST).template("by_country").with("country", "DE").control(control).run();

    assertEquals(Progress.Phase.DONE, control.progress().phase());
    assertEquals(ROWS, control.progress().rowsRead());

    QueryControl cancelled = QueryControl.create();
    cancelled.cancel();
    assertThrows(
        QueryCancelledException.class,
        () ->
            room.as(ANALYST).template("by_country").with("country", "FR").control(cancelled).run());
    assertEquals("cancelled", audit.last().reason());
  }

  @Test
  void cohort_cancelledBeforeItsScan_releasesNothing() {
    CollabFixture f =
        new CollabFixture(
                List.of(0, 2, 4, 6, 8, 10),
                b -> b.allowCohortRelease("publisher").minCohortSize(2),
                b -> b.allowCohortRelease("publisher").minCohortSize(2),
                b -> b)
            .cohortSink("publisher");
    QueryControl cancelled = QueryControl.create();
    cancelled.cancel();

    QueryCancelledException e =
        assertThrows(
            QueryCancelledException.class,
            () -> f.campaign7().control(cancelled).activateFor("publisher"));

    assertFalse(e.timedOut());
    assertEquals(0, f.scans());
    assertTrue(f.received("publisher").isEmpty());
    assertEquals(AuditEvent.Outcome.FAILED, f.lastEvent().outcome());
    assertEquals("cancelled", f.lastEvent().reason());

    QueryControl control = QueryControl.create();
    f.campaign7().control(control).timeout(Duration.ofMinutes(1)).activateFor("publisher");
    assertEquals(Progress.Phase.DONE, control.progress().phase());
    assertEquals(1, f.received("publisher").size());
  }

  @Test
  void shutDownTimers_refuseTimeouts_butNotPlainRuns() {
    register(streamed(people()), b -> b);
    query().timeout(Duration.ofMinutes(1)).run(); // starts the timer thread
    room.shutdownTimers();
    room.shutdownTimers();

    IllegalStateException e =
        assertThrows(
            IllegalStateException.class, () -> query().timeout(Duration.ofMinutes(1)).run());
    assertTrue(e.getMessage().contains("timers are shut down"), e.getMessage());
    Result plain = query().run();
    assertEquals(3, plain.rows().size());
    QueryControl control = QueryControl.create();
    assertSame(Progress.Phase.DONE, phaseAfter(query().control(control), control));
  }

  @Test
  void anIdleTimerThread_ends_andTheNextTimeoutStartsAnother() throws InterruptedException {
    register(streamed(people()), b -> b);
    query().timeout(Duration.ofMinutes(1)).run(); // starts the timer thread
    assertEquals(1, room.timerThreadsForTesting(Duration.ofMinutes(1)));

    // Idle past a short keep-alive, the thread ends: in a room dropped without close(), after 30 s.
    long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    while (room.timerThreadsForTesting(Duration.ofMillis(20)) > 0 && System.nanoTime() < deadline) {
      Thread.sleep(10);
    }
    assertEquals(0, room.timerThreadsForTesting(Duration.ofMillis(20)));

    assertEquals(3, query().timeout(Duration.ofMinutes(1)).run().rows().size());
    assertEquals(1, room.timerThreadsForTesting(Duration.ofMinutes(1)));
  }

  private static Progress.Phase phaseAfter(FinalStage stage, QueryControl control) {
    stage.run();
    return control.progress().phase();
  }
}
