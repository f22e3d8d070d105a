/** The cleanroom engine: planner, policy checks, executor, sources, pseudonymization and audit. */
module dev.cleanroom.core {
  requires transitive dev.cleanroom.api;
  requires dev.cleanroom.dp;
  requires com.google.common;
  requires org.apache.commons.codec;
  requires org.slf4j;
  requires transitive java.sql;

  exports dev.cleanroom.core;
  exports dev.cleanroom.source;
  exports dev.cleanroom.jdbc;

  provides dev.cleanroom.spi.CleanRoomProvider with
      dev.cleanroom.core.internal.EngineProvider;
}
