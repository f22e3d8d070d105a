package dev.cleanroom.engine;

import dev.cleanroom.CleanRoom;

/**
 * Creates the engine behind {@link CleanRoom#builder()}. {@code cleanroom-core} provides one
 * through {@link java.util.ServiceLoader}; applications do not implement this.
 */
public interface CleanRoomProvider {
  /**
   * A room with the given settings.
   *
   * @param settings the room's settings
   * @return a room with the given settings
   */
  CleanRoom create(Settings settings);
}
