package dev.cleanroom.core.internal;

import dev.cleanroom.CleanRoom;
import dev.cleanroom.spi.CleanRoomProvider;

/** The engine behind {@link CleanRoom#builder()}, found through the service loader. */
public final class EngineProvider implements CleanRoomProvider {
  /** Creates the provider; called by the service loader. */
  public EngineProvider() {}

  @Override
  public CleanRoom create(CleanRoom.Settings settings) {
    return new Room(settings);
  }
}
