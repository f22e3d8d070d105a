/** The public types of cleanroom: rooms, datasets, policies, queries, results and the SPIs. */
module dev.cleanroom.api {
  exports dev.cleanroom;
  exports dev.cleanroom.query;
  exports dev.cleanroom.spi;

  uses dev.cleanroom.spi.CleanRoomProvider;
}
