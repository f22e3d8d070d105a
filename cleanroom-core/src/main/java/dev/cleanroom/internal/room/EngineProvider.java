package dev.cleanroom.internal.room;

import dev.cleanroom.CleanRoom;
import dev.cleanroom.engine.CleanRoomProvider;
import dev.cleanroom.engine.Settings;

/** The engine behind {@link CleanRoom#builder()}, found through the service loader. */
public final class EngineProvider implements CleanRoomProvider {
  /** Creates the provider; called by the service loader. */
  public EngineProvider() {}

  @Override
  public CleanRoom create(Settings settings) {
    return new Room(settings);
  }
}
