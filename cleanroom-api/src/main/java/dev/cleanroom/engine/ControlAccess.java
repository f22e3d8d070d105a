package dev.cleanroom.engine;

import dev.cleanroom.query.Progress;
import dev.cleanroom.query.QueryControl;
import java.util.Objects;

/**
 * The engine's side of a {@link QueryControl}: claiming it for a run and reporting the run's phases
 * and rows read, which the analyst's side of the control does not offer. {@link QueryControl}
 * installs the one implementation when its class is initialized; engines call the static methods.
 * Like the rest of this package, it is exported only to the engine module.
 */
public abstract class ControlAccess {
  private static volatile ControlAccess installed;

  /** For {@link QueryControl}'s implementation only. */
  protected ControlAccess() {}

  /**
   * Installs the implementation; called once, by {@link QueryControl}'s class initializer.
   *
   * @param access the implementation
   * @throws IllegalStateException if one was installed already
   */
  public static void install(ControlAccess access) {
    Objects.requireNonNull(access, "access");
    synchronized (ControlAccess.class) {
      if (installed != null) {
        throw new IllegalStateException("the control access was already installed");
      }
      installed = access;
    }
  }

  private static ControlAccess installed() {
    ControlAccess a = installed;
    if (a == null) {
      // Unreachable with a control in hand: creating one initialized its class, which installs.
      throw new IllegalStateException("QueryControl is not initialized");
    }
    return a;
  }

  /**
   * Claims {@code control} for one run.
   *
   * @param control the control
   * @return true for the first claim, false if a run has claimed it before
   */
  public static boolean start(QueryControl control) {
    Objects.requireNonNull(control, "control");
    return installed().begin(control);
  }

  /**
   * Moves the run of {@code control} to {@code phase} and tells its listener. Nothing changes once
   * the run is {@link Progress.Phase#isFinal() final}.
   *
   * @param control the control
   * @param phase the new phase
   * @throws RuntimeException whatever the listener throws, after the phase was set: callers catch
   *     it, so that a listener cannot break a run
   */
  public static void enter(QueryControl control, Progress.Phase phase) {
    Objects.requireNonNull(control, "control");
    installed().phaseOf(control, phase);
  }

  /**
   * Adds {@code rows} to the rows read by the run of {@code control} and tells its listener.
   *
   * @param control the control
   * @param rows the rows read since the last report, not negative
   * @throws RuntimeException whatever the listener throws, after the rows were added: callers catch
   *     it, so that a listener cannot break a run
   */
  public static void addRowsRead(QueryControl control, long rows) {
    Objects.requireNonNull(control, "control");
    installed().rowsOf(control, rows);
  }

  /**
   * See {@link #start}.
   *
   * @param control the control
   * @return whether this is the first claim
   */
  protected abstract boolean begin(QueryControl control);

  /**
   * See {@link #enter(QueryControl, Progress.Phase)}.
   *
   * @param control the control
   * @param phase the new phase
   */
  protected abstract void phaseOf(QueryControl control, Progress.Phase phase);

  /**
   * See {@link #addRowsRead}.
   *
   * @param control the control
   * @param rows the rows read since the last report
   */
  protected abstract void rowsOf(QueryControl control, long rows);
}
