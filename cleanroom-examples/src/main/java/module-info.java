/** Runnable cleanroom examples on seeded synthetic data. */
module dev.cleanroom.examples {
  requires dev.cleanroom.core;
  requires java.sql;

  exports dev.cleanroom.examples;
}
