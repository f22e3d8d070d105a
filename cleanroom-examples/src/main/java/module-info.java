/** Runnable cleanroom examples on seeded synthetic data. */
module dev.cleanroom.examples {
  requires dev.cleanroom.core;

  exports dev.cleanroom.examples;
}
