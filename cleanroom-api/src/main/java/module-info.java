/** The public types of cleanroom: rooms, datasets, policies, queries, results and the SPIs. */
module dev.cleanroom.api {
  // SqlTable names a javax.sql.DataSource: a JDK module, no dependency.
  requires transitive java.sql;

  exports dev.cleanroom;
  exports dev.cleanroom.query;
  exports dev.cleanroom.spi;
  // What the engine implements and the builder calls: out of the applications' way.
  exports dev.cleanroom.engine to
      dev.cleanroom.core;

  uses dev.cleanroom.engine.CleanRoomProvider;
}
