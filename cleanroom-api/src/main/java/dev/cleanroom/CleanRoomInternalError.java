package dev.cleanroom;

/** A broken invariant inside the library: a bug, never a caller's mistake. */
public final class CleanRoomInternalError extends AssertionError {
  private static final long serialVersionUID = 1L;

  /**
   * An internal error described by {@code message}, which carries no data values.
   *
   * @param message the broken invariant, without data values
   */
  public CleanRoomInternalError(String message) {
    super(message);
  }
}
