package dev.cleanroom.internal.execution;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cleanroom.QueryCancelledException;
import dev.cleanroom.engine.RunOptions;
import dev.cleanroom.query.Progress;
import dev.cleanroom.query.QueryControl;
import java.time.Duration;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The one type through which every path obeys a run's timeout and control. */
class InterruptsTest {
  private final ScheduledExecutorService timers = Executors.newSingleThreadScheduledExecutor();

  @AfterEach
  void stopTimers() {
    timers.shutdownNow();
  }

  private Interrupts start(Optional<Duration> timeout, Optional<QueryControl> control) {
    return Interrupts.start(new RunOptions(timeout, control), () -> timers);
  }

  @Test
  void noOptions_neverStop_andNeedNoTimer() {
    Interrupts in =
        Interrupts.start(
            RunOptions.NONE,
            () -> {
              throw new AssertionError("no timer is needed");
            });
    assertSame(Interrupts.NONE, in);
    in.check();
    assertFalse(in.stopped());
    assertEquals(OptionalInt.empty(), in.secondsLeft());
    in.watch(
            () -> {
              throw new AssertionError("nothing to stop");
            })
        .close();
    in.rowsRead(10);
    in.phase(Progress.Phase.SCANNING);
    in.close();
  }

  @Test
  void cancel_isSeenByTheNextCheck() {
    QueryControl control = QueryControl.create();
    Interrupts in = start(Optional.empty(), Optional.of(control));
    in.check();
    control.cancel();
    assertTrue(in.stopped());
    QueryCancelledException e = assertThrows(QueryCancelledException.class, in::check);
    assertFalse(e.timedOut());
    assertEquals("cancelled", Interrupts.auditReason(e));
  }

  @Test
  void timeout_firesTheWatchOnce_andTheChecksSayTimedOut() throws Exception {
    Interrupts in = start(Optional.of(Duration.ofMillis(20)), Optional.empty());
    CountDownLatch stopped = new CountDownLatch(1);
    AtomicInteger stops = new AtomicInteger();
    try (Interrupts.Watch w =
        in.watch(
            () -> {
              stops.incrementAndGet();
              stopped.countDown();
            })) {
      assertTrue(stopped.await(30, TimeUnit.SECONDS), "the timeout never fired");
    }
    QueryCancelledException e = assertThrows(QueryCancelledException.class, in::check);
    assertTrue(e.timedOut());
    assertEquals("timed out", Interrupts.auditReason(e));
    assertEquals(1, stops.get());
    in.close();
  }

  @Test
  void cancel_firesTheWatchdog() throws Exception {
    QueryControl control = QueryControl.create();
    Interrupts in = start(Optional.empty(), Optional.of(control));
    CountDownLatch stopped = new CountDownLatch(1);
    AtomicInteger stops = new AtomicInteger();
    try (Interrupts.Watch w =
        in.watch(
            () -> {
              stops.incrementAndGet();
              stopped.countDown();
            })) {
      control.cancel();
      assertTrue(stopped.await(30, TimeUnit.SECONDS), "the watchdog never fired");
      Thread.sleep(5 * Interrupts.WATCHDOG_MILLIS);
    }
    assertEquals(1, stops.get(), "stopped once only");
  }

  @Test
  void watch_ofAStoppedRun_stopsAtOnce() {
    QueryControl control = QueryControl.create();
    control.cancel();
    Interrupts in = start(Optional.empty(), Optional.of(control));
    AtomicInteger stops = new AtomicInteger();
    in.watch(stops::incrementAndGet).close();
    assertEquals(1, stops.get());
  }

  @Test
  void aFailingStop_isIgnored() {
    QueryControl control = QueryControl.create();
    control.cancel();
    Interrupts in = start(Optional.empty(), Optional.of(control));
    in.watch(
            () -> {
              throw new IllegalStateException("statement closed");
            })
        .close();
    assertTrue(in.stopped());
  }

  @Test
  void close_endsTheTimeout() throws Exception {
    Interrupts in = start(Optional.of(Duration.ofMillis(30)), Optional.empty());
    in.close();
    Thread.sleep(150);
    assertFalse(in.stopped());
    in.check();
  }

  @Test
  void secondsLeft_roundUp_toAtLeastOne() {
    Interrupts in = start(Optional.of(Duration.ofMillis(1500)), Optional.empty());
    int left = in.secondsLeft().getAsInt();
    assertTrue(left == 1 || left == 2, "seconds left: " + left);
    in.close();
    Interrupts tiny = start(Optional.of(Duration.ofNanos(1)), Optional.empty());
    assertEquals(1, tiny.secondsLeft().getAsInt());
    tiny.close();
  }

  @Test
  void anEndlessTimeout_isNoTimer() {
    Interrupts in = start(Optional.of(Duration.ofDays(365L * 1000)), Optional.empty());
    assertFalse(in.hasTimeout());
    in.check();
    in.close();
  }

  @Test
  void progress_goesToTheControl_andAThrowingListenerIsIgnored() {
    QueryControl control =
        QueryControl.create(
            p -> {
              throw new IllegalStateException("listener failed");
            });
    Interrupts in = start(Optional.empty(), Optional.of(control));
    in.phase(Progress.Phase.SCANNING);
    in.rowsRead(4096);
    in.rowsRead(0);
    in.rowsRead(10);
    assertEquals(new Progress(Progress.Phase.SCANNING, 4106), control.progress());
    in.phase(Progress.Phase.DONE);
    in.phase(Progress.Phase.FAILED);
    in.rowsRead(5);
    assertEquals(new Progress(Progress.Phase.DONE, 4106), control.progress(), "final is final");
  }

  @Test
  void aControl_isClaimedOnce() {
    QueryControl control = QueryControl.create();
    start(Optional.empty(), Optional.of(control));
    assertThrows(
        IllegalArgumentException.class, () -> start(Optional.empty(), Optional.of(control)));
  }
}
