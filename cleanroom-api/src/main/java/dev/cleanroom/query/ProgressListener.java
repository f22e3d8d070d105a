package dev.cleanroom.query;

/**
 * Receives {@link Progress} snapshots of a run: at each change of phase, and as rows are read, at
 * most once per batch of rows. Calls come from the thread that runs the query (or from the threads
 * of a parallel load), one at a time and in order: the rows read never decrease and the last call
 * has phase {@link Progress.Phase#DONE} or {@link Progress.Phase#FAILED}.
 *
 * <p>The listener runs inside the query, so it should return quickly (hand the snapshot to a UI
 * thread rather than render it). An exception it throws does not break the query: the engine logs
 * the exception's class name, never its message, and goes on.
 *
 * <pre>{@code
 * QueryControl control = QueryControl.create(p -> status.set(p.phase() + ": " + p.rowsRead()));
 * }</pre>
 */
@FunctionalInterface
public interface ProgressListener {
  /**
   * Called with a new snapshot of the run's progress.
   *
   * @param progress the snapshot
   */
  void onProgress(Progress progress);
}
