/** Differential-privacy primitives and contribution bounding. */
module dev.cleanroom.dp {
  requires transitive dev.cleanroom.api;

  exports dev.cleanroom.dp;
}
