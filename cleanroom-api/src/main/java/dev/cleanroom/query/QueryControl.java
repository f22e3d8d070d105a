package dev.cleanroom.query;

import dev.cleanroom.engine.ControlAccess;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A handle on one long run, held by the analyst: it shows the run's {@link #progress()} and stops
 * it with {@link #cancel()}, from any thread. Pass it to {@link FinalStage#control}, {@link
 * TemplateStage#control} or {@link CohortStage#control} (or to a load of a source that takes one).
 *
 * <pre>{@code
 * QueryControl control = QueryControl.create(p -> log(p.phase(), p.rowsRead()));
 * Future<Result> answer =
 *     pool.submit(
 *         () -> room.as("advertiser").from("publisher.impressions").groupBy("campaign_id")
 *             .select(countDistinctUsers()).control(control).timeout(Duration.ofMinutes(5)).run());
 * // later, from another thread:
 * control.cancel(); // run() throws QueryCancelledException within one batch of rows
 * }</pre>
 *
 * <p>A cancelled run stops within one batch of rows (a query pushed down to a database is cancelled
 * there through its JDBC statement) and releases nothing; a privacy budget charged before its scan
 * stays charged. A control serves one run: an engine refuses a control that another run has used.
 * Cancelling before the run starts stops it before any budget is charged. Thread-safe.
 */
public final class QueryControl {
  static {
    ControlAccess.install(new Access());
  }

  private static final ProgressListener NO_LISTENER = p -> {};

  private final ProgressListener listener;
  private final Object lock = new Object();
  private final AtomicBoolean started = new AtomicBoolean();
  private volatile boolean cancelled;
  private volatile Progress progress = Progress.NOT_STARTED;

  private QueryControl(ProgressListener listener) {
    this.listener = listener;
  }

  /**
   * A control without a listener: read its {@link #progress()} when needed.
   *
   * @return a new control
   */
  public static QueryControl create() {
    return new QueryControl(NO_LISTENER);
  }

  /**
   * A control that hands each new {@link Progress} snapshot to {@code listener}: see {@link
   * ProgressListener} for when and on which thread.
   *
   * @param listener receives the snapshots
   * @return a new control
   * @throws NullPointerException if {@code listener} is null
   */
  public static QueryControl create(ProgressListener listener) {
    return new QueryControl(Objects.requireNonNull(listener, "listener"));
  }

  /**
   * Asks the run to stop: it throws {@link dev.cleanroom.QueryCancelledException} within one batch
   * of rows and releases nothing. Safe to call from any thread, more than once, before the run
   * starts (it then stops before any budget is charged) or after it ended (no effect).
   */
  public void cancel() {
    cancelled = true;
  }

  /**
   * Whether {@link #cancel()} was called.
   *
   * @return whether {@link #cancel()} was called
   */
  public boolean isCancelled() {
    return cancelled;
  }

  /**
   * The run's progress now.
   *
   * @return a snapshot of the run's phase and rows read; {@link Progress#NOT_STARTED} before it
   *     starts
   */
  public Progress progress() {
    return progress;
  }

  @Override
  public String toString() {
    Progress p = progress;
    return "QueryControl["
        + p.phase()
        + ", "
        + p.rowsRead()
        + " rows read"
        + (cancelled ? ", cancelled" : "")
        + "]";
  }

  /**
   * Moves to {@code phase} (if not null) and adds {@code rows}, then hands the snapshot to the
   * listener, under one lock so that the listener sees snapshots in order. Nothing changes once the
   * run has ended. The listener's exception propagates, after the update.
   */
  private void update(Progress.Phase phase, long rows) {
    synchronized (lock) {
      Progress p = progress;
      if (p.phase().isFinal()) {
        return;
      }
      long read = p.rowsRead() + rows;
      Progress next =
          new Progress(phase == null ? p.phase() : phase, read < 0 ? Long.MAX_VALUE : read);
      progress = next;
      listener.onProgress(next);
    }
  }

  /** The engine's side, installed once into {@link ControlAccess}. */
  private static final class Access extends ControlAccess {
    @Override
    protected boolean begin(QueryControl control) {
      return control.started.compareAndSet(false, true);
    }

    @Override
    protected void phaseOf(QueryControl control, Progress.Phase phase) {
      Objects.requireNonNull(phase, "phase");
      control.update(phase, 0);
    }

    @Override
    protected void rowsOf(QueryControl control, long rows) {
      if (rows < 0) {
        throw new IllegalArgumentException("rows must not be negative; provided value: " + rows);
      }
      control.update(null, rows);
    }
  }
}
