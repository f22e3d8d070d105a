package dev.cleanroom.spi;

import java.util.Objects;

/**
 * One record of a {@link StateStore}: its kind and an engine-encoded body of printable ASCII
 * without line breaks.
 *
 * @param kind what the record holds, e.g. {@code template}; letters, digits and {@code -} only
 * @param body the engine's encoding of the record
 */
public record StateRecord(String kind, String body) {
  /**
   * @param kind what the record holds; letters, digits and {@code -}, 1 to 32 characters
   * @param body the engine's encoding, printable ASCII without line breaks
   * @throws NullPointerException if an argument is null
   * @throws IllegalArgumentException if {@code kind} or {@code body} has another character
   */
  public StateRecord {
    Objects.requireNonNull(kind, "kind");
    Objects.requireNonNull(body, "body");
    if (!kind.matches("[A-Za-z0-9-]{1,32}")) {
      throw new IllegalArgumentException(
          "a state record's kind has letters, digits and '-' only, 1 to 32 of them");
    }
    for (int i = 0; i < body.length(); i++) {
      char c = body.charAt(i);
      if (c < 0x20 || c > 0x7e) {
        throw new IllegalArgumentException(
            "a state record's body is printable ASCII; character " + i + " is not");
      }
    }
  }
}
