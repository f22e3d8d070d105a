package dev.cleanroom;

/**
 * The root of the domain refusals and failures of a clean room. Messages never contain data values,
 * user ids or keys.
 */
public abstract class CleanRoomException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  /** A refusal or failure with the given message. */
  protected CleanRoomException(String message) {
    super(message);
  }

  /** A refusal or failure with the given message and cause. */
  protected CleanRoomException(String message, Throwable cause) {
    super(message, cause);
  }
}
