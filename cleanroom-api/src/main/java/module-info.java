/** The public types of cleanroom: rooms, datasets, policies, queries, results and the SPIs. */
module dev.cleanroom.api {
  requires transitive java.sql; // SqlTable names a javax.sql.DataSource: a JDK module, no

  // dependency

  exports dev.cleanroom;
  exports dev.cleanroom.query;
  exports dev.cleanroom.spi;

  uses dev.cleanroom.spi.CleanRoomProvider;
}
