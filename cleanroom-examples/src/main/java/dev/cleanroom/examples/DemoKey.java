package dev.cleanroom.examples;

import dev.cleanroom.SecretKey;
import java.nio.charset.StandardCharsets;

/**
 * The fixed room keys of the examples, so that every run gives the same output (up to the noise):
 * the keyed choice of each person's groups depends only on the room's key and the query. A real
 * room loads its key from a secret store and never writes it into code.
 */
final class DemoKey {
  private DemoKey() {}

  /** The demo key of {@code example}. */
  static SecretKey of(String example) {
    String text = "cleanroom demo key, not a secret: " + example;
    return SecretKey.of(text.getBytes(StandardCharsets.UTF_8));
  }
}
