/** Runnable cleanroom examples on seeded synthetic data. */
module dev.cleanroom.examples {
  requires dev.cleanroom.core;
  requires java.sql;
  requires jmh.core;
  requires java.management;
  requires jdk.management;

  exports dev.cleanroom.examples;
}
