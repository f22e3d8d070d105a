package dev.cleanroom.internal.execution;

import dev.cleanroom.QueryCancelledException;
import dev.cleanroom.engine.ControlAccess;
import dev.cleanroom.engine.RunOptions;
import dev.cleanroom.query.Progress;
import dev.cleanroom.query.QueryControl;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one place where a run meets its {@link RunOptions}: every execution path, the release stage
 * and the room ask it whether to stop ({@link #check()}), report rows and phases through it, and a
 * statement running in a database registers its cancellation with it ({@link #watch}). A timeout is
 * one task on the room's timer thread that marks the run timed out and fires the registered
 * cancellations; a cancellation of the analyst's {@link QueryControl} is seen by the checks, and by
 * a watchdog that polls the control while a statement runs.
 *
 * <p>Checks are cheap (two volatile reads), so the scan loops call them at each batch and every
 * {@link #ROWS_PER_CHECK} rows within one. A progress listener that throws is logged (its
 * exception's class name only) and otherwise ignored.
 */
public final class Interrupts implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(Interrupts.class);

  /** The scan loops check at least this often, in rows, within a batch: a power of two. */
  public static final int ROWS_PER_CHECK = 4096;

  /** {@code (i & CHECK_MASK) == 0} every {@link #ROWS_PER_CHECK} rows. */
  public static final int CHECK_MASK = ROWS_PER_CHECK - 1;

  /** How often, in milliseconds, a watchdog polls the control of a running statement. */
  static final long WATCHDOG_MILLIS = 10;

  /** A run without options: it never stops and reports nowhere. */
  public static final Interrupts NONE = new Interrupts(null, null, () -> null);

  private final QueryControl control;
  private final Duration timeout;
  private final Supplier<ScheduledExecutorService> timers;
  private final List<Runnable> onTimeout = new CopyOnWriteArrayList<>();
  private volatile boolean timedOut;
  private volatile long deadlineNanos;
  private ScheduledFuture<?> deadline;

  private Interrupts(
      QueryControl control, Duration timeout, Supplier<ScheduledExecutorService> timers) {
    this.control = control;
    this.timeout = timeout;
    this.timers = timers;
  }

  /**
   * Starts a run with {@code options}: claims its control and starts its timeout on {@code timers}
   * (asked for only when a timer is needed). Close the result when the run ends.
   *
   * @param options the run's timeout and control
   * @param timers the room's timer thread
   * @return the run's interrupts
   * @throws IllegalArgumentException if another run has used the control
   */
  public static Interrupts start(RunOptions options, Supplier<ScheduledExecutorService> timers) {
    Objects.requireNonNull(options, "options");
    Objects.requireNonNull(timers, "timers");
    if (options.timeout().isEmpty() && options.control().isEmpty()) {
      return NONE;
    }
    QueryControl control = options.control().orElse(null);
    if (control != null && !ControlAccess.start(control)) {
      throw new IllegalArgumentException(
          "the QueryControl was already used by another run; create one per run");
    }
    Interrupts in = new Interrupts(control, options.timeout().orElse(null), timers);
    in.startTimer();
    return in;
  }

  /**
   * A run that only reports to {@code control} and stops when it is cancelled, without a timer: for
   * the load of a source.
   *
   * @param control the analyst's control
   * @return the run's interrupts
   * @throws IllegalArgumentException if another run has used the control
   */
  public static Interrupts of(QueryControl control) {
    return start(new RunOptions(Optional.empty(), Optional.of(control)), () -> null);
  }

  private void startTimer() {
    if (timeout == null) {
      return;
    }
    long nanos;
    try {
      nanos = timeout.toNanos();
    } catch (ArithmeticException e) {
      return; // Beyond 292 years: it never expires.
    }
    deadlineNanos = System.nanoTime() + nanos;
    deadline = timers.get().schedule(this::expire, nanos, TimeUnit.NANOSECONDS);
  }

  private void expire() {
    timedOut = true;
    for (Runnable r : onTimeout) {
      stopQuietly(r);
    }
  }

  private static void stopQuietly(Runnable stop) {
    try {
      stop.run();
    } catch (RuntimeException e) {
      log.debug("stopping a running statement failed ({})", e.getClass().getSimpleName());
    }
  }

  /**
   * Whether the run should stop: its control was cancelled or its timeout expired.
   *
   * @return whether the run should stop
   */
  public boolean stopped() {
    return timedOut || (control != null && control.isCancelled());
  }

  /**
   * Throws if the run should stop.
   *
   * @throws QueryCancelledException if the control was cancelled or the timeout expired
   */
  public void check() {
    if (control != null && control.isCancelled()) {
      throw QueryCancelledException.cancelled();
    }
    if (timedOut) {
      throw QueryCancelledException.timedOut(timeout);
    }
  }

  /**
   * Whether the run has a timeout.
   *
   * @return whether the run has a timeout
   */
  public boolean hasTimeout() {
    return timeout != null && deadline != null;
  }

  /**
   * The exception of a run whose database reported that its own statement timeout expired.
   *
   * @return the exception, saying the run timed out
   */
  public QueryCancelledException timedOutInDatabase() {
    return QueryCancelledException.timedOut(Objects.requireNonNull(timeout, "timeout"));
  }

  /**
   * The whole seconds left before the timeout, rounded up and at least one, for a JDBC statement's
   * own query timeout; empty without a timeout.
   *
   * @return the seconds left, if the run has a timeout
   */
  public OptionalInt secondsLeft() {
    if (!hasTimeout()) {
      return OptionalInt.empty();
    }
    long left = deadlineNanos - System.nanoTime();
    long seconds = Math.max(1, (left + 999_999_999L) / 1_000_000_000L);
    return OptionalInt.of((int) Math.min(Integer.MAX_VALUE, seconds));
  }

  /** A registration of {@link #watch}; closing it ends the watch. */
  public interface Watch extends AutoCloseable {
    @Override
    void close();
  }

  /**
   * Calls {@code stop} (for example {@link java.sql.Statement#cancel()}) once if the run should
   * stop while the returned watch is open: at once when the timeout expires, and within {@link
   * #WATCHDOG_MILLIS} of a cancellation of the control (a watchdog on the timer thread polls it).
   * If the run should stop already, {@code stop} is called before this returns.
   *
   * @param stop what stops the running work; its exceptions are ignored
   * @return the watch, to close when the work is done
   */
  public Watch watch(Runnable stop) {
    Objects.requireNonNull(stop, "stop");
    if (control == null && timeout == null) {
      return () -> {};
    }
    AtomicBoolean fired = new AtomicBoolean();
    Runnable once =
        () -> {
          if (fired.compareAndSet(false, true)) {
            stopQuietly(stop);
          }
        };
    onTimeout.add(once);
    ScheduledFuture<?> poll = control == null ? null : watchdog(once);
    if (stopped()) {
      once.run();
    }
    return () -> {
      onTimeout.remove(once);
      if (poll != null) {
        poll.cancel(false);
      }
    };
  }

  /**
   * Polls the control on the timer thread and runs {@code stop} once it is cancelled; null if the
   * room's timers are shut down (the run then still stops at its next check, but the running work
   * is not stopped early).
   */
  private ScheduledFuture<?> watchdog(Runnable stop) {
    try {
      ScheduledExecutorService t = timers.get();
      if (t == null) {
        return null; // a run without a timer thread (the load of a source)
      }
      return t.scheduleWithFixedDelay(
          () -> {
            if (control.isCancelled()) {
              stop.run();
            }
          },
          WATCHDOG_MILLIS,
          WATCHDOG_MILLIS,
          TimeUnit.MILLISECONDS);
    } catch (IllegalStateException | RejectedExecutionException e) {
      log.debug("no watchdog for a running statement: the room's timers are shut down");
      return null;
    }
  }

  /**
   * Adds {@code rows} to the rows read; called once per batch.
   *
   * @param rows the rows read since the last call
   */
  public void rowsRead(long rows) {
    if (control == null || rows <= 0) {
      return;
    }
    try {
      ControlAccess.addRowsRead(control, rows);
    } catch (RuntimeException e) {
      listenerFailed(e);
    }
  }

  /**
   * Moves the run to {@code phase}.
   *
   * @param phase the new phase
   */
  public void phase(Progress.Phase phase) {
    if (control == null) {
      return;
    }
    try {
      ControlAccess.enter(control, phase);
    } catch (RuntimeException e) {
      listenerFailed(e);
    }
  }

  private static void listenerFailed(RuntimeException e) {
    // Not the message: the listener is the analyst's code, and its message may hold anything.
    log.warn("a progress listener failed ({}); the query goes on", e.getClass().getName());
  }

  /**
   * The audit reason of a run stopped by {@code e}: {@code "cancelled"} or {@code "timed out"}.
   *
   * @param e the exception that stopped the run
   * @return the reason
   */
  public static String auditReason(QueryCancelledException e) {
    return e.timedOut() ? "timed out" : "cancelled";
  }

  /** Ends the run's timeout; the run no longer times out. */
  @Override
  public void close() {
    ScheduledFuture<?> d = deadline;
    if (d != null) {
      d.cancel(false);
    }
    onTimeout.clear();
  }
}
